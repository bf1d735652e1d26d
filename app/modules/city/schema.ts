import { z } from 'zod'
import { supportedLocales } from '../../lib/i18n'
import { HEX_COLOUR } from './policy'

/** Inputs of the city's setup; messages are i18n keys of the `city` namespace (or accounts'). */

const email = z.string('accounts:errors.emailInvalid').trim().max(254, 'accounts:errors.emailInvalid').pipe(z.email('accounts:errors.emailInvalid'))
const displayName = z.string('accounts:errors.nameRequired').trim().min(1, 'accounts:errors.nameRequired').max(80, 'accounts:errors.nameTooLong')
const password = z.string('accounts:errors.passwordRequired').min(1, 'accounts:errors.passwordRequired').max(1000, 'accounts:errors.passwordTooLong')
const locale = z.enum(supportedLocales, 'city:errors.language')

export const setupSchema = z.object({
  token: z.string().trim().max(64).optional(),
  email,
  displayName,
  password,
  cityName: z.string('city:errors.cityNameRequired').trim().min(1, 'city:errors.cityNameRequired').max(120, 'city:errors.cityNameTooLong'),
  defaultLocale: locale,
})

/** Checkboxes: a language is on when its box is ticked (`language_en=on`). */
export function readLanguages(fields: Record<string, string>) {
  return supportedLocales.filter((l) => fields[`language_${l}`] === 'on')
}

export const identitySchema = z.object({
  primaryColour: z
    .string()
    .trim()
    .max(7, 'city:errors.colourFormat')
    .refine((v) => v === '' || HEX_COLOUR.test(v), 'city:errors.colourFormat'),
  contactEmail: z
    .string()
    .trim()
    .max(254, 'accounts:errors.emailInvalid')
    .refine((v) => v === '' || z.email().safeParse(v).success, 'accounts:errors.emailInvalid'),
  defaultLocale: locale,
  removeLogo: z.literal('on').optional(),
  removeFavicon: z.literal('on').optional(),
})

export const pageSchema = z.object({})

export const inviteSchema = z.object({
  intent: z.literal('invite'),
  email,
  locale,
})

export const revokeInvitationSchema = z.object({ intent: z.literal('revoke'), invitationId: z.coerce.number().int().positive() })

export const acceptSchema = z.object({ displayName, password })

export const deactivateSchema = z.object({
  intent: z.literal('deactivate'),
  reason: z.string().trim().max(500, 'city:errors.reasonTooLong').optional(),
})
