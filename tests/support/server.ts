import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'

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
  databasePath: string
  /** the server's process id (a crash test kills it with SIGKILL) */
  pid: number
  logs: Array<Record<string, unknown>>
  output: () => string
  stop: () => Promise<void>
}

/** How long a start may take: the `startTimeoutMs` option, else PLAZA_START_TIMEOUT_MS, else 60 s. */
export function startDeadlineMs(option?: number): number {
  if (option !== undefined) return option
  const fromEnv = process.env.PLAZA_START_TIMEOUT_MS
  return fromEnv && /^\d{1,7}$/.test(fromEnv) ? Number(fromEnv) : 60_000
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
  /** how long to wait for /healthz (default: PLAZA_START_TIMEOUT_MS, else 60 s) */
  startTimeoutMs?: number
}

export async function startPlaza(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningPlaza> {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-server-'))
  const databasePath = env.DATABASE_PATH ?? path.join(dir, 'plaza.sqlite')
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build'], {
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
  const limitMs = startDeadlineMs(options.startTimeoutMs)
  const deadline = Date.now() + limitMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // Whatever it started goes with it.
      signalGroup(child.pid, 'SIGKILL')
      throw new Error(`Plaza exited with ${child.exitCode ?? child.signalCode}:\n${text}`)
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(Math.max(100, Math.min(2000, deadline - Date.now()))) })
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      signalGroup(child.pid, 'SIGKILL')
      await exited
      throw new Error(`Plaza did not start within ${limitMs / 1000} s (process group ${child.pid} killed):\n${text}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }

  return {
    url,
    port,
    databasePath,
    pid: child.pid!,
    logs,
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

/** Runs `scripts/start.ts` expecting it to stop at once (e.g. a bad configuration). */
export async function runStartExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', ...env },
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
