import type { Logger } from 'pino'
import type { Config } from './config.server'

/**
 * Background jobs: what a capability runs beside the web servers, in the primary process only
 * (scripts/start.ts with BACKGROUND_JOBS). Each capability lists its jobs in its manifest
 * (`jobs`, app/modules/manifest.ts); app/modules/jobs.server.ts starts every manifest's jobs and
 * stops them in turn at shutdown. Each job claims its rows in the database, so several servers
 * running them never do one twice.
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

/**
 * A job that runs `run` every `everyMs` (first after `firstMs`), never twice at once: a run still
 * going when the next is due is skipped. Its failures are logged with `failure`, never thrown. The
 * timers do not keep the process alive.
 */
export function repeating(ctx: JobContext, run: () => Promise<unknown>, options: { everyMs: number; firstMs: number; failure: string }): StopJob {
  let running: Promise<unknown> | null = null
  const tick = () => {
    if (running) return
    running = run()
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
