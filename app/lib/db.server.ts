import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver, type SqliteDatabase, type SqliteStatement, type Transaction } from 'kysely'
import { Migrator, type MigrationResultSet } from 'kysely'
import type { Database } from '../../db/schema'
import { migrations } from '../../db/migrations/index'
import { config, type Config } from './config.server'
import { isPostgresUrl, PostgresSchemaPlugin, PostgresTextPlugin, type Engine } from './db/dialect'
import { pipelinedPool } from './db/pipeline'

/**
 * The database: Kysely over better-sqlite3 in WAL mode (the default), or over PostgreSQL (node-postgres)
 * when DATABASE_URL is a postgres:// URL (ADR 119).
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

/**
 * The database cannot take the write now: another process holds the write lock past
 * DB_BUSY_TIMEOUT_MS, the disk is full, or the file cannot be written. Nothing of the write was
 * committed. The HTTP layer answers 503 with Retry-After (never the 500 page), and /healthz says
 * "not ready" until a write succeeds again.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
  constructor(
    readonly reason: 'busy' | 'full' | 'io' | 'readonly',
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`database unavailable (${reason}: ${code})`, options)
  }
  /** Seconds a client should wait before trying again. */
  get retryAfterSeconds(): number {
    return this.reason === 'busy' ? 2 : 30
  }
}

const sqliteCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** The fault an SQLite error stands for, or null when it is not a fault (a constraint, a bug). */
export function databaseFault(error: unknown): DatabaseUnavailableError | null {
  // By name too: the server build and the start script each load their own copy of this module.
  if (error instanceof DatabaseUnavailableError || (error as Error | null)?.name === 'DatabaseUnavailableError') return error as DatabaseUnavailableError
  const code = sqliteCode(error)
  if (!code) {
    // Node's own file errors while SQLite opened or grew the file.
    const errno = (error as { code?: unknown } | null)?.code
    if (errno === 'ENOSPC') return new DatabaseUnavailableError('full', 'ENOSPC', { cause: error })
    return postgresFault(error)
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new DatabaseUnavailableError('busy', code, { cause: error })
  if (code === 'SQLITE_FULL') return new DatabaseUnavailableError('full', code, { cause: error })
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PROTOCOL') return new DatabaseUnavailableError('io', code, { cause: error })
  if (code.startsWith('SQLITE_READONLY')) return new DatabaseUnavailableError('readonly', code, { cause: error })
  return null
}

/** SQLSTATE classes and connection errors of PostgreSQL that are faults of the server, not of the write. */
function postgresFault(error: unknown): DatabaseUnavailableError | null {
  const code = (error as { code?: unknown } | null)?.code
  const message = (error as Error | null)?.message ?? ''
  if (typeof code !== 'string') {
    // node-postgres' own errors when the server goes away mid-query carry no code.
    if (/Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message))
      return new DatabaseUnavailableError('io', 'PG_CONNECTION', { cause: error })
    return null
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOENT'].includes(code)) return new DatabaseUnavailableError('io', code, { cause: error })
  if (!/^[0-9A-Z]{5}$/.test(code)) return null
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock timeout, 57014 statement timeout: try again soon.
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014') return new DatabaseUnavailableError('busy', `PG_${code}`, { cause: error })
  if (code === '53100') return new DatabaseUnavailableError('full', `PG_${code}`, { cause: error })
  // 53xxx insufficient resources (too many connections, out of memory), 57P0x shutdown / cannot connect now, 08xxx connection.
  if (code.startsWith('53') || code.startsWith('57P') || code.startsWith('08') || code === '58030') return new DatabaseUnavailableError('io', `PG_${code}`, { cause: error })
  if (code === '25006') return new DatabaseUnavailableError('readonly', `PG_${code}`, { cause: error })
  return null
}

const isBusy = (error: unknown) => sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false

/**
 * Takes SQLite's write lock for a transaction (BEGIN IMMEDIATE) without waiting ON the event loop.
 *
 * A deferred BEGIN lets a transaction read, then fail to write with SQLITE_BUSY_SNAPSHOT when
 * another process wrote in between — the busy handler cannot help there. Taking the lock first
 * makes every write transaction see the latest data and never fail half-way for a lock. And
 * better-sqlite3's busy handler sleeps synchronously: one process waiting for another's lock could
 * answer nothing meanwhile (renders were aborted, /healthz stalled). So the lock is asked for with
 * no busy wait and asked again from a timer, until `waitMs` has passed.
 */
export async function beginImmediate(sqlite: SQLite.Database, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs
  let delay = 1
  for (;;) {
    const previous = sqlite.pragma('busy_timeout', { simple: true }) as number
    sqlite.pragma('busy_timeout = 0')
    try {
      sqlite.exec('begin immediate')
      return
    } catch (error) {
      if (!isBusy(error)) throw databaseFault(error) ?? error
      if (Date.now() >= deadline) throw new DatabaseUnavailableError('busy', sqliteCode(error)!, { cause: error })
    } finally {
      sqlite.pragma(`busy_timeout = ${previous}`)
    }
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(delay * 2, 25)
  }
}

/**
 * Kysely's SQLite driver with Plaza's transaction rules: BEGIN IMMEDIATE (above), and no ROLLBACK
 * when SQLite has already rolled the transaction back by itself (a full disk, an I/O error): that
 * ROLLBACK would fail with "cannot rollback - no transaction is active" and hide the real error.
 */
class PlazaSqliteDriver extends SqliteDriver implements Driver {
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly lockWaitMs: number,
  ) {
    super({ database: withStatementCache(sqlite) })
  }
  override async beginTransaction(): Promise<void> {
    await beginImmediate(this.sqlite, this.lockWaitMs)
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.sqlite.inTransaction) return
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }
}

