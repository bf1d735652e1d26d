import { z } from 'zod'

/**
 * Inputs of the delivery admin page (app/routes/admin.delivery.tsx). Messages are i18n keys of the
 * `delivery` namespace. Shared with the page, so nothing here is server-only.
 */

export const DELIVERY_METHODS = ['plaza', 'email', 'open311'] as const
export type DeliveryMethodCode = (typeof DELIVERY_METHODS)[number]

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)

/** "pothole = PH01" lines: Plaza's category code → the body's service_code. */
export function parseServiceCodes(text: string): { ok: true; codes: Record<string, string> } | { ok: false; line: number } {
  const codes: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (!line) continue
    const m = /^([a-z0-9][a-z0-9._-]{0,63})\s*=\s*([A-Za-z0-9][A-Za-z0-9._:-]{0,99})$/.exec(line)
    if (!m) return { ok: false, line: i + 1 }
    codes[m[1]!] = m[2]!
  }
  return { ok: true, codes }
}

export const deliveryMethodSchema = z
  .object({
    departmentId: z.coerce.number().int().positive(),
    method: z.enum(DELIVERY_METHODS, { message: 'delivery:errors.method' }),
    enabled: z.literal('on').optional(),
    email: z.preprocess(blank, z.email('delivery:errors.email').max(254, 'delivery:errors.email').optional()),
    endpoint: z.preprocess(
      blank,
      z
        .url('delivery:errors.endpoint')
        .max(500, 'delivery:errors.endpoint')
        .refine((u) => /^https?:\/\//.test(u), 'delivery:errors.endpoint')
        .optional(),
    ),
    apiKey: z.preprocess(blank, z.string().trim().max(500, 'delivery:errors.apiKey').optional()),
    jurisdictionId: z.preprocess(blank, z.string().trim().max(200, 'delivery:errors.jurisdiction').optional()),
    serviceCodes: z.string().max(20_000, 'delivery:errors.serviceCodes').default(''),
  })
  .superRefine((v, ctx) => {
    if (v.method === 'email' && !v.email) ctx.addIssue({ code: 'custom', message: 'delivery:errors.emailRequired', path: ['email'] })
    if (v.method === 'open311' && !v.endpoint) ctx.addIssue({ code: 'custom', message: 'delivery:errors.endpointRequired', path: ['endpoint'] })
    if (v.method === 'open311' && !v.apiKey) ctx.addIssue({ code: 'custom', message: 'delivery:errors.apiKeyRequired', path: ['apiKey'] })
    if (!parseServiceCodes(v.serviceCodes).ok) ctx.addIssue({ code: 'custom', message: 'delivery:errors.serviceCodes', path: ['serviceCodes'] })
  })
export type DeliveryMethodInput = z.infer<typeof deliveryMethodSchema>

export const resendSchema = z.object({ reportId: z.coerce.number().int().positive() })
