// Every namespace of this language: one JSON file per capability (common = the shell).
import common from './common.json'

export default { common }