/**
 * Kysely prepares every query it runs; compiling the SQL was about 3% of a rendered page's CPU
 * (ADR 117). Statements are kept per SQL text (a few hundred distinct texts; the cache starts
 * again past STATEMENT_CACHE_MAX, e.g. with many IN-list lengths). `all` and `run` finish before
 * they return, so one statement serves every caller; a streamed query (`iterate`) holds its
 * statement until the stream ends, so it gets a statement of its own.
 */
const STATEMENT_CACHE_MAX = 1000
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(text: string): SqliteStatement {
      let statement = statements.get(text)
      if (!statement) {
        statement = sqlite.prepare(text)
        if (statements.size >= STATEMENT_CACHE_MAX) statements.clear()
        statements.set(text, statement)
      }
      const prepared = statement
      return {
        reader: prepared.reader,
        all: (parameters) => prepared.all(...parameters),
        run: (parameters) => prepared.run(...parameters),
        iterate: (parameters) => sqlite.prepare(text).iterate(...parameters),
      }
    },
  }
}

class PlazaSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly lockWaitMs: number,
  ) {
    super({ database: sqlite })
  }
  override createDriver(): Driver {
    return new PlazaSqliteDriver(this.sqlite, this.lockWaitMs)
  }
}

export interface DatabaseOptions {
  /** The SQLite file (ignored when `url` selects PostgreSQL). */
  path: string
  /** postgres://… selects PostgreSQL. */
  url?: string
  /** PostgreSQL: connections for reads (writes use one more, for the group commit). */
  poolSize?: number
  synchronous?: 'FULL' | 'NORMAL'
  busyTimeoutMs?: number
  /** Largest number of writes committed together. */
  maxBatch?: number
  /**
   * PostgreSQL: write connections (lanes), each with its own group commit. Lane 0 takes every `write`;
   * a caller that keeps its own queue (petition signing) may write a second batch on lane 1 while the
   * first commits (ADR 157). SQLite has one writer: always 1.
   */
  writeConnections?: number
}

export interface PlazaDatabase {
  engine: Engine
  db: Kysely<Database>
  /**
   * SQLite only: the raw write connection, for hot paths inside `write` that run prepared statements
   * on the write's own transaction, and the few libraries that need a handle (rate limiter).
   * Throws on PostgreSQL.
   */
  readonly sqlite: SQLite.Database
  /** PostgreSQL only: the read pool, for libraries that take one (rate limiter). Throws on SQLite. */
  readonly postgresPool: pg.Pool
  /**
   * `now`: start the batch at once when no batch is being written, instead of after this turn of the
   * event loop (for callers that gathered their batch themselves: the signing and casting queues; under
   * load a turn of the event loop costs as much as a round trip to PostgreSQL, ADR 151).
   */
  write<T>(fn: WriteFn<T>, options?: { now?: boolean; lane?: number }): Promise<T>
  /**
   * How many batches may be written at once (`write`'s `lane`: 0 … writeLanes − 1, each its own
   * connection and transaction; a lane out of range is lane 0). SQLite: 1. PostgreSQL: DB_WRITE_CONNECTIONS.
   */
  readonly writeLanes: number
  migrate(): Promise<MigrationResultSet>
  close(): Promise<void>
  /** Writes committed and batches used so far (for benchmarks and tests). */
  stats(): { writes: number; batches: number }
  /** The last fault a write met (lock timeout, full disk, I/O), until a write succeeds again. */
  fault(): { error: DatabaseUnavailableError; at: number } | null
}

