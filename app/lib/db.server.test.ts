import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateOrThrow, openDatabase, type PlazaDatabase } from './db.server'

const opened: PlazaDatabase[] = []
function freshDatabase(options: { maxBatch?: number } = {}) {
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
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
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
    const tables = database.sqlite
      .prepare(`select name from sqlite_master where type in ('table') and name not like 'sqlite_%' order by name`)
      .pluck()
      .all() as string[]
    expect(tables).toEqual(expect.arrayContaining(['areas', 'areas_rtree', 'settings', 'rate_limits', 'kysely_migration']))
    expect(await migrateOrThrow(database)).toEqual([])
  })

  it('keep the areas R*Tree in step with the areas table', async () => {
    const database = freshDatabase()
    await migrateOrThrow(database)
    await database.write((trx) =>
      trx
        .insertInto('areas')
        .values({ slug: 'a', name: 'A', level: 'city', parent_id: null, geometry: '{}', min_lng: 1, min_lat: 2, max_lng: 3, max_lat: 4, area_m2: 1 })
        .execute(),
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
        trx
          .insertInto('areas')
          .values({ slug: 'x', name: 'X', level: 'district', parent_id: 999, geometry: '{}', min_lng: 0, min_lat: 0, max_lng: 0, max_lat: 0, area_m2: 0 })
          .execute(),
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
      Array.from({ length: 100 }, (_, i) => database.write((trx) => trx.insertInto('settings').values(setting(`k${i}`)).execute().then(() => i))),
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
    await Promise.all(Array.from({ length: 50 }, (_, i) => database.write((trx) => trx.insertInto('settings').values(setting(`m${i}`)).execute())))
    expect(database.stats().batches - before).toBeGreaterThanOrEqual(5)
  })
})
