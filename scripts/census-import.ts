/**
 * `npm run census:import FILE`: import the census CSV (document_number, birth_date, area) into
 * DATABASE_PATH, streaming the file; prints how many rows were added, updated, unchanged and
 * rejected, and why each rejected row was.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { database, migrateOrThrow } from '../app/lib/db.server'
import { importCensus } from '../app/modules/accounts/census.server'
import { translator } from '../app/lib/i18n.server'

const file = process.argv[2]
if (!file) {
  console.error('Usage: npm run census:import FILE.csv   (columns: document_number, birth_date, area)')
  process.exit(2)
}
try {
  const config = loadConfig()
  if (!fs.existsSync(file)) throw new Error(`No such file: ${file}`)
  await migrateOrThrow(database())
  const t = translator(config.DEFAULT_LOCALE)
  const report = await importCensus(fs.createReadStream(file), { importedBy: null, sourceName: path.basename(file) })
  console.log(`${t('accounts:admin.added')}: ${report.added}`)
  console.log(`${t('accounts:admin.updated')}: ${report.updated}`)
  console.log(`${t('accounts:admin.unchanged')}: ${report.unchanged}`)
  console.log(`${t('accounts:admin.rejected')}: ${report.rejected.length}`)
  for (const r of report.rejected) console.log(`  ${t('accounts:admin.row')} ${r.row}: ${t(`accounts:admin.reasons.${r.reason}`, { detail: r.detail ?? '' })}`)
  await database().close()
  process.exit(report.rejected.length && !report.added && !report.updated && !report.unchanged ? 1 : 0)
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
