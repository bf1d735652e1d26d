import { cityDefaultLocale } from '../../lib/localized.server'
import { localize } from '../../lib/localized'

/**
 * Names that administrators enter are stored per language (`{"en":…,"es":…}`, app/lib/localized.ts).
 * Open data files are one file for everyone: they give the site's default language, in the same
 * column as before. Returns a function that remembers each stored value it has seen (a page has
 * thousands of rows and a handful of distinct categories).
 */
export function defaultLanguageNames(): (stored: string | null | undefined) => string | null {
  const locale = cityDefaultLocale()
  const seen = new Map<string, string>()
  return (stored) => {
    if (stored == null) return null
    let text = seen.get(stored)
    if (text === undefined) {
      text = localize(stored, locale, locale)
      seen.set(stored, text)
    }
    return text
  }
}
