import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import SQLite from 'better-sqlite3'
import { DatabaseUnavailableError, migrateOrThrow, openDatabase, type PlazaDatabase } from './db.server'

const opened: PlazaDatabase[] = []
function freshDatabase(options: { maxBatch?: number; busyTimeoutMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-db-'))
  const database = openDatabase({ path: path.join(dir, 'nested', 'plaza.sqlite'), synchronous: 'NORMAL', ...options })
  opened.push(database)
  return database
}

afterEach(async () => {
  while (opened.length) await opened.pop()!.close()
})

describe('openDatabase', () => {
  it('creates the directory and sets WAL, foreign keys and a busy timeout', () => {
    const database = freshDatabase()
    expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(250)
    expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
  })
})

describe('migrations', () => {
  it('migrate an empty database to the latest schema, then do nothing', async () => {
    const database = freshDatabase()
    const { migrations } = await import('../../db/migrations/index')
    const applied = await migrateOrThrow(database)
    expect(applied[0]).toBe('0001_foundation')
    expect(applied).toEqual(Object.keys(migrations).sort())
    const tables = database.sqlite.prepare(`select name from sqlite_master where type in ('table') and name not like 'sqlite_%' order by name`).pluck().all() as string[]
    expect(tables).toEqual(expect.arrayContaining(['areas', 'areas_rtree', 'settings', 'rate_limits', 'kysely_migration']))
    expect(await migrateOrThrow(database)).toEqual([])
  })

  it('keep the areas R*Tree in step with the areas table', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    await database.write((trx) =>
      trx.insertInto('areas').values({ slug: 'a', name: 'A', level: 'city', parent_id: null, geometry: '{}', min_lng: 1, min_lat: 2, max_lng: 3, max_lat: 4, area_m2: 1 }).execute(),
    )
    const hit = await sql<{ id: number }>`select id from areas_rtree where min_lng <= 2 and max_lng >= 2 and min_lat <= 3 and max_lat >= 3`.execute(database.db)
    expect(hit.rows).toHaveLength(1)
    await database.write((trx) => trx.deleteFrom('areas').execute())
    const after = await sql<{ n: number }>`select count(*) as n from areas_rtree`.execute(database.db)
    expect(after.rows[0]!.n).toBe(0)
  })

  it('enforce foreign keys', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    await expect(
      database.write((trx) =>
        trx.insertInto('areas').values({ slug: 'x', name: 'X', level: 'district', parent_id: 999, geometry: '{}', min_lng: 0, min_lat: 0, max_lng: 0, max_lat: 0, area_m2: 0 }).execute(),
      ),
    ).rejects.toThrow(/FOREIGN KEY/)
  })
})

describe('write (the single write path)', () => {
  const setting = (key: string) => ({ key, value: '"v"', updated_at: new Date().toISOString() })

  it('commits concurrent writes together in fewer transactions than writes', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    const before = database.stats()
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        database.write((trx) =>
          trx
            .insertInto('settings')
            .values(setting(`k${i}`))
            .execute()
            .then(() => i),
        ),
      ),
    )
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i))
    const after = database.stats()
    expect(after.writes - before.writes).toBe(100)
    expect(after.batches - before.batches).toBeLessThan(10)
    const count = database.sqlite.prepare('select count(*) from settings').pluck().get()
    expect(count).toBe(100)
  })

  it('rolls back only the failing write of a batch', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    const outcomes = await Promise.allSettled([
      database.write((trx) => trx.insertInto('settings').values(setting('a')).execute()),
      database.write(async (trx) => {
        await trx.insertInto('settings').values(setting('b')).execute()
        throw new Error('refused by a rule')
      }),
      database.write((trx) => trx.insertInto('settings').values(setting('a')).execute()), // duplicate key
      database.write((trx) => trx.insertInto('settings').values(setting('c')).execute()),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('refused by a rule')
    const keys = database.sqlite.prepare('select key from settings order by key').pluck().all()
    expect(keys).toEqual(['a', 'c'])
  })

  it('honours the largest batch size', async () => {
    const database = freshDatabase({ maxBatch: 10 })
    await migrateOrThrow(database)
    const before = database.stats().batches
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        database.write((trx) =>
          trx
            .insertInto('settings')
            .values(setting(`m${i}`))
            .execute(),
        ),
      ),
    )
    expect(database.stats().batches - before).toBeGreaterThanOrEqual(5)
  })
})

