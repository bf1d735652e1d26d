import { database } from '../../lib/db.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { applyCitySection, checkCitySection, diffCitySection, exportCitySection, forgetCitySection } from '../city/configuration.server'
import { applyServicesSection, checkServicesSection, diffServicesSection, exportServicesSection, forgetServicesSection } from '../services/configuration.server'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { forgetCachedAreas } from '../geo/areas.server'
import { exportAreaLevels, writeImport, type ImportOutcome, type PlanProblem } from '../geo/import/import.server'
import type { ImportProblem } from '../geo/import/validate'
import { recordAudit } from '../moderation/moderation.server'
import { CONFIGURATION_FORMAT, CONFIGURATION_VERSION, configurationSchema, type AreasSection, type ConfigurationDocument } from './schema'

/**
 * Export and import of the city's whole configuration (/admin/configuration). The document is
 * assembled from the modules that own each part (city, services); an import is validated whole,
 * its differences shown, and applied in ONE transaction through those modules' own functions.
 */

export async function exportConfiguration(): Promise<ConfigurationDocument> {
  const [city, services, areas] = await Promise.all([exportCitySection(), exportServicesSection(), exportAreaLevels()])
  return { format: CONFIGURATION_FORMAT, version: CONFIGURATION_VERSION, exportedAt: new Date().toISOString(), areas: areas as AreasSection, city, services }
}

/**
 * Writes the geography level by level through the geo module's own import (areas matched by code;
 * every located item's areas recomputed), inside the caller's transaction. Problems stop it.
 */
async function writeAreas(
  trx: Transaction<Database>,
  actorId: number | null,
  levels: AreasSection,
): Promise<{ problems: ConfigurationProblem[]; outcomes: Array<{ depth: number; outcome: ImportOutcome }> }> {
  const outcomes: Array<{ depth: number; outcome: ImportOutcome }> = []
  for (const level of [...levels].sort((a, b) => a.depth - b.depth)) {
    const features = level.areas.map((a) => ({
      properties: { code: a.code, name: a.names.en ?? a.names.es ?? a.names.fr ?? a.code, name_en: a.names.en, name_es: a.names.es, name_fr: a.names.fr, parent: a.parent },
      geometry: a.geometry as { type: string; coordinates?: unknown },
    }))
    const result = await writeImport(
      trx,
      {
        features,
        properties: ['code', 'name', 'name_en', 'name_es', 'name_fr', 'parent'],
        options: {
          depth: level.depth,
          nameProp: 'name',
          namePropsByLocale: { en: 'name_en', es: 'name_es', fr: 'name_fr' },
          codeProp: 'code',
          parentProp: level.depth >= 2 ? 'parent' : undefined,
          toleranceM2: 100,
          levelName: level.levelName ?? undefined,
        },
        actorId,
        fileName: 'configuration',
      },
      database(),
    )
    if (result.kind === 'invalid') return { problems: result.problems.map((p) => ({ path: `areas.depth${level.depth}`, message: 'areaProblem', area: p })), outcomes }
    outcomes.push({ depth: level.depth, outcome: result })
  }
  return { problems: [], outcomes }
}

/** Thrown to roll a dry run back once it has shown what the geography would become. */
class DryRun extends Error {
  constructor(readonly result: Awaited<ReturnType<typeof writeAreas>>) {
    super('dry run')
  }
}

/** The geography's import tried in a transaction that is rolled back: its exact problems and changes. */
async function tryAreas(levels: AreasSection) {
  try {
    await database().write(async (trx) => {
      throw new DryRun(await writeAreas(trx, null, levels))
    })
  } catch (error) {
    if (error instanceof DryRun) return error.result
    throw error
  }
  throw new Error('unreachable')
}

function areaChanges(outcomes: Array<{ depth: number; outcome: ImportOutcome }>): ConfigurationChange[] {
  const out: ConfigurationChange[] = []
  for (const { outcome } of outcomes) {
    for (const c of outcome.changes) {
      if (c.kind === 'unchanged') continue
      const key = c.kind === 'renamed' && c.oldName ? `${c.code} (${c.oldName} → ${c.name})` : `${c.code} (${c.name})`
      out.push({ kind: 'areas', key, change: c.kind === 'new' ? 'added' : c.kind === 'removed' ? 'removed' : 'changed' })
    }
  }
  return out
}

export interface ConfigurationProblem {
  /** Where in the document, e.g. "services.routes.3.department". */
  path: string
  /** An i18n key of the configuration namespace, with values after "|". */
  message: string
  /** A geography problem, described by the geo module's own messages. */
  area?: ImportProblem | PlanProblem
}
export interface ConfigurationChange {
  kind: string
  key: string
  change: 'added' | 'changed' | 'removed'
}

type Checked =
  { ok: true; document: ConfigurationDocument; checkedCity: Awaited<ReturnType<typeof checkCitySection>>; areaChanges: ConfigurationChange[] } | { ok: false; problems: ConfigurationProblem[] }

