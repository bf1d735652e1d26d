import { createCookie } from '@remix-run/node'
import { RemixI18Next } from 'remix-i18next/server'
import { createInstance, type i18n as I18n, type TFunction } from 'i18next'
import { initReactI18next } from 'react-i18next'
import { i18nOptions, isLocale, supportedLocales, type Locale } from './i18n'
import { catalogs, namespaces } from './i18n-catalogs'
import { config, secureCookies } from './config.server'

/** The visitor's chosen language, remembered for a year (set by /language). */
export const localeCookie = createCookie('plaza_lng', {
  path: '/',
  sameSite: 'lax',
  httpOnly: true,
  // Secure over HTTPS, as the session cookie (config's secureCookies decides for every cookie).
  secure: secureCookies(),
  maxAge: 60 * 60 * 24 * 365,
})

// Order: an explicit ?lng= link, the remembered choice, then the browser's Accept-Language.
// When nothing the visitor sends names a language the site offers: the site's default language.
const envDefaultLocale: Locale = config().DEFAULT_LOCALE

/**
 * The languages this site offers and its default. The city's setup (app/modules/city) registers
 * where they come from; until it does (scripts, unit tests) every language is on and the default
 * is DEFAULT_LOCALE. app/lib imports nothing from the modules, hence the registration.
 */
export interface LanguagePolicy {
  enabled: readonly Locale[]
  defaultLocale: Locale
}
let policySource: (() => Promise<LanguagePolicy>) | null = null
export function registerLanguagePolicy(source: () => Promise<LanguagePolicy>) {
  policySource = source
}
// The last default language the policy gave: names shown synchronously (localized.server.ts) fall
// back to it. Every request asks the policy (language detection) before its loaders run.
let knownDefaultLocale: Locale | null = null
export const currentDefaultLocale = (): Locale => knownDefaultLocale ?? envDefaultLocale
export async function languagePolicy(): Promise<LanguagePolicy> {
  if (!policySource) return { enabled: supportedLocales, defaultLocale: envDefaultLocale }
  try {
    const policy = await policySource()
    knownDefaultLocale = policy.defaultLocale
    return policy
  } catch {
    // No tables yet (a database being migrated): every language.
    return { enabled: supportedLocales, defaultLocale: envDefaultLocale }
  }
}

const detectors = new Map<string, RemixI18Next>()
function detectorFor(policy: LanguagePolicy) {
  const key = `${policy.enabled.join(',')}|${policy.defaultLocale}`
  let detector = detectors.get(key)
  if (!detector) {
    detector = new RemixI18Next({
      detection: {
        supportedLanguages: [...policy.enabled],
        fallbackLanguage: policy.defaultLocale,
        cookie: localeCookie,
        order: ['searchParams', 'cookie', 'header'],
      },
      i18next: { ...i18nOptions, ns: namespaces, resources: catalogs },
    })
    detectors.set(key, detector)
  }
  return detector
}

/** Every language on, DEFAULT_LOCALE the default (what the site does before its setup says otherwise). */
export const i18nServer = detectorFor({ enabled: supportedLocales, defaultLocale: envDefaultLocale })

// A page asks for the locale several times (root loader, route loader, renderer); the answer
// depends only on these inputs, so it is remembered for the most recent combinations.
const recentLocales = new Map<string, Locale>()

export async function localeOf(request: Request): Promise<Locale> {
  const policy = await languagePolicy()
  const url = new URL(request.url)
  const key = `${policy.enabled.join(',')}|${policy.defaultLocale}|${url.searchParams.get('lng') ?? ''}|${request.headers.get('cookie') ?? ''}|${request.headers.get('accept-language') ?? ''}`
  const known = recentLocales.get(key)
  if (known) return known
  const detected = await detectorFor(policy).getLocale(request)
  const locale = isLocale(detected) && policy.enabled.includes(detected) ? detected : policy.defaultLocale
  if (recentLocales.size >= 500) recentLocales.clear()
  recentLocales.set(key, locale)
  return locale
}

const instances = new Map<Locale, I18n>()

/** Options that only say where to look a key up (what react-i18next's `t` and getFixedT pass): the answer depends on nothing else. */
const LOOKUP_OPTIONS = new Set(['lng', 'lngs', 'ns', 'keyPrefix'])
const MEMO_MAX = 20_000

/**
 * The same key in the same namespace always reads the same text: the catalogs are loaded once and never
 * change on the server. i18next still resolves every call again (namespaces, fallbacks, nesting and
 * interpolation checks) — about a tenth of a rendered list page's CPU (docs/performance.md). Lookups
 * without interpolation values, counts, context or defaults are answered from a map per instance; any
 * other call goes to i18next as before.
 */
