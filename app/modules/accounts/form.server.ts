import { data, redirect } from '@remix-run/node'
import type { TFunction } from 'i18next'
import type { z } from 'zod'
import { translatedErrors, type FieldErrors } from '../../lib/forms'
import { isHoneypotFilled } from '../../lib/honeypot'
import { formFields, readForm } from '../../lib/forms.server'
import { sessionClearCookie, sessionSetCookie } from './sessions.server'
import type { PasswordProblem } from './passwords.server'

/** What the accounts routes share: reading and validating a form, and answering with errors. */

const SECRET_FIELDS = new Set(['password', 'currentPassword', 'newPassword'])

export interface FormFailure {
  errors: FieldErrors
  values: Record<string, string>
}

/** The visitor's input minus passwords, to fill the form again after an error. */
export const echo = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).filter(([k]) => !SECRET_FIELDS.has(k) && k !== 'website_url'))

export function fail(status: number, errors: FieldErrors, fields: Record<string, string> = {}) {
  return data<FormFailure>({ errors, values: echo(fields) }, { status })
}

export async function parseForm<S extends z.ZodType>(request: Request, schema: S, t: TFunction) {
  const form = await readForm(request)
  const fields = formFields(form)
  if (isHoneypotFilled(form)) return { ok: false as const, response: fail(400, { form: [t('accounts:errors.spam')] }, fields) }
  const parsed = schema.safeParse(fields)
  if (!parsed.success) return { ok: false as const, response: fail(400, translatedErrors(parsed.error, t), fields) }
  return { ok: true as const, data: parsed.data as z.infer<S>, fields }
}

export const passwordMessage = (problem: PasswordProblem, t: TFunction) =>
  t(problem === 'tooShort' ? 'accounts:errors.passwordTooShort' : problem === 'tooLong' ? 'accounts:errors.passwordTooLong' : 'accounts:errors.passwordCommon')

export async function redirectWithSession(to: string, sessionToken: string) {
  return redirect(to, { headers: { 'Set-Cookie': await sessionSetCookie(sessionToken) } })
}

export async function redirectClearingSession(to: string) {
  return redirect(to, { headers: { 'Set-Cookie': await sessionClearCookie() } })
}
