/**
 * `npm run areas:import FILE [-- --level district --name-prop NAME --code-prop CODE --parent-prop PARENT
 *   --name-es-prop NOM_ES --name-fr-prop NOM_FR --tolerance 100 --boundary-from-union --dry-run]`:
 * imports a city's boundary, districts, neighbourhoods (or a further level) from a GeoJSON,
 * TopoJSON or zipped Shapefile into DATABASE_PATH, exactly as /admin/areas does. Every problem is
 * printed (naming the feature and property) and nothing is written unless there are none; with
 * --dry-run nothing is written at all. Exit code 0 imported (or would import), 1 problems, 2 usage.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { database, migrateOrThrow } from '../app/lib/db.server'
import { translator } from '../app/lib/i18n.server'
import { commitImport, guessProperties, previewImport } from '../app/modules/geo/import/import.server'
import { describeProblem, describeReadProblem } from '../app/modules/geo/import/messages'
import { readGeographyFile } from '../app/modules/geo/import/read.server'
import type { ImportOptions } from '../app/modules/geo/import/validate'
import { registerCapabilities } from '../app/modules/registry.server'

const usage = `Usage: npm run areas:import FILE -- [--level boundary|district|neighbourhood|N] [--name-prop P] [--code-prop P]
       [--parent-prop P] [--name-es-prop P] [--name-fr-prop P] [--name-en-prop P] [--tolerance M2]
       [--boundary-from-union] [--level-name NAME] [--dry-run]`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    level: { type: 'string', default: 'district' },
    'name-prop': { type: 'string' },
    'code-prop': { type: 'string' },
    'parent-prop': { type: 'string' },
    'name-en-prop': { type: 'string' },
    'name-es-prop': { type: 'string' },
    'name-fr-prop': { type: 'string' },
    tolerance: { type: 'string', default: '100' },
    'boundary-from-union': { type: 'boolean', default: false },
    'level-name': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
})
const file = positionals[0]
const depths: Record<string, number> = { boundary: 0, city: 0, district: 1, districts: 1, neighbourhood: 2, neighbourhoods: 2 }
const depth = depths[values.level!] ?? (/^[0-9]$/.test(values.level!) ? Number(values.level) : NaN)
const tolerance = Number(values.tolerance)
if (!file || !Number.isInteger(depth) || !Number.isFinite(tolerance) || tolerance < 0) {
  console.error(usage)
  process.exit(2)
}

try {
  const config = loadConfig()
  if (!fs.existsSync(file)) throw new Error(`No such file: ${file}`)
  const t = translator(config.DEFAULT_LOCALE)
  const read = await readGeographyFile(new Uint8Array(fs.readFileSync(file)), path.basename(file))
  if (!read.ok) {
    console.error(describeReadProblem(t, read.problem))
    process.exit(1)
  }
  const guess = guessProperties(read.properties)
  const options: ImportOptions = {
    depth,
    nameProp: values['name-prop'] ?? guess.name ?? '',
    codeProp: values['code-prop'] ?? guess.code ?? '',
    parentProp: depth >= 2 ? (values['parent-prop'] ?? guess.parent) : undefined,
    namePropsByLocale: { en: values['name-en-prop'], es: values['name-es-prop'], fr: values['name-fr-prop'] },
    toleranceM2: tolerance,
    boundaryFromUnion: values['boundary-from-union'],
    levelName: values['level-name'],
    defaultLocale: config.DEFAULT_LOCALE,
  }
  console.log(
    `${path.basename(file)}: ${read.features.length} features, ${read.format}, ${read.crs}; name ${options.nameProp}, code ${options.codeProp}${options.parentProp ? `, parent ${options.parentProp}` : ''}`,
  )
  await migrateOrThrow(database())
  registerCapabilities()
  const started = performance.now()
  const result = values['dry-run']
    ? { kind: 'preview' as const, ...(await previewImport(read.features, read.properties, options)) }
    : await commitImport({ features: read.features, properties: read.properties, options, actorId: null, fileName: path.basename(file) })
  if (result.kind === 'imported') {
    console.log(t('areasAdmin:imported', { created: result.created, updated: result.updated, renamed: result.renamed, removed: result.removed }))
    for (const [kind, n] of Object.entries(result.moved)) if (n) console.log(`  ${t(`areasAdmin:moved.${kind}`)}: ${n}`)
  } else {
    for (const p of result.problems) console.log(describeProblem(t, p, config.DEFAULT_LOCALE))
    if (result.kind === 'preview') {
      const counts = result.changes.reduce<Record<string, number>>((acc, c) => ((acc[c.kind] = (acc[c.kind] ?? 0) + 1), acc), {})
      console.log(
        `dry run: ${result.problems.length} problems; ${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}; nothing written`,
      )
    } else console.log(t('areasAdmin:refused'))
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
  await database().close()
  process.exit(result.kind === 'invalid' || (result.kind === 'preview' && result.problems.length) ? 1 : 0)
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
