import { z } from 'zod'
import { LAW_IDS } from './laws'

/** Inputs of the foi module (issue 22) and the constants its pages render. */

export const FOI_STATUSES = ['awaiting', 'successful', 'partially_successful', 'refused', 'not_held', 'internal_review', 'withdrawn'] as const
export type FoiStatus = (typeof FOI_STATUSES)[number]
/** What a request shows: its status, or overdue / long overdue while no answer closed it. */
export const DISPLAY_STATUSES = [...FOI_STATUSES, 'overdue', 'long_overdue'] as const
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number]
/** What a requester (or anyone, as a suggestion) may classify a request as. */
export const CLASSIFICATIONS = ['awaiting', 'successful', 'partially_successful', 'refused', 'not_held', 'withdrawn'] as const

export const TITLE_MAX = 200
export const REQUEST_MAX = 20_000
/** Requests one person may send per day (abuse limit; FOI_DAILY_LIMIT overrides). */
export const DEFAULT_DAILY_LIMIT = 5

const text = (max: number, key: string) => z.string({ error: key }).trim().min(1, key).max(max, key)

export const requestSchema = z.object({
  bodyId: z.coerce.number({ error: 'foi:errors.bodyRequired' }).int().positive('foi:errors.bodyRequired'),
  title: text(TITLE_MAX, 'foi:errors.titleRequired'),
  text: text(REQUEST_MAX, 'foi:errors.textRequired'),
})
export type RequestInput = z.infer<typeof requestSchema>

export const classifySchema = z.object({ status: z.enum(CLASSIFICATIONS, { error: 'foi:errors.statusInvalid' }) })

export const letterSchema = z.object({
  kind: z.enum(['reminder', 'internal_review'], { error: 'foi:errors.letterInvalid' }),
  text: text(REQUEST_MAX, 'foi:errors.textRequired'),
})

const email = z.union([z.literal(''), z.email('foi:errors.emailInvalid').max(254)])
const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'foi:errors.slugInvalid')
  .max(80, 'foi:errors.slugInvalid')

export const bodySchema = z.object({
  slug,
  email,
  category: z.string().trim().max(100),
  areaId: z.union([z.literal(''), z.coerce.number().int().positive()]),
  parentId: z.union([z.literal(''), z.coerce.number().int().positive()]),
  law: z.enum(LAW_IDS, { error: 'foi:errors.lawInvalid' }),
  active: z.boolean(),
})

export const holidaySchema = z.object({
  date: z.iso.date('foi:errors.dateInvalid'),
  name: text(100, 'foi:errors.nameRequired'),
})

export const redactSchema = z.object({
  target: z.enum(['message', 'attachment']),
  id: z.coerce.number().int().positive(),
  text: z.string().max(2_000_000),
  hideFile: z.boolean().default(false),
})

export const takedownSchema = z.object({
  note: text(1000, 'foi:errors.noteRequired'),
})

export const searchSchema = z.object({
  q: z.string().trim().max(200).default(''),
  status: z.union([z.literal(''), z.enum(DISPLAY_STATUSES)]).default(''),
  body: z.union([z.literal(''), z.coerce.number().int().positive()]).default(''),
  page: z.coerce.number().int().min(1).max(1000).catch(1).default(1),
})
