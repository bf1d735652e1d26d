import { createCookie } from '@remix-run/node'
import { RemixI18Next } from 'remix-i18next/server'
import { createInstance, type i18n as I18n, type TFunction } from 'i18next'
import { initReactI18next } from 'react-i18next'
import { catalogs, i18nOptions, isLocale, supportedLocales, type Locale } from './i18n'
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
// When nothing the visitor sends names a language Plaza speaks: the city's DEFAULT_LOCALE.
const defaultLocale: Locale = config().DEFAULT_LOCALE

export const i18nServer = new RemixI18Next({
  detection: {
    supportedLanguages: [...supportedLocales],
    fallbackLanguage: defaultLocale,
    cookie: localeCookie,
    order: ['searchParams', 'cookie', 'header'],
  },
  i18next: { ...i18nOptions, resources: catalogs },
})

// A page asks for the locale several times (root loader, route loader, renderer); the answer
// depends only on these three inputs, so it is remembered for the most recent combinations.
const recentLocales = new Map<string, Locale>()

export async function localeOf(request: Request): Promise<Locale> {
  const url = new URL(request.url)
  const key = `${url.searchParams.get('lng') ?? ''}|${request.headers.get('cookie') ?? ''}|${request.headers.get('accept-language') ?? ''}`
  const known = recentLocales.get(key)
  if (known) return known
  const detected = await i18nServer.getLocale(request)
  const locale = isLocale(detected) ? detected : defaultLocale
  if (recentLocales.size >= 500) recentLocales.clear()
  recentLocales.set(key, locale)
  return locale
}

const instances = new Map<Locale, I18n>()

/**
 * One initialised i18next instance per language, shared by all requests: its language never
 * changes on the server, and creating one per request cost more than rendering the page.
 */
export function i18nInstance(locale: Locale): I18n {
  let instance = instances.get(locale)
  if (!instance) {
    instance = createInstance()
    void instance.use(initReactI18next).init({ ...i18nOptions, lng: locale, resources: catalogs, initImmediate: false })
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
