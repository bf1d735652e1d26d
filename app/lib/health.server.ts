import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { config } from './config.server'
import { database } from './db.server'
import { touchSetting } from './settings.server'

// After a full disk, the free space a server waits for before it calls itself ready again: a small
// write may fit in a WAL that failed writes already grew while the next real one would not.
const FREE_BYTES_TO_RECOVER = 16 * 1024 * 1024

/**
 * Readiness for /healthz: whether this server can serve and write. Reads are cheap to check; the
 * disk and a write are tried only after a write met a fault (full disk, I/O error, lock timeout),
 * and a successful write clears the fault — so a freed disk makes the server ready again without
 * a restart.
 */
export async function databaseHealth(): Promise<{ ok: boolean; reason?: string }> {
  const plaza = database()
  try {
    if (plaza.engine === 'sqlite') plaza.sqlite.prepare('select 1').get()
    else await sql`select 1`.execute(plaza.db)
  } catch {
    return { ok: false, reason: 'database-unreadable' }
  }
  const fault = plaza.fault()
  if (!fault) return { ok: true }
  if (fault.error.reason === 'full' && plaza.engine === 'sqlite' && freeBytes() < FREE_BYTES_TO_RECOVER) return { ok: false, reason: 'database-full' }
  try {
    // A real commit: it appends to the WAL, so it fails while the disk is full or the lock is held.
    await plaza.write((trx) => touchSetting(trx, 'health-probe'))
    return { ok: true }
  } catch {
    return { ok: false, reason: `database-${plaza.fault()?.error.reason ?? fault.error.reason}` }
  }
}

function freeBytes(): number {
  try {
    const stats = fs.statfsSync(path.dirname(path.resolve(config().DATABASE_PATH)))
    return stats.bavail * stats.bsize
  } catch {
    return Number.POSITIVE_INFINITY
  }
}
