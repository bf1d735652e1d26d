import { beforeAll, describe, expect, it } from 'vitest'

const { database, migrateOrThrow } = await import('../../lib/db.server')
const { ensureReportStates } = await import('./states.server')
const { defaultStates } = await import('./states')

beforeAll(async () => {
  await migrateOrThrow(database())
})

describe('ensureReportStates', () => {
  it('adds the fixed states to a database that has none, keeps renamed ones, and adds nothing twice', async () => {
    const db = database()
    expect(await db.db.selectFrom('report_states').select('code').execute()).toEqual([])
    expect(await ensureReportStates(db)).toBe(defaultStates.length)
    const rows = await db.db.selectFrom('report_states').selectAll().orderBy('position').execute()
    expect(rows.map((r) => [r.code, r.kind])).toEqual(defaultStates.map((s) => [s.code, s.kind]))
    // An administrator's name survives; a state removed by hand comes back.
    await db.write((trx) =>
      trx
        .updateTable('report_states')
        .set({ label: JSON.stringify({ en: 'Being looked at' }) })
        .where('code', '=', 'investigating')
        .execute(),
    )
    await db.write((trx) => trx.deleteFrom('report_states').where('code', '=', 'hidden').execute())
    expect(await ensureReportStates(db)).toBe(1)
    expect(await ensureReportStates(db)).toBe(0)
    const investigating = await db.db.selectFrom('report_states').select('label').where('code', '=', 'investigating').executeTakeFirstOrThrow()
    expect(JSON.parse(investigating.label!)).toEqual({ en: 'Being looked at' })
    expect(await db.db.selectFrom('report_states').select('code').where('code', '=', 'hidden').executeTakeFirst()).toBeTruthy()
  })
})
