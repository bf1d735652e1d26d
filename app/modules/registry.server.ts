import { registerCommentModeration } from './deliberation/deliberation.server'
import { registerAreaDiscussions } from './deliberation/kinds.server'
import { registerReportKinds } from './reports/kinds.server'
import { registerReportAlerts } from './reports/alerts.server'
import { registerProposalKinds } from './proposals/kinds.server'
import { registerPetitionKinds } from './petitions/kinds.server'
import { registerPetitionSignatures } from './petitions/signatures.server'
import { registerProposalVoting } from './voting/processes.server'
import { registerVoting } from './voting/voting.server'
import { registerLetterMail } from './letters/letters.server'
import { registerCoreDatasets } from './opendata/sources.server'
import { registerPetitionAndRepresentativeDatasets } from './opendata/sources-more.server'
import { registerCityLanguages } from './city/register.server'
import { registerOpen311 } from './open311/open311.server'
import { registerDelivery } from './delivery/delivery.server'

/**
 * Capabilities register what they take part in (discussions, moderation, …) here, once per process.
 * Called from entry.server.tsx at start; tests call it before using the modules. (Plain
 * side-effect imports would be dropped: the package is marked "sideEffects": false.)
 */
let registered = false
export function registerCapabilities() {
  if (registered) return
  registered = true
  registerAreaDiscussions()
  registerCommentModeration()
  registerReportKinds()
  registerReportAlerts()
  registerProposalKinds()
  registerPetitionKinds()
  registerPetitionSignatures()
  registerProposalVoting()
  registerVoting()
  registerLetterMail()
  registerCoreDatasets()
  registerPetitionAndRepresentativeDatasets()
  registerCityLanguages()
  registerOpen311()
  registerDelivery()
}
