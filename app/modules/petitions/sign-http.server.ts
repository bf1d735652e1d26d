import { json } from '@remix-run/node'
import { getUser, requestMeta, type CurrentUser } from '../accounts/auth.server'
import { fastPostBody } from '../../lib/fast-post.server'
import { isHoneypotFilled } from '../../lib/honeypot'
import { localeOf } from '../../lib/i18n.server'
import { verifySponsorToken } from './petitions.server'
import { signPetition, type SignResult } from './signatures.server'

/**
 * The sign form's HTTP side: `signAction` for the Remix routes (/petitions/:id and the sponsor
 * page), and `signPetitionFast` answered before Remix (ADR 051, 060) for a plain form post that
 * succeeds. Both call signPetition, so they answer alike.
 *
 * Statuses: 303 on success to `…?signed=pending|counted|thanks|blocked`; 400 invalid input;
 * 403 the signer lives outside the petition's area (or a wrong sponsor link, or the creator
 * sponsoring their own petition); 409 duplicate e-mail (or this account has signed), closed or not
 * open for signatures; 404 no such petition. A logged-in person signs with their account's address. Errors are i18n keys
 * (`signatures:…`, `geo:…`) per field: name, email, lat, lng, area, location, form.
 */

export type SignFormValues = { name: string; email: string; lat: string; lng: string; area: string; updates: string }

const text = (value: FormDataEntryValue | string | null | undefined) => (typeof value === 'string' ? value : '')

function formValues(form: { get(name: string): FormDataEntryValue | string | null }): SignFormValues {
  return {
    name: text(form.get('name')).slice(0, 500),
    email: text(form.get('email')).slice(0, 500),
    lat: text(form.get('lat')).slice(0, 60),
    lng: text(form.get('lng')).slice(0, 60),
    area: text(form.get('area')).slice(0, 200),
    updates: form.get('updates') ? 'on' : '',
  }
}

/** Where a successful signature lands: the petition, or the sponsor page it came from. */
export function signedLocation(petitionId: number, signed: string, sponsorToken?: string): string {
  const base = sponsorToken ? `/petitions/${petitionId}/sponsor/${sponsorToken}` : `/petitions/${petitionId}`
  return `${base}?signed=${signed}`
}

const successOf = (result: SignResult): string | null =>
  result.kind === 'pending' ? 'pending' : result.kind === 'counted' ? 'counted' : result.kind === 'held' ? 'thanks' : result.kind === 'blocked' ? 'blocked' : null

async function sign(request: Request, petitionId: number, values: SignFormValues, user: CurrentUser | null, sponsor: boolean) {
  return signPetition(
    petitionId,
    { name: values.name, email: values.email, lat: values.lat, lng: values.lng, area: values.area, updates: values.updates === 'on' },
    // Logged in: the module signs with the account's own address; a typed one is ignored.
    { ip: requestMeta(request).ip, account: user, locale: await localeOf(request), sponsor },
  )
}

/** The /petitions/:id action for intent=sign (and the sponsor page's). */
export async function signAction({
  request,
  petition,
  formData,
  user,
  sponsorToken,
}: {
  request: Request
  petition: { id: number }
  formData: FormData
  user: CurrentUser | null
  sponsorToken?: string
}): Promise<Response> {
  const values = formValues(formData)
  // Shown again as it is used: the account's address, not what the form carried.
  if (user) values.email = user.email ?? ''
  const refuse = (status: number, errors: Record<string, string>) => json({ errors, values }, { status })
  if (isHoneypotFilled(formData)) return refuse(400, { form: 'signatures:errors.form' })
  const token = sponsorToken ?? (text(formData.get('sponsor')) || undefined)
  if (token !== undefined && !(await verifySponsorToken(petition.id, token))) return refuse(403, { form: 'signatures:errors.sponsorLink' })
  const result = await sign(request, petition.id, values, user, token !== undefined)
  const signed = successOf(result)
  if (signed) return new Response(null, { status: 303, headers: { Location: signedLocation(petition.id, signed, token), 'Cache-Control': 'no-store' } })
  switch (result.kind) {
    case 'invalid':
      return refuse(400, result.errors)
    case 'duplicate':
      // Says only that this address has signed: not when, nor whether it was confirmed or counted.
      return refuse(409, user ? { form: 'signatures:errors.alreadySigned' } : { email: 'signatures:errors.duplicate' })
    case 'ownPetition':
      return refuse(403, { form: 'signatures:errors.ownPetition' })
    case 'closed':
      return refuse(409, { form: 'signatures:errors.closed' })
    case 'notOpen':
      return refuse(409, { form: 'signatures:errors.notOpen' })
    case 'outsideArea':
      return refuse(403, { location: 'signatures:errors.outsideArea' })
    default:
      return refuse(404, { form: 'signatures:errors.notFound' })
  }
}

/**
 * POST /petitions/:id answered before Remix when it can: a plain urlencoded form with intent=sign
 * that signs. Anything else — an error to show next to the form, the honeypot, a sponsor post,
 * Remix's own `.data` requests, a query string, multipart — answers null and Remix takes it.
 */
export async function signPetitionFast(request: Request): Promise<Response | null> {
  if (request.method !== 'POST') return null
  const url = new URL(request.url)
  const match = /^\/petitions\/([1-9]\d{0,11})$/.exec(url.pathname)
  if (!match || url.search !== '' || !(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return null
  let form: URLSearchParams
  try {
    const buffered = fastPostBody(request)
    form = new URLSearchParams(buffered ? buffered.toString('utf8') : await request.text())
  } catch {
    return null
  }
  if (form.get('intent') !== 'sign' || form.get('sponsor') || isHoneypotFilled(Object.fromEntries(form))) return null
  const id = Number(match[1])
  const user = request.headers.get('cookie') ? await getUser(request) : null
  const result = await sign(request, id, formValues(form), user, false)
  const signed = successOf(result)
  if (!signed) return null
  return new Response(null, { status: 303, headers: { Location: signedLocation(id, signed), 'Cache-Control': 'no-store' } })
}
