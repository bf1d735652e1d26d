import { z } from 'zod'
import { parseLocalized, readLocalizedField, serializeLocalized, type Localized } from '../../lib/localized'

/**
 * Inputs of representatives and their levels (issue 9), shared by the admin forms and the CSV
 * import. Pure: which level and area exist, and whether the area is of the level's area level, is
 * checked by representatives.server.ts against the database. Messages are i18n keys of the
 * `representatives` namespace.
 */

export const NAME_MAX = 120
export const ROLE_MAX = 80
export const PARTY_MAX = 80
export const EMAIL_MAX = 254
export const NOTE_MAX = 500
export const LEVEL_CODE = /^[a-z][a-z0-9_-]{0,39}$/

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  if (!DATE.test(value)) return false
  const d = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value
}

const text = (max: number, key: string, required: boolean) =>
  z
    .string()
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())
    .pipe(required ? z.string().min(1, `representatives:errors.${key}Required`).max(max, `representatives:errors.${key}TooLong`) : z.string().max(max, `representatives:errors.${key}TooLong`))

const optionalDate = (key: string) =>
  z
    .string()
    .trim()
    .max(40, `representatives:errors.${key}Invalid`)
    .refine((v) => v === '' || isIsoDate(v), `representatives:errors.${key}Invalid`)
    .transform((v) => (v === '' ? null : v))

/**
 * A name per language (issue 16 part 7): the stored JSON text (`{"en":…,"es":…}`); a plain string
 * counts as English. At least one language; each at most `max` characters. Gives the JSON to store.
 */
const cleanLocalized = (stored: string): Localized => {
  const clean: Localized = {}
  for (const [locale, text] of Object.entries(parseLocalized(stored))) {
    const value = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
    if (value) clean[locale as keyof Localized] = value
  }
  return clean
}
// Checks (not transforms) raise the problems, so the other fields' checks still run and every
// problem shows next to its field at once.
const localizedText = (max: number, key: string) =>
  z
    .string()
    .refine((v) => Object.keys(cleanLocalized(v)).length > 0, `representatives:errors.${key}Required`)
    .refine((v) => Object.values(cleanLocalized(v)).every((text) => text.length <= max), `representatives:errors.${key}TooLong`)
    .transform((v) => serializeLocalized(cleanLocalized(v)))

export const representativeInputSchema = z
  .object({
    name: text(NAME_MAX, 'name', true),
    /** Per language: the JSON text representativeFields makes of role_en, role_es, role_fr. */
    role: localizedText(ROLE_MAX, 'role'),
    level: z.string().trim().max(40, 'representatives:errors.levelUnknown').min(1, 'representatives:errors.levelRequired'),
    /** An area id or slug; the server resolves it. */
    area: z.string().trim().max(100, 'representatives:errors.areaUnknown').min(1, 'representatives:errors.areaRequired'),
    party: text(PARTY_MAX, 'party', false).transform((v) => (v === '' ? null : v)),
    email: z.string().trim().min(1, 'representatives:errors.emailRequired').max(EMAIL_MAX, 'representatives:errors.emailInvalid').pipe(z.email('representatives:errors.emailInvalid')),
    activeFrom: optionalDate('activeFrom'),
    activeUntil: optionalDate('activeUntil'),
  })
  .superRefine((v, ctx) => {
    if (v.activeFrom && v.activeUntil && v.activeFrom > v.activeUntil) {
      ctx.addIssue({ code: 'custom', path: ['activeUntil'], message: 'representatives:errors.periodOrder' })
    }
  })

export type RepresentativeInput = z.output<typeof representativeInputSchema>
export type RepresentativeFields = z.input<typeof representativeInputSchema>

export const AREA_LEVELS = ['city', 'district', 'neighbourhood'] as const

export const levelInputSchema = z.object({
  code: z.string().trim().regex(LEVEL_CODE, 'representatives:errors.codeInvalid'),
  nameEn: text(80, 'levelName', true),
  nameEs: text(80, 'levelName', true),
  nameFr: text(80, 'levelName', true),
  areaLevel: z.enum(AREA_LEVELS, 'representatives:errors.areaLevelInvalid'),
  position: z
    .string()
    .trim()
    .regex(/^-?\d{1,4}$/, 'representatives:errors.positionInvalid')
    .transform(Number),
})
export type LevelInput = z.output<typeof levelInputSchema>

export const bounceNoteSchema = text(NOTE_MAX, 'note', false)

/** Every field of the representative form as strings (what a form or a CSV row gives). */
export function representativeFields(source: Record<string, unknown>): Record<keyof RepresentativeFields, string> {
  const s = (k: string) => (typeof source[k] === 'string' ? (source[k] as string) : '')
  // The role per language (role_en, role_es, role_fr); a single "role" (older forms, files) is English.
  const perLanguage = readLocalizedField(source, 'role')
  const role = Object.keys(perLanguage).length ? serializeLocalized(perLanguage) : s('role')
  return { name: s('name'), role, level: s('level'), area: s('area'), party: s('party'), email: s('email'), activeFrom: s('activeFrom'), activeUntil: s('activeUntil') }
}
