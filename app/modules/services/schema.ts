import { z } from 'zod'
import { supportedLocales, type Locale } from '../../lib/i18n'
import { readLocalizedField, type Localized } from '../../lib/localized'

/**
 * Inputs of the services admin (issue 16 part 3): departments, report categories and their
 * questions, routing rules, state labels, proposal and petition categories. Every name has a value
 * per language (`<field>_en/_es/_fr`); the city's default language is required. Pure: what exists
 * is checked by services.server.ts. Messages are i18n keys of the `services` namespace.
 */

export const NAME_MAX = 120
export const DESCRIPTION_MAX = 500
export const SLUG = /^[a-z0-9][a-z0-9-]{0,59}$/
export const SERVICE_CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/
export const QUESTION_CODE = /^[a-z][a-z0-9_]{0,39}$/
export const COLOUR = /^#[0-9a-fA-F]{6}$/
export const DATATYPES = ['string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist'] as const
export const LIST_TYPES: ReadonlySet<string> = new Set(['singlevaluelist', 'multivaluelist'])

type Fields = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v.replace(/[\u0000-\u0008\u000b-\u001f\u007f]+/g, ' ').trim() : '')

/**
 * A localized field read from `<field>_<lng>`: each language at most `max` characters, the
 * default language required when `required`. Errors land on the default language's field.
 */
function localizedField(ctx: z.RefinementCtx, fields: Fields, field: string, options: { required: boolean; defaultLocale: Locale; max: number }): Localized {
  const value = readLocalizedField(fields, field)
  for (const locale of supportedLocales) {
    if ((value[locale]?.length ?? 0) > options.max) ctx.addIssue({ code: 'custom', path: [`${field}_${locale}`], message: 'services:errors.tooLong' })
  }
  if (options.required && !value[options.defaultLocale]) ctx.addIssue({ code: 'custom', path: [`${field}_${options.defaultLocale}`], message: 'services:errors.nameRequired' })
  return value
}

const checkbox = (v: unknown) => v === 'on' || v === 'true' || v === '1'
const position = (v: unknown) => {
  const n = Number(str(v) || '0')
  return Number.isInteger(n) && n >= 0 && n <= 10_000 ? n : null
}

export interface DepartmentInput {
  slug: string
  name: Localized
  email: string | null
  phone: string | null
}

export function departmentSchema(defaultLocale: Locale) {
  return z.custom<Fields>().transform((fields, ctx): DepartmentInput => {
    const slug = str(fields.slug).toLowerCase()
    if (!SLUG.test(slug)) ctx.addIssue({ code: 'custom', path: ['slug'], message: 'services:errors.slugInvalid' })
    const email = str(fields.email)
    if (email && (!z.email().safeParse(email).success || email.length > 254)) ctx.addIssue({ code: 'custom', path: ['email'], message: 'services:errors.emailInvalid' })
    const phone = str(fields.phone)
    if (phone && !/^[+0-9][0-9 ().\-/]{2,39}$/.test(phone)) ctx.addIssue({ code: 'custom', path: ['phone'], message: 'services:errors.phoneInvalid' })
    const name = localizedField(ctx, fields, 'name', { required: true, defaultLocale, max: NAME_MAX })
    return { slug, name, email: email || null, phone: phone || null }
  })
}

export interface CategoryInput {
  code: string
  name: Localized
  description: Localized
  group: Localized
  colour: string | null
  keywords: string
  position: number
  active: boolean
}

export function categorySchema(defaultLocale: Locale) {
  return z.custom<Fields>().transform((fields, ctx): CategoryInput => {
    const code = str(fields.code).toLowerCase()
    if (!SERVICE_CODE.test(code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'services:errors.codeInvalid' })
    const colour = str(fields.colour)
    if (colour && !COLOUR.test(colour)) ctx.addIssue({ code: 'custom', path: ['colour'], message: 'services:errors.colourInvalid' })
    const keywords = str(fields.keywords)
    if (keywords.length > 300) ctx.addIssue({ code: 'custom', path: ['keywords'], message: 'services:errors.tooLong' })
    const pos = position(fields.position)
    if (pos === null) ctx.addIssue({ code: 'custom', path: ['position'], message: 'services:errors.positionInvalid' })
    return {
      code,
      name: localizedField(ctx, fields, 'name', { required: true, defaultLocale, max: NAME_MAX }),
      description: localizedField(ctx, fields, 'description', { required: false, defaultLocale, max: DESCRIPTION_MAX }),
      group: localizedField(ctx, fields, 'group', { required: false, defaultLocale, max: NAME_MAX }),
      colour: colour ? colour.toLowerCase() : null,
      keywords,
      position: pos ?? 0,
      active: checkbox(fields.active),
    }
  })
}

export interface QuestionOption {
  key: string
  name: Localized
}

export interface QuestionInput {
  code: string
  datatype: (typeof DATATYPES)[number]
  required: boolean
  description: Localized
  hint: Localized
  options: QuestionOption[]
  position: number
}

/**
 * The options of a list question, one per line: `key | English | Español | Français` (a form
 * that works without JavaScript). The columns follow the order of the supported languages.
 */
