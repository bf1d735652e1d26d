import SQLite from 'better-sqlite3'
import pg from 'pg'

/**
 * Plain SQL on a running Plaza's database, on either test engine (issue 20): a test that must look
 * behind the HTTP surface (a token the server mailed, a row it must not have kept, a clock moved back)
 * says it once and it runs on SQLite (the server's file) and on PostgreSQL (the server's DATABASE_URL).
 *
 * Write `?` for parameters (they become `$1…` on PostgreSQL); counts and other bigints come back as
 * numbers on both engines. Keep the SQL itself portable (no PRAGMA, no `INSERT OR`, no rowid; booleans
 * are stored as 0/1 integers on both engines). Close it in `afterAll`.
 */
export interface TestSql {
  all<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]>
  get<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T | undefined>
  /** The first column of the first row (undefined when there is none). */
  value<T = unknown>(query: string, ...params: unknown[]): Promise<T>
  /** Runs a write; answers the number of rows it changed. */
  run(query: string, ...params: unknown[]): Promise<number>
  close(): Promise<void>
}

interface PlazaDatabase {
  databasePath: string
  databaseUrl?: string
}

/** `?` placeholders outside quotes become `$1`, `$2`, … */
export function numberedPlaceholders(query: string): string {
  let n = 0
  let out = ''
  let quote: string | null = null
  for (const ch of query) {
    if (quote) {
      if (ch === quote) quote = null
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '?') {
      out += `$${++n}`
      continue
    }
    out += ch
  }
  return out
}

const BIGINT_OID = 20
const NUMERIC_OID = 1700
const numberTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === BIGINT_OID || oid === NUMERIC_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  },
}

function postgresSql(url: string): TestSql {
  const pool = new pg.Pool({ connectionString: url, max: 2, types: numberTypes as pg.CustomTypesConfig })
  const query = async (text: string, params: unknown[]) => pool.query(numberedPlaceholders(text), params)
  return {
    all: async <T>(text: string, ...params: unknown[]) => (await query(text, params)).rows as T[],
    get: async <T>(text: string, ...params: unknown[]) => (await query(text, params)).rows[0] as T | undefined,
    value: async <T>(text: string, ...params: unknown[]) => {
      const row = (await query(text, params)).rows[0] as Record<string, unknown> | undefined
      return (row ? Object.values(row)[0] : undefined) as T
    },
    run: async (text: string, ...params: unknown[]) => (await query(text, params)).rowCount ?? 0,
    close: () => pool.end(),
  }
}

function sqliteSql(file: string): TestSql {
  let handle: SQLite.Database | null = null
  const db = () => {
    if (!handle) {
      handle = new SQLite(file)
      handle.pragma('busy_timeout = 10000')
    }
    return handle
  }
  return {
    all: async <T>(text: string, ...params: unknown[]) =>
      db()
        .prepare(text)
        .all(...params) as T[],
    get: async <T>(text: string, ...params: unknown[]) =>
      db()
        .prepare(text)
        .get(...params) as T | undefined,
    value: async <T>(text: string, ...params: unknown[]) => {
      const row = db()
        .prepare(text)
        .raw()
        .get(...params) as unknown[] | undefined
      return (row ? row[0] : undefined) as T
    },
    run: async (text: string, ...params: unknown[]) =>
      db()
        .prepare(text)
        .run(...params).changes,
    close: async () => {
      handle?.close()
      handle = null
    },
  }
}

/** SQL on `plaza`'s database (the SQLite file, or its PostgreSQL database in the PostgreSQL run). */
export function sqlOf(plaza: PlazaDatabase): TestSql {
  return plaza.databaseUrl ? postgresSql(plaza.databaseUrl) : sqliteSql(plaza.databasePath)
}
