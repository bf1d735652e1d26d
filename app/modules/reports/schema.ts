import { z } from 'zod'

/** Inputs of the reports capability; messages are i18n keys of the `reports` namespace. */

const text = (min: number, max: number, key: string) =>
  z
    .string(key)
    .transform((v) => v.replace(/\r\n/g, '\n').trim())
    .pipe(z.string().min(min, `reports:errors.${key}Required`).max(max, `reports:errors.${key}TooLong`))

// The limits pages show live in limits.ts, which imports no zod (a page that reads them in the browser would download zod).
export { CATEGORY_CODE, COMMENT_MAX, MAX_PHOTOS } from './limits'
import { CATEGORY_CODE } from './limits'

const coordinate = (min: number, max: number) =>
  z
    .string('reports:errors.location')
    .trim()
    .transform((v) => Number(v.replace(',', '.')))
    .refine((v) => Number.isFinite(v) && v >= min && v <= max, 'reports:errors.location')

export const newReportSchema = z.object({
  lat: coordinate(-90, 90),
  lng: coordinate(-180, 180),
  category: z.string('reports:errors.categoryRequired').trim().min(1, 'reports:errors.categoryRequired').regex(CATEGORY_CODE, 'reports:errors.categoryRequired'),
  title: text(3, 120, 'title'),
  description: text(10, 5000, 'description'),
  anonymous: z.literal('on').optional(),
  /** Logged-out reporters only. */
  name: z.string().trim().max(100, 'reports:errors.nameTooLong').optional(),
  email: z.string().trim().max(254, 'reports:errors.emailInvalid').optional(),
})
export type NewReportForm = z.infer<typeof newReportSchema>

export const guestSchema = z.object({
  name: z.string('reports:errors.nameRequired').trim().min(1, 'reports:errors.nameRequired').max(100, 'reports:errors.nameTooLong'),
  email: z.string('reports:errors.emailInvalid').trim().max(254, 'reports:errors.emailInvalid').pipe(z.email('reports:errors.emailInvalid')),
})

export const reportFilterSchema = z.object({
  area: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,100}$/)
    .optional()
    .catch(undefined),
  category: z.string().trim().regex(CATEGORY_CODE).optional().catch(undefined),
  status: z.enum(['open', 'fixed', 'closed']).optional().catch(undefined),
  age: z.enum(['7', '30', '90', '365']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
})

export const reporterUpdateSchema = z.object({
  intent: z.enum(['fixed', 'reopen', 'support']),
  text: z.string().trim().max(2000, 'reports:errors.updateTooLong').optional(),
})
