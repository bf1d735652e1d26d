import { createHash } from 'node:crypto'
import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Engine } from './dialect'
import { COMMIT_AFTER, IN_TURN, type InTurn } from './pipeline'

/**
 * Hand-written SQL on both engines through one typed adapter (ADR 119), for the hot paths that
 * skip the query builder: the signing and ballot batches, the outbox, the map index, area lookups.
 *
 * On SQLite a statement is prepared once per connection and SQL text and runs synchronously on the
 * write connection (which is the one the `write` batch's transaction runs on), as the modules did
 * with the raw handle; on PostgreSQL the same text (`?` placeholders become `$1…`) runs on the
 * executor given, the batch's transaction inside `write`. The SQL itself must be valid on both:
 * `on conflict … do …`, `returning`, no `insert or …`, no boolean sums.
 */

export interface Statements {
  engine: Engine
  /** Runs a statement; the number of rows it changed. */
  run(text: string, ...params: unknown[]): Promise<number>
  /** The first row, or undefined. */
  get<R>(text: string, ...params: unknown[]): Promise<R | undefined>
  all<R>(text: string, ...params: unknown[]): Promise<R[]>
  /**
   * The rows as value arrays, in column order, for long scans: on SQLite streamed from a statement
   * of its own (a million rows in about a second, without holding them all); on PostgreSQL read in
   * one query.
   */
  values(text: string, ...params: unknown[]): Promise<IterableIterator<unknown[]>>
  /**
   * Inserts many rows of `table` (values in the order of `columns`), `suffix` after them (`on conflict …`,
   * `returning …`); the rows `returning` gives, in the order of `rows`. On SQLite a prepared one-row
   * insert per row (in process, no round trip); on PostgreSQL ONE statement per 1,000 rows, the rows
   * passed as one JSON parameter (a statement per row costs a round trip to the server each, 2–3 ms
   * on a loaded machine: ADR 138). Either way a row that fails fails the call, and the rows before it
   * may be written: run it in a savepoint that the caller rolls back.
   */
  insertRows<R = never>(table: string, columns: Record<string, ColumnType>, rows: unknown[][], suffix?: string): Promise<R[]>
  /**
   * SQL for `column in <list>` where the list is ONE parameter: pass `JSON.stringify(values)` for it
   * (SQLite: json_each; PostgreSQL: jsonb_array_elements_text). One statement text whatever the
   * list's length, so it is prepared once.
   */
  list(type: ColumnType): string
  /**
   * Updates rows of `table` by their integer `key`: each row is `[key, ...values in the order of
   * columns]`. SQLite: a prepared one-row update per row; PostgreSQL: one statement per 1,000 rows.
   */
  updateRows(table: string, key: string, columns: Record<string, ColumnType>, rows: unknown[][]): Promise<void>
  /**
   * Several statements, in order, each one's rows returned (an empty list for one without rows or
   * `returning`). SQLite: each prepared statement run in turn (in process). PostgreSQL: ONE round trip
   * for all of them (ADR 146): selects become scalar subqueries of one select, and a list with inserts
   * or updates becomes one statement of data-modifying `with` parts. Those parts all see the snapshot
   * from before the statement (none sees another's rows) and must not change the same row twice, so
   * pass only statements independent of each other. Rows come back through JSON on PostgreSQL:
   * integers and reals as numbers, text as strings. A statement that fails fails them all (run it in
   * a transaction the caller rolls back).
   *
   * `commit: true` says that nothing follows this statement in the `write`: on PostgreSQL its
   * transaction's COMMIT is sent with it, in the same round trip (ADR 151; when the statement fails,
   * that COMMIT rolls the transaction back, and the write fails). No statement may follow it. SQLite:
   * no difference (the write commits when its function returns, as always).
   */
  together(parts: Part[], options?: { commit?: boolean }): Promise<unknown[][]>
  /**
   * Several statements run one after the other, each one's rows returned; each sees what the ones before it
   * wrote and, on PostgreSQL, takes a snapshot of its own when it starts (READ COMMITTED), unlike the parts of
   * `together`. PostgreSQL, inside `write` (the pipelined write connection): written to the server at once,
   * ONE round trip for all of them (the transaction's BEGIN with them when they are its first); a failing one
   * fails the call (the ones after it are not run: the transaction is aborted). Outside a transaction (the read
   * pool), and on SQLite: in turn. Parts are SQL with `?` placeholders, or lists of parts run as one `together`
   * each (its rows: one list per part). (PostgreSQL's transactions are the write connection's: a transaction of
   * another pool would not understand the call.) `commit: true`: as for `together`, the transaction's COMMIT is
   * sent right behind the last statement, in the same round trip (a failing statement makes it a ROLLBACK).
   */
  inTurn(parts: Array<{ sql: string; params?: unknown[] } | { together: Part[] }>, options?: { commit?: boolean }): Promise<unknown[][]>
  /**
   * The part of `together` that inserts `rows` into `table`, as `insertRows` does (the architecture scanner counts it as a write of `table`).
   * `every`: the statement fails unless it returns a row for each row given (an `on conflict … do nothing returning …` that skipped one
   * fails the whole `together`, so that nothing of it is written).
   */
  insertPart(table: string, columns: Record<string, ColumnType>, rows: unknown[][], suffix?: string, options?: { every?: boolean }): Part
  /**
   * The part of `together` that updates rows of `table` by `key`, as `updateRows` does (counted as a write of `table` likewise).
   * `where`: a further condition on the row (SQL on `table`'s columns, no parameters); `every`: the statement fails unless each
   * row given was updated (so a row changed meanwhile by another server, no longer matching `where`, fails the whole `together`).
   */
  updatePart(table: string, key: string, columns: Record<string, ColumnType>, rows: unknown[][], options?: { where?: string; every?: boolean }): Part
  /**
   * The part of `together` that appends `rows` to a hash chain kept in `table` (ADR 158): each row gets the previous
   * link's hash and its own, `hash = hex(SHA-256(previous hash + "\n" + body))` (the `body` given for it); the first
   * row's previous hash is the head read from `head.table`'s row `head.id` (`head.column`), which is then moved to
   * the last row's hash (`head.set`, e.g. `count = count + ?` with `head.params`, in the same update). The head row
   * must exist and match `head.where`, or the statement fails (nothing of it is written).
   *
   * PostgreSQL: computed in the statement itself (`sha256`, built in since PostgreSQL 11; no pgcrypto), the head
   * row read `for update` when the statement gets to it, so it is locked only from there to the COMMIT: with
   * `commit: true` nothing of the app's event loop lies inside the lock. The chain is in `id` order when `table`'s
   * ids come from a sequence: they are drawn after the lock is granted. SQLite: the head read, the hashes computed
   * in process (node:crypto), the rows inserted and the head moved, in the write's transaction.
   */
  chainPart(table: string, columns: Record<string, ColumnType>, rows: unknown[][], chain: ChainLinks, suffix?: string): Part
}

