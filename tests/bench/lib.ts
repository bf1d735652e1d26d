import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import autocannon from 'autocannon'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { Database } from '../../db/schema'
import { postgresPlaceholders } from '../../app/lib/db/statements'
import { startPostgres, type TestPostgres } from '../support/postgres'
import { freePort } from '../support/server'

/**
 * Benchmark helpers. Every load test targets 127.0.0.1 only, is bounded in time (and requests),
 * and stops by itself. Latencies are taken from every response, so p95 is exact.
 */

export const root = path.resolve(import.meta.dirname, '../..')

export interface Server {
  url: string
  databasePath?: string
  /** The server's primary process (it runs the background jobs and the inbound SMTP endpoint). */
  pid?: number
  stop(): Promise<void>
}

// A start on the shared machine (two workers each loading the build, a large database) may take minutes.
export const START_TIMEOUT_MS = /^\d{1,7}$/.test(process.env.BENCH_START_TIMEOUT_MS ?? '') ? Number(process.env.BENCH_START_TIMEOUT_MS) : 180_000

async function waitFor(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Every process a benchmark starts, so that none outlives it: when the run is interrupted (Ctrl-C,
 * SIGTERM from a CI timeout) or ends by an error, they are killed with it.
 */
const children = new Set<ChildProcess>()
export function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}
/**
 * Servers started in a process group of their own (detached, to be killed whole: the crash tests),
 * which track() does not reach: SIGKILLed as a group at exit unless stopped before.
 */
const groups = new Set<number>()
export function trackGroup(pgid: number): () => void {
  groups.add(pgid)
  return () => groups.delete(pgid)
}
const killAll = () => {
  // SIGTERM: a Plaza primary then stops its own workers.
  for (const child of children) child.kill('SIGTERM')
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/**
 * Temporary directories the harness made (a demo database is 6 MB to 170 MB, a bench's filled one
 * more): removed after each bench (run.ts) and at exit, so that a full run does not leave gigabytes
 * in the temporary directory. BENCH_KEEP_DATABASES=1 keeps them (e.g. to reuse a populated FOI
 * database with BENCH_FOI_DATABASE).
 */
const scratch = new Set<string>()
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  scratch.add(dir)
  return dir
}
export function removeScratch() {
  if (process.env.BENCH_KEEP_DATABASES) return
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true })
  scratch.clear()
}
process.once('exit', () => {
  killAll()
  removeScratch()
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll()
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
  })
}

function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}

/** Plaza in production mode on its own process, with a fresh demo database unless one is given. */
export async function startPlaza(env: Record<string, string> = {}): Promise<Server> {
  // BENCH_PORT (or env.PORT) pins the HTTP port, for machines where each engineer has a range.
  const pinned = env.PORT ?? process.env.BENCH_PORT
  const port = pinned ? Number(pinned) : await freePort()
  const databasePath = env.DATABASE_PATH ?? path.join(scratchDir('plaza-bench-'), 'plaza.sqlite')
  let out = ''
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is given to the server's processes.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []
  const child = track(
    spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_PATH: databasePath,
        RATE_LIMIT_READ: 'off',
        RATE_LIMIT_WRITE: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  child.stdout!.on('data', (c: Buffer) => (out += c))
  child.stderr!.on('data', (c: Buffer) => (out += c))
  const url = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${url}/healthz`, child, () => out)
  } catch (error) {
    // Nothing outlives a failed start: the primary takes its workers with it.
    await stopper(child)()
    throw error
  }
  return { url, databasePath, pid: child.pid, stop: stopper(child) }
}

/** CPU seconds (user + system) used so far by process `pid` and every process under it (a server's primary and its workers). */
export function treeCpuSeconds(pid: number): number {
  const tick = 100 // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // after the command: state(0) ppid(1) … utime(11) stime(12)
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / tick })
    } catch {
      // the process ended meanwhile
    }
  }
  const under = (p: number): boolean => {
    for (let k = 0; k < 50 && p > 1; k++) {
      if (p === pid) return true
      p = stats.get(p)?.ppid ?? 0
    }
    return false
  }
  let total = 0
  for (const [p, s] of stats) if (under(p)) total += s.cpu
  return total
}

/** The physical baseline: a bare node:http server answering a fixed page of the same size. */
export async function startBare(body: string): Promise<Server> {
  const port = await freePort()
  const dir = scratchDir('plaza-bare-')
  const page = path.join(dir, 'page.html')
  fs.writeFileSync(page, body)
  const script = `
    const http = require('node:http'); const fs = require('node:fs');
    const body = fs.readFileSync(${JSON.stringify(page)});
    http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }); res.end(body) })
      .listen(${port}, '127.0.0.1');`
  let out = ''
  const child = track(spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] }))
  child.stderr!.on('data', (c: Buffer) => (out += c))
  const url = `http://127.0.0.1:${port}`
  await waitFor(url, child, () => out)
  return { url, stop: stopper(child) }
}

