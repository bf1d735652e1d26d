import { z } from 'zod'
import { MILESTONE_TEXT_MAX, PROJECT_DESCRIPTION_MAX, PROJECT_TITLE_MAX, REASON_MAX, RESULT_STATUSES } from './phases'

/**
 * Zod schemas for every input of the processes capability. Messages are i18n keys of the
 * `processes` namespace, shown next to the field they name.
 */

/** "1234", "1234.5", "1,234.50" → cents; null when it is not an amount. */
export function parseCents(input: unknown): number | null {
  if (typeof input !== 'string') return null
  const text = input.trim().replace(/[\s,]/g, '')
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(text)) return null
  const [whole, frac = ''] = text.split('.')
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'))
}

const cents = (message: string) => z.preprocess((v) => parseCents(v) ?? undefined, z.number(message).int(message).min(1, message).max(1_000_000_000_00, message))

const optionalNumber = z.preprocess((v) => (v === '' || v === undefined || v === null ? null : Number(v)), z.number().finite().nullable())

export const projectSchema = z.object({
  title: z.string('errors.titleRequired').trim().min(3, 'errors.titleRequired').max(PROJECT_TITLE_MAX, 'errors.titleLong'),
  description: z.string('errors.descriptionRequired').trim().min(10, 'errors.descriptionRequired').max(PROJECT_DESCRIPTION_MAX, 'errors.descriptionLong'),
  estimatedCost: cents('errors.cost'),
  areaId: z.preprocess((v) => (v === '' || v === undefined ? null : Number(v)), z.number().int().positive().nullable()),
  lat: optionalNumber.refine((v) => v === null || (v >= -90 && v <= 90), 'errors.place'),
  lng: optionalNumber.refine((v) => v === null || (v >= -180 && v <= 180), 'errors.place'),
})
export type ProjectInput = z.output<typeof projectSchema>

export const reviewSchema = z.discriminatedUnion('feasible', [
  z.object({ feasible: z.literal('yes'), reason: z.string().trim().max(REASON_MAX, 'errors.reasonLong').default(''), finalCost: cents('errors.cost') }),
  z.object({ feasible: z.literal('no'), reason: z.string('errors.reasonRequired').trim().min(5, 'errors.reasonRequired').max(REASON_MAX, 'errors.reasonLong'), finalCost: z.any().optional() }),
])
export type ReviewInput = z.output<typeof reviewSchema>

export const resultUpdateSchema = z.object({
  status: z.enum(RESULT_STATUSES, 'errors.status'),
  progress: z.preprocess((v) => (v === '' ? undefined : Number(v)), z.number('errors.progress').int('errors.progress').min(0, 'errors.progress').max(100, 'errors.progress')),
  budget: z.preprocess((v) => (v === '' || v === undefined ? 0 : (parseCents(v) ?? -1)), z.number().int().min(0, 'errors.money')),
  spent: z.preprocess((v) => (v === '' || v === undefined ? 0 : (parseCents(v) ?? -1)), z.number().int().min(0, 'errors.money')),
  description: z.string().trim().max(PROJECT_DESCRIPTION_MAX, 'errors.descriptionLong').optional(),
})
export type ResultUpdate = z.output<typeof resultUpdateSchema>

export const milestoneSchema = z.object({
  happenedOn: z.string('errors.date').regex(/^\d{4}-\d{2}-\d{2}$/, 'errors.date'),
  text: z.string('errors.milestoneText').trim().min(3, 'errors.milestoneText').max(MILESTONE_TEXT_MAX, 'errors.milestoneText'),
})
export type MilestoneInput = z.output<typeof milestoneSchema>

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
