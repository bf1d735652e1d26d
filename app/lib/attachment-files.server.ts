import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { config } from './config.server'

/**
 * Attachments kept as files beside the SQLite database (issue 22, ADR 150): `attachments/` next to
 * DATABASE_PATH, one file per content, named by its SHA-256 (`attachments/ab/abcd…`), written once
 * and never changed. On SQLite a 1 MB blob's COMMIT ran on the event loop that also acknowledges
 * SMTP mail (better-sqlite3 is synchronous); a file is written by libuv's threads (or by a parse
 * thread) before the commit that references it, and the row holds its name only.
 *
 * Durability, in this order: a temporary name in `attachments/tmp/`, fsync, rename to its content
 * name, fsync of the directory; only then is the database row that names it committed. A crash in
 * between leaves at worst a file no row names (the same content written again finds it in place).
 * The parse threads write the same way (app/lib/mail/parse-pool.server.ts, in its worker source).
 */

export const SHA256 = /^[0-9a-f]{64}$/

/** The attachments' directory of the database at `databasePath` (a PostgreSQL install's DATABASE_PATH is its data folder's anchor too). */
export function attachmentsDirectory(databasePath = config().DATABASE_PATH): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'attachments')
}

/** Where the content with this SHA-256 lives (the name is checked: never a path of the caller's making). */
export function attachmentPath(sha256: string, dir = attachmentsDirectory()): string {
  if (!SHA256.test(sha256)) throw new Error('not a SHA-256 name')
  return path.join(dir, sha256.slice(0, 2), sha256)
}

/** The bytes of a stored attachment (rejects with ENOENT when the file is missing). */
export function readAttachmentFile(sha256: string, dir = attachmentsDirectory()): Promise<Buffer> {
  return fs.readFile(attachmentPath(sha256, dir))
}

/**
 * Marks a file in use now (its modification time): the sweep leaves a file touched within its grace
 * period alone, so content found in place here is not removed before the row that names it commits.
 * False when the file has gone meanwhile (the sweep took it): the caller writes it again.
 */
async function touch(file: string): Promise<boolean> {
  const now = new Date()
  try {
    await fs.utimes(file, now, now)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

async function syncDirectory(dir: string) {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Stores `content` durably under its SHA-256 and returns the name (asynchronous file system calls:
 * the event loop is not held). Content already stored is not written again.
 */
export async function storeAttachmentFile(content: Uint8Array, dir = attachmentsDirectory()): Promise<{ sha256: string; size: number }> {
  const sha256 = createHash('sha256').update(content).digest('hex')
  const sub = path.join(dir, sha256.slice(0, 2))
  const final = path.join(sub, sha256)
  const existing = await fs.stat(final).catch(() => null)
  if (existing?.size === content.byteLength && (await touch(final))) {
    // Written by an earlier answer (or an earlier attempt at this one): make sure its name is durable too.
    await syncDirectory(sub)
    return { sha256, size: content.byteLength }
  }
  await fs.mkdir(path.join(dir, 'tmp'), { recursive: true, mode: 0o700 })
  const madeSub = (await fs.mkdir(sub, { recursive: true, mode: 0o700 })) !== undefined
  const tmp = path.join(dir, 'tmp', `${sha256}-${randomBytes(6).toString('hex')}`)
  const handle = await fs.open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await fs.unlink(tmp).catch(() => undefined)
    throw error
  }
  await handle.close()
  await fs.rename(tmp, final)
  await syncDirectory(sub)
  if (madeSub) await syncDirectory(dir)
  return { sha256, size: content.byteLength }
}

export interface SweepOutcome {
  /** Files no row named, older than the grace period: removed. */
  removed: number
  /** Files a row names, or touched within the grace period: kept. */
  kept: number
  /** Temporary files a crash left in tmp/, older than the grace period: removed. */
  leftovers: number
}

/**
 * Removes the stored files no row names any more (mail that went to the holding pen, a request
 * deleted, a crash between a file and its row), and temporary files a crash left. `referenced` gets
 * a batch of names and answers those a row names. A file modified within `graceMs` is kept whatever
 * the rows say: a parse thread may have written it (or found it in place and touched it) for a row
 * not yet committed. A file is moved aside before it is removed; if it was touched in between, or
 * a row named it meanwhile, it is put back (a writer that found it gone writes it again).
 */
export async function sweepAttachmentFiles(
  referenced: (names: string[]) => Promise<Set<string>>,
  options: { dir?: string; graceMs?: number; now?: number; batch?: number } = {},
): Promise<SweepOutcome> {
  const dir = options.dir ?? attachmentsDirectory()
  const graceMs = options.graceMs ?? 60 * 60_000
  const cutoff = (options.now ?? Date.now()) - graceMs
  const outcome: SweepOutcome = { removed: 0, kept: 0, leftovers: 0 }
  const size = options.batch ?? 500
  const subs = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  const tmp = path.join(dir, 'tmp')
  for (const name of subs.includes('tmp') ? await fs.readdir(tmp) : []) {
    const file = path.join(tmp, name)
    const stat = await fs.stat(file).catch(() => null)
    if (stat && stat.mtimeMs < cutoff) {
      await fs.unlink(file).catch(() => undefined)
      outcome.leftovers++
    }
  }
  for (const sub of subs.filter((s) => /^[0-9a-f]{2}$/.test(s))) {
    const names = (await fs.readdir(path.join(dir, sub))).filter((n) => SHA256.test(n) && n.startsWith(sub))
    for (let i = 0; i < names.length; i += size) {
      const batch = names.slice(i, i + size)
      const old: string[] = []
      for (const name of batch) {
        const stat = await fs.stat(path.join(dir, sub, name)).catch(() => null)
        if (stat && stat.mtimeMs < cutoff) old.push(name)
        else if (stat) outcome.kept++
      }
      if (old.length === 0) continue
      const named = await referenced(old)
      outcome.kept += named.size
      for (const name of old.filter((n) => !named.has(n))) {
        if (await removeUnlessTouched(path.join(dir, sub, name), tmp, cutoff, referenced)) outcome.removed++
        else outcome.kept++
      }
    }
  }
  return outcome
}

async function removeUnlessTouched(file: string, tmp: string, cutoff: number, referenced: (names: string[]) => Promise<Set<string>>): Promise<boolean> {
  const name = path.basename(file)
  const aside = path.join(tmp, `sweep-${name}-${randomBytes(4).toString('hex')}`)
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 })
  try {
    await fs.rename(file, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  const stat = await fs.stat(aside)
  if (stat.mtimeMs >= cutoff || (await referenced([name])).has(name)) {
    // Touched (or named by a row) between the look and the move: back in place, unless written anew meanwhile.
    await fs.link(aside, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    await fs.unlink(aside)
    await syncDirectory(path.dirname(file))
    return false
  }
  await fs.unlink(aside)
  return true
}