export interface LoadResult {
  label: string
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  errors: number
  non2xx: number
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)]!
}

export async function load(
  label: string,
  options: {
    url: string
    connections: number
    seconds: number
    maxRequests?: number
    headers?: Record<string, string>
    warmupSeconds?: number
    method?: 'GET' | 'POST'
    body?: string
    /** Varies each request (a different session cookie, a different body…). */
    setupRequest?: (request: { headers?: Record<string, string>; body?: string; method?: string; path?: string }) => typeof request
  },
): Promise<LoadResult> {
  if (options.warmupSeconds) {
    await autocannon({ url: options.url, connections: options.connections, duration: options.warmupSeconds, headers: options.headers })
  }
  const latencies: number[] = []
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        amount: options.maxRequests,
        headers: options.headers,
        method: options.method ?? 'GET',
        body: options.body,
        ...(options.setupRequest ? { requests: [{ setupRequest: options.setupRequest as never }] } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })
  latencies.sort((a, b) => a - b)
  return {
    label,
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || options.seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–')

export function printResults(title: string, rows: LoadResult[]) {
  console.log(`\n${title}`)
  console.log('  what                                   req/s      p50 ms   p95 ms   p99 ms   requests  errors  non-2xx')
  for (const r of rows) {
    console.log(
      `  ${r.label.padEnd(38)} ${fmt(r.rps, 0).padStart(7)}  ${fmt(r.p50).padStart(7)}  ${fmt(r.p95).padStart(7)}  ${fmt(r.p99).padStart(7)}  ${String(r.requests).padStart(9)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}`,
    )
  }
}

export interface Verdict {
  name: string
  ok: boolean
  detail: string
}

export function target(name: string, ok: boolean, detail: string): Verdict {
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`)
  return { name, ok, detail }
}

// ------------------------------------------------------------------------------------------------
// The engine a bench runs on (issue 20): `npm run bench -- NAME -- --engine postgres` runs each bench
// on SQLite and then on a throwaway PostgreSQL (fsync on), and prints the figures side by side.
// ------------------------------------------------------------------------------------------------

export type BenchEngine = 'sqlite' | 'postgres'
export const benchEngine = (): BenchEngine => (process.env.BENCH_ENGINE === 'postgres' ? 'postgres' : 'sqlite')

let postgresServer: Promise<TestPostgres> | null = null
let cities = 0
/** The run's PostgreSQL server, started on first use (durable: fsync and synchronous commit on) and stopped at exit. */
function benchPostgres(): Promise<TestPostgres> {
  // BENCH_PG_STATS=1: pg_stat_statements loaded, so a bench can print where PostgreSQL's time went (postgresStats).
  // BENCH_PG_SETTINGS: more server settings, separated by ';' (e.g. auto_explain's).
  const settings = [
    ...(process.env.BENCH_PG_STATS ? ['pg_stat_statements.track=all', 'track_io_timing=on', 'track_wal_io_timing=on'] : []),
    ...(process.env.BENCH_PG_SETTINGS ?? '').split(';').filter(Boolean),
  ]
  const preload = [process.env.BENCH_PG_STATS ? 'pg_stat_statements' : '', process.env.BENCH_PG_SETTINGS?.includes('auto_explain.') ? 'auto_explain' : ''].filter(Boolean)
  if (preload.length) settings.push(`shared_preload_libraries=${preload.join(',')}`)
  postgresServer ??= startPostgres({ durable: true, settings }).then((server) => {
    console.log(
      `\n(PostgreSQL for the benches: a throwaway cluster on a Unix socket, fsync on, synchronous_commit on, full_page_writes on, shared_buffers 32MB, max_connections 200; the rest PostgreSQL's defaults)`,
    )
    process.once('exit', () => {
      // Synchronous at exit: the postmaster is told to stop fast; its directory stays in /tmp.
      try {
        const pid = Number(fs.readFileSync(path.join(server.socketDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
        process.kill(pid, 'SIGINT')
      } catch {
        // already gone
      }
    })
    return server
  })
  return postgresServer
}

/** A new, empty database on the run's PostgreSQL server (its URL): for fixtures generated straight into PostgreSQL. */
export async function benchPostgresDatabase(name: string): Promise<string> {
  return (await benchPostgres()).createDatabase(`${name}_${process.pid}_${++cities}`)
}

/** A city for a benchmark: the demo city on SQLite, or (engine postgres) the same city copied to PostgreSQL. */
export interface BenchCity {
  engine: BenchEngine
  /** What a Plaza started on this city needs (DATABASE_PATH, or DATABASE_URL). */
  env: Record<string, string>
  /** SQL with `?` placeholders, on either engine. */
  query<R>(text: string, ...params: unknown[]): Promise<R[]>
  kysely: Kysely<Database>
  close(): Promise<void>
}

/**
 * Makes the demo city by a Plaza start on an empty SQLite file (as the benches always did); on
 * PostgreSQL then moves it with `npm run db:copy` into a new database of the run's server (the demo
 * seed itself runs on SQLite).
 */
export async function benchCity(engine: BenchEngine = benchEngine(), options: { env?: Record<string, string>; prepare?: (databasePath: string) => unknown } = {}): Promise<BenchCity> {
  const first = await startPlaza(options.env ?? {})
  const databasePath = first.databasePath!
  await first.stop()
  // Content a bench adds on SQLite before the city is moved (e.g. 30,000 proposals).
  options.prepare?.(databasePath)
  if (engine === 'sqlite') {
    const sqlite = new SQLite(databasePath)
    sqlite.pragma('busy_timeout = 10000')
    return {
      engine,
      env: { DATABASE_PATH: databasePath },
      query: async <R>(text: string, ...params: unknown[]) => {
        const statement = sqlite.prepare(text)
        return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as R[]
      },
      kysely: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
      close: async () => {
        sqlite.close()
      },
    }
  }
  const server = await benchPostgres()
  const url = await server.createDatabase(`bench_${process.pid}_${++cities}`)
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/db-copy.ts'), '--from', `sqlite:${databasePath}`, '--to', url], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
  // Counts and ids as numbers, as Plaza reads them (app/lib/db.server.ts).
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, types })
  return {
    engine,
    env: { DATABASE_URL: url, DATABASE_PATH: databasePath },
    query: async <R>(text: string, ...params: unknown[]) => (await pool.query(postgresPlaceholders(text), params)).rows as R[],
    kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2, types }) }) }),
    close: () => pool.end(),
  }
}

