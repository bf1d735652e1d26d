import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { deleteAbandonedPhotos } from './photos.server'
import { startQuestionnaireJob } from './questionnaire.server'

/** The reports' background jobs (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const reportJobs: BackgroundJob[] = [
  { name: 'reports: satisfaction questionnaires after a fix', start: () => startQuestionnaireJob() },
  {
    name: 'reports: photos uploaded but never attached (a day old)',
    start: (ctx) =>
      repeating(
        ctx,
        async () => {
          const photos = await deleteAbandonedPhotos(24)
          if (photos) ctx.log.info({ photos }, 'abandoned report photos deleted')
        },
        { firstMs: 30_000, everyMs: 3600_000, failure: 'photo clean-up failed', shared: 'reports.photos' },
      ),
  },
]
