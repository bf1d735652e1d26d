import { database } from '../../lib/db.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { applyCitySection, checkCitySection, diffCitySection, exportCitySection, forgetCitySection } from '../city/configuration.server'
import { applyServicesSection, checkServicesSection, diffServicesSection, exportServicesSection, forgetServicesSection } from '../services/configuration.server'
import { recordAudit } from '../moderation/moderation.server'
import { CONFIGURATION_FORMAT, CONFIGURATION_VERSION, configurationSchema, type ConfigurationDocument } from './schema'

/**
 * Export and import of the city's whole configuration (/admin/configuration). The document is
 * assembled from the modules that own each part (city, services); an import is validated whole,
 * its differences shown, and applied in ONE transaction through those modules' own functions.
 */

export async function exportConfiguration(): Promise<ConfigurationDocument> {
  const [city, services] = await Promise.all([exportCitySection(), exportServicesSection()])
  return { format: CONFIGURATION_FORMAT, version: CONFIGURATION_VERSION, exportedAt: new Date().toISOString(), city, services }
}

export interface ConfigurationProblem {
  /** Where in the document, e.g. "services.routes.3.department". */
  path: string
  /** An i18n key of the configuration namespace, with values after "|". */
  message: string
}
export interface ConfigurationChange {
  kind: string
  key: string
  change: 'added' | 'changed'
}

type Checked = { ok: true; document: ConfigurationDocument; checkedCity: Awaited<ReturnType<typeof checkCitySection>> } | { ok: false; problems: ConfigurationProblem[] }

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
  const areaSlugs = new Set((await database().db.selectFrom('areas').select('slug').execute()).map((a) => a.slug))
  const checkedCity = await checkCitySection(document.city)
  const problems = [...checkedCity.problems, ...(await checkServicesSection(document.services, areaSlugs))]
  if (problems.length) return { ok: false, problems }
  return { ok: true, document, checkedCity }
}

export type PreviewResult = { kind: 'staged'; token: string; changes: ConfigurationChange[] } | { kind: 'invalid'; problems: ConfigurationProblem[] }

/** Validates an uploaded document whole and keeps it for the apply; nothing of the city changes. */
export async function stageConfiguration(adminId: number, text: string, fileName: string): Promise<PreviewResult> {
  const checked = await check(text)
  if (!checked.ok) return { kind: 'invalid', problems: checked.problems }
  const token = generateToken()
  await database().write((trx) =>
    trx.insertInto('configuration_imports').values({ token_hash: hashToken(token), document: text, file_name: fileName.slice(0, 200), created_by: adminId, created_at: new Date().toISOString() }).execute(),
  )
  return { kind: 'staged', token, changes: await configurationChanges(checked.document) }
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
  return { kind: 'ok', fileName: row.file_name, changes: await configurationChanges(checked.document), applied: row.applied_at !== null }
}

export type ApplyResult = { kind: 'applied'; changes: number } | { kind: 'notFound' } | { kind: 'alreadyApplied' } | { kind: 'invalid'; problems: ConfigurationProblem[] }

/** Applies a staged document in one transaction (checked again first: the city may have changed). */
export async function applyConfiguration(adminId: number, token: string): Promise<ApplyResult> {
  const row = await database().db.selectFrom('configuration_imports').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
  if (!row) return { kind: 'notFound' }
  if (row.applied_at) return { kind: 'alreadyApplied' }
  const checked = await check(row.document)
  if (!checked.ok) return { kind: 'invalid', problems: checked.problems }
  const changes = await configurationChanges(checked.document)
  const result = await database().write(async (trx): Promise<ApplyResult> => {
    const claimed = await trx.updateTable('configuration_imports').set({ applied_at: new Date().toISOString() }).where('id', '=', row.id).where('applied_at', 'is', null).executeTakeFirst()
    if (Number(claimed.numUpdatedRows) !== 1) return { kind: 'alreadyApplied' }
    await applyCitySection(trx, adminId, checked.document.city, checked.checkedCity)
    await applyServicesSection(trx, adminId, checked.document.services)
    await recordAudit(trx, { actorId: adminId, action: 'configuration.import', targetKind: 'settings', targetId: row.id, before: null, after: { file: row.file_name, changes } })
    return { kind: 'applied', changes: changes.length }
  })
  forgetCitySection()
  forgetServicesSection()
  return result
}
