import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Engine } from './dialect'

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
    }
  }
  const query = (text: string, params: unknown[]) => executor.executeQuery(CompiledQuery.raw(postgresPlaceholders(text), params))
  return {
    engine: 'postgres',
    run: async (text, ...params) => Number((await query(text, params)).numAffectedRows ?? 0),
    get: async <R>(text: string, ...params: unknown[]) => (await query(text, params)).rows[0] as R | undefined,
    all: async <R>(text: string, ...params: unknown[]) => (await query(text, params)).rows as R[],
    values: async (text, ...params) => (await query(text, params)).rows.map((row) => Object.values(row as object) as unknown[])[Symbol.iterator](),
  }
}
