import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely'
import { Migrator, type MigrationResultSet } from 'kysely/migration'
import type { Database } from '../../db/schema'
import { migrations } from '../../db/migrations/index'
import { config } from './config.server'

/**
 * The database: Kysely over better-sqlite3 in WAL mode.
 *
 * Reads use `db` directly. Every write goes through `write(fn)`, the single write path: writes are
 * queued and each turn of the queue commits all pending writes in ONE transaction, each in its own
 * savepoint (group commit). With synchronous=FULL an acknowledged write is on disk, and the fsync
 * is paid once per batch instead of once per write. A failing write rolls back only its savepoint.
 *
 * SQLite-specific SQL (PRAGMAs, R*Tree, FTS5) stays in this file, the migrations and the geo/search
 * modules, so that a PostgreSQL dialect can replace it (docs/architecture.md).
 */

export type WriteFn<T> = (trx: Transaction<Database>) => Promise<T>

export interface DatabaseOptions {
  path: string
  synchronous?: 'FULL' | 'NORMAL'
  busyTimeoutMs?: number
  /** Largest number of writes committed together. */
  maxBatch?: number
}

export interface PlazaDatabase {
  db: Kysely<Database>
  /** The raw connection, for the few libraries that need it (rate limiter, online backup). */
  sqlite: SQLite.Database
  write<T>(fn: WriteFn<T>): Promise<T>
  migrate(): Promise<MigrationResultSet>
  close(): Promise<void>
  /** Writes committed and batches used so far (for benchmarks and tests). */
  stats(): { writes: number; batches: number }
}

interface PendingWrite {
  fn: WriteFn<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

export function openDatabase(options: DatabaseOptions): PlazaDatabase {
  if (options.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true })
  const sqlite = new SQLite(options.path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
  sqlite.pragma('temp_store = MEMORY')
  sqlite.pragma('cache_size = -32000') // 32 MB page cache

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const maxBatch = options.maxBatch ?? 256
  const pending: PendingWrite[] = []
  let draining = false
  let writes = 0
  let batches = 0

  async function commitBatch(batch: PendingWrite[]) {
    batches++
    if (batch.length === 1) {
      const only = batch[0]!
      try {
        only.resolve(await db.transaction().execute(only.fn))
        writes++
      } catch (error) {
        only.reject(error)
      }
      return
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
    let trx
    try {
      trx = await db.startTransaction().execute()
    } catch (error) {
      for (const item of batch) item.reject(error)
      return
    }
    try {
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i]!
        const savepoint = sql.raw(`w${i}`)
        await sql`savepoint ${savepoint}`.execute(trx)
        try {
          const value = await item.fn(trx)
          await sql`release savepoint ${savepoint}`.execute(trx)
          outcomes.push({ ok: true, value })
        } catch (error) {
          await sql`rollback to savepoint ${savepoint}`.execute(trx)
          await sql`release savepoint ${savepoint}`.execute(trx)
          outcomes.push({ ok: false, error })
        }
      }
      await trx.commit().execute()
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      await trx.rollback().execute().catch(() => undefined)
      for (const item of batch) item.reject(error)
      return
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!
      if (outcome.ok) {
        writes++
        item.resolve(outcome.value)
      } else item.reject(outcome.error)
    })
  }

  async function drain() {
    if (draining) return
    draining = true
    try {
      while (pending.length > 0) await commitBatch(pending.splice(0, maxBatch))
    } finally {
      draining = false
    }
  }

  return {
    db,
    sqlite,
    write<T>(fn: WriteFn<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ fn: fn as WriteFn<unknown>, resolve: resolve as (v: unknown) => void, reject })
        // Let the other requests of this event-loop turn enqueue before the batch starts.
        if (pending.length === 1 && !draining) setImmediate(drain)
      })
    },
    async migrate() {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
      return migrator.migrateToLatest()
    },
    async close() {
      await db.destroy()
    },
    stats: () => ({ writes, batches }),
  }
}

/** Run migrations; throw with the failing migration's name and error. */
export async function migrateOrThrow(database: PlazaDatabase): Promise<string[]> {
  const { error, results } = await database.migrate()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const cause = error instanceof Error ? error.message : String(error)
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

let shared: PlazaDatabase | undefined

/** The process-wide database opened from the configuration. */
export function database(): PlazaDatabase {
  if (!shared) {
    const c = config()
    shared = openDatabase({ path: c.DATABASE_PATH, synchronous: c.DB_SYNCHRONOUS, busyTimeoutMs: c.DB_BUSY_TIMEOUT_MS })
  }
  return shared
}

/**
 * Makes `database` the process-wide one until the returned function is called (the demo seed runs
 * capability modules, which use database(), against the database it was given).
 */
export function useDatabase(next: PlazaDatabase): () => void {
  const previous = shared
  shared = next
  return () => {
    shared = previous
  }
}

let counters: PlazaDatabase | undefined

/**
 * A second connection for counters that need no fsync (rate limits, login throttling), with
 * synchronous=NORMAL. Kept apart so that a counter never lands inside a batch of `write`.
 */
export function countersDatabase(): PlazaDatabase {
  if (!counters) {
    const c = config()
    counters = openDatabase({ path: c.DATABASE_PATH, synchronous: 'NORMAL', busyTimeoutMs: c.DB_BUSY_TIMEOUT_MS })
  }
  return counters
}

export const nowIso = () => new Date().toISOString()
