import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { markPlazaStarted } from './database-use'
import { clusterUrl, databaseForPath, databaseNameOf, dropDatabase, ensureDatabase, isMigrated, onPostgres } from './engine'
import { buildOnce, cloneDatabase, SEED_SETTINGS, templateFor, type Template } from './template-db'

/**
 * Starts a real Plaza server process (the same `scripts/start.ts` as `npm start`, without the
 * build step) on 127.0.0.1 with its own temporary database, and collects its JSON log lines.
 */

const root = path.resolve(import.meta.dirname, '../..')

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface RunningPlaza {
  url: string
  port: number
  /** The server's SQLite file; on PostgreSQL the path standing for its database (startPlaza({ DATABASE_PATH }) reopens it). */
  databasePath: string
  /** PostgreSQL only (PLAZA_TEST_ENGINE=postgres): the server's DATABASE_URL. */
  databaseUrl?: string
  /** the server's process id (a crash test kills it with SIGKILL) */
  pid: number
  logs: Array<Record<string, unknown>>
  /** The first log line that matches, once the server has written it (polled; fails after `timeoutMs`). */
  waitForLog: (match: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>
  output: () => string
  stop: () => Promise<void>
}

/** Set by tests/support/global-setup.ts: scripts/server.ts compiled once for the vitest run. */
export const SERVER_BUNDLE_VARIABLE = 'PLAZA_TEST_SERVER_BUNDLE'

/**
 * How a test starts Plaza: the run's compiled server when there is one (vitest; a start costs less
 * than half the CPU), else `scripts/start.ts --no-build` through tsx, as `npm start` does.
 * runStartExpectingExit always runs scripts/start.ts: its checks are what those tests test.
 */
function serverCommand(): string[] {
  const bundle = process.env[SERVER_BUNDLE_VARIABLE]
  if (bundle && fs.existsSync(bundle)) return [bundle]
  return ['--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build']
}

/** Room left between a start's deadline and vitest's own timeout, so that the failure is ours (with the server's log). */
const DEADLINE_MARGIN_MS = 5_000
const DEFAULT_START_MS = 60_000

/**
 * How long a start may take: the `startTimeoutMs` option, else PLAZA_START_TIMEOUT_MS, else what is
 * left of the vitest test or hook that starts it (less a margin), else 60 s. A fixed deadline shorter
 * than the hook's timeout failed starts on a loaded machine that the hook would have waited for.
 */
export async function startDeadlineMs(option?: number): Promise<number> {
  if (option !== undefined) return option
  const fromEnv = process.env.PLAZA_START_TIMEOUT_MS
  if (fromEnv && /^\d{1,7}$/.test(fromEnv)) return Number(fromEnv)
  const left = await timeLeftInVitest()
  return left === null ? DEFAULT_START_MS : Math.max(1_000, left - DEADLINE_MARGIN_MS)
}

/**
 * What is left of the running test's timeout, or a hook's (vitest.config.ts passes hookTimeout as
 * PLAZA_HOOK_TIMEOUT_MS: the runner does not tell a hook its own), or null outside vitest.
 */
async function timeLeftInVitest(): Promise<number | null> {
  if (!process.env.VITEST) return null
  const { getCurrentTest } = await import('@vitest/runner')
  const test = getCurrentTest()
  if (test?.timeout) return test.timeout - (Date.now() - (test.result?.startTime ?? Date.now()))
  const hook = process.env.PLAZA_HOOK_TIMEOUT_MS
  return hook && /^\d{1,7}$/.test(hook) ? Number(hook) : null
}

/**
 * Signals the server's whole process group: the server runs in its own group (`detached`), so the
 * processes it starts (cluster workers, a build) end with it, even when it has not answered yet.
 */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone already
  }
}

// Detached groups do not hear the test runner's Ctrl-C: whatever is still running ends with it.
const groups = new Set<number>()
function track(pid: number | undefined) {
  if (pid === undefined) return
  if (groups.size === 0) process.once('exit', () => groups.forEach((g) => signalGroup(g, 'SIGKILL')))
  groups.add(pid)
}

export interface StartOptions {
  /** how long to wait for /healthz, a template's build included (default: see startDeadlineMs) */
  startTimeoutMs?: number
  /**
   * false: the server gets an empty database and seeds it itself (as `npm start` on a new
   * installation). Default: a copy of the run's demo-city template, unless the test gave
   * the DATABASE_PATH of an existing database or SEED_DEMO=false (tests/support/template-db.ts).
   */
  template?: boolean
  /** Abandons the start (the process group is killed as on a missed deadline). */
  signal?: AbortSignal
}

/** The port freePort() chose was taken before Plaza listened on it (another process got it meanwhile). */
class PortTakenError extends Error {
  override name = 'PortTakenError'
}

/**
 * Starts Plaza; when the port chosen for it was taken in the seconds before it listened (the OS
 * may hand the same port to any other socket meanwhile, e.g. a client connection of another test),
 * starts it again on another port, from the same state: a database the test named that did not
 * exist is removed first, so the new start seeds it as the first would have.
 */
export async function startPlaza(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningPlaza> {
  const named = env.DATABASE_PATH
  const namedWasNew = named !== undefined && (onPostgres ? !(await postgresIsMigrated(postgresDatabaseFor(env))) : !fs.existsSync(named))
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPlazaOnce(env, options)
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error
      if (named && namedWasNew) {
        if (onPostgres) await dropDatabase(postgresDatabaseFor(env))
        else for (const file of [named, `${named}-wal`, `${named}-shm`]) fs.rmSync(file, { force: true })
      }
    }
  }
}

