import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * Password hashing off the page-serving threads, at a lower CPU priority.
 *
 * argon2id costs tens of milliseconds of CPU on purpose. Run on libuv's shared pool (4 threads
 * per process), a burst of logins took every core from the threads that render pages. Here each
 * server process hashes in ONE worker thread whose nice value is raised (on Linux the nice value
 * is per thread), so pages win the CPU whenever both want it and logins use what is left; during a
 * burst, logins queue and wait instead of pages.
 */

const NICE = 10
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const os = require('node:os')
const argon2 = require(workerData.argon2)
try { os.setPriority(0, workerData.nice) } catch {}
parentPort.on('message', ({ id, op, password, encoded, options }) => {
  try {
    const value = op === 'hash' ? argon2.hashSync(password, options) : argon2.verifySync(encoded, password)
    parentPort.postMessage({ id, value })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) })
  }
})`

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }
let worker: Worker | undefined
let sequence = 0
const pending = new Map<number, Pending>()

function hasher(): Worker {
  if (worker) return worker
  const argon2 = createRequire(import.meta.url).resolve('@node-rs/argon2')
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { argon2, nice: NICE } })
  w.unref()
  w.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
    const job = pending.get(id)
    pending.delete(id)
    if (!job) return
    if (error !== undefined) job.reject(new Error(error))
    else job.resolve(value)
  })
  w.on('error', (error) => {
    for (const job of pending.values()) job.reject(error)
    pending.clear()
    worker = undefined
  })
  worker = w
  return w
}

function run<T>(message: Record<string, unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = ++sequence
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
    hasher().postMessage({ id, ...message })
  })
}

export const hashInBackground = (password: string, options: Record<string, number>) => run<string>({ op: 'hash', password, options })
export const verifyInBackground = (encoded: string, password: string) => run<boolean>({ op: 'verify', encoded, password })
