import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { deleteAbandonedProcessImages } from './images.server'
import { startPhaseJob } from './processes.server'

/** Processes' background jobs (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const processJobs: BackgroundJob[] = [
  // A phase that starts is mailed once to the process's followers (issue 21).
  { name: 'processes: phase changes mailed to followers', start: () => startPhaseJob() },
  {
    // Images uploaded with a project or milestone form that was never saved.
    name: 'processes: abandoned images deleted',
    start: (ctx) =>
      repeating(
        ctx,
        async () => {
          const images = await deleteAbandonedProcessImages(24)
          if (images) ctx.log.info({ images }, 'abandoned process images deleted')
        },
        { firstMs: 45_000, everyMs: 3600_000, failure: 'process image clean-up failed', shared: 'processes.images' },
      ),
  },
]
