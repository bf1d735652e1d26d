import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { deleteAbandonedProposalImages } from './images.server'
import { archiveExpiredProposals, refreshHotScores } from './proposals.server'

/** The proposals' background jobs (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const proposalJobs: BackgroundJob[] = [
  {
    // "Hot" decays with time; proposals past their months are archived.
    name: 'proposals: hot scores and archiving',
    start: (ctx) =>
      repeating(ctx, () => Promise.all([refreshHotScores(), archiveExpiredProposals()]), { firstMs: 5_000, everyMs: 15 * 60_000, failure: 'proposal upkeep failed', shared: 'proposals.upkeep' }),
  },
  {
    name: 'proposals: images uploaded but never attached (a day old)',
    start: (ctx) =>
      repeating(
        ctx,
        async () => {
          const images = await deleteAbandonedProposalImages(24)
          if (images) ctx.log.info({ images }, 'abandoned proposal images deleted')
        },
        { firstMs: 30_000, everyMs: 3600_000, failure: 'image clean-up failed', shared: 'proposals.images' },
      ),
  },
]
