// Every namespace of this language: one JSON file per capability (common = the shell).
import common from './common.json'
import deliberation from './deliberation.json'
import moderation from './moderation.json'
import accounts from './accounts.json'
import mail from './mail.json'
import geo from './geo.json'

export default { common, deliberation, moderation, accounts, mail, geo }