describe("write under another process's lock and faults (issue 15)", () => {
  const setting = (key: string, value = '"v"') => ({ key, value, updated_at: new Date().toISOString() })
  /** A second connection to the same file: another server process. */
  const other = (database: PlazaDatabase) => {
    const connection = new SQLite(database.sqlite.name)
    connection.pragma('busy_timeout = 0')
    return connection
  }

  it('never fails a read-then-write for a stale snapshot: the write lock is taken before the read', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    await database.write((trx) => trx.insertInto('settings').values(setting('n', '0')).execute())
    const otherProcess = other(database)
    let otherWrote: boolean | undefined
    const result = await database.write(async (trx) => {
      const row = await trx.selectFrom('settings').select('value').where('key', '=', 'n').executeTakeFirstOrThrow()
      // Another process tries to write between our read and our write (before: it committed, and our
      // update then failed with SQLITE_BUSY_SNAPSHOT).
      try {
        otherProcess.prepare(`update settings set value = '100' where key = 'n'`).run()
        otherWrote = true
      } catch (error) {
        otherWrote = (error as { code?: string }).code?.startsWith('SQLITE_BUSY') ? false : undefined
      }
      await trx
        .updateTable('settings')
        .set({ value: String(Number(row.value) + 1) })
        .where('key', '=', 'n')
        .execute()
      return 'done'
    })
    expect(result).toBe('done')
    expect(otherWrote).toBe(false)
    expect(database.sqlite.prepare(`select value from settings where key = 'n'`).pluck().get()).toBe('1')
    otherProcess.close()
  })

  it('waits for another process\'s lock without blocking the event loop, then answers "busy"', async () => {
    const database = freshDatabase({ busyTimeoutMs: 400 })
    await migrateOrThrow(database)
    const otherProcess = other(database)
    otherProcess.exec('begin immediate')
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const started = Date.now()
    const outcome = await database.write((trx) => trx.insertInto('settings').values(setting('x')).execute()).catch((e: unknown) => e)
    clearInterval(ticker)
    expect(outcome).toBeInstanceOf(DatabaseUnavailableError)
    expect((outcome as DatabaseUnavailableError).reason).toBe('busy')
    expect((outcome as DatabaseUnavailableError).retryAfterSeconds).toBeGreaterThan(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(350)
    // The event loop kept running while the write waited (a synchronous busy handler: ~0 ticks).
    expect(ticks).toBeGreaterThanOrEqual(8)
    expect(database.fault()?.error.reason).toBe('busy')
    // Released within the wait: the write goes through.
    const pending = database.write((trx) => trx.insertInto('settings').values(setting('y')).execute())
    setTimeout(() => otherProcess.exec('rollback'), 100)
    await pending
    expect(database.fault()).toBeNull()
    expect(database.sqlite.prepare(`select count(*) from settings where key = 'y'`).pluck().get()).toBe(1)
    otherProcess.close()
  })

  it('reports a full disk as such (not "cannot rollback"), alone or in a batch, and recovers when space returns', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    const pages = database.sqlite.pragma('page_count', { simple: true }) as number
    // SQLite's page limit stands in for a full disk here (the faults bench fills a real one).
    database.sqlite.pragma(`max_page_count = ${pages + 2}`)
    const big = 'x'.repeat(20_000)
    const alone = await database.write((trx) => trx.insertInto('settings').values(setting('big', big)).execute()).catch((e: unknown) => e)
    expect(alone).toBeInstanceOf(DatabaseUnavailableError)
    expect((alone as DatabaseUnavailableError).reason).toBe('full')
    expect((alone as Error).message).not.toMatch(/cannot rollback/)
    const batch = await Promise.allSettled([
      database.write((trx) => trx.insertInto('settings').values(setting('small')).execute()),
      database.write((trx) => trx.insertInto('settings').values(setting('big2', big)).execute()),
      database.write((trx) => trx.insertInto('settings').values(setting('small2')).execute()),
    ])
    for (const outcome of batch) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(DatabaseUnavailableError)
        expect((outcome.reason as DatabaseUnavailableError).code).toBe('SQLITE_FULL')
      }
    }
    expect(batch[1]!.status).toBe('rejected')
    expect(database.fault()?.error.reason).toBe('full')
    // Nothing acknowledged was lost: every fulfilled write is there.
    for (const [i, key] of ['small', 'big2', 'small2'].entries()) {
      const stored = database.sqlite.prepare('select count(*) from settings where key = ?').pluck().get(key)
      expect(stored).toBe(batch[i]!.status === 'fulfilled' ? 1 : 0)
    }
    database.sqlite.pragma('max_page_count = 1073741823')
    await database.write((trx) => trx.insertInto('settings').values(setting('after', big)).execute())
    expect(database.fault()).toBeNull()
  })
})
