import { data } from '@remix-run/node'
import type { TFunction } from 'i18next'
import { requirePermission } from '../accounts/auth.server'
import { translatorFor } from '../../lib/i18n.server'
import { formFields, readForm } from '../../lib/forms.server'
import type { Errors } from './services.server'

/** What the /admin/services routes share: the permission, the form, and errors next to fields. */

export const SERVICES_PERMISSION = 'admin:settings' as const

export async function servicesAdmin(request: Request) {
  const user = await requirePermission(request, SERVICES_PERMISSION)
  const { t, locale } = await translatorFor(request)
  return { user, t, locale }
}

export async function servicesForm(request: Request) {
  return formFields(await readForm(request))
}

/** 4xx with the translated messages by field and every value sent, so nothing typed is lost. */
export function refusal(t: TFunction, status: number, errors: Errors, values: Record<string, string>, target = 'new', params: Record<string, string | number> = {}) {
  const out: Record<string, string> = {}
  for (const [field, keys] of Object.entries(errors)) if (keys?.[0]) out[field] = t(keys[0], params)
  return data({ target, values, errors: out }, { status })
}

export const idParam = (value: string | undefined) => {
  const id = Number(value)
  if (!/^\d{1,12}$/.test(value ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}
