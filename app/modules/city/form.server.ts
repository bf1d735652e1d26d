import type { TFunction } from 'i18next'
import type { z } from 'zod'
import type { FieldErrors } from '../../lib/forms'

/**
 * zod issues whose messages are i18n keys, some carrying values ("city:errors.between|1|120"),
 * translated: the first message per field, as the forms show them next to each field.
 */
export function cityErrors(error: z.ZodError, t: TFunction): FieldErrors {
  const out: FieldErrors = {}
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form')
    if (out[field]) continue
    const [key, min, max] = issue.message.split('|')
    out[field] = [key!.includes(':') ? t(key!, { min, max }) : issue.message]
  }
  return out
}