async function check(text: string): Promise<Checked> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, problems: [{ path: '', message: 'notJson' }] }
  }
  const format = (raw as { format?: unknown } | null)?.format
  const version = (raw as { version?: unknown } | null)?.version
  if (format !== CONFIGURATION_FORMAT) return { ok: false, problems: [{ path: 'format', message: 'notConfiguration' }] }
  if (version !== CONFIGURATION_VERSION) return { ok: false, problems: [{ path: 'version', message: `unsupportedVersion|${String(version)}` }] }
  const parsed = configurationSchema.safeParse(raw)
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.slice(0, 50).map((i) => ({ path: i.path.join('.'), message: 'invalidValue' })) }
  }
  const document = parsed.data
  const areaCodes = new Set((await database().db.selectFrom('areas').select('code').execute()).flatMap((a) => (a.code ? [a.code] : [])))
  for (const level of document.areas ?? []) for (const a of level.areas) areaCodes.add(a.code)
  const checkedCity = await checkCitySection(document.city)
  const problems = [...checkedCity.problems, ...(await checkServicesSection(document.services, areaCodes))]
  let changes: ConfigurationChange[] = []
  if (document.areas?.length) {
    const tried = await tryAreas(document.areas)
    problems.push(...tried.problems)
    changes = areaChanges(tried.outcomes)
  }
  if (problems.length) return { ok: false, problems }
  return { ok: true, document, checkedCity, areaChanges: changes }
}

export type PreviewResult = { kind: 'staged'; token: string; changes: ConfigurationChange[] } | { kind: 'invalid'; problems: ConfigurationProblem[] }

/** Validates an uploaded document whole and keeps it for the apply; nothing of the city changes. */
export async function stageConfiguration(adminId: number, text: string, fileName: string): Promise<PreviewResult> {
  const checked = await check(text)
  if (!checked.ok) return { kind: 'invalid', problems: checked.problems }
  const token = generateToken()
  await database().write((trx) =>
    trx
      .insertInto('configuration_imports')
      .values({ token_hash: hashToken(token), document: text, file_name: fileName.slice(0, 200), created_by: adminId, created_at: new Date().toISOString() })
      .execute(),
  )
  return { kind: 'staged', token, changes: [...checked.areaChanges, ...(await configurationChanges(checked.document))] }
}

export async function configurationChanges(document: ConfigurationDocument): Promise<ConfigurationChange[]> {
  return [...(await diffCitySection(document.city)), ...(await diffServicesSection(document.services))]
}

export type StagedPreview = { kind: 'ok'; fileName: string; changes: ConfigurationChange[]; applied: boolean } | { kind: 'notFound' } | { kind: 'invalid'; problems: ConfigurationProblem[] }

/** The staged document's changes against the city as it is now (for the preview page). */
export async function stagedConfiguration(token: string): Promise<StagedPreview> {
  const row = await database().db.selectFrom('configuration_imports').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
  if (!row) return { kind: 'notFound' }
  const checked = await check(row.document)
  if (!checked.ok) return { kind: 'invalid', problems: checked.problems }
  return { kind: 'ok', fileName: row.file_name, changes: [...checked.areaChanges, ...(await configurationChanges(checked.document))], applied: row.applied_at !== null }
}

export type ApplyResult = { kind: 'applied'; changes: number } | { kind: 'notFound' } | { kind: 'alreadyApplied' } | { kind: 'invalid'; problems: ConfigurationProblem[] }

/** Applies a staged document in one transaction (checked again first: the city may have changed). */
export async function applyConfiguration(adminId: number, token: string): Promise<ApplyResult> {
  const row = await database().db.selectFrom('configuration_imports').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
  if (!row) return { kind: 'notFound' }
  if (row.applied_at) return { kind: 'alreadyApplied' }
  const checked = await check(row.document)
  if (!checked.ok) return { kind: 'invalid', problems: checked.problems }
  const changes = [...checked.areaChanges, ...(await configurationChanges(checked.document))]
  const result = await database()
    .write(async (trx): Promise<ApplyResult> => {
      const claimed = await trx.updateTable('configuration_imports').set({ applied_at: new Date().toISOString() }).where('id', '=', row.id).where('applied_at', 'is', null).executeTakeFirst()
      if (Number(claimed.numUpdatedRows) !== 1) return { kind: 'alreadyApplied' }
      // The geography first: the routing rules may name its areas.
      if (checked.document.areas?.length) {
        const written = await writeAreas(trx, adminId, checked.document.areas)
        if (written.problems.length) throw new DryRun(written)
      }
      await applyCitySection(trx, adminId, checked.document.city, checked.checkedCity)
      await applyServicesSection(trx, adminId, checked.document.services)
      await recordAudit(trx, { actorId: adminId, action: 'configuration.import', targetKind: 'settings', targetId: row.id, before: null, after: { file: row.file_name, changes } })
      return { kind: 'applied', changes: changes.length }
    })
    .catch((error: unknown): ApplyResult => {
      // The geography changed between the preview and now: nothing was written.
      if (error instanceof DryRun) return { kind: 'invalid', problems: error.result.problems }
      throw error
    })
  forgetCachedAreas()
  forgetCitySection()
  forgetServicesSection()
  return result
}
