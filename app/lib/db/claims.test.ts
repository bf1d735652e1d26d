import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type TestPostgres } from '../../../tests/support/postgres'
import { migrateOrThrow, openDatabase, type PlazaDatabase } from '../db.server'
import { claimJobRun, finishJobRun } from '../jobs.server'
import { claimDueMail, queueMail } from '../mail/outbox.server'
import { skipLocked, skipLockedSql } from './claims'

// Claims shared by several app servers (ADR 123): each "server" here is a PlazaDatabase of its own
// (its own connections and group commit) on one database, as two Plaza processes would be.

const at = new Date(Date.now() + 24 * 3600_000)

async function queueMails(db: PlazaDatabase, n: number) {
  await db.write(async (trx) => {
    for (let i = 0; i < n; i++) await queueMail(trx, { kind: 'test.claim', to: `person${i}@example.org`, subject: `Mail ${i}`, text: `Mail number ${i}` })
  })
}

/** Every server claims in a loop, several claims in flight each, until the outbox has nothing due. */
async function claimEverything(servers: PlazaDatabase[], limit: number): Promise<number[][]> {
  const claimed: number[][] = servers.map(() => [])
  await Promise.all(
    servers.flatMap((db, s) =>
      Array.from({ length: 3 }, async () => {
        for (;;) {
          const rows = await claimDueMail(limit, at, { database: db })
          if (rows.length === 0) return
          claimed[s]!.push(...rows.map((r) => r.id))
        }
      }),
    ),
  )
  return claimed
}

function expectDisjointAndComplete(claimed: number[][], expected: number) {
  const all = claimed.flat()
  expect(new Set(all).size).toBe(all.length)
  expect(all).toHaveLength(expected)
}

async function jobRunRace(servers: PlazaDatabase[]) {
  const now = new Date()
  const claims = await Promise.all(servers.flatMap((db) => [0, 1, 2].map(() => claimJobRun('test.upkeep', { everyMs: 60_000, now, database: db }))))
  const won = claims.filter((c) => c !== null)
  expect(won).toHaveLength(1)
  // Finished, it is not due again until its interval has passed, whoever asks.
  expect(await finishJobRun(won[0]!, null, { now, database: servers[0]! })).toBe(true)
  expect(await claimJobRun('test.upkeep', { everyMs: 60_000, now: new Date(now.getTime() + 30_000), database: servers[1]! })).toBeNull()
  const next = await claimJobRun('test.upkeep', { everyMs: 60_000, now: new Date(now.getTime() + 60_000), database: servers[1]! })
  expect(next).not.toBeNull()
  // A server that died mid-run keeps the others away only until its lease ends.
  const later = new Date(now.getTime() + 5 * 60_000)
  expect(await claimJobRun('test.upkeep', { everyMs: 60_000, now: later, database: servers[0]! })).toBeNull()
  const takeover = await claimJobRun('test.upkeep', { everyMs: 60_000, now: new Date(now.getTime() + 11 * 60_000), database: servers[0]! })
  expect(takeover).not.toBeNull()
  // The dead run cannot end the new one's lease.
  expect(await finishJobRun(next!, new Error('late'), { database: servers[1]! })).toBe(false)
  expect(await finishJobRun(takeover!, new Error('disk full'), { database: servers[0]! })).toBe(true)
  const row = await servers[0]!.db.selectFrom('job_runs').selectAll().where('name', '=', 'test.upkeep').executeTakeFirstOrThrow()
  expect(row).toMatchObject({ holder: null, last_error: 'disk full', runs: 3 })
}

