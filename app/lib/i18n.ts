import en from '../locales/en/common.json'
import es from '../locales/es/common.json'
import fr from '../locales/fr/common.json'

/** Shared by server and browser: the languages Plaza speaks and i18next's options. */
export const supportedLocales = ['en', 'es', 'fr'] as const
export type Locale = (typeof supportedLocales)[number]
export const fallbackLocale: Locale = 'en'

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (supportedLocales as readonly string[]).includes(value)

export const catalogs = { en: { common: en }, es: { common: es }, fr: { common: fr } } as const

export const i18nOptions = {
  supportedLngs: [...supportedLocales],
  fallbackLng: fallbackLocale,
  defaultNS: 'common',
  ns: ['common'],
  // React already escapes; double escaping would show &amp; to people.
  interpolation: { escapeValue: false },
  returnNull: false,
} as const