/** What `chainPart` needs beside the rows: the text each row's hash covers, the columns the links go into, and the head's row. */
export interface ChainLinks {
  bodies: string[]
  previous: string
  hash: string
  head: { table: string; key: string; id: number; column: string; where?: string; set?: string; params?: unknown[] }
}

/** One statement for `together`: SQL with `?` placeholders, rows for `insertRows`, or rows for `updateRows`. */
export type Part =
  | { sql: string; params?: unknown[] }
  | { table: string; columns: Record<string, ColumnType>; rows: unknown[][]; suffix?: string; every?: boolean }
  | { update: string; key: string; columns: Record<string, ColumnType>; rows: unknown[][]; where?: string; every?: boolean }
  | { chain: ChainLinks; table: string; columns: Record<string, ColumnType>; rows: unknown[][]; suffix?: string }

/** Column types as the migrations write them (SQLite's names; bigint and double precision on PostgreSQL). */
export type ColumnType = 'integer' | 'real' | 'text'
const PG_TYPES: Record<ColumnType, string> = { integer: 'bigint', real: 'double precision', text: 'text' }
const INSERT_CHUNK = 1000

/** PostgreSQL: one insert of many rows passed as ONE JSON parameter (each row a JSON array); `with ordinality … order by` keeps the rows' order (ids follow it). */
function pgInsertText(table: string, columns: Record<string, ColumnType>, suffix: string): string {
  const names = Object.keys(columns).map(identifier)
  const values = names.map((name, i) => `cast(v->>${i} as ${PG_TYPES[columns[name]!]})`).join(', ')
  // writes: caller
  return `insert into ${identifier(table)} (${names.join(', ')}) select ${values} from jsonb_array_elements(cast(? as jsonb)) with ordinality as e(v, n) order by n ${suffix}`
}

