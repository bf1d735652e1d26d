import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { advanceProcesses } from './processes.server'

/** Voting's background job (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const votingJobs: BackgroundJob[] = [
  {
    // Processes open and close on their dates (each transition is a conditional update).
    name: 'voting: opening and closing processes',
    start: (ctx) =>
      repeating(
        ctx,
        async () => {
          const r = await advanceProcesses()
          if (r.opened.length || r.closed.length) ctx.log.info({ votes: r }, 'voting processes advanced')
        },
        { firstMs: 5_000, everyMs: 60_000, failure: 'advancing voting processes failed', shared: 'voting.processes' },
      ),
  },
]