/**
 * With BENCH_PG_STATS=1 on PostgreSQL: `reset()` before a load, `print()` after it prints the statements that took
 * the server's time (pg_stat_statements: calls, total and mean ms, rows) and the WAL written and flushed (pg_stat_wal).
 */
export async function postgresStats(city: BenchCity): Promise<{ reset(): Promise<void>; print(): Promise<void> }> {
  if (city.engine !== 'postgres' || !process.env.BENCH_PG_STATS) return { reset: async () => undefined, print: async () => undefined }
  await city.query('create extension if not exists pg_stat_statements')
  return {
    async reset() {
      await city.query('select pg_stat_statements_reset()')
      await city.query(`select pg_stat_reset_shared('wal')`)
    },
    async print() {
      const rows = await city.query<{ calls: number; total: number; mean: number; rows: number; query: string }>(
        `select calls, round(total_exec_time::numeric, 1) as total, round(mean_exec_time::numeric, 3) as mean, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as query
         from pg_stat_statements order by total_exec_time desc limit 15`,
      )
      console.log('  PostgreSQL statements by total time (pg_stat_statements):')
      for (const r of rows)
        console.log(`    ${String(r.calls).padStart(7)} calls ${String(r.total).padStart(9)} ms ${String(r.mean).padStart(8)} ms each ${String(r.rows).padStart(7)} rows  ${r.query}`)
      const [wal] = await city.query<Record<string, unknown>>('select wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync, wal_write_time, wal_sync_time from pg_stat_wal')
      console.log(
        `  pg_stat_wal: ${Object.entries(wal ?? {})
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')}`,
      )
    },
  }
}
