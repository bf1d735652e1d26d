import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { migrateOrThrow, openDatabase } from '../../app/lib/db.server'
import { isEmpty, seedDemo } from './index'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-seed-'))
const database = openDatabase({ path: path.join(dir, 'seed.sqlite'), synchronous: 'NORMAL' })
afterAll(() => database.close())

describe('seedDemo', () => {
  it('fills an empty database with the demo city, then is idempotent', async () => {
    await migrateOrThrow(database)
    expect(await isEmpty(database)).toBe(true)
    const progress: number[] = []
    const first = await seedDemo(database, { seed: 1, scale: 1, onProgress: (done) => progress.push(done) })
    expect(first.areas).toBeGreaterThanOrEqual(44)
    expect(progress.length).toBeGreaterThan(0)
    expect(await isEmpty(database)).toBe(false)

    const snapshot = () => database.sqlite.prepare('select slug, level, parent_id, geometry from areas order by id').all()
    const before = snapshot()
    const second = await seedDemo(database, { seed: 1, scale: 1 })
    expect(second.areas).toBe(0)
    expect(snapshot()).toEqual(before)
  })

  it('links every area to a parent of the level above and indexes every bounding box', async () => {
    const orphans = await sql<{ n: number }>`
      select count(*) as n from areas a left join areas p on p.id = a.parent_id
      where (a.level = 'district' and p.level is not 'city') or (a.level = 'neighbourhood' and p.level is not 'district')
         or (a.level = 'city' and a.parent_id is not null)`.execute(database.db)
    expect(orphans.rows[0]!.n).toBe(0)
    const indexed = await sql<{ n: number }>`select count(*) as n from areas a join areas_rtree r on r.id = a.id
      where r.min_lng <= a.min_lng and r.max_lng >= a.max_lng`.execute(database.db)
    const all = await sql<{ n: number }>`select count(*) as n from areas`.execute(database.db)
    expect(indexed.rows[0]!.n).toBe(all.rows[0]!.n)
    const city = database.sqlite.prepare(`select value from settings where key = 'city'`).pluck().get() as string
    expect(JSON.parse(city)).toMatchObject({ name: 'Valmera', slug: 'valmera' })
  })

  it('is deterministic: the same seed gives the same city in another database', async () => {
    const other = openDatabase({ path: path.join(dir, 'other.sqlite'), synchronous: 'NORMAL' })
    await migrateOrThrow(other)
    await seedDemo(other, { seed: 1, scale: 1 })
    const geometries = (d: typeof database) => d.sqlite.prepare('select slug, geometry from areas order by slug').all()
    expect(geometries(other)).toEqual(geometries(database))
    await other.close()
  })
})
