import { currentDefaultLocale } from './i18n.server'
import { localize, type Localized } from './localized'

/**
 * The city's default language: the fallback for a name that has no value in the visitor's
 * language. Read in one place so that moving it from the environment to the admin's settings
 * (issue 16 part 4) changed one function: the site's languages policy (the city module) sets it.
 */
export function cityDefaultLocale(): string {
  return currentDefaultLocale()
}

/** A function that shows stored names in `locale`, falling back to the city's default language. */
export function namesIn(locale: string): (value: Localized | string | null | undefined) => string {
  const fallback = cityDefaultLocale()
  return (value) => localize(value, locale, fallback)
}
