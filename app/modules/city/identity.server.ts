import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { isLocale, supportedLocales, type Locale } from '../../lib/i18n'
import { localize, parseLocalized, serializeLocalized, type Localized } from '../../lib/localized'
import { renderMarkdown } from '../../lib/markdown.server'
import { recordAudit } from '../moderation/moderation.server'
import { cityProfile } from '../geo/areas.server'
import { legalPages, type LegalPage } from './policy'

/**
 * The site's identity (name, city, logo, favicon, colour, contact, languages, home introduction)
 * and its legal pages. Read on every page, so kept per process for a few seconds; several app
 * servers share the database.
 */

const CACHE_MS = 5_000

export interface SiteIdentity {
  siteName: Localized
  cityName: Localized
  homeIntro: Localized
  primaryColour: string | null
  contactEmail: string | null
  languages: Locale[]
  defaultLocale: Locale
  logo: { etag: string; contentType: string } | null
  favicon: { etag: string; contentType: string } | null
  updatedAt: string | null
}

let cached: { at: number; value: SiteIdentity } | null = null
/** The legal pages with text (publishedPages), kept likewise. */
let published: { at: number; value: LegalPage[] } | null = null
let loading: Promise<SiteIdentity> | null = null

async function loadIdentity(): Promise<SiteIdentity> {
  const { db } = database()
  const [row, assets] = await Promise.all([
    db.selectFrom('site_identity').selectAll().where('id', '=', 1).executeTakeFirst(),
    db.selectFrom('site_assets').select(['kind', 'etag', 'content_type']).execute(),
  ])
  const asset = (kind: 'logo' | 'favicon') => {
    const a = assets.find((x) => x.kind === kind)
    return a ? { etag: a.etag, contentType: a.content_type } : null
  }
  let languages: Locale[] = [...supportedLocales]
  try {
    const parsed = JSON.parse(row?.languages ?? '[]') as unknown
    if (Array.isArray(parsed)) {
      const valid = supportedLocales.filter((l) => parsed.includes(l))
      if (valid.length) languages = valid
    }
  } catch {
    // keep every language
  }
  const envDefault = config().DEFAULT_LOCALE
  const stored = row && isLocale(row.default_locale) ? row.default_locale : envDefault
  const defaultLocale = languages.includes(stored) ? stored : languages[0]!
  return {
    siteName: parseLocalized(row?.site_name),
    cityName: parseLocalized(row?.city_name),
    homeIntro: parseLocalized(row?.home_intro),
    primaryColour: row?.primary_colour ?? null,
    contactEmail: row?.contact_email ?? null,
    languages,
    defaultLocale,
    logo: asset('logo'),
    favicon: asset('favicon'),
    updatedAt: row?.updated_at ?? null,
  }
}

export async function siteIdentity(): Promise<SiteIdentity> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value
  loading ??= loadIdentity()
    .then((value) => {
      cached = { at: Date.now(), value }
      return value
    })
    .finally(() => {
      loading = null
    })
  return loading
}

export function forgetSiteIdentity() {
  cached = null
  published = null
}

/** The languages the site offers and its default (for i18n detection and the switcher). */
export async function siteLanguages(): Promise<{ enabled: Locale[]; defaultLocale: Locale }> {
  const identity = await siteIdentity()
  return { enabled: identity.languages, defaultLocale: identity.defaultLocale }
}

/** What the layout shows, in one language: the names fall back to the default language. */
export async function brandFor(locale: Locale) {
  const [identity, profile] = await Promise.all([siteIdentity(), cityProfile()])
  const siteName = localize(identity.siteName, locale, identity.defaultLocale) || null
  const cityName = localize(identity.cityName, locale, identity.defaultLocale) || profile?.name || null
  return {
    siteName,
    cityName,
    primaryColour: identity.primaryColour,
    logo: identity.logo ? `/site/logo?v=${identity.logo.etag.replace(/"/g, '')}` : null,
    favicon: identity.favicon ? `/site/favicon?v=${identity.favicon.etag.replace(/"/g, '')}` : null,
    languages: identity.languages,
    contactEmail: identity.contactEmail,
  }
}

/** The home page's introduction in one language, as safe HTML (null when none is written). */
export async function homeIntroduction(locale: Locale): Promise<string | null> {
  const identity = await siteIdentity()
  const text = localize(identity.homeIntro, locale, identity.defaultLocale)
  return text ? renderMarkdown(text) : null
}

export interface IdentityInput {
  siteName: Localized
  cityName: Localized
  homeIntro: Localized
  primaryColour: string | null
  contactEmail: string | null
  languages: Locale[]
  defaultLocale: Locale
}

const identityRow = (v: IdentityInput, at: string) => ({
  site_name: serializeLocalized(v.siteName),
  city_name: serializeLocalized(v.cityName),
  home_intro: serializeLocalized(v.homeIntro),
  primary_colour: v.primaryColour,
  contact_email: v.contactEmail,
  languages: JSON.stringify(v.languages),
  default_locale: v.defaultLocale,
  updated_at: at,
})

