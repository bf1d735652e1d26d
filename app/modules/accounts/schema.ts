import { z } from 'zod'
import { supportedLocales } from '../../lib/i18n'

/** Every input of the accounts capability. Messages are i18n keys, translated by the routes. */

const email = z
  .string({ message: 'accounts:errors.emailInvalid' })
  .trim()
  .max(254, 'accounts:errors.emailInvalid')
  .pipe(z.email({ message: 'accounts:errors.emailInvalid' }))
const displayName = z.string({ message: 'accounts:errors.nameRequired' }).trim().min(1, 'accounts:errors.nameRequired').max(80, 'accounts:errors.nameTooLong')
// Strength is judged by passwords.server.ts; here only presence and an upper bound.
const password = z.string({ message: 'accounts:errors.passwordRequired' }).min(1, 'accounts:errors.passwordRequired').max(1000, 'accounts:errors.passwordTooLong')
const redirectTo = z.string().max(2000).optional()

export const signupSchema = z.object({ email, displayName, password, redirectTo })
export const loginSchema = z.object({ email: z.string().trim().min(1, 'accounts:errors.emailInvalid').max(254, 'accounts:errors.emailInvalid'), password, redirectTo })
export const emailOnlySchema = z.object({ email })
export const resetSchema = z.object({ password })
export const profileSchema = z.object({ displayName, locale: z.enum(supportedLocales).or(z.literal('')).optional() })
export const emailChangeSchema = z.object({ newEmail: email, password })
export const passwordChangeSchema = z.object({ currentPassword: password, newPassword: password })
export const deleteSchema = z.object({ password })
export const verifySchema = z.object({
  document: z.string({ message: 'accounts:errors.documentRequired' }).trim().min(1, 'accounts:errors.documentRequired').max(40, 'accounts:errors.documentRequired'),
  birthDate: z
    .string({ message: 'accounts:errors.birthDateInvalid' })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'accounts:errors.birthDateInvalid'),
})
export const inPersonSchema = verifySchema.extend({ email })
export const grantRoleSchema = z.object({
  intent: z.literal('grant'),
  role: z.enum(['staff', 'moderator', 'admin'], { message: 'accounts:errors.roleInvalid' }),
  departmentId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .or(z.literal('').transform(() => undefined)),
})
export const removeRoleSchema = z.object({ intent: z.literal('remove'), roleId: z.coerce.number().int().positive() })

/** What /account/activity lists, one kind at a time (issue 18). */
export const ACTIVITY_KINDS = ['reports', 'petitions', 'proposals', 'letters', 'signatures', 'supports'] as const
export type ActivityKind = (typeof ACTIVITY_KINDS)[number]