function memoizePlainLookups(instance: I18n) {
  const translate = instance.t.bind(instance) as (key: unknown, options?: unknown) => unknown
  const memo = new Map<string, unknown>()
  instance.t = ((key: unknown, options?: unknown) => {
    if (typeof key !== 'string' || (options !== undefined && (typeof options !== 'object' || options === null))) return translate(key, options)
    let id = key
    if (options) {
      for (const [name, value] of Object.entries(options)) {
        if (value === undefined) continue
        if (!LOOKUP_OPTIONS.has(name)) return translate(key, options)
        id += `\u0000${name}=${Array.isArray(value) ? value.join(',') : String(value)}`
      }
    }
    if (memo.has(id)) return memo.get(id)
    const text = translate(key, options)
    if (typeof text === 'string') {
      if (memo.size >= MEMO_MAX) memo.clear()
      memo.set(id, text)
    }
    return text
  }) as I18n['t']
}

type FixedT = ((key: unknown, options?: unknown, ...rest: unknown[]) => unknown) & { lng?: unknown; lngs?: unknown; ns?: unknown; keyPrefix?: unknown }
const scopeText = (value: unknown) => (Array.isArray(value) ? value.join(',') : value == null ? '' : String(value))

/**
 * The `t` of every `useTranslation` (react-i18next asks `getFixedT` on each render of each component):
 * one function per language, namespace and key prefix, kept, answering from a map any call whose
 * options are all strings, numbers or booleans — plain lookups, and interpolations and plurals of the
 * same values (a list's "{{count}} supports", a row's "Progress of {{title}}"). With the catalogs fixed,
 * such an answer depends on nothing else. Other calls (objects, arrays, functions as values; extra
 * arguments) go to i18next's fixedT as before. i18next's own fixedT copies its options and resolves
 * every call: 7–9 % of a rendered list page's CPU (docs/performance.md).
 */
function memoizeFixedT(instance: I18n) {
  const getFixedT = instance.getFixedT.bind(instance) as unknown as (lng: unknown, ns: unknown, keyPrefix: unknown) => FixedT
  const scopes = new Map<string, FixedT>()
  const memo = new Map<string, string>()
  instance.getFixedT = ((lng: unknown, ns: unknown, keyPrefix: unknown) => {
    const scope = `${scopeText(lng)}\u0001${scopeText(ns)}\u0001${scopeText(keyPrefix)}\u0001`
    const known = scopes.get(scope)
    if (known) return known
    const fixed = getFixedT(lng, ns, keyPrefix)
    const fast: FixedT = (key: unknown, options?: unknown, ...rest: unknown[]) => {
      if (typeof key !== 'string' || rest.length) return fixed(key, options, ...rest)
      let id = scope + key
      if (typeof options === 'string') id += `\u0000=${options}`
      else if (options !== undefined) {
        if (typeof options !== 'object' || options === null) return fixed(key, options)
        for (const name in options) {
          const value = (options as Record<string, unknown>)[name]
          const type = typeof value
          if (type === 'string' || type === 'number' || type === 'boolean') id += `\u0000${name}\u0001${type[0]}${String(value)}`
          else if (value !== undefined) return fixed(key, options)
        }
      }
      const hit = memo.get(id)
      if (hit !== undefined) return hit
      const text = fixed(key, options)
      if (typeof text === 'string') {
        if (memo.size >= MEMO_MAX) memo.clear()
        memo.set(id, text)
      }
      return text
    }
    fast.lng = fixed.lng
    fast.lngs = fixed.lngs
    fast.ns = fixed.ns
    fast.keyPrefix = fixed.keyPrefix
    if (scopes.size < 1000) scopes.set(scope, fast)
    return fast
  }) as unknown as I18n['getFixedT']
}

/**
 * One initialised i18next instance per language, shared by all requests: its language never
 * changes on the server, and creating one per request cost more than rendering the page.
 */
export function i18nInstance(locale: Locale): I18n {
  let instance = instances.get(locale)
  if (!instance) {
    instance = createInstance()
    void instance.use(initReactI18next).init({ ...i18nOptions, ns: namespaces, lng: locale, resources: catalogs, initImmediate: false })
    memoizePlainLookups(instance)
    memoizeFixedT(instance)
    instances.set(locale, instance)
  }
  return instance
}

/** A translation function for one language (for e-mails, HTTP-level pages, logs shown to people). */
export function translator(locale: Locale): TFunction {
  return i18nInstance(locale).getFixedT(locale, 'common')
}

export async function translatorFor(request: Request): Promise<{ locale: Locale; t: TFunction }> {
  const locale = await localeOf(request)
  return { locale, t: translator(locale) }
}