type Trx = Parameters<Parameters<ReturnType<typeof database>['write']>[0]>[0]

/** Writes the identity inside a caller's write (the first run uses it). */
export async function writeIdentity(trx: Trx, input: IdentityInput) {
  const at = new Date().toISOString()
  const row = identityRow(input, at)
  await trx
    .insertInto('site_identity')
    .values({ id: 1, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute()
}

export async function saveIdentity(
  adminId: number,
  input: IdentityInput,
  assets: { logo?: { contentType: string; body: Buffer; etag: string } | 'remove'; favicon?: { contentType: string; body: Buffer; etag: string } | 'remove' },
) {
  const before = await loadIdentity()
  const at = new Date().toISOString()
  await database().write(async (trx) => {
    await writeIdentity(trx, input)
    for (const kind of ['logo', 'favicon'] as const) {
      const asset = assets[kind]
      if (asset === 'remove') await trx.deleteFrom('site_assets').where('kind', '=', kind).execute()
      else if (asset) {
        const values = { content_type: asset.contentType, body: asset.body, etag: asset.etag, updated_at: at }
        await trx
          .insertInto('site_assets')
          .values({ kind, ...values })
          .onConflict((oc) => oc.column('kind').doUpdateSet(values))
          .execute()
      }
    }
    const summary = (v: Omit<IdentityInput, never> & { logo?: unknown; favicon?: unknown }) => v
    await recordAudit(trx, {
      actorId: adminId,
      action: 'identity.change',
      targetKind: 'identity',
      targetId: 1,
      before: summary({ ...before, logo: before.logo?.etag ?? null, favicon: before.favicon?.etag ?? null }),
      after: summary({
        ...input,
        logo: assets.logo === 'remove' ? null : (assets.logo?.etag ?? before.logo?.etag ?? null),
        favicon: assets.favicon === 'remove' ? null : (assets.favicon?.etag ?? before.favicon?.etag ?? null),
      }),
    })
  })
  forgetSiteIdentity()
}

export async function siteAsset(kind: 'logo' | 'favicon') {
  return database().db.selectFrom('site_assets').selectAll().where('kind', '=', kind).executeTakeFirst()
}

// ---------------------------------------------------------------- legal pages

export interface SitePage {
  slug: LegalPage
  title: Localized
  body: Localized
  updatedAt: string | null
}

export async function sitePages(): Promise<SitePage[]> {
  const rows = await database().db.selectFrom('site_pages').selectAll().execute()
  return legalPages.map((slug) => {
    const row = rows.find((r) => r.slug === slug)
    return { slug, title: parseLocalized(row?.title), body: parseLocalized(row?.body), updatedAt: row?.updated_at ?? null }
  })
}

/**
 * Which legal pages have text (the footer links only those). Read by every page's root loader: kept per
 * process for CACHE_MS like the identity (a save here forgets it at once; another server's save shows within
 * CACHE_MS), so a render does not ask the database each time (on PostgreSQL a round trip each, issue 20).
 */
export async function publishedPages(): Promise<LegalPage[]> {
  if (published && Date.now() - published.at < CACHE_MS) return published.value
  const at = Date.now()
  const pages = await sitePages()
  const value = pages.filter((p) => Object.keys(p.body).length > 0).map((p) => p.slug)
  published = { at, value }
  return value
}

/** A legal page in one language (falling back to the default), as safe HTML; null when unwritten. */
export async function sitePage(slug: LegalPage, locale: Locale): Promise<{ title: string | null; html: string; language: Locale } | null> {
  const [pages, identity] = await Promise.all([sitePages(), siteIdentity()])
  const page = pages.find((p) => p.slug === slug)!
  const language = page.body[locale] ? locale : page.body[identity.defaultLocale] ? identity.defaultLocale : (supportedLocales.find((l) => page.body[l]) ?? null)
  if (!language) return null
  return { title: localize(page.title, language, identity.defaultLocale) || null, html: renderMarkdown(page.body[language]!), language }
}

export async function saveSitePage(adminId: number, slug: LegalPage, input: { title: Localized; body: Localized }) {
  const before = (await sitePages()).find((p) => p.slug === slug)!
  const at = new Date().toISOString()
  const values = { title: serializeLocalized(input.title), body: serializeLocalized(input.body), updated_by: adminId, updated_at: at }
  await database().write(async (trx) => {
    await trx
      .insertInto('site_pages')
      .values({ slug, ...values })
      .onConflict((oc) => oc.column('slug').doUpdateSet(values))
      .execute()
    await recordAudit(trx, {
      actorId: adminId,
      action: 'page.change',
      targetKind: 'page',
      targetId: legalPages.indexOf(slug),
      before: { slug, title: before.title, body: before.body },
      after: { slug, ...input },
    })
  })
  forgetSiteIdentity()
}
