// Every namespace of this language: one JSON file per capability (common = the shell).
import common from './common.json'
import deliberation from './deliberation.json'
import moderation from './moderation.json'
import accounts from './accounts.json'
import mail from './mail.json'
import geo from './geo.json'
import reports from './reports.json'
import council from './council.json'
import open311 from './open311.json'
import alerts from './alerts.json'
import photos from './photos.json'
import voting from './voting.json'
import proposals from './proposals.json'
import votesAdmin from './votesAdmin.json'
import votes from './votes.json'
import letters from './letters.json'
import opendata from './opendata.json'
import signatures from './signatures.json'
import petitions from './petitions.json'
import representatives from './representatives.json'
import notifications from './notifications.json'
import embed from './embed.json'
import city from './city.json'
import services from './services.json'
import configuration from './configuration.json'
import areasAdmin from './areasAdmin.json'
import delivery from './delivery.json'
import basemap from './basemap.json'
import processes from './processes.json'
import foi from './foi.json'
import surveys from './surveys.json'

export default {
  common,
  deliberation,
  moderation,
  accounts,
  mail,
  geo,
  reports,
  council,
  open311,
  alerts,
  photos,
  voting,
  proposals,
  votesAdmin,
  votes,
  opendata,
  signatures,
  letters,
  representatives,
  petitions,
  notifications,
  embed,
  city,
  services,
  configuration,
  areasAdmin,
  delivery,
  basemap,
  processes,
  foi,
  surveys,
}
