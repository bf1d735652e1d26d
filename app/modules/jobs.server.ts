import { logger } from '../lib/logger.server'
import { startQuestionnaireJob } from './reports/questionnaire.server'
import { deleteAbandonedPhotos } from './reports/photos.server'
import { archiveExpiredProposals, refreshHotScores } from './proposals/proposals.server'
import { deleteAbandonedProposalImages } from './proposals/images.server'
import { advanceProcesses } from './voting/processes.server'
import { closeExpiredPetitions, sendPetitionMailings } from './petitions/petitions.server'
import { registerLetterMail } from './letters/letters.server'
import { startLetterJobs } from './letters/questionnaire.server'
import { startDigestJob } from './notifications/digest.server'
import { startDeliveryJobs } from './delivery/delivery.server'
import { registerDeliveryInbound } from './delivery/inbound-mail.server'
import { registerFoiInbound } from './foi/inbound.server'
import { startInboundMail } from '../lib/mail/inbound.server'
import { config } from '../lib/config.server'

/**
 * Background work that runs beside the web servers (in the primary process; see scripts/start.ts).
 * Each job claims its rows in the database, so several servers running them never do one twice.
 */
export function startBackgroundJobs() {
  const stopQuestionnaires = startQuestionnaireJob()
  // Letters: this process may deliver mail (scripts/start.ts) without serving pages, so it hears
  // letter outcomes itself; then questionnaires two weeks on, reconciling, retention.
  registerLetterMail()
  const stopLetters = startLetterJobs()
  const cleanPhotos = () =>
    Promise.all([deleteAbandonedPhotos(24), deleteAbandonedProposalImages(24)])
      .then(([photos, images]) => (photos || images ? logger().info({ photos, images }, 'abandoned uploads deleted') : undefined))
      .catch((error) => logger().error({ err: error }, 'photo clean-up failed'))
  const first = setTimeout(cleanPhotos, 30_000)
  const hourly = setInterval(cleanPhotos, 3600_000)
  // Voting processes open and close on their dates (each transition is a conditional update).
  const advance = () =>
    advanceProcesses()
      .then((r) => (r.opened.length || r.closed.length ? logger().info({ votes: r }, 'voting processes advanced') : undefined))
      .catch((error) => logger().error({ err: error }, 'advancing voting processes failed'))
  // Proposals: "hot" decays with time; proposals past their months are archived.
  const proposals = () => Promise.all([refreshHotScores(), archiveExpiredProposals()]).catch((error) => logger().error({ err: error }, 'proposal upkeep failed'))
  const minute = setInterval(advance, 60_000)
  const quarter = setInterval(proposals, 15 * 60_000)
  const soon = setTimeout(() => void advance().then(proposals), 5_000)
  for (const timer of [first, hourly, minute, quarter, soon]) timer.unref()
  // Petitions: open ones whose months are over close (conditional updates); the signers' update
  // mailings (council response, debate) are queued in batches from their cursor.
  const petitions = () =>
    closeExpiredPetitions()
      .then(async (closed) => {
        const mailed = await sendPetitionMailings()
        if (closed.length || mailed) logger().info({ closed, mailed }, 'petitions upkeep')
      })
      .catch((error) => logger().error({ err: error }, 'petition upkeep failed'))
  const petitionTimer = setInterval(petitions, 60_000)
  petitionTimer.unref()
  // Following: each address with daily subscriptions gets one digest a day (claimed per address).
  const stopDigests = startDigestJob()
  // Delivery (issue 19): reports sent to bodies by e-mail or Open311, their updates polled, and
  // their e-mailed replies received on Plaza's own SMTP endpoint when INBOUND_SMTP_PORT is set.
  const stopDelivery = startDeliveryJobs()
  // One inbound SMTP endpoint for every module (ADR 125): each registers its address prefix.
  registerDeliveryInbound()
  registerFoiInbound()
  const port = config().INBOUND_SMTP_PORT
  const inbound = port
    ? startInboundMail({ port, host: config().INBOUND_SMTP_HOST }).catch((error) => {
        logger().error({ err: error }, 'the inbound SMTP endpoint could not start')
        return null
      })
    : Promise.resolve(null)
  return {
    async stop() {
      for (const timer of [first, hourly, minute, quarter, soon]) clearTimeout(timer)
      clearInterval(petitionTimer)
      await stopQuestionnaires()
      await stopLetters()
      stopDigests()
      await stopDelivery()
      await (await inbound)?.stop()
    },
  }
}
