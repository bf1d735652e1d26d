import crypto from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from './config.server'
import { database, type PlazaDatabase } from './db.server'

/**
 * Background jobs: what a capability runs beside the web servers, in the primary process only
 * (scripts/start.ts with BACKGROUND_JOBS). Each capability lists its jobs in its manifest
 * (`jobs`, app/modules/manifest.ts); app/modules/jobs.server.ts starts every manifest's jobs and
 * stops them in turn at shutdown. Each job claims its rows in the database, so several servers
 * running them never do one twice (on PostgreSQL with `for update skip locked`, app/lib/db/claims.ts);
 * a periodic job given a `shared` name is also claimed as a whole (`job_runs`), so the servers between
 * them run it once per interval. See docs/decisions/123-job-queue.md.
 */

/** What a job is given when it starts. */
export interface JobContext {
  log: Logger
  config: Config
}

/** Stops a job: clears its timers and waits for a run in progress. */
export type StopJob = () => void | Promise<void>

export interface BackgroundJob {
  /** What it does, for people and logs ("voting: opening and closing processes"). */
  name: string
  start(ctx: JobContext): StopJob
}

export interface RepeatingOptions {
  everyMs: number
  firstMs: number
  /** Logged with a failed run's error. */
  failure: string
  /**
   * The job's name in `job_runs` ("petitions.upkeep"): every app server ticks, the first whose tick
   * finds the interval passed (and no run in progress) claims the run; the others skip it.
   */
  shared?: string
  /** How long a claimed run keeps the other servers away if its server dies mid-run (default 10 min). */
  leaseMs?: number
  database?: PlazaDatabase
}

/**
 * A job that runs `run` every `everyMs` (first after `firstMs`), never twice at once: a run still
 * going when the next is due is skipped. With `shared`, a run happens only when this server claims
 * it (claimJobRun), so N servers run it once per interval between them. Its failures are logged with
 * `failure`, never thrown. The timers do not keep the process alive.
 */
export function repeating(ctx: JobContext, run: () => Promise<unknown>, options: RepeatingOptions): StopJob {
  let running: Promise<unknown> | null = null
  const once = options.shared ? sharedRun(options.shared, run, options) : run
  const tick = () => {
    if (running) return
    running = once()
      .catch((error) => ctx.log.error({ err: error }, options.failure))
      .finally(() => {
        running = null
      })
  }
  const first = setTimeout(tick, options.firstMs)
  const every = setInterval(tick, options.everyMs)
  first.unref()
  every.unref()
  return async () => {
    clearTimeout(first)
    clearInterval(every)
    await running
  }
}

function sharedRun(name: string, run: () => Promise<unknown>, options: RepeatingOptions): () => Promise<unknown> {
  return async () => {
    const db = options.database ?? database()
    const claim = await claimJobRun(name, { everyMs: options.everyMs, leaseMs: options.leaseMs, database: db })
    if (!claim) return undefined
    try {
      const result = await run()
      await finishJobRun(claim, null, { database: db })
      return result
    } catch (error) {
      await finishJobRun(claim, error, { database: db }).catch(() => undefined)
      throw error
    }
  }
}

export interface JobRunClaim {
  name: string
  holder: string
}

const EPOCH = new Date(0).toISOString()
export const DEFAULT_JOB_LEASE_MS = 10 * 60_000

/**
 * Claims the next run of the periodic job `name` for this process: succeeds when no other run's lease
 * is current and the last run started at least `everyMs` ago (less a tenth, at most 5 s, for timers
 * that fire a little early). One conditional update: on SQLite under the write lock; on PostgreSQL a
 * second server's update waits for the first's row lock and then finds the row no longer due. Null
 * when another server has it (or had it within the interval).
 */
export async function claimJobRun(name: string, options: { everyMs: number; leaseMs?: number; now?: Date; database?: PlazaDatabase }): Promise<JobRunClaim | null> {
  const db = options.database ?? database()
  const now = options.now ?? new Date()
  const at = now.toISOString()
  const startedBefore = new Date(now.getTime() - options.everyMs + Math.min(options.everyMs / 10, 5_000)).toISOString()
  // A cheap read first: a server whose tick is not due does not queue a write.
  const row = await db.db.selectFrom('job_runs').select(['lease_until', 'last_started_at']).where('name', '=', name).executeTakeFirst()
  if (row && (row.lease_until > at || row.last_started_at > startedBefore)) return null
  const holder = `${process.pid}.${crypto.randomUUID()}`
  const until = new Date(now.getTime() + (options.leaseMs ?? DEFAULT_JOB_LEASE_MS)).toISOString()
  return db.write(async (trx) => {
    await trx
      .insertInto('job_runs')
      .values({ name, holder: null, lease_until: EPOCH, last_started_at: EPOCH })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    const claimed = await trx
      .updateTable('job_runs')
      .set((eb) => ({ holder, lease_until: until, last_started_at: at, runs: eb('runs', '+', 1) }))
      .where('name', '=', name)
      .where('lease_until', '<=', at)
      .where('last_started_at', '<=', startedBefore)
      .returning('name')
      .executeTakeFirst()
    return claimed ? { name, holder } : null
  })
}

/** Ends a claimed run (its lease with it); records the error of a failed one. Only the holder may. */
export async function finishJobRun(claim: JobRunClaim, error: unknown, options: { now?: Date; database?: PlazaDatabase } = {}): Promise<boolean> {
  const db = options.database ?? database()
  const at = (options.now ?? new Date()).toISOString()
  const message = error === null ? null : (error instanceof Error ? error.message : String(error)).slice(0, 1000)
  const result = await db.write((trx) =>
    trx.updateTable('job_runs').set({ holder: null, lease_until: at, last_finished_at: at, last_error: message }).where('name', '=', claim.name).where('holder', '=', claim.holder).executeTakeFirst(),
  )
  return Number(result.numUpdatedRows) === 1
}
