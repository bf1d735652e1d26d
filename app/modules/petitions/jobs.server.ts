import { config } from '../../lib/config.server'
import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { closeExpiredPetitions, sendPetitionMailings } from './petitions.server'

/** The petitions' background job (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const petitionJobs: BackgroundJob[] = [
  {
    // Open petitions whose months are over close (conditional updates); the signers' update
    // mailings (council response, debate) are queued in batches from their cursor.
    name: 'petitions: closing expired petitions and signers’ mailings',
    start: (ctx) => {
      const everyMs = config().PETITION_UPKEEP_MS
      return repeating(
        ctx,
        async () => {
          const closed = await closeExpiredPetitions()
          const mailed = await sendPetitionMailings()
          if (closed.length || mailed) ctx.log.info({ closed, mailed }, 'petitions upkeep')
        },
        { firstMs: everyMs, everyMs, failure: 'petition upkeep failed', shared: 'petitions.upkeep' },
      )
    },
  },
]
