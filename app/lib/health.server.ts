import { database } from './db.server'

/**
 * Readiness for /healthz: whether this server can serve and write. Reads are cheap to check; a
 * write is tried only after a write met a fault (full disk, I/O error, lock timeout), and its
 * success clears the fault — so a freed disk makes the server ready again without a restart.
 */
export async function databaseHealth(): Promise<{ ok: boolean; reason?: string }> {
  const plaza = database()
  try {
    plaza.sqlite.prepare('select 1').get()
  } catch {
    return { ok: false, reason: 'database-unreadable' }
  }
  const fault = plaza.fault()
  if (!fault) return { ok: true }
  try {
    // A real commit: it appends to the WAL, so it fails while the disk is full.
    await plaza.write((trx) => trx.updateTable('settings').set({ updated_at: new Date().toISOString() }).where('key', '=', 'health-probe').execute())
    return { ok: true }
  } catch {
    return { ok: false, reason: `database-${plaza.fault()?.error.reason ?? fault.error.reason}` }
  }
}
