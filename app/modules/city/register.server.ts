import { registerLanguagePolicy } from '../../lib/i18n.server'
import { registerAutoHideThreshold } from '../moderation/moderation.server'
import { siteLanguages } from './identity.server'
import { citySettings } from './settings.server'

/** The site's languages come from its identity (the language switcher and detection offer only those). */
export function registerCityLanguages() {
  registerLanguagePolicy(async () => {
    const { enabled, defaultLocale } = await siteLanguages()
    return { enabled, defaultLocale }
  })
}

/** Moderation reads the council's auto-hide threshold through this (it imports no capability). */
export function registerModerationSettings() {
  registerAutoHideThreshold(async () => (await citySettings()).MODERATION_AUTO_HIDE)
}
