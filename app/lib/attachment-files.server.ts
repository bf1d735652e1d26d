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
  if (existing?.size === content.byteLength) {
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
