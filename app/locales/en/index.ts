// Every namespace of this language: one JSON file per capability (common = the shell).
import common from './common.json'
import mail from './mail.json'

export default { common, mail }
