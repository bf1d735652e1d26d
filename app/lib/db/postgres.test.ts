import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type TestPostgres } from '../../../tests/support/postgres'
import { DatabaseUnavailableError, migrateOrThrow, openDatabase, type PlazaDatabase } from '../db.server'
import { engineOf, greatest, indexedBy, joinInOrder } from './dialect'
import { searchMatches } from './search'
import { statements } from './statements'

// PostgreSQL as the second engine (ADR 119): the same migrations, group commit and faults as on SQLite.
// Skipped where no PostgreSQL is installed (CI installs Debian's postgresql).
const available = postgresBinaries() !== null

describe.skipIf(!available)('PostgreSQL engine', () => {
  let server: TestPostgres
  let database: PlazaDatabase
  let sqliteDatabase: PlazaDatabase
  let dir: string

  beforeAll(async () => {
    server = await startPostgres()
    const url = await server.createDatabase('engine_test')
    database = openDatabase({ path: '', url })
    await migrateOrThrow(database)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-engine-'))
    sqliteDatabase = openDatabase({ path: path.join(dir, 'plaza.sqlite'), synchronous: 'NORMAL' })
    await migrateOrThrow(sqliteDatabase)
  }, 120_000)

  afterAll(async () => {
    await database?.close()
    await sqliteDatabase?.close()
    await server?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('selects PostgreSQL from a postgres:// URL and SQLite otherwise', () => {
    expect(database.engine).toBe('postgres')
    expect(engineOf(database.db)).toBe('postgres')
    expect(sqliteDatabase.engine).toBe('sqlite')
    expect(engineOf(sqliteDatabase.db)).toBe('sqlite')
    expect(() => database.sqlite).toThrow(/No SQLite handle/)
  })

  it('makes the same tables and columns on both engines', async () => {
    const sqliteTables = await sql<{ name: string }>`select name from sqlite_master where type in ('table', 'view')
      and name not like 'sqlite_%' and name not like 'kysely_%' and name not like '%_fts_%' and name not like '%_rtree_%' order by name`.execute(sqliteDatabase.db)
    const columns = async (table: string) => (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by name`.execute(sqliteDatabase.db)).rows.map((r) => r.name)
    const sqliteSchema: Record<string, string[]> = {}
    for (const { name } of sqliteTables.rows) sqliteSchema[name] = await columns(name)
    // FTS5 tables have no id column of their own (rowid); R*Trees have the five box columns.
    for (const fts of ['proposals_fts', 'petitions_fts']) sqliteSchema[fts] = ['document', 'id']

    const pgColumns = await sql<{ table_name: string; column_name: string }>`select table_name, column_name from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_%' order by table_name, column_name`.execute(database.db)
    const pgSchema: Record<string, string[]> = {}
    for (const row of pgColumns.rows) (pgSchema[row.table_name] ??= []).push(row.column_name)
    expect(Object.keys(pgSchema).length).toBeGreaterThan(60)
    expect(pgSchema).toEqual(sqliteSchema)
  })

  it('reads ids and counts as numbers', async () => {
    const { id } = await database.write((trx) =>
      trx
        .insertInto('areas')
        .values({ slug: 'centre', name: 'Centre', level: 'city', geometry: '{}', min_lng: -3.8, min_lat: 40.3, max_lng: -3.6, max_lat: 40.5, area_m2: 1 })
        .returning('id')
        .executeTakeFirstOrThrow(),
    )
    expect(typeof id).toBe('number')
    const row = await database.db
      .selectFrom('areas')
      .select([(eb) => eb.fn.countAll<number>().as('n'), sql<number>`max(min_lng)`.as('lng')])
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ n: 1, lng: -3.8 })
    const created = await database.db.selectFrom('areas').select('created_at').executeTakeFirstOrThrow()
    expect(created.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('finds areas by point through the spatial index names', async () => {
    const hit = await sql<{ id: number }>`select id from areas_rtree where min_lng <= ${-3.7} and max_lng >= ${-3.7} and min_lat <= ${40.4} and max_lat >= ${40.4}`.execute(database.db)
    const miss = await sql<{ id: number }>`select id from areas_rtree where min_lng <= ${2} and max_lng >= ${2} and min_lat <= ${40.4} and max_lat >= ${40.4}`.execute(database.db)
    expect(hit.rows).toHaveLength(1)
    expect(miss.rows).toHaveLength(0)
  })

  it('commits concurrent writes in groups, a failing write rolling back alone', async () => {
    const before = database.stats()
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        database.write(async (trx) => {
          await trx
            .insertInto('settings')
            .values({ key: `k${i % 39}`, value: String(i), updated_at: new Date().toISOString() })
            .execute()
          return i
        }),
      ),
    )
    // k0 is written twice (i = 0 and i = 39): the second insert fails alone.
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(39)
    const after = database.stats()
    expect(after.writes - before.writes).toBe(39)
    expect(after.batches - before.batches).toBeLessThan(10)
    const n = await database.db
      .selectFrom('settings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key', 'like', 'k%')
      .executeTakeFirstOrThrow()
    expect(n.n).toBe(39)
  })

  it('folds accents for search as FTS5 remove_diacritics does', async () => {
    const folded = await sql<{ v: string }>`select plaza_fold(${'Árboles en la Plaza Mayor'}) as v`.execute(database.db)
    expect(folded.rows[0]!.v).toBe('arboles en la plaza mayor')
  })

  it('says the database is unavailable (503) when PostgreSQL is gone', async () => {
    const other = openDatabase({ path: '', url: server.url('no_such_database_here').replace(/\?host=.*/, '?host=/nonexistent-socket-dir') })
    await expect(other.write((trx) => trx.selectFrom('settings').selectAll().execute())).rejects.toBeInstanceOf(DatabaseUnavailableError)
    expect(other.fault()?.error.reason).toBe('io')
    await other.close()
  })

  it('builds the search query for each engine', () => {
    const compiled = searchMatches('postgres', 'proposals_fts', '"arbol" "grand"*', ['arbol', 'grand'], '10.0, 4.0, 1.0, 6.0').compile(database.db)
    expect(compiled.sql).toContain('to_tsquery')
    expect(compiled.parameters).toContain("'arbol' & 'grand':*")
  })

  it("runs SQLite's scalar max, CROSS JOIN … ON and INDEXED BY through the dialect helpers on both engines", async () => {
    for (const { db } of [database, sqliteDatabase]) {
      const top = await sql<{ v: number }>`select ${greatest(db, sql.lit(3), sql.lit(5))} as v`.execute(db)
      expect(top.rows[0]!.v, engineOf(db)).toBe(5)
      const joined = await sql<{ n: number }>`select count(*) as n from map_items_rtree r ${joinInOrder(db)} map_items i on i.id = r.id where i.visible = 1`.execute(db)
      expect(Number(joined.rows[0]!.n), engineOf(db)).toBe(0)
      const since = await sql<{ n: number }>`select count(*) as n from map_items i ${indexedBy(db, 'map_items_created')} where i.created_at >= ${'2000-01-01'}`.execute(db)
      expect(Number(since.rows[0]!.n), engineOf(db)).toBe(0)
    }
    expect(() => indexedBy(database.db, 'x; drop table users')).toThrow(/not an index name/)
  })

  it('stores a string with NUL (which PostgreSQL text cannot hold) with U+FFFD in its place, in writes, lookups and lists', async () => {
    await database.write((trx) => trx.insertInto('settings').values({ key: 'nul\u0000key', value: 'a\u0000b', updated_at: new Date().toISOString() }).execute())
    const row = await database.db.selectFrom('settings').select(['key', 'value']).where('key', '=', 'nul\u0000key').executeTakeFirstOrThrow()
    expect(row).toEqual({ key: 'nul\uFFFDkey', value: 'a\uFFFDb' })
    const listed = await database.db.selectFrom('settings').select('key').where('key', 'in', ['nul\u0000key', 'other']).execute()
    expect(listed).toEqual([{ key: 'nul\uFFFDkey' }])
    const raw = await sql<{ v: string }>`select ${'x\u0000y'} as v`.execute(database.db)
    expect(raw.rows[0]!.v).toBe('x\uFFFDy')
  })

  // ADR 151: BEGIN goes with a write's first statement, COMMIT with the statement `together(…, { commit: true })` marks.
  describe('BEGIN and COMMIT beside the statements', () => {
    const columns = { key: 'text', value: 'text', updated_at: 'text' } as const
    const at = '2026-12-07T00:00:00.000Z'
    const keys = async (db: PlazaDatabase, prefix: string) => (await db.db.selectFrom('settings').select('key').where('key', 'like', `${prefix}%`).orderBy('key').execute()).map((r) => r.key)

    it('a write committed with its last statement is stored, and answers what it returned', async () => {
      for (const db of [database, sqliteDatabase]) {
        const returned = await db.write(async (trx) => {
          const run = statements(db, trx)
          await run.run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-a1', 'x', at)
          const [rows] = await run.together([run.insertPart('settings', columns, [['pipe-a2', 'y', at]], 'returning key', { every: true })], { commit: true })
          return rows
        })
        expect(returned, db.engine).toEqual([{ key: 'pipe-a2' }])
        expect(await keys(db, 'pipe-a'), db.engine).toEqual(['pipe-a1', 'pipe-a2'])
      }
    })

    it('a last statement that fails takes back the whole write, the statements before it too; the next write works', async () => {
      for (const db of [database, sqliteDatabase]) {
        await expect(
          db.write(async (trx) => {
            const run = statements(db, trx)
            await run.run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-b1', 'x', at)
            // the same key twice: a unique violation
            await run.together(
              [
                run.insertPart('settings', columns, [
                  ['pipe-b2', 'y', at],
                  ['pipe-b2', 'z', at],
                ]),
              ],
              { commit: true },
            )
          }),
        ).rejects.toThrow(/duplicate|UNIQUE/i)
        expect(await keys(db, 'pipe-b'), db.engine).toEqual([])
        await db.write((trx) => statements(db, trx).run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-b3', 'x', at))
        expect(await keys(db, 'pipe-b'), db.engine).toEqual(['pipe-b3'])
      }
    })

    it('`every`: an insert that skipped a row on conflict fails, and nothing of the statement is written', async () => {
      for (const db of [database, sqliteDatabase]) {
        await db.write((trx) => statements(db, trx).run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-c1', 'old', at))
        await expect(
          db.write(async (trx) => {
            const run = statements(db, trx)
            await run.together(
              [
                run.insertPart(
                  'settings',
                  columns,
                  [
                    ['pipe-c2', 'new', at],
                    ['pipe-c1', 'new', at],
                  ],
                  'on conflict (key) do nothing returning key',
                  { every: true },
                ),
              ],
              { commit: true },
            )
          }),
        ).rejects.toThrow()
        expect(await keys(db, 'pipe-c'), db.engine).toEqual(['pipe-c1'])
        // without `every` the same insert writes the row that did not conflict
        const [rows] = await db.write((trx) => {
          const run = statements(db, trx)
          return run.together(
            [
              run.insertPart(
                'settings',
                columns,
                [
                  ['pipe-c2', 'new', at],
                  ['pipe-c1', 'new', at],
                ],
                'on conflict (key) do nothing returning key',
              ),
            ],
            { commit: true },
          )
        })
        expect(rows, db.engine).toEqual([{ key: 'pipe-c2' }])
      }
    })

    it('on PostgreSQL a statement after the committing one is refused, and a write that fails after it is a fault (what it wrote is stored, not to be written again)', async () => {
      await expect(
        database.write(async (trx) => {
          const run = statements(database, trx)
          await run.together([run.insertPart('settings', columns, [['pipe-d1', 'x', at]])], { commit: true })
          await run.run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-d2', 'x', at)
        }),
      ).rejects.toBeInstanceOf(DatabaseUnavailableError)
      const failedAfter = database.write(async (trx) => {
        const run = statements(database, trx)
        await run.together([run.insertPart('settings', columns, [['pipe-d3', 'x', at]])], { commit: true })
        throw new Error('a bug after the last statement')
      })
      await expect(failedAfter).rejects.toBeInstanceOf(DatabaseUnavailableError)
      expect(await keys(database, 'pipe-d')).toEqual(['pipe-d1', 'pipe-d3'])
    })

    it('`inTurn`: statements run one after the other, each seeing the ones before; a failing one fails the write and nothing is written', async () => {
      for (const db of [database, sqliteDatabase]) {
        const answers = await db.write(async (trx) => {
          const run = statements(db, trx)
          return run.inTurn([
            { sql: 'insert into settings (key, value, updated_at) values (?, ?, ?) returning key', params: ['pipe-g1', 'x', at] },
            { sql: 'select key, value from settings where key like ? order by key', params: ['pipe-g%'] },
          ])
        })
        expect(answers, db.engine).toEqual([[{ key: 'pipe-g1' }], [{ key: 'pipe-g1', value: 'x' }]])
        await expect(
          db.write(async (trx) => {
            const run = statements(db, trx)
            await run.run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-g2', 'x', at)
            await run.inTurn([
              { sql: 'insert into settings (key, value, updated_at) values (?, ?, ?)', params: ['pipe-g1', 'again', at] },
              { sql: 'select key from settings', params: [] },
            ])
          }),
        ).rejects.toThrow(/duplicate|UNIQUE/i)
        expect(await keys(db, 'pipe-g'), db.engine).toEqual(['pipe-g1'])
        // Outside a write (the read pool): the same answers, in turn.
        expect(await statements(db, db.db).inTurn([{ sql: 'select key from settings where key = ?', params: ['pipe-g1'] }]), db.engine).toEqual([[{ key: 'pipe-g1' }]])
      }
    })

    it('`inTurn` on PostgreSQL: a read sent behind an update that waits for a row lock sees what the lock holder committed (`together` would not)', async () => {
      await database.write((trx) => statements(database, trx).run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-f-lock', '0', at))
      const other = openDatabase({ path: '', url: server.url('engine_test') })
      try {
        let release!: () => void
        let locked!: () => void
        const holding = new Promise<void>((r) => (locked = r))
        const held = other.write(async (trx) => {
          const run = statements(other, trx)
          await run.run(`update settings set value = '1' where key = ?`, 'pipe-f-lock')
          await run.run('insert into settings (key, value, updated_at) values (?, ?, ?)', 'pipe-f-other', 'x', at)
          locked()
          await new Promise<void>((r) => (release = r))
        })
        await holding
        const waiting = database.write((trx) =>
          statements(database, trx).inTurn([
            { sql: `update settings set value = cast(cast(value as integer) + 1 as text) where key = ? returning value`, params: ['pipe-f-lock'] },
            { sql: 'select key from settings where key like ? order by key', params: ['pipe-f-%'] },
          ]),
        )
        await new Promise((r) => setTimeout(r, 200))
        release()
        await held
        expect(await waiting).toEqual([[{ value: '2' }], [{ key: 'pipe-f-lock' }, { key: 'pipe-f-other' }]])
      } finally {
        await other.close()
      }
    })

    describe('hash chains in the statement (chainPart, ADR 158)', () => {
      const genesis = '0'.repeat(64)
      const link = (previous: string, body: string) => createHash('sha256').update(`${previous}\n${body}`).digest('hex')
      const chainColumns = { body: 'text' } as const
      const links = async (db: PlazaDatabase) =>
        (await sql<{ id: number; body: string; prev: string; hash: string }>`select id, body, prev, hash from chain_links order by id`.execute(db.db)).rows.map((r) => ({ ...r, id: Number(r.id) }))
      const head = async (db: PlazaDatabase) =>
        (await sql<{ head: string; n: number }>`select head, n from chain_heads where id = 1`.execute(db.db)).rows.map((r) => ({ head: r.head, n: Number(r.n) }))[0]
      const append = (db: PlazaDatabase, bodies: string[], options: { where?: string; commit?: boolean } = {}) =>
        db.write(async (trx) => {
          const run = statements(db, trx)
          const [answer] = await run.inTurn(
            [
              {
                together: [
                  run.chainPart(
                    'chain_links',
                    chainColumns,
                    bodies.map((b) => [b]),
                    {
                      bodies,
                      previous: 'prev',
                      hash: 'hash',
                      head: { table: 'chain_heads', key: 'id', id: 1, column: 'head', where: options.where ?? `state = 'open'`, set: 'n = n + ?', params: [bodies.length] },
                    },
                    'returning id',
                  ),
                ],
              },
            ],
            { commit: options.commit ?? true },
          )
          return ((answer as unknown[][])[0] as Array<{ id: number }>).map((r) => Number(r.id))
        })

      beforeAll(async () => {
        await sql`create table chain_heads (id integer primary key, head text not null, n integer not null, state text not null)`.execute(database.db)
        await sql`create table chain_links (id bigint generated by default as identity primary key, body text not null, prev text not null, hash text not null)`.execute(database.db)
        await sql`create table chain_heads (id integer primary key, head text not null, n integer not null, state text not null)`.execute(sqliteDatabase.db)
        await sql`create table chain_links (id integer primary key, body text not null, prev text not null, hash text not null)`.execute(sqliteDatabase.db)
        for (const db of [database, sqliteDatabase]) await sql`insert into chain_heads (id, head, n, state) values (1, ${genesis}, 0, 'open')`.execute(db.db)
      })

      it('links each row to the one before it from the stored head, in id order, and moves the head; the same hashes on both engines', async () => {
        const bodies = ['{"a":1}', '{"b":"é ✓"}', '[]', '{"c":[1,2]}', 'plain']
        for (const db of [database, sqliteDatabase]) {
          const first = await append(db, bodies.slice(0, 3))
          const second = await append(db, bodies.slice(3), { commit: false })
          expect(first.length + second.length, db.engine).toBe(5)
          const stored = await links(db)
          expect(
            stored.map((r) => r.id),
            db.engine,
          ).toEqual([...first, ...second])
          let previous = genesis
          for (const [i, row] of stored.entries()) {
            expect(row.body).toBe(bodies[i])
            expect(row.prev, `${db.engine} ${i}`).toBe(previous)
            expect(row.hash, `${db.engine} ${i}`).toBe(link(previous, bodies[i]!))
            previous = row.hash
          }
          expect(await head(db), db.engine).toEqual({ head: previous, n: 5 })
        }
        expect((await links(database)).map((r) => r.hash)).toEqual((await links(sqliteDatabase)).map((r) => r.hash))
      })

      it('fails the write when the head row is not there or does not match: nothing of it is written', async () => {
        for (const db of [database, sqliteDatabase]) {
          const before = { links: await links(db), head: await head(db) }
          await expect(append(db, ['x'], { where: `state = 'closed'` }), db.engine).rejects.toThrow()
          expect({ links: await links(db), head: await head(db) }, db.engine).toEqual(before)
          // The next write works.
          expect(await append(db, ['y']), db.engine).toHaveLength(1)
        }
      })

      it('on PostgreSQL the head is read once its row lock is granted: a chain another server appended meanwhile is continued, not forked', async () => {
        const other = openDatabase({ path: '', url: server.url('engine_test') })
        try {
          let release!: () => void
          let locked!: () => void
          const holding = new Promise<void>((r) => (locked = r))
          const held = other.write(async (trx) => {
            const run = statements(other, trx)
            // Another app server's batch: the head row locked, a link appended, the head moved; committed later.
            const [row] = await run.all<{ head: string }>('select head from chain_heads where id = 1 for update')
            const [inserted] = await run.all<{ id: number }>('insert into chain_links (body, prev, hash) values (?, ?, ?) returning id', 'other', row!.head, link(row!.head, 'other'))
            await run.run('update chain_heads set head = ?, n = n + 1 where id = 1', link(row!.head, 'other'))
            locked()
            await new Promise<void>((r) => (release = r))
            return Number(inserted!.id)
          })
          await holding
          const waiting = append(database, ['mine'])
          await new Promise((r) => setTimeout(r, 200))
          release()
          const otherId = await held
          const [mine] = await waiting
          expect(mine).toBeGreaterThan(otherId)
          const stored = await links(database)
          let previous = genesis
          for (const row of stored) {
            expect(row.prev).toBe(previous)
            expect(row.hash).toBe(link(previous, row.body))
            previous = row.hash
          }
          expect(stored.at(-1)!.body).toBe('mine')
          expect(await head(database)).toEqual({ head: previous, n: stored.length })
        } finally {
          await other.close()
        }
      })
    })

    it('`updatePart` with `where` and `every`: a row that no longer matches fails the `together`, nothing of it is written; `inTurn` with `commit`', async () => {
      for (const db of [database, sqliteDatabase]) {
        await db.write((trx) =>
          statements(db, trx).insertRows('settings', columns, [
            ['pipe-h1', 'a', at],
            ['pipe-h2', 'b', at],
          ]),
        )
        const ids = (await sql<{ key: string }>`select key from settings where key like 'pipe-h%' order by key`.execute(db.db)).rows.map((r) => r.key)
        expect(ids).toEqual(['pipe-h1', 'pipe-h2'])
        // settings has no integer key: updated through chain_heads instead.
        await sql`insert into chain_heads (id, head, n, state) values (2, 'h', 0, 'open'), (3, 'h', 0, 'closed')`.execute(db.db)
        const update = (rows: unknown[][]) =>
          db.write(async (trx) => {
            const run = statements(db, trx)
            return run.inTurn(
              [
                { together: [run.updatePart('chain_heads', 'id', { head: 'text' }, rows, { where: `state = 'open'`, every: true })] },
                { together: [run.insertPart('settings', columns, [[`pipe-h-${rows.length}`, 'x', at]], 'returning key')] },
              ],
              { commit: true },
            )
          })
        await expect(
          update([
            [2, 'moved'],
            [3, 'moved'],
          ]),
          db.engine,
        ).rejects.toThrow()
        expect(
          (await sql<{ head: string }>`select head from chain_heads where id in (2, 3) order by id`.execute(db.db)).rows.map((r) => r.head),
          db.engine,
        ).toEqual(['h', 'h'])
        expect(await keys(db, 'pipe-h-'), db.engine).toEqual([])
        const answers = await update([[2, 'moved']])
        expect(answers[1], db.engine).toEqual([[{ key: 'pipe-h-1' }]])
        expect((await sql<{ head: string }>`select head from chain_heads where id = 2`.execute(db.db)).rows[0]!.head, db.engine).toBe('moved')
      }
    })

    it('in a group commit of several writes the mark waits for the batch: each write commits or fails alone', async () => {
      for (const db of [database, sqliteDatabase]) {
        const writes = Array.from({ length: 6 }, (_, i) =>
          db.write(async (trx) => {
            const run = statements(db, trx)
            const rows =
              i === 3
                ? [
                    ['pipe-e-bad', 'x', at],
                    ['pipe-e-bad', 'y', at],
                  ]
                : [[`pipe-e${i}`, 'x', at]]
            await run.together([run.insertPart('settings', columns, rows)], { commit: true })
            return i
          }),
        )
        const outcomes = await Promise.allSettled(writes)
        expect(
          outcomes.map((o) => o.status),
          db.engine,
        ).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
        expect(await keys(db, 'pipe-e'), db.engine).toEqual(['pipe-e0', 'pipe-e1', 'pipe-e2', 'pipe-e4', 'pipe-e5'])
      }
    })
  })
})
