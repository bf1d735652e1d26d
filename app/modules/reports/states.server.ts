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
    const after = await trx.selectFrom('report_states').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(after.n) - existing.size
  })
}
