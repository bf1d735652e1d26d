import { z } from 'zod'

/**
 * Inputs of the Open311 GeoReport v2 API (http://wiki.open311.org/GeoReport_v2) and of the API-key
 * admin page. API messages are English: they are read by client developers, and the spec puts them
 * in the error body's `description`. Admin form messages are i18n keys of the `open311` namespace.
 */

// GeoReport v2 "Optional Arguments": an empty parameter means the same as no parameter.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional())

export const SERVICE_CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/
const MAX_LIST = 1000

/** A link to a photo elsewhere: http(s) only (it is shown as a link to people). */
const mediaUrl = optional(
  z
    .string()
    .trim()
    .max(2000, 'media_url may be at most 2,000 characters')
    .refine((v) => /^https?:\/\/[^\s]+$/i.test(v), 'media_url must be an http or https address'),
)

/**
 * W3C datetime (https://www.w3.org/TR/NOTE-datetime) with a timezone, or a date alone (midnight UTC).
 * A "+01:00" offset sent unencoded in a query string arrives as " 01:00": it is read as "+".
 */
const W3C = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+\- ]\d{2}:\d{2}))?$/i
export function parseW3cDatetime(value: string): Date | null {
  const m = W3C.exec(value.trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac, tz] = m
  if (h !== undefined && tz === undefined) return null
  const zone = tz === undefined || tz.toUpperCase() === 'Z' ? 'Z' : tz.replace(/^ /, '+')
  const text = `${y}-${mo}-${d}T${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}${frac ? `.${frac.slice(0, 3)}` : ''}${zone}`
  const date = new Date(text)
  if (Number.isNaN(date.getTime())) return null
  // Date accepts 2026-02-30 (rolls over): the calendar date must survive the round trip.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return null
  return date
}

const datetime = (field: string) =>
  z.string().transform((v, ctx) => {
    const date = parseW3cDatetime(v)
    if (!date) {
      ctx.addIssue({ code: 'custom', message: `${field} must be a W3C datetime with a timezone, e.g. 2010-01-01T00:00:00Z` })
      return z.NEVER
    }
    return date
  })

const commaList = <T extends z.ZodType<unknown, string>>(field: string, item: T, what: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item, { message: `${field} must be a comma-separated list of ${what}` }).max(MAX_LIST, `${field} may list at most ${MAX_LIST} values`))

const requestId = z
  .string()
  .regex(/^\d{1,15}$/, 'service_request_id must be a comma-separated list of request ids (numbers)')
  .transform(Number)

/** GET requests.{format} — every filter of the spec, plus the common page/page_size extension. */
export const serviceRequestsQuery = z.object({
  jurisdiction_id: optional(z.string()),
  service_request_id: optional(commaList('service_request_id', requestId, 'request ids (numbers)')),
  service_code: optional(commaList('service_code', z.string().regex(SERVICE_CODE), 'service codes')),
  start_date: optional(datetime('start_date')),
  end_date: optional(datetime('end_date')),
  status: optional(commaList('status', z.enum(['open', 'closed']), 'statuses (open, closed)')),
  page: optional(z.coerce.number({ message: 'page must be a number from 1' }).int('page must be a whole number').min(1, 'page must be 1 or more').max(1000, 'page may be at most 1000')),
  page_size: optional(
    z.coerce.number({ message: 'page_size must be a number' }).int('page_size must be a whole number').min(1, 'page_size must be 1 or more').max(1000, 'page_size may be at most 1000'),
  ),
})
export type ServiceRequestsQuery = z.infer<typeof serviceRequestsQuery>

