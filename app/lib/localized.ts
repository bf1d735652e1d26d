import { supportedLocales, type Locale } from './i18n'

/**
 * Names that administrators enter (an area, a department, a category, a state label, a level…)
 * have a value per language. They are stored as one JSON text column, `{"en":"…","es":"…"}`,
 * and shown with `localize(value, locale, defaultLocale)`: the visitor's language, else the
 * city's default language, else any language that has a value. Shared by server and browser.
 */
export type Localized = Partial<Record<Locale, string>>

/** Parses a stored column; a plain (legacy) string counts as every language's value. */
export function parseLocalized(stored: string | null | undefined): Localized {
  if (!stored) return {}
  if (stored.startsWith('{')) {
    try {
      const parsed = JSON.parse(stored) as unknown
      if (parsed && typeof parsed === 'object') {
        const out: Localized = {}
        for (const locale of supportedLocales) {
          const value = (parsed as Record<string, unknown>)[locale]
          if (typeof value === 'string' && value.trim() !== '') out[locale] = value
        }
        return out
      }
    } catch {
      // not JSON: a plain name
    }
  }
  return { en: stored }
}

/** The text to store for a localized value: only languages with a value, in a stable order. */
export function serializeLocalized(value: Localized): string {
  const out: Localized = {}
  for (const locale of supportedLocales) {
    const text = value[locale]?.trim()
    if (text) out[locale] = text
  }
  return JSON.stringify(out)
}

/** The value for `locale`, falling back to the default language, then to any language. */
// localize() of a stored name parses its JSON: a list page does it for every name of every row
// (the council list 200 times). The parsed value of a stored text never changes, so the most recent
// ones are kept here (never handed out: callers of parseLocalized get their own object).
const parsedNames = new Map<string, Localized>()
const PARSED_MAX = 5000

function parsedName(stored: string): Localized {
  let parsed = parsedNames.get(stored)
  if (!parsed) {
    parsed = parseLocalized(stored)
    if (parsedNames.size >= PARSED_MAX) parsedNames.clear()
    parsedNames.set(stored, parsed)
  }
  return parsed
}

export function localize(value: Localized | string | null | undefined, locale: string, defaultLocale: string = 'en'): string {
  const v = typeof value === 'string' ? parsedName(value) : value == null ? {} : value
  return v[locale as Locale] ?? v[defaultLocale as Locale] ?? v.en ?? v.es ?? v.fr ?? ''
}

/** Which of `locales` have no value (for an admin form's warning, or a check before going live). */
export function missingLocales(value: Localized, locales: readonly string[]): string[] {
  return locales.filter((l) => !value[l as Locale]?.trim())
}

/**
 * Reads a localized field from a form's entries: `<field>_en`, `<field>_es`, `<field>_fr`.
 * Use with `localizedFieldSchema` to require the default language.
 */
export function readLocalizedField(entries: Record<string, unknown>, field: string): Localized {
  const out: Localized = {}
  for (const locale of supportedLocales) {
    const raw = entries[`${field}_${locale}`]
    if (typeof raw === 'string' && raw.trim() !== '') out[locale] = raw.trim()
  }
  return out
}
