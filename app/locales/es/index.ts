// Every namespace of this language: one JSON file per capability (common = the shell).
import common from './common.json'
import accounts from './accounts.json'
import mail from './mail.json'
import geo from './geo.json'

export default { common, accounts, mail, geo }