const coordinate = (field: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[+-]?\d{1,3}(\.\d+)?$/, `${field} must be a decimal number (WGS84)`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${field} must be between ${min} and ${max}`)

/** GET services.{format}: the optional point narrows the list to services offered there. */
export const servicesQuery = z
  .object({
    jurisdiction_id: optional(z.string()),
    lat: optional(coordinate('lat', -90, 90)),
    long: optional(coordinate('long', -180, 180)),
  })
  .refine((q) => (q.lat === undefined) === (q.long === undefined), { message: 'lat and long must be sent together', path: ['lat'] })

export const updatesQuery = z.object({
  jurisdiction_id: optional(z.string()),
  api_key: optional(z.string()),
  start_date: optional(datetime('start_date')),
  end_date: optional(datetime('end_date')),
})

const person = (field: string, max: number) => optional(z.string().trim().max(max, `${field} may be at most ${max} characters`))

/** POST requests.{format}, form-encoded (attributes are read separately: attribute[code]=value). */
export const newServiceRequest = z
  .object({
    jurisdiction_id: optional(z.string()),
    service_code: optional(z.string().trim().regex(SERVICE_CODE, 'service_code is not a valid service code (see services.json)')),
    lat: optional(coordinate('lat', -90, 90)),
    long: optional(coordinate('long', -180, 180)),
    address_string: optional(z.string().trim().max(500, 'address_string may be at most 500 characters')),
    address_id: optional(z.string().trim().max(200, 'address_id may be at most 200 characters')),
    email: optional(z.string().trim().max(254, 'email may be at most 254 characters').pipe(z.email('email is not a valid e-mail address'))),
    device_id: person('device_id', 200),
    account_id: person('account_id', 200),
    first_name: person('first_name', 100),
    last_name: person('last_name', 100),
    phone: person('phone', 50),
    // GeoReport v2: "free form text limited to 4,000 characters".
    description: optional(
      z
        .string()
        .transform((v) => v.replace(/\r\n?/g, '\n').trim())
        .pipe(z.string().max(4000, 'description may be at most 4,000 characters')),
    ),
    media_url: mediaUrl,
    // mySociety's extension: FALSE shows the reporter's name on the report's page (default: anonymous).
    public_anonymity_required: optional(z.enum(['TRUE', 'FALSE', 'true', 'false'], { message: 'public_anonymity_required must be TRUE or FALSE' })),
  })
  .superRefine((v, ctx) => {
    if (!v.service_code) ctx.addIssue({ code: 'custom', message: 'service_code was not provided', path: ['service_code'] })
    if ((v.lat === undefined) !== (v.long === undefined)) ctx.addIssue({ code: 'custom', message: 'lat and long must be sent together', path: ['lat'] })
  })
export type NewServiceRequest = z.infer<typeof newServiceRequest>

/** Statuses a back office may push (mySociety's servicerequestupdates extension, upper case). */
export const updateStatuses = [
  'OPEN',
  'REOPEN',
  'INVESTIGATING',
  'IN_PROGRESS',
  'ACTION_SCHEDULED',
  'INTERNAL_REFERRAL',
  'FIXED',
  'CLOSED',
  'DUPLICATE',
  'NOT_RESPONSIBLE',
  'NOT_COUNCILS_RESPONSIBILITY',
  'UNABLE_TO_FIX',
  'NO_FURTHER_ACTION',
  // FixMyStreet's own: back to triage, and withdrawn.
  'FOR_TRIAGE',
  'CANCELLED',
] as const
export type UpdateStatus = (typeof updateStatuses)[number]

/** POST servicerequestupdates.{format} (mySociety's extension, as FixMyStreet sends it). */
export const newServiceRequestUpdate = z.object({
  jurisdiction_id: optional(z.string()),
  service_request_id: z
    .string({ message: 'service_request_id was not provided' })
    .trim()
    .regex(/^\d{1,15}$/, 'service_request_id must be a request id (a number)')
    .transform(Number),
  update_id: z.string({ message: 'update_id was not provided' }).trim().min(1, 'update_id was not provided').max(100, 'update_id may be at most 100 characters'),
  status: z
    .string({ message: 'status was not provided' })
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(updateStatuses, { message: `status must be one of ${updateStatuses.join(', ')}` })),
  updated_datetime: z.string({ message: 'updated_datetime was not provided' }).pipe(datetime('updated_datetime')),
  description: z
    .string()
    .optional()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(4000, 'description may be at most 4,000 characters')),
  email: person('email', 254),
  first_name: person('first_name', 100),
  last_name: person('last_name', 100),
  media_url: mediaUrl,
  account_id: person('account_id', 200),
})
export type NewServiceRequestUpdate = z.infer<typeof newServiceRequestUpdate>

// ---------------------------------------------------------------- service definitions (settings)

export const attributeDatatypes = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const

/** One attribute of a service definition, as kept in settings `open311.attributes` (code → list). */
export const attributeDefinition = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    datatype: z.enum(attributeDatatypes),
    required: z.boolean().default(false),
    // false: shown to the person as information only, no input.
    variable: z.boolean().default(true),
    description: z.string().min(1).max(1000),
    datatype_description: z.string().max(1000).nullable().default(null),
    order: z.number().int().min(1).optional(),
    values: z.array(z.object({ key: z.string().min(1).max(100), name: z.string().min(1).max(200) })).optional(),
  })
  .refine((a) => !a.datatype.endsWith('valuelist') || (a.values?.length ?? 0) > 0, { message: 'a list attribute needs values' })
export type AttributeDefinition = z.infer<typeof attributeDefinition>
export const attributeDefinitions = z.record(z.string(), z.array(z.unknown()))

// ---------------------------------------------------------------- the admin page

export const issueKeySchema = z
  .object({
    name: z.string('open311:errors.nameRequired').trim().min(1, 'open311:errors.nameRequired').max(100, 'open311:errors.nameTooLong'),
    departmentId: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()),
    mayUpdate: z.literal('on').optional(),
    // The client checks its users' e-mail addresses itself: requests with one are public at once.
    trusted: z.literal('on').optional(),
    // A council-wide key whose statuses change reports as staff would (else they are citizens').
    mayChangeState: z.literal('on').optional(),
  })
  .refine((v) => !v.mayChangeState || (v.mayUpdate && v.departmentId === undefined), { message: 'open311:errors.mayChangeStateCouncilWide', path: ['mayChangeState'] })

export const revokeKeySchema = z.object({ keyId: z.coerce.number().int().positive() })
