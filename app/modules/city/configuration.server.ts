import { z } from 'zod'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { supportedLocales } from '../../lib/i18n'
import { parseLocalized, serializeLocalized, type Localized } from '../../lib/localized'
import { recordAudit } from '../moderation/moderation.server'
import { prepareAsset } from './assets.server'
import { forgetSiteIdentity, siteIdentity, writeIdentity } from './identity.server'
import { legalPages } from './policy'
import { citySettings, forgetCitySettings } from './settings.server'
import { settingDefinitions, settingsFormSchema, settingsToForm, type CitySettings } from './settings-definitions'

/**
 * The city module's part of the configuration document (/admin/configuration): identity (with the
 * logo and favicon as base64), legal pages and the council's settings. Exported by the city module,
 * which alone writes these tables; applied inside the configuration import's one transaction.
 */

const localized = z.object(Object.fromEntries(supportedLocales.map((l) => [l, z.string().max(20_000).optional()]))).strict()
const asset = z.object({ contentType: z.string().max(100), base64: z.string().max(2_000_000) }).nullable()

export const citySectionSchema = z.object({
  identity: z.object({
    siteName: localized,
    cityName: localized,
    homeIntro: localized,
    primaryColour: z
      .string()
      .regex(/^#[0-9a-f]{6}$/i)
      .nullable(),
    contactEmail: z.email().nullable(),
    languages: z.array(z.enum(supportedLocales)).min(1),
    defaultLocale: z.enum(supportedLocales),
    logo: asset,
    favicon: asset,
  }),
  pages: z.array(z.object({ slug: z.enum(legalPages), title: localized, body: localized })),
  settings: z.record(z.string(), z.unknown()),
})
export type CitySection = z.infer<typeof citySectionSchema>

export async function exportCitySection(): Promise<CitySection> {
  const { db } = database()
  const [identity, assets, pages, settings] = await Promise.all([
    siteIdentity(),
    db.selectFrom('site_assets').select(['kind', 'content_type', 'body']).execute(),
    db.selectFrom('site_pages').select(['slug', 'title', 'body']).orderBy('slug').execute(),
    citySettings(),
  ])
  const assetOf = (kind: 'logo' | 'favicon') => {
    const a = assets.find((x) => x.kind === kind)
    return a ? { contentType: a.content_type, base64: Buffer.from(a.body).toString('base64') } : null
  }
  return {
    identity: {
      siteName: identity.siteName,
      cityName: identity.cityName,
      homeIntro: identity.homeIntro,
      primaryColour: identity.primaryColour,
      contactEmail: identity.contactEmail,
      languages: identity.languages,
      defaultLocale: identity.defaultLocale,
      logo: assetOf('logo'),
      favicon: assetOf('favicon'),
    },
    pages: pages.map((p) => ({ slug: p.slug, title: parseLocalized(p.title), body: parseLocalized(p.body) })),
    settings: settings as unknown as Record<string, unknown>,
  }
}

export type SectionCheck = { problems: Array<{ path: string; message: string }> }

/** Validates what the schema cannot: the settings by the admin form's own rules, the assets by content. */
export async function checkCitySection(
  section: CitySection,
): Promise<SectionCheck & { settings?: CitySettings; assets: Record<'logo' | 'favicon', { contentType: string; body: Buffer; etag: string } | null> }> {
  const problems: SectionCheck['problems'] = []
  let settings: CitySettings | undefined
  const known = new Set<string>(settingDefinitions.map((d) => d.key))
  const unknownKeys = Object.keys(section.settings).filter((k) => !known.has(k))
  for (const key of unknownKeys) problems.push({ path: `city.settings.${key}`, message: 'unknownSetting' })
  const merged = { ...(await citySettings()), ...section.settings } as CitySettings
  try {
    const parsed = settingsFormSchema.safeParse(settingsToForm(merged))
    if (!parsed.success) for (const issue of parsed.error.issues) problems.push({ path: `city.settings.${String(issue.path[0])}`, message: issue.message })
    else settings = merged
  } catch {
    problems.push({ path: 'city.settings', message: 'invalidSettings' })
  }
  if (!section.identity.languages.includes(section.identity.defaultLocale)) problems.push({ path: 'city.identity.defaultLocale', message: 'defaultNotEnabled' })
  const assets: Record<'logo' | 'favicon', { contentType: string; body: Buffer; etag: string } | null> = { logo: null, favicon: null }
  for (const kind of ['logo', 'favicon'] as const) {
    const a = section.identity[kind]
    if (!a) continue
    const prepared = await prepareAsset(kind, Buffer.from(a.base64, 'base64'))
    if (prepared.ok) assets[kind] = { contentType: prepared.contentType, body: prepared.body, etag: prepared.etag }
    else problems.push({ path: `city.identity.${kind}`, message: prepared.problem })
  }
  return { problems, settings, assets }
}

/** What would change: one line per changed item, for the preview. */
export async function diffCitySection(section: CitySection): Promise<Array<{ kind: string; key: string; change: 'added' | 'changed' }>> {
  const current = await exportCitySection()
  const out: Array<{ kind: string; key: string; change: 'added' | 'changed' }> = []
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  for (const key of ['siteName', 'cityName', 'homeIntro', 'primaryColour', 'contactEmail', 'languages', 'defaultLocale', 'logo', 'favicon'] as const) {
    if (!same(current.identity[key], section.identity[key])) out.push({ kind: 'identity', key, change: 'changed' })
  }
  for (const page of section.pages) {
    const before = current.pages.find((p) => p.slug === page.slug)
    if (!before) out.push({ kind: 'page', key: page.slug, change: 'added' })
    else if (!same(before.title, page.title) || !same(before.body, page.body)) out.push({ kind: 'page', key: page.slug, change: 'changed' })
  }
  for (const [key, value] of Object.entries(section.settings)) {
    if (!same((current.settings as Record<string, unknown>)[key], value)) out.push({ kind: 'setting', key, change: 'changed' })
  }
  return out
}

/** Writes the section inside the configuration import's transaction (checked first). */
export async function applyCitySection(
  trx: Transaction<Database>,
  adminId: number,
  section: CitySection,
  checked: { settings?: CitySettings; assets: Record<'logo' | 'favicon', { contentType: string; body: Buffer; etag: string } | null> },
) {
  const at = new Date().toISOString()
  const id = section.identity
  await writeIdentity(trx, {
    siteName: id.siteName as Localized,
    cityName: id.cityName as Localized,
    homeIntro: id.homeIntro as Localized,
    primaryColour: id.primaryColour,
    contactEmail: id.contactEmail,
    languages: id.languages,
    defaultLocale: id.defaultLocale,
  })
  for (const kind of ['logo', 'favicon'] as const) {
    const a = checked.assets[kind]
    if (a) {
      const values = { content_type: a.contentType, body: a.body, etag: a.etag, updated_at: at }
      await trx
        .insertInto('site_assets')
        .values({ kind, ...values })
        .onConflict((oc) => oc.column('kind').doUpdateSet(values))
        .execute()
    } else await trx.deleteFrom('site_assets').where('kind', '=', kind).execute()
  }
  for (const page of section.pages) {
    const values = { title: serializeLocalized(page.title as Localized), body: serializeLocalized(page.body as Localized), updated_by: adminId, updated_at: at }
    await trx
      .insertInto('site_pages')
      .values({ slug: page.slug, ...values })
      .onConflict((oc) => oc.column('slug').doUpdateSet(values))
      .execute()
  }
  if (checked.settings) {
    for (const { key } of settingDefinitions) {
      if (!(key in section.settings)) continue
      const value = JSON.stringify(checked.settings[key])
      await trx
        .insertInto('city_settings')
        .values({ key, value, updated_by: adminId, updated_at: at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_by: adminId, updated_at: at }))
        .execute()
    }
  }
  await recordAudit(trx, {
    actorId: adminId,
    action: 'configuration.city',
    targetKind: 'settings',
    targetId: 0,
    before: null,
    after: { pages: section.pages.length, settings: Object.keys(section.settings).length },
  })
}

/** After the import's transaction committed: this process drops its cached identity and settings. */
export function forgetCitySection() {
  forgetSiteIdentity()
  forgetCitySettings()
}