interface PendingWrite {
  fn: WriteFn<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

function openConnection(file: string, options: DatabaseOptions, lockWaitMs: number): SQLite.Database {
  const connection = new SQLite(file)
  connection.pragma('journal_mode = WAL')
  connection.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  connection.pragma('foreign_keys = ON')
  // Write transactions wait for the lock from timers (beginImmediate); the busy handler only covers
  // the rare moments a reader must wait (another process recovering or truncating the WAL).
  connection.pragma(`busy_timeout = ${Math.min(lockWaitMs, 250)}`)
  connection.pragma('temp_store = MEMORY')
  connection.pragma('cache_size = -32000') // 32 MB page cache
  return connection
}

export function openDatabase(options: DatabaseOptions): PlazaDatabase {
  if (isPostgresUrl(options.url)) return openPostgres(options.url, options)
  if (options.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true })
  const lockWaitMs = Math.trunc(options.busyTimeoutMs ?? 5000)
  // Two connections: writes (write(), the raw `sqlite` handle) and reads (`db`). Kysely holds a
  // connection for a whole transaction, so with one connection every read of this process waited
  // for the write batch in progress — and for another process's lock while a write waited for it.
  // In WAL mode reads on their own connection see the last commit and never wait for writers.
  const sqlite = openConnection(options.path, options, lockWaitMs)
  const reader = options.path === ':memory:' ? sqlite : openConnection(options.path, options, lockWaitMs)
  const db = new Kysely<Database>({ dialect: new PlazaSqliteDialect(reader, lockWaitMs) })
  const writer = reader === sqlite ? db : new Kysely<Database>({ dialect: new PlazaSqliteDialect(sqlite, lockWaitMs) })
  const queue = groupCommit(writer, () => sqlite.inTransaction, options.maxBatch ?? 256)
  return withoutHandle('postgresPool', 'No PostgreSQL pool on SQLite', {
    engine: 'sqlite',
    db,
    sqlite,
    writeLanes: 1,
    write: (fn, options) => queue.write(fn, options),
    async migrate() {
      // Numbers are handed out to parallel work and may land below one already run (ADR 139): run them anyway.
      const migrator = new Migrator({ db: writer, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true })
      return migrator.migrateToLatest()
    },
    async close() {
      await db.destroy()
      if (writer !== db) await writer.destroy()
    },
    stats: queue.stats,
    fault: queue.fault,
  })
}

/**
 * The other engine's handle: a getter that says why there is none. Not enumerable, so that
 * `{ ...database() }` (tests wrapping a database) does not call it.
 */
function withoutHandle<K extends 'sqlite' | 'postgresPool'>(key: K, message: string, database: Omit<PlazaDatabase, K>): PlazaDatabase {
  return Object.defineProperty(database, key, {
    enumerable: false,
    get() {
      throw new Error(message)
    },
  }) as PlazaDatabase
}

/**
 * PostgreSQL: a pool of connections for reads (`db`), and ONE connection for the writes, committed
 * in groups exactly as on SQLite (a transaction per batch, a savepoint per write, acknowledged after
 * COMMIT). 64-bit integers (ids, counts) and numerics are read as numbers, as SQLite gives them.
 */
function openPostgres(url: string, options: DatabaseOptions): PlazaDatabase {
  const lockWaitMs = Math.trunc(options.busyTimeoutMs ?? 5000)
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value)
      return pg.types.getTypeParser(oid, format)
    }) as typeof pg.types.getTypeParser,
  }
  // A write waits at most DB_BUSY_TIMEOUT_MS for a row lock (then 55P03 → 503 busy).
  const connection = { connectionString: url, types, options: `-c lock_timeout=${lockWaitMs}`, connectionTimeoutMillis: Math.max(lockWaitMs, 1000) }
  const readPool = new pg.Pool({ ...connection, max: options.poolSize ?? 5 })
  // The write connection pipelines BEGIN and COMMIT with the statements beside them (ADR 151).
  // An idle connection the server closed (restart, failover) is replaced on next use; not a crash.
  readPool.on('error', () => undefined)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: readPool }), plugins: [new PostgresTextPlugin()] })
  // One connection a lane, each with its own group commit (ADR 157); a pool connects on first use, so an
  // unused lane costs no connection.
  const lanes = Array.from({ length: Math.max(1, Math.min(4, Math.trunc(options.writeConnections ?? 2))) }, () => {
    const writePool = new pg.Pool({ ...connection, max: 1, pipeline: true } as pg.PoolConfig)
    writePool.on('error', () => undefined)
    const writer = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pipelinedPool(writePool) }), plugins: [new PostgresTextPlugin()] })
    return { writer, queue: groupCommit(writer, () => true, options.maxBatch ?? 256) }
  })
  const writer = lanes[0]!.writer
  return withoutHandle('sqlite', 'No SQLite handle on PostgreSQL: use the query builder or app/lib/db/statements.ts', {
    engine: 'postgres',
    db,
    postgresPool: readPool,
    writeLanes: lanes.length,
    write: <T>(fn: WriteFn<T>, options?: { now?: boolean; lane?: number }) => (lanes[options?.lane ?? 0] ?? lanes[0]!).queue.write(fn, options),
    async migrate() {
      // SQLite sums booleans (1/0); so does PostgreSQL with this aggregate (`sum(status = 'counted')`).
      await sql`create or replace function plaza_sum_bool(bigint, boolean) returns bigint language sql immutable as $$ select $1 + case when $2 then 1 else 0 end $$`.execute(writer)
      await sql`create or replace aggregate sum(boolean) (sfunc = plaza_sum_bool, stype = bigint, initcond = '0')`.execute(writer)
      const migrator = new Migrator({ db: writer.withPlugin(new PostgresSchemaPlugin()), provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true })
      return migrator.migrateToLatest()
    },
    async close() {
      await db.destroy()
      for (const lane of lanes) await lane.writer.destroy()
    },
    stats: () =>
      lanes.reduce(
        (sum, lane) => {
          const s = lane.queue.stats()
          return { writes: sum.writes + s.writes, batches: sum.batches + s.batches }
        },
        { writes: 0, batches: 0 },
      ),
    fault: () => lanes.map((lane) => lane.queue.fault()).find((f) => f !== null) ?? null,
  })
}

