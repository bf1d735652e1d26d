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

export default { common, deliberation, moderation, accounts, mail, geo, reports, council, open311, alerts, photos, voting, proposals, votesAdmin, votes }
