import en from '../locales/en/index'
import es from '../locales/es/index'
import fr from '../locales/fr/index'

/**
 * Every language's catalogs, for the server and tests. Kept out of app/lib/i18n.ts, which the
 * browser bundle imports: there the three languages weighed ~195 KB compressed on every page.
 */
export const catalogs = { en, es, fr } as const
export type Namespace = keyof typeof en
export const namespaces = Object.keys(en) as Namespace[]
