import crypto from 'node:crypto'
import pg from 'pg'

/**
 * Which engine the test run uses (issue 20, ADR 131): SQLite by default; `PLAZA_TEST_ENGINE=postgres`
 * runs the same suite on ONE throwaway PostgreSQL cluster started by tests/support/global-setup.ts
 * (tests/support/postgres.ts). Every test file gets a database of its own on it (tests/support/setup.ts),
 * every Plaza a test starts another (tests/support/server.ts), templates are databases created
 * once and copied with `CREATE DATABASE … TEMPLATE …` (tests/support/template-db.ts).
 */

export const TEST_ENGINE_VARIABLE = 'PLAZA_TEST_ENGINE'
/** The cluster's socket directory, set by the global setup for every worker. */
export const PG_SOCKET_VARIABLE = 'PLAZA_TEST_PG_SOCKET'

export const testEngine: 'sqlite' | 'postgres' = process.env[TEST_ENGINE_VARIABLE] === 'postgres' ? 'postgres' : 'sqlite'
/** True when this run is the PostgreSQL one: SQLite-specific tests skip themselves with `describe.skipIf(onPostgres)`. */
export const onPostgres = testEngine === 'postgres'

function socketDir(): string {
  const dir = process.env[PG_SOCKET_VARIABLE]
  if (!dir) throw new Error(`${TEST_ENGINE_VARIABLE}=postgres but no cluster: ${PG_SOCKET_VARIABLE} is unset (tests/support/global-setup.ts starts it)`)
  return dir
}

/** postgres://… of database `name` on the run's cluster. */
export const clusterUrl = (name: string) => `postgres://plaza@/${encodeURIComponent(name)}?host=${encodeURIComponent(socketDir())}`

/** The database name of a postgres:// URL. */
export const databaseNameOf = (url: string) => decodeURIComponent(/^postgres(?:ql)?:\/\/[^/]*\/([^?]*)/.exec(url)?.[1] ?? '')

/**
 * The database standing for an SQLite path on PostgreSQL: a test that names a file (to start a server
 * on it again, or to hand it to another server) gets the same database each time it names it.
 */
export const databaseForPath = (file: string) => `p_${crypto.createHash('sha256').update(file).digest('hex').slice(0, 20)}`

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl('postgres') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function databaseExists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1)
}

/** Creates `name` (from `template` when given) unless it exists. */
export async function ensureDatabase(name: string, template?: string): Promise<void> {
  await admin(async (c) => {
    if ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount) return
    try {
      await c.query(`create database ${ident(name)}${template ? ` template ${ident(template)}` : ''}`)
    } catch (error) {
      // Two files racing for the same name: the other created it.
      if ((error as { code?: string }).code !== '42P04') throw error
    }
  })
}

/** `name` becomes a copy of `template` (whatever it held is dropped, its connections ended). */
export async function replaceWithTemplate(name: string, template: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`drop database if exists ${ident(name)} with (force)`)
    await c.query(`create database ${ident(name)} template ${ident(template)}`)
  })
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`drop database if exists ${ident(name)} with (force)`))
}

/** A template is sealed: no connection may change it any more (PostgreSQL's own guard, as SQLite's read-only file). */
export async function sealDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`alter database ${ident(name)} with is_template true allow_connections false`))
}

/** Whether Plaza's migrations ran on `name` (an empty database is "new", as a missing SQLite file). */
export async function isMigrated(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: clusterUrl(name) })
  await client.connect()
  try {
    return (await client.query("select 1 from information_schema.tables where table_schema = 'public' and table_name = 'kysely_migration'")).rowCount === 1
  } finally {
    await client.end()
  }
}