/**
 * PostgreSQL run: the database a server gets. DATABASE_URL when the test gave one; the test file's
 * own database (tests/support/setup.ts) for its DATABASE_PATH; for any other path a database of its
 * own, the same each time that path is named (a restart finds its data).
 */
function postgresDatabaseFor(env: Record<string, string>, fallbackPath?: string): string {
  if (env.DATABASE_URL) return databaseNameOf(env.DATABASE_URL)
  const file = env.DATABASE_PATH ?? fallbackPath!
  if (file === process.env.DATABASE_PATH && process.env.DATABASE_URL) return databaseNameOf(process.env.DATABASE_URL)
  return databaseForPath(file)
}

async function postgresIsMigrated(name: string): Promise<boolean> {
  await ensureDatabase(name)
  return isMigrated(name)
}

async function startPlazaOnce(env: Record<string, string>, options: StartOptions): Promise<RunningPlaza> {
  markPlazaStarted()
  const limitMs = await startDeadlineMs(options.startTimeoutMs)
  const deadline = Date.now() + limitMs
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-server-'))
  const databasePath = env.DATABASE_PATH ?? path.join(dir, 'plaza.sqlite')
  // PostgreSQL: the server's database (created empty when new; "new" is "not migrated yet").
  const pgName = onPostgres ? postgresDatabaseFor(env, databasePath) : null
  const databaseUrl = pgName === null ? undefined : (env.DATABASE_URL ?? clusterUrl(pgName))
  // A database the test chose gets the city too when it does not exist yet (as a fresh start
  // would seed it); an existing one (a restart, a city of the test's own) is left as it is.
  const fresh = pgName !== null ? !(await postgresIsMigrated(pgName)) : !env.DATABASE_PATH || !fs.existsSync(env.DATABASE_PATH)
  const template = options.template === false || !fresh ? null : templateFor({ ...process.env, NODE_ENV: 'test', ...env })
  if (template) {
    await ensureTemplate(template, env, deadline)
    await cloneDatabase(template, pgName ?? databasePath)
  }
  const child = spawn(process.execPath, serverCommand(), {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: databasePath,
      DB_SYNCHRONOUS: 'NORMAL',
      // One process: requests that build on each other (cache, rate limits) meet the same one.
      WEB_CONCURRENCY: '1',
      ...env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, killed as a whole (see signalGroup).
    detached: true,
  })
  track(child.pid)
  const logs: Array<Record<string, unknown>> = []
  let text = ''
  const collect = (chunk: Buffer) => {
    text += chunk.toString()
    for (const line of chunk.toString().split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // a line split across chunks; the raw text keeps it
      }
    }
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))

  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // Whatever it started goes with it.
      signalGroup(child.pid, 'SIGKILL')
      if (/Port \d+ is already in use/.test(text)) throw new PortTakenError(`Port ${port} was taken before Plaza listened on it:\n${text}`)
      throw new Error(`Plaza exited with ${child.exitCode ?? child.signalCode}:\n${text}`)
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(Math.max(100, Math.min(2000, deadline - Date.now()))) })
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || options.signal?.aborted) {
      signalGroup(child.pid, 'SIGKILL')
      await exited
      const why = options.signal?.aborted ? "Plaza's start was abandoned" : `Plaza did not start within ${(limitMs / 1000).toFixed(limitMs % 1000 ? 1 : 0)} s`
      throw new Error(`${why} (process group ${child.pid} killed):\n${text}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }

  return {
    url,
    port,
    databasePath,
    databaseUrl,
    pid: child.pid!,
    logs,
    async waitForLog(match, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const line = logs.find(match)
        if (line) return line
        if (Date.now() > until) throw new Error(`no such log line within ${timeoutMs / 1000} s:\n${text}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) signalGroup(child.pid, 'SIGTERM')
      const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
      // A worker that outlived its primary (the primary was SIGKILLed by a crash test) goes too.
      signalGroup(child.pid, 'SIGKILL')
    },
  }
}

/**
 * Builds the demo-city template unless it exists: a real Plaza start on an empty database with the
 * same seed settings (so the template is what `npm start` makes of one), stopped, then sealed.
 */
export async function ensureTemplate(template: Template, env: Record<string, string>, deadline: number): Promise<void> {
  await buildOnce(template, deadline, async (building) => {
    const settings = Object.fromEntries(SEED_SETTINGS.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]))
    // No background jobs or mail: nothing but the seed writes to the template.
    const plaza = await startPlaza(
      { ...settings, DATABASE_PATH: building, BACKGROUND_JOBS: 'false', MAIL_WORKER: 'false' },
      { template: false, startTimeoutMs: Math.max(1_000, deadline - Date.now()) },
    )
    const seeded = plaza.logs.some((l) => l.msg === 'demo city seeded')
    await plaza.stop()
    if (!seeded) throw new Error(`Plaza did not seed the demo city into ${building}:\n${plaza.output()}`)
  })
}

/**
 * Runs `scripts/start.ts` expecting it to stop at once (e.g. a bad configuration). The test file's
 * own DATABASE_URL (the PostgreSQL run) is not passed on: the configuration checked is the one given.
 */
export async function runStartExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  markPlazaStarted()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', ...(onPostgres ? { DATABASE_URL: '' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  track(child.pid)
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 20_000)
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  clearTimeout(timer)
  signalGroup(child.pid, 'SIGKILL')
  return { code, output }
}