/** PostgreSQL: one update of many rows by their integer key, passed as ONE JSON parameter (each row `[key, ...values]`). */
function pgUpdateText(table: string, key: string, columns: Record<string, ColumnType>, where?: string, returning = false): string {
  const sets = Object.keys(columns).map((name, i) => `${identifier(name)} = cast(v->>${i + 1} as ${PG_TYPES[columns[name]!]})`)
  const t = identifier(table)
  // writes: caller
  return `update ${t} set ${sets.join(', ')} from jsonb_array_elements(cast(? as jsonb)) as e(v) where ${t}.${identifier(key)} = cast(v->>0 as bigint)${where ? ` and (${where})` : ''}${returning ? ` returning ${t}.${identifier(key)}` : ''}`
}

function sqliteUpdateText(table: string, key: string, columns: Record<string, ColumnType>, where?: string): string {
  const sets = Object.keys(columns).map((name) => `${identifier(name)} = ?`)
  // writes: caller
  return `update ${identifier(table)} set ${sets.join(', ')} where ${identifier(key)} = ?${where ? ` and (${where})` : ''}`
}

/** One link of a hash chain (chainPart): the same bytes as app/modules/voting/chain.ts hashes. */
const chainHash = (previous: string, body: string) => createHash('sha256').update(`${previous}\n${body}`).digest('hex')

/**
 * `chainPart` on PostgreSQL: the CTEs of part `i` (the last one, `r<i>`, is the insert) and their parameters, in text order.
 * The links are computed by a recursive CTE from the head read `for update`; each row's body is the JSON row's last element.
 */
function pgChainCtes(part: Extract<Part, { chain: ChainLinks }>, i: number): { ctes: string[]; params: unknown[] } {
  const { chain } = part
  const names = Object.keys(part.columns).map(identifier)
  const values = names.map((name, k) => `cast(e.v->>${k} as ${PG_TYPES[part.columns[name]!]})`).join(', ')
  const head = chain.head
  const [ht, hk, hc] = [identifier(head.table), identifier(head.key), identifier(head.column)]
  const body = names.length
  return {
    ctes: [
      `c${i}_head as (select ${hc} as h from ${ht} where ${hk} = cast(? as bigint)${head.where ? ` and (${head.where})` : ''} for update)`,
      `c${i}_in as (select cast(? as jsonb) as a)`,
      `c${i}_links (n, prev, hash) as (select 0, cast(null as text), h from c${i}_head union all select l.n + 1, l.hash, encode(sha256(convert_to(l.hash || chr(10) || (i.a -> l.n ->> ${body}), 'UTF8')), 'hex') from c${i}_links l cross join c${i}_in i where l.n < jsonb_array_length(i.a))`,
      // writes: caller
      `r${i} as (insert into ${identifier(part.table)} (${names.join(', ')}, ${identifier(chain.previous)}, ${identifier(chain.hash)}) select ${values}, l.prev, l.hash from c${i}_in i cross join jsonb_array_elements(i.a) with ordinality as e(v, n) join c${i}_links l on l.n = e.n order by e.n ${part.suffix ?? ''})`,
      // writes: caller
      `c${i}_set as (update ${ht} set ${hc} = (select hash from c${i}_links order by n desc limit 1)${head.set ? `, ${head.set}` : ''} where ${hk} = cast(? as bigint))`,
    ],
    params: [head.id, JSON.stringify(part.rows.map((row, k) => [...row, chain.bodies[k]])), ...(head.params ?? []), head.id],
  }
}

