import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import type { PlazaDatabase } from '../../lib/db.server'
import { defaultStates } from './states'

/**
 * The report states every installation needs: reports are filed as `unconfirmed` or `confirmed`,
 * and staff move them through the fixed set of kinds. Administrators rename states
 * (/admin/services/states) but never remove them, so the set is written on every start when a
 * state is missing — an installation set up without the demo (issue 16) starts with none.
 * Idempotent: existing states and their names are kept. Returns how many were added.
 */
export async function ensureReportStates(database: PlazaDatabase): Promise<number> {
  const existing = new Set((await database.db.selectFrom('report_states').select('code').execute()).map((r) => r.code))
  const missing = defaultStates.map((s, position) => ({ ...s, position })).filter((s) => !existing.has(s.code))
  if (missing.length === 0) return 0
  return database.write(async (trx) => {
    for (const s of missing) {
      await trx
        .insertInto('report_states')
        .values({ code: s.code, kind: s.kind, label: null, position: s.position })
        .onConflict((oc) => oc.column('code').doNothing())
        .execute()
    }
    const after = await trx
      .selectFrom('report_states')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(after.n) - existing.size
  })
}

/** Renames a state (null: back to the translated default); services' state names call it inside their write. */
export async function renameReportState(trx: Transaction<Database>, code: string, label: string | null): Promise<void> {
  await trx.updateTable('report_states').set({ label }).where('code', '=', code).execute()
}

/**
 * Forgets a department being deleted (services' deleteDepartment calls it inside its write): its
 * response templates and its per-state report counts, which belong to reports.
 */
export async function forgetDepartment(trx: Transaction<Database>, departmentId: number): Promise<void> {
  await trx.deleteFrom('response_templates').where('department_id', '=', departmentId).execute()
  await trx.deleteFrom('report_state_counts').where('department_id', '=', departmentId).execute()
}
