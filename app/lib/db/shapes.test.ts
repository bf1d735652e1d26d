import SQLite from 'better-sqlite3'
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteDialect, DummyDriver } from 'kysely'
import { describe, expect, it } from 'vitest'
import { PostgresTextPlugin } from './dialect'
import { shaped } from './shapes'

interface Db {
  items: { id: number; state: string; score: number; tag: string | null }
}

function sqliteDb() {
  const sqlite = new SQLite(':memory:')
  sqlite.exec(`create table items (id integer primary key, state text not null, score integer not null, tag text);
    insert into items (id, state, score, tag) values (1, 'open', 5, 'a'), (2, 'open', 9, 'b'), (3, 'closed', 7, 'a'), (4, 'open', 1, null)`)
  return new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) })
}

type Values = readonly [state: string, tag: string, limit: number]
const list = (db: Kysely<Db>, withTag: boolean) => (v: Values) => {
  let q = db.selectFrom('items').select('id').where('state', '=', v[0])
  if (withTag) q = q.where('tag', '=', v[1])
  return q.orderBy('score', 'desc').limit(v[2])
}

describe('shaped (compiled queries kept per shape)', () => {
  it('answers each call with its own values in the shape compiled once', async () => {
    const db = sqliteDb()
    const run = async (withTag: boolean, values: Values) => (await db.executeQuery(shaped(db, `items:${withTag}`, values, list(db, withTag)))).rows
    expect(await run(false, ['open', '', 10])).toEqual([{ id: 2 }, { id: 1 }, { id: 4 }])
    expect(await run(false, ['open', '', 1])).toEqual([{ id: 2 }])
    expect(await run(false, ['closed', '', 10])).toEqual([{ id: 3 }])
    expect(await run(true, ['open', 'a', 10])).toEqual([{ id: 1 }])
    expect(await run(true, ['closed', 'a', 10])).toEqual([{ id: 3 }])
    const a = shaped(db, 'items:true', ['open', 'b', 3] as Values, list(db, true))
    const b = shaped(db, 'items:true', ['closed', 'x', 7] as Values, list(db, true))
    expect(b.sql).toBe(a.sql)
    expect(b.parameters).toEqual(['closed', 'x', 7])
    expect(b.queryId).not.toBe(a.queryId)
  })

  it('refuses lists and objects as values (each element must be a value of its own)', () => {
    const db = sqliteDb()
    expect(() => shaped(db, 'bad', [[1, 2]] as const, () => db.selectFrom('items').select('id'))).toThrow(/scalars/)
    expect(() => shaped(db, 'bad', [{ id: 1 }] as const, () => db.selectFrom('items').select('id'))).toThrow(/scalars/)
  })

  it('outside production, fails a build that took a value from elsewhere than its slots', () => {
    const db = sqliteDb()
    let outside = 'open'
    const build = () => db.selectFrom('items').select('id').where('state', '=', outside)
    shaped(db, 'frozen', [] as const, build)
    outside = 'closed'
    expect(() => shaped(db, 'frozen', [] as const, build)).toThrow(/does not match/)
  })

  it('on PostgreSQL, puts the NUL replacement of PostgresTextPlugin on string values', () => {
    const db = new Kysely<Db>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      plugins: [new PostgresTextPlugin()],
    })
    const q = shaped(db, 'pg', ['a\u0000b', '', 5] as Values, list(db, false))
    expect(q.sql).toBe('select "id" from "items" where "state" = $1 order by "score" desc limit $2')
    expect(q.parameters).toEqual(['a\uFFFDb', 5])
  })
})