/**
 * The write queue (group commit) over a Kysely whose driver holds one connection for a transaction.
 * `inTransaction` says whether the engine still has the batch's transaction open after a write
 * failed (SQLite rolls it back by itself on a full disk or an I/O error).
 */
function groupCommit(writer: Kysely<Database>, inTransaction: () => boolean, maxBatch: number) {
  let lastFault: { error: DatabaseUnavailableError; at: number } | null = null
  /** A fault, as callers see it: typed, with the engine's error as its cause. */
  const asFault = (error: unknown): unknown => {
    const fault = databaseFault(error)
    if (!fault) return error
    lastFault = { error: fault, at: Date.now() }
    return fault
  }
  const pending: PendingWrite[] = []
  let draining = false
  let writes = 0
  let batches = 0

  async function commitBatch(batch: PendingWrite[]) {
    batches++
    if (batch.length === 1) {
      const only = batch[0]!
      try {
        only.resolve(await writer.transaction().execute(only.fn))
        writes++
        lastFault = null
      } catch (error) {
        only.reject(asFault(error))
      }
      return
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
    let trx
    try {
      trx = await writer.startTransaction().execute()
    } catch (error) {
      const fault = asFault(error)
      for (const item of batch) item.reject(fault)
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
          // A full disk or an I/O error can make SQLite roll the whole transaction back: then
          // nothing of the batch is left to commit, and the batch fails with that error.
          if (!inTransaction() || databaseFault(error)) throw error
          await sql`rollback to savepoint ${savepoint}`.execute(trx)
          await sql`release savepoint ${savepoint}`.execute(trx)
          outcomes.push({ ok: false, error })
        }
      }
      await trx.commit().execute()
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      // Always through Kysely, which holds the connection until the transaction ends (the driver
      // skips the ROLLBACK itself when SQLite already rolled back).
      await trx
        .rollback()
        .execute()
        .catch(() => undefined)
      const fault = asFault(error)
      for (const item of batch) item.reject(fault)
      return
    }
    lastFault = null
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
    write<T>(fn: WriteFn<T>, options?: { now?: boolean }): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ fn: fn as WriteFn<unknown>, resolve: resolve as (v: unknown) => void, reject })
        // Let the other requests of this event-loop turn enqueue before the batch starts (unless the
        // caller gathered its batch already).
        if (pending.length === 1 && !draining) {
          if (options?.now) void drain()
          else setImmediate(drain)
        }
      })
    },
    stats: () => ({ writes, batches }),
    fault: () => lastFault,
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

/** The options for openDatabase from the configuration: DATABASE_URL (PostgreSQL) or DATABASE_PATH. */
export function databaseOptions(
  c: Pick<Config, 'DATABASE_PATH' | 'DATABASE_URL' | 'DB_SYNCHRONOUS' | 'DB_BUSY_TIMEOUT_MS'> & Partial<Pick<Config, 'DB_WRITE_CONNECTIONS'>>,
  overrides: Partial<DatabaseOptions> = {},
): DatabaseOptions {
  return { path: c.DATABASE_PATH, url: c.DATABASE_URL, synchronous: c.DB_SYNCHRONOUS, busyTimeoutMs: c.DB_BUSY_TIMEOUT_MS, writeConnections: c.DB_WRITE_CONNECTIONS, ...overrides }
}

let shared: PlazaDatabase | undefined

/** The process-wide database opened from the configuration. */
export function database(): PlazaDatabase {
  if (!shared) {
    const c = config()
    shared = openDatabase(databaseOptions(c))
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
    counters = openDatabase(databaseOptions(c, { synchronous: 'NORMAL', poolSize: 2 }))
  }
  return counters
}

export const nowIso = () => new Date().toISOString()
