import { logger } from '../lib/logger.server'
import { startQuestionnaireJob } from './reports/questionnaire.server'
import { deleteAbandonedPhotos } from './reports/photos.server'

/**
 * Background work that runs beside the web servers (in the primary process; see scripts/start.ts).
 * Each job claims its rows in the database, so several servers running them never do one twice.
 */
export function startBackgroundJobs() {
  const stopQuestionnaires = startQuestionnaireJob()
  const cleanPhotos = () =>
    deleteAbandonedPhotos(24)
      .then((n) => (n ? logger().info({ photos: n }, 'abandoned photo uploads deleted') : undefined))
      .catch((error) => logger().error({ err: error }, 'photo clean-up failed'))
  const first = setTimeout(cleanPhotos, 30_000)
  const hourly = setInterval(cleanPhotos, 3600_000)
  first.unref()
  hourly.unref()
  return {
    async stop() {
      clearTimeout(first)
      clearInterval(hourly)
      await stopQuestionnaires()
    },
  }
}
