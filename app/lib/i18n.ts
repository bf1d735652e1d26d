/**
 * Shared by server and browser: the languages Plaza speaks and i18next's options.
 * Each capability has its own namespace (app/locales/<lng>/<capability>.json, listed in
 * app/locales/<lng>/index.ts); components ask for it with useTranslation('<capability>').
 * No catalog is imported here: this file is in every page's bundle, and the browser downloads only
 * the page's language (entry.client.tsx); the server's catalogs are in i18n-catalogs.ts.
 */
export const supportedLocales = ['en', 'es', 'fr'] as const
export type Locale = (typeof supportedLocales)[number]
export const fallbackLocale: Locale = 'en'

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (supportedLocales as readonly string[]).includes(value)

export const i18nOptions = {
  supportedLngs: [...supportedLocales],
  fallbackLng: fallbackLocale,
  defaultNS: 'common',
  // React already escapes; double escaping would show &amp; to people.
  interpolation: { escapeValue: false },
  returnNull: false,
} as const