const identifier = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`)
  return name
}

/** What `statements` needs of a PlazaDatabase (kept structural so app/lib/db.server stays the one opener). */
export interface StatementsSource {
  engine: Engine
  readonly sqlite: SQLite.Database
}

const sqliteCaches = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>()
const CACHE_MAX = 500

function sqliteStatement(sqlite: SQLite.Database, text: string): SQLite.Statement {
  let cache = sqliteCaches.get(sqlite)
  if (!cache) sqliteCaches.set(sqlite, (cache = new Map()))
  let statement = cache.get(text)
  if (!statement) {
    statement = sqlite.prepare(text)
    if (cache.size >= CACHE_MAX) cache.clear()
    cache.set(text, statement)
  }
  return statement
}

const pgTexts = new Map<string, string>()
/** `?` placeholders → `$1, $2…` (outside quoted strings and identifiers). */
export function postgresPlaceholders(text: string): string {
  let out = pgTexts.get(text)
  if (out !== undefined) return out
  let n = 0
  let quote: string | null = null
  out = ''
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null
      out += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      out += ch
    } else if (ch === '?') out += `$${++n}`
    else out += ch
  }
  if (pgTexts.size < CACHE_MAX) pgTexts.set(text, out)
  return out
}

/** `together` on SQLite: each part run in turn on the write connection, in process. */
function sqliteTogether(sqlite: SQLite.Database, parts: Part[]): unknown[][] {
  return parts.map((part) => {
    if ('update' in part) {
      const statement = sqliteStatement(sqlite, sqliteUpdateText(part.update, part.key, part.columns, part.where))
      let changed = 0
      for (const [id, ...values] of part.rows) changed += statement.run(...values, id).changes
      if (part.every && changed !== part.rows.length) throw new Error(`${part.rows.length - changed} of ${part.rows.length} rows of ${part.update} not updated`)
      return []
    }
    if ('chain' in part) {
      const { head, bodies } = part.chain
      const [ht, hk, hc] = [identifier(head.table), identifier(head.key), identifier(head.column)]
      const found = sqliteStatement(sqlite, `select ${hc} as h from ${ht} where ${hk} = ?${head.where ? ` and (${head.where})` : ''}`).get(head.id) as { h: string } | undefined
      if (!found) throw new Error(`the head of the chain in ${head.table} ${head.id} is not there`)
      let previous = found.h
      const links = part.rows.map((row, k) => {
        const hash = chainHash(previous, bodies[k]!)
        const linked = [...row, previous, hash]
        previous = hash
        return linked
      })
      const [out] = sqliteTogether(sqlite, [{ table: part.table, columns: { ...part.columns, [part.chain.previous]: 'text', [part.chain.hash]: 'text' }, rows: links, suffix: part.suffix }])
      // writes: caller
      sqliteStatement(sqlite, `update ${ht} set ${hc} = ?${head.set ? `, ${head.set}` : ''} where ${hk} = ?`).run(previous, ...(head.params ?? []), head.id)
      return out!
    }
    if ('sql' in part) {
      const statement = sqliteStatement(sqlite, part.sql)
      if (statement.reader) return statement.all(...(part.params ?? []))
      statement.run(...(part.params ?? []))
      return []
    }
    const names = Object.keys(part.columns).map(identifier)
    // writes: caller
    const statement = sqliteStatement(sqlite, `insert into ${identifier(part.table)} (${names.join(', ')}) values (${names.map(() => '?').join(', ')}) ${part.suffix ?? ''}`)
    const out: unknown[] = []
    for (const row of part.rows) {
      if (statement.reader) out.push(...statement.all(...row))
      else statement.run(...row)
    }
    if (part.every && out.length !== part.rows.length) throw new Error(`${part.rows.length - out.length} of ${part.rows.length} rows not written to ${part.table}`)
    return out
  })
}

/** `together` on PostgreSQL: ONE statement, so one round trip (ADR 146); its text, parameters, and how to read its one row. */
function postgresTogetherText(parts: Part[], commit: boolean): { text: string; params: unknown[]; decode: (row: Record<string, unknown>) => unknown[][] } {
  const ctes: string[] = []
  const texts: string[] = []
  const params: unknown[] = []
  let recursive = false
  parts.forEach((part, i) => {
    if ('sql' in part) {
      texts.push(part.sql)
      params.push(...(part.params ?? []))
    } else if ('update' in part) {
      texts.push(pgUpdateText(part.update, part.key, part.columns, part.where, part.every))
      params.push(JSON.stringify(part.rows))
    } else if ('chain' in part) {
      const chain = pgChainCtes(part, i)
      recursive = true
      // The insert is r<i>; the head, links and head update are CTEs of their own around it.
      ctes.push(...chain.ctes)
      texts.push(chain.ctes[3]!)
      params.push(...chain.params)
      return
    } else {
      texts.push(pgInsertText(part.table, part.columns, part.suffix ?? ''))
      params.push(JSON.stringify(part.rows))
    }
    ctes.push(`r${i} as (${texts[i]})`)
  })
  const selects = texts.map((text) => /^\s*select\b/i.test(text))
  const reads = selects.every(Boolean)
  const gives = texts.map((text, i) => selects[i] || /\breturning\b/i.test(text))
  const results = texts.map((_, i) => (gives[i] ? `(select coalesce(json_agg(t${i}), '[]') from ${reads ? `(${texts[i]})` : `r${i}`} as t${i}) as r${i}` : `'[]' as r${i}`))
  // `every`: a division by zero unless the part returned a row for each row given (not a constant, so
  // evaluated only then); the statement fails, and nothing of it is written. A chain's head row must be there.
  parts.forEach((part, i) => {
    if ((('table' in part && !('chain' in part)) || 'update' in part) && part.every && gives[i] && !reads) {
      results.push(`(select 1 / cast(count(*) = cast(? as bigint) as integer) from r${i}) as every${i}`)
      params.push(part.rows.length)
    }
    if ('chain' in part) results.push(`(select 1 / cast(count(*) = 1 as integer) from c${i}_head) as head${i}`)
  })
  // writes: caller
  const text = (commit ? COMMIT_AFTER : '') + (reads ? `select ${results.join(', ')}` : `with ${recursive ? 'recursive ' : ''}${ctes.join(', ')} select ${results.join(', ')}`)
  const decode = (row: Record<string, unknown>) =>
    texts.map((_, i) => {
      const value = row[`r${i}`]
      return (typeof value === 'string' ? JSON.parse(value) : value) as unknown[]
    })
  return { text, params, decode }
}

async function postgresTogether(query: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }>, parts: Part[], commit: boolean): Promise<unknown[][]> {
  if (parts.length === 0) return []
  const { text, params, decode } = postgresTogetherText(parts, commit)
  return decode((await query(text, params)).rows[0] as Record<string, unknown>)
}

/**
 * The statements of `source` run on `executor` (PostgreSQL: the transaction of the write, or the
 * read pool's Kysely; SQLite: the raw write connection, whatever the executor).
 */
export function statements(source: StatementsSource, executor: Kysely<Database> | Transaction<Database>): Statements {
  if (source.engine === 'sqlite') {
    const sqlite = source.sqlite
    return {
      engine: 'sqlite',
      run: async (text, ...params) => sqliteStatement(sqlite, text).run(...params).changes,
      get: async <R>(text: string, ...params: unknown[]) => sqliteStatement(sqlite, text).get(...params) as R | undefined,
      all: async <R>(text: string, ...params: unknown[]) => sqliteStatement(sqlite, text).all(...params) as R[],
      values: async (text, ...params) =>
        sqlite
          .prepare(text)
          .raw(true)
          .iterate(...params) as IterableIterator<unknown[]>,
      insertRows: async <R>(table: string, columns: Record<string, ColumnType>, rows: unknown[][], suffix = '') => {
        const names = Object.keys(columns).map(identifier)
        // writes: caller
        const statement = sqliteStatement(sqlite, `insert into ${identifier(table)} (${names.join(', ')}) values (${names.map(() => '?').join(', ')}) ${suffix}`)
        const out: R[] = []
        for (const row of rows) {
          if (statement.reader) out.push(...(statement.all(...row) as R[]))
          else statement.run(...row)
        }
        return out
      },
      list: () => '(select value from json_each(?))',
      updateRows: async (table, key, columns, rows) => {
        const statement = sqliteStatement(sqlite, sqliteUpdateText(table, key, columns))
        for (const [id, ...values] of rows) statement.run(...values, id)
      },
      insertPart: (table, columns, rows, suffix, options) => ({ table, columns, rows, suffix, every: options?.every }),
      updatePart: (table, key, columns, rows, options) => ({ update: table, key, columns, rows, where: options?.where, every: options?.every }),
      chainPart: (table, columns, rows, chain, suffix) => ({ chain, table, columns, rows, suffix }),
      together: async (parts) => sqliteTogether(sqlite, parts),
      inTurn: async (parts) => parts.map((part) => ('together' in part ? sqliteTogether(sqlite, part.together) : sqliteTogether(sqlite, [part])[0]!)),
    }
  }
  const query = (text: string, params: unknown[]) => executor.executeQuery(CompiledQuery.raw(postgresPlaceholders(text), params))
  return {
    engine: 'postgres',
    run: async (text, ...params) => Number((await query(text, params)).numAffectedRows ?? 0),
    get: async <R>(text: string, ...params: unknown[]) => (await query(text, params)).rows[0] as R | undefined,
    all: async <R>(text: string, ...params: unknown[]) => (await query(text, params)).rows as R[],
    values: async (text, ...params) => (await query(text, params)).rows.map((row) => Object.values(row as object) as unknown[])[Symbol.iterator](),
    insertRows: async <R>(table: string, columns: Record<string, ColumnType>, rows: unknown[][], suffix = '') => {
      const text = pgInsertText(table, columns, suffix)
      const out: R[] = []
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) out.push(...((await query(text, [JSON.stringify(rows.slice(i, i + INSERT_CHUNK))])).rows as R[]))
      return out
    },
    updateRows: async (table, key, columns, rows) => {
      const text = pgUpdateText(table, key, columns)
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await query(text, [JSON.stringify(rows.slice(i, i + INSERT_CHUNK))])
    },
    insertPart: (table, columns, rows, suffix, options) => ({ table, columns, rows, suffix, every: options?.every }),
    updatePart: (table, key, columns, rows, options) => ({ update: table, key, columns, rows, where: options?.where, every: options?.every }),
    chainPart: (table, columns, rows, chain, suffix) => ({ chain, table, columns, rows, suffix }),
    together: (parts, options) => postgresTogether(query, parts, options?.commit ?? false),
    inTurn: async (parts, options) => {
      const commit = (options?.commit ?? false) && executor.isTransaction
      const texts = parts.map((part, k) => {
        const last = commit && k === parts.length - 1
        if ('sql' in part) return { text: (last ? COMMIT_AFTER : '') + postgresPlaceholders(part.sql), params: part.params ?? [], decode: null }
        const together = postgresTogetherText(part.together, last)
        return { text: postgresPlaceholders(together.text), params: together.params, decode: together.decode }
      })
      const decoded = (rows: unknown[][]) => rows.map((r, k) => (texts[k]!.decode ? texts[k]!.decode!(r[0] as Record<string, unknown>) : r))
      if (!executor.isTransaction) {
        const out: unknown[][] = []
        for (const part of texts) out.push((await executor.executeQuery(CompiledQuery.raw(part.text, part.params))).rows as unknown[])
        return decoded(out)
      }
      const inTurn: InTurn = { statements: texts.map(({ text, params }) => ({ text, params })) }
      return decoded((await executor.executeQuery(CompiledQuery.raw(IN_TURN, [inTurn]))).rows as unknown[][])
    },
    list: (type) => (type === 'text' ? '(select jsonb_array_elements_text(cast(? as jsonb)))' : `(select cast(jsonb_array_elements_text(cast(? as jsonb)) as ${PG_TYPES[type]}))`),
  }
}
