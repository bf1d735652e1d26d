import { registerLanguagePolicy } from '../../lib/i18n.server'
import { siteLanguages } from './identity.server'

/** The site's languages come from its identity (the language switcher and detection offer only those). */
export function registerCityLanguages() {
  registerLanguagePolicy(async () => {
    const { enabled, defaultLocale } = await siteLanguages()
    return { enabled, defaultLocale }
  })
}