export function parseOptions(text: string): { options: QuestionOption[]; problem: string | null } {
  const options: QuestionOption[] = []
  const seen = new Set<string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line) continue
    const [key = '', ...names] = line.split('|').map((s) => s.trim())
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(key)) return { options, problem: 'services:errors.optionKeyInvalid' }
    if (seen.has(key)) return { options, problem: 'services:errors.optionKeyDuplicate' }
    seen.add(key)
    const name: Localized = {}
    supportedLocales.forEach((locale, i) => {
      const value = names[i]?.slice(0, NAME_MAX)
      if (value) name[locale] = value
    })
    if (Object.keys(name).length === 0) return { options, problem: 'services:errors.optionNameMissing' }
    options.push({ key, name })
  }
  return { options, problem: null }
}

/** The text of the options field for a stored list (the inverse of parseOptions). */
export function formatOptions(options: QuestionOption[]): string {
  return options.map((o) => [o.key, ...supportedLocales.map((l) => o.name[l] ?? '')].join(' | ').replace(/( \| )+$/, '')).join('\n')
}

export function questionSchema(defaultLocale: Locale) {
  return z.custom<Fields>().transform((fields, ctx): QuestionInput => {
    const code = str(fields.code)
    if (!QUESTION_CODE.test(code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'services:errors.questionCodeInvalid' })
    const datatype = str(fields.datatype) as QuestionInput['datatype']
    if (!(DATATYPES as readonly string[]).includes(datatype)) ctx.addIssue({ code: 'custom', path: ['datatype'], message: 'services:errors.datatypeInvalid' })
    const pos = position(fields.position)
    if (pos === null) ctx.addIssue({ code: 'custom', path: ['position'], message: 'services:errors.positionInvalid' })
    const { options, problem } = parseOptions(typeof fields.options === 'string' ? fields.options : '')
    if (problem) ctx.addIssue({ code: 'custom', path: ['options'], message: problem })
    else if (LIST_TYPES.has(datatype) && options.length === 0) ctx.addIssue({ code: 'custom', path: ['options'], message: 'services:errors.optionsRequired' })
    return {
      code,
      datatype,
      required: checkbox(fields.required),
      description: localizedField(ctx, fields, 'description', { required: true, defaultLocale, max: DESCRIPTION_MAX }),
      hint: localizedField(ctx, fields, 'hint', { required: false, defaultLocale, max: DESCRIPTION_MAX }),
      options: LIST_TYPES.has(datatype) ? options : [],
      position: pos ?? 0,
    }
  })
}

export interface SimpleCategoryInput {
  code: string
  name: Localized
  position: number
}

/** A proposal or petition category. */
export function simpleCategorySchema(defaultLocale: Locale) {
  return z.custom<Fields>().transform((fields, ctx): SimpleCategoryInput => {
    const code = str(fields.code).toLowerCase()
    if (!SLUG.test(code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'services:errors.slugInvalid' })
    const pos = position(fields.position)
    if (pos === null) ctx.addIssue({ code: 'custom', path: ['position'], message: 'services:errors.positionInvalid' })
    return { code, name: localizedField(ctx, fields, 'name', { required: true, defaultLocale, max: NAME_MAX }), position: pos ?? 0 }
  })
}

/** A state's own label per language; every language empty: the translated default. */
export function stateLabelSchema(defaultLocale: Locale) {
  return z.custom<Fields>().transform((fields, ctx) => {
    const code = str(fields.code)
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'services:errors.stateUnknown' })
    return { code, label: localizedField(ctx, fields, 'label', { required: false, defaultLocale, max: 60 }) }
  })
}

const id = (v: unknown) => {
  const n = Number(str(v))
  return Number.isInteger(n) && n > 0 ? n : null
}

/** A routing rule: category × area (empty: the whole city) → department (empty: remove the rule). */
export const routeSchema = z.custom<Fields>().transform((fields, ctx) => {
  const categoryId = id(fields.categoryId)
  if (categoryId === null) ctx.addIssue({ code: 'custom', path: ['categoryId'], message: 'services:errors.categoryRequired' })
  const area = str(fields.areaId)
  const areaId = area === '' ? null : id(area)
  if (area !== '' && areaId === null) ctx.addIssue({ code: 'custom', path: ['areaId'], message: 'services:errors.areaUnknown' })
  const department = str(fields.departmentId)
  const departmentId = department === '' ? null : id(department)
  if (department !== '' && departmentId === null) ctx.addIssue({ code: 'custom', path: ['departmentId'], message: 'services:errors.departmentUnknown' })
  return { categoryId: categoryId ?? 0, areaId, departmentId }
})

/** The tester: a category and a point (lat, lng) or an area. */
export const routeTestSchema = z.custom<Fields>().transform((fields, ctx) => {
  const category = str(fields.category)
  if (!SERVICE_CODE.test(category)) ctx.addIssue({ code: 'custom', path: ['category'], message: 'services:errors.categoryRequired' })
  const lat = str(fields.lat)
  const lng = str(fields.lng)
  const areaId = str(fields.area) === '' ? null : id(fields.area)
  if (lat === '' && lng === '' && areaId === null) {
    ctx.addIssue({ code: 'custom', path: ['lat'], message: 'services:errors.placeRequired' })
    return { category, point: null, areaId: null }
  }
  if (lat !== '' || lng !== '') {
    const la = Number(lat)
    const ln = Number(lng)
    if (lat === '' || !Number.isFinite(la) || la < -90 || la > 90) ctx.addIssue({ code: 'custom', path: ['lat'], message: 'services:errors.latInvalid' })
    if (lng === '' || !Number.isFinite(ln) || ln < -180 || ln > 180) ctx.addIssue({ code: 'custom', path: ['lng'], message: 'services:errors.lngInvalid' })
    return { category, point: { lat: la, lng: ln }, areaId: null }
  }
  return { category, point: null, areaId }
})
