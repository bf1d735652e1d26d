import { supportedLocales, type Locale } from '../../lib/i18n'

/**
 * Pure rules of the city's setup: the colour's contrast (WCAG 2.2 AA), the languages, who may
 * open /setup. Shared by server and browser.
 */

export const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/

/** Plaza's own primary colour (app/styles/app.css --brand). */
export const DEFAULT_PRIMARY = '#0b5c8a'

/** WCAG 2.x relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)]
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
}

// WCAG 2.2 success criterion 1.4.3 (AA): 4.5:1 for normal text.
export const AA_CONTRAST = 4.5

/**
 * The primary colour is used as white text's background (buttons, the header) and as text and
 * links on white: both need 4.5:1 against white, which is one number.
 */
export function primaryColourProblem(hex: string): { kind: 'format' } | { kind: 'contrast'; ratio: number } | null {
  if (!HEX_COLOUR.test(hex)) return { kind: 'format' }
  const ratio = contrastRatio(hex, '#ffffff')
  return ratio < AA_CONTRAST ? { kind: 'contrast', ratio: Math.floor(ratio * 100) / 100 } : null
}

/** A darker or lighter shade for hover states (mixed towards black). */
export function shade(hex: string, amount = 0.2): string {
  const mix = (i: number) => Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - amount))
  return `#${[1, 3, 5].map((i) => mix(i).toString(16).padStart(2, '0')).join('')}`
}

/** Enabled languages in Plaza's order, at least one; the default among them. */
export function normaliseLanguages(enabled: readonly string[], defaultLocale: string): { languages: Locale[]; defaultLocale: Locale } | null {
  const languages = supportedLocales.filter((l) => enabled.includes(l))
  if (languages.length === 0) return null
  if (!languages.includes(defaultLocale as Locale)) return null
  return { languages, defaultLocale: defaultLocale as Locale }
}

export const legalPages = ['terms', 'privacy', 'accessibility', 'cookies'] as const
export type LegalPage = (typeof legalPages)[number]
export const isLegalPage = (v: unknown): v is LegalPage => typeof v === 'string' && (legalPages as readonly string[]).includes(v)

/** The first run's page is open only while no administrator exists, and only with a valid token. */
export function setupOpen(state: { administrators: number }): boolean {
  return state.administrators === 0
}
