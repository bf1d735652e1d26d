import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` listening
 * only on a Unix socket in that directory (never a system-wide server, no TCP port), fsync off.
 * Run as root (CI containers), the cluster is owned by and run as `nobody`, since PostgreSQL refuses
 * to run as root. Binaries: PG_BIN, then /usr/lib/postgresql/<newest>/bin (Debian's package), then PATH.
 */

export interface TestPostgres {
  /** postgres://… of database `name` on this server */
  url(name: string): string
  /** CREATE DATABASE name [TEMPLATE template]; returns its URL */
  createDatabase(name: string, template?: string): Promise<string>
  /** Stops the server (fast shutdown) and removes its directory. */
  stop(): Promise<void>
  /** Stops the server without removing anything (to test a database going away). */
  kill(): Promise<void>
  /** Starts the server again on the same directory after `kill` (the database coming back). */
  restart(): Promise<void>
  socketDir: string
}

export function postgresBinaries(): string | null {
  const candidates: string[] = []
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN)
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`)
  } catch {
    // not Debian's layout
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) candidates.push(dir)
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres'))) ?? null
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** Runs a PostgreSQL binary, as `nobody` when we are root. */
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'nobody', '--', bin, ...args]] : [bin, args]
}

/**
 * `durable`: fsync and synchronous commit on, as a production server (benchmarks that compare with
 * SQLite's synchronous=FULL); by default both are off, for the tests' speed.
 */
export async function startPostgres(options: { durable?: boolean; settings?: string[] } = {}): Promise<TestPostgres> {
  const bin = postgresBinaries()
  if (!bin) throw new Error('PostgreSQL binaries not found (install postgresql or set PG_BIN)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-pg-'))
  fs.chmodSync(dir, 0o777)
  const data = path.join(dir, 'data')
  const [initdb, initArgs] = command(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'plaza', '-E', 'UTF8', '--locale=C', '--no-sync'])
  execFileSync(initdb, initArgs, { stdio: 'pipe' })
  const [postgres, args] = command(path.join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-c',
    'listen_addresses=',
    ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=32MB',
    ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
  ])
  const url = (name: string) => `postgres://plaza@/${encodeURIComponent(name)}?host=${encodeURIComponent(dir)}`
  let child: ChildProcess
  let stopped: Promise<void>
  const launch = async () => {
    child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false })
    let log = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000)
    })
    const deadline = Date.now() + 30_000
    for (;;) {
      const client = new pg.Client({ connectionString: url('postgres') })
      try {
        await client.connect()
        await client.end()
        break
      } catch (error) {
        await client.end().catch(() => undefined)
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${String(error)}\n${log}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const running = child
    stopped = new Promise<void>((resolve) => running.once('exit', () => resolve()))
  }
  await launch()
  const kill = async () => {
    if (child.exitCode === null) {
      // Fast shutdown, sent to the postmaster itself (runuser does not pass signals on).
      const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      try {
        process.kill(pid, 'SIGINT')
      } catch {
        child.kill('SIGINT')
      }
      await stopped
    }
  }
  return {
    socketDir: dir,
    url,
    async createDatabase(name, template) {
      const client = new pg.Client({ connectionString: url('postgres') })
      await client.connect()
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"${template ? ` template "${template.replace(/"/g, '""')}"` : ''}`)
      } finally {
        await client.end()
      }
      return url(name)
    },
    kill,
    async restart() {
      if (child.exitCode === null && child.signalCode === null) return
      await launch()
    },
    async stop() {
      await kill()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
