import { createCookie } from '@remix-run/node'
import { RemixI18Next } from 'remix-i18next/server'
import { createInstance, type TFunction } from 'i18next'
import { catalogs, fallbackLocale, i18nOptions, isLocale, supportedLocales, type Locale } from './i18n'

/** The visitor's chosen language, remembered for a year (set by /language). */
export const localeCookie = createCookie('plaza_lng', {
  path: '/',
  sameSite: 'lax',
  httpOnly: true,
  maxAge: 60 * 60 * 24 * 365,
})

// Order: an explicit ?lng= link, the remembered choice, then the browser's Accept-Language.
export const i18nServer = new RemixI18Next({
  detection: {
    supportedLanguages: [...supportedLocales],
    fallbackLanguage: fallbackLocale,
    cookie: localeCookie,
    order: ['searchParams', 'cookie', 'header'],
  },
  i18next: { ...i18nOptions, resources: catalogs },
})

export async function localeOf(request: Request): Promise<Locale> {
  const locale = await i18nServer.getLocale(request)
  return isLocale(locale) ? locale : fallbackLocale
}

const fixedTs = new Map<Locale, TFunction>()

/** A translation function for one language (for e-mails, HTTP-level pages, logs shown to people). */
export function translator(locale: Locale): TFunction {
  let t = fixedTs.get(locale)
  if (!t) {
    const instance = createInstance()
    void instance.init({ ...i18nOptions, lng: locale, resources: catalogs, initImmediate: false })
    t = instance.getFixedT(locale, 'common')
    fixedTs.set(locale, t)
  }
  return t
}

export async function translatorFor(request: Request): Promise<{ locale: Locale; t: TFunction }> {
  const locale = await localeOf(request)
  return { locale, t: translator(locale) }
}