describe.skipIf(postgresBinaries() === null)('claims on PostgreSQL, two servers', () => {
  let server: TestPostgres
  const servers: PlazaDatabase[] = []

  beforeAll(async () => {
    server = await startPostgres()
    const url = await server.createDatabase('claims_test')
    servers.push(openDatabase({ path: '', url }), openDatabase({ path: '', url }))
    await migrateOrThrow(servers[0]!)
  }, 120_000)
  afterAll(async () => {
    for (const db of servers) await db.close()
    await server?.stop()
  })

  it('locks the candidates for update, skipping rows other servers hold', () => {
    const db = servers[0]!.db
    const query = skipLocked(db, db.selectFrom('outbox').select('id').limit(5)).compile()
    expect(query.sql).toMatch(/for update skip locked$/)
    const joined = skipLocked(db, db.selectFrom('report_deliveries as x').select('x.report_id'), 'x').compile()
    expect(joined.sql).toMatch(/for update of "x" skip locked$/)
    expect(skipLockedSql(db, 'x').compile(db).sql).toBe('for update of x skip locked')
    expect(() => skipLockedSql(db, 'x; drop table outbox')).toThrow(/not a table alias/)
  })

  it('gives each due mail to one server only when both claim at once', async () => {
    await queueMails(servers[0]!, 400)
    const claimed = await claimEverything(servers, 7)
    expectDisjointAndComplete(claimed, 400)
    // Both servers took part (the claims ran side by side, not one after the other).
    expect(claimed[0]!.length).toBeGreaterThan(0)
    expect(claimed[1]!.length).toBeGreaterThan(0)
    const attempts = await servers[0]!.db.selectFrom('outbox').select('attempts').where('attempts', '!=', 1).execute()
    expect(attempts).toEqual([])
  }, 60_000)

  it('skips the rows a claim not yet committed holds, instead of claiming them again', async () => {
    await servers[0]!.write((trx) => trx.deleteFrom('outbox').execute())
    await queueMails(servers[0]!, 6)
    // Server A's claim transaction stays open (as in a busy group-commit batch) until `commit` is called.
    let commit!: () => void
    const open = new Promise<void>((resolve) => (commit = resolve))
    const slowA = Object.assign(Object.create(servers[0]!) as PlazaDatabase, {
      write: <T>(fn: (trx: Parameters<Parameters<PlazaDatabase['write']>[0]>[0]) => Promise<T>) =>
        servers[0]!.write(async (trx) => {
          const result = await fn(trx)
          await open
          return result
        }),
    })
    const a = claimDueMail(3, at, { database: slowA })
    await new Promise((r) => setTimeout(r, 200))
    // B neither waits for A's rows nor takes them: it claims the other three at once.
    const b = await claimDueMail(3, at, { database: servers[1]! })
    commit()
    const aIds = (await a).map((r) => r.id)
    const bIds = b.map((r) => r.id)
    expect(aIds).toHaveLength(3)
    expect(bIds).toHaveLength(3)
    expect(aIds.filter((id) => bIds.includes(id))).toEqual([])
  }, 30_000)

  it('lets one server claim a periodic job run, once per interval', async () => {
    await jobRunRace(servers)
  })
})

describe('claims on SQLite, two connections', () => {
  let dir: string
  const servers: PlazaDatabase[] = []

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-claims-'))
    const file = path.join(dir, 'plaza.sqlite')
    servers.push(openDatabase({ path: file, synchronous: 'NORMAL' }), openDatabase({ path: file, synchronous: 'NORMAL' }))
    await migrateOrThrow(servers[0]!)
  })
  afterAll(async () => {
    for (const db of servers) await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('adds no locking clause on SQLite', () => {
    const db = servers[0]!.db
    expect(skipLocked(db, db.selectFrom('outbox').select('id')).compile().sql).not.toMatch(/for update/i)
    expect(skipLockedSql(db, 'x').compile(db).sql).toBe('')
  })

  it('gives each due mail to one server only', async () => {
    await queueMails(servers[0]!, 200)
    expectDisjointAndComplete(await claimEverything(servers, 7), 200)
  }, 60_000)

  it('lets one server claim a periodic job run, once per interval', async () => {
    await jobRunRace(servers)
  })
})
