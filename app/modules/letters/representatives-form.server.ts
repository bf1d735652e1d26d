import type { TFunction } from 'i18next'
import { redirect } from '@remix-run/node'
import { photoMaxBytes } from '../../lib/images.server'
import { photoErrorMessage } from '../reports/photos.server'
import { areaOptions } from '../geo/areas.server'
import { database } from '../../lib/db.server'
import { parseLocalized } from '../../lib/localized'
import { listLevels, preparePortrait, saveRepresentative, deactivateRepresentative, setBounceMark } from './representatives.server'

/**
 * Reads an administrator's form (urlencoded or multipart with one file) without trusting its
 * declared size: the body is counted as it streams and the read stops past `maxBytes`. Used by the
 * representative form (photo) and the CSV import (2 MB).
 */
export type BoundedForm = { kind: 'ok'; form: FormData } | { kind: 'tooLarge' } | { kind: 'malformed' }

export async function readBoundedForm(request: Request, maxBytes: number): Promise<BoundedForm> {
  // A body somewhat over the limit is read to its end (and dropped) before the refusal is sent:
  // answering while the client still sends makes it fail with a broken pipe instead of showing the
  // refusal. A body far over the limit is refused at once (its connection is closed).
  const drainLimit = maxBytes * 4
  const declared = Number(request.headers.get('content-length'))
  const chunks: Uint8Array[] = []
  let size = 0
  if (Number.isFinite(declared) && declared > drainLimit) return { kind: 'tooLarge' }
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length
      if (size > drainLimit) return { kind: 'tooLarge' }
      if (size <= maxBytes) chunks.push(chunk)
    }
  }
  if (size > maxBytes || (Number.isFinite(declared) && declared > maxBytes)) return { kind: 'tooLarge' }
  try {
    const body = Buffer.concat(chunks)
    const form = await new Request(request.url, { method: 'POST', headers: { 'content-type': request.headers.get('content-type') ?? '' }, body }).formData()
    return { kind: 'ok', form }
  } catch {
    return { kind: 'malformed' }
  }
}

/** The text fields of a form (first value of each; files left out). */
export function textFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const [key, value] of form) if (typeof value === 'string' && !(key in out)) out[key] = value
  return out
}

export interface AreaChoice {
  slug: string
  name: string
  level: 'city' | 'district' | 'neighbourhood'
  parentSlug: string | null
}

/** What the representative form offers: levels (with their area level) and every area, city first. */
export async function representativeFormOptions(locale: string) {
  const [levels, areas, city] = await Promise.all([listLevels(locale), areaOptions(), database().db.selectFrom('areas').select(['slug', 'name']).where('level', '=', 'city').executeTakeFirst()])
  const choices: AreaChoice[] = [...(city ? [{ slug: city.slug, name: city.name, level: 'city' as const, parentSlug: null }] : []), ...areas]
  return { levels: levels.map((l) => ({ code: l.code, name: l.name, areaLevel: l.areaLevel })), areas: choices }
}

export type FormOutcome = { kind: 'redirect'; response: Response } | { kind: 'render'; status: number; values: Record<string, string>; errors: Record<string, string> }

const FORM_TEXT_LIMIT = 64 * 1024
const VALUE_FIELDS = ['name', 'role_en', 'role_es', 'role_fr', 'level', 'area', 'party', 'email', 'activeFrom', 'activeUntil', 'note'] as const

/**
 * The admin form's action, for /admin/representatives/new (no id) and /admin/representatives/:id:
 * intent save (with an optional photo), deactivate, bounce, clearBounce. Errors come back next to
 * their fields with every typed value; a file has to be chosen again.
 */
export async function handleRepresentativeForm(request: Request, actorId: number, t: TFunction, id?: number): Promise<FormOutcome> {
  const read = await readBoundedForm(request, photoMaxBytes() + FORM_TEXT_LIMIT)
  if (read.kind === 'tooLarge') return { kind: 'render', status: 413, values: {}, errors: { photo: photoErrorMessage(t, { kind: 'tooLarge' }) } }
  if (read.kind === 'malformed') return { kind: 'render', status: 400, values: {}, errors: { form: t('representatives:errors.malformed') } }
  const fields = textFields(read.form)
  const values: Record<string, string> = {}
  for (const f of VALUE_FIELDS) values[f] = (fields[f] ?? '').slice(0, 1000)
  const base = id === undefined ? '/admin/representatives' : `/admin/representatives/${id}`
  const intent = fields.intent ?? 'save'
  if (id !== undefined && intent === 'deactivate') {
    const done = await deactivateRepresentative(actorId, id)
    if (!done) return { kind: 'render', status: 404, values, errors: { form: t('representatives:errors.notFound') } }
    return { kind: 'redirect', response: redirect(`${base}?done=deactivated`) }
  }
  if (id !== undefined && (intent === 'bounce' || intent === 'clearBounce')) {
    const result = await setBounceMark(actorId, id, { bounced: intent === 'bounce', note: values.note })
    if (!result.ok) return { kind: 'render', status: 400, values, errors: translate(result.errors, t) }
    return { kind: 'redirect', response: redirect(`${base}?done=${intent === 'bounce' ? 'bounceMarked' : 'bounceCleared'}`) }
  }
  const file = read.form.get('photo')
  let portrait: Awaited<ReturnType<typeof preparePortrait>> | null = null
  if (file instanceof File && file.size > 0) portrait = await preparePortrait(Buffer.from(await file.arrayBuffer()))
  const errors: Record<string, string> = {}
  if (portrait && portrait.kind !== 'ok') errors.photo = photoErrorMessage(t, portrait)
  const result = await saveRepresentative(actorId, values, {
    id,
    portrait: portrait?.kind === 'ok' && !errors.photo ? portrait : undefined,
    removePhoto: fields.removePhoto === 'on',
    dryRun: Boolean(errors.photo),
  })
  if (!result.ok || errors.photo) {
    return { kind: 'render', status: 400, values, errors: { ...(result.ok ? {} : translate(result.errors, t)), ...errors } }
  }
  return { kind: 'redirect', response: redirect(`/admin/representatives/${result.id}?done=${id === undefined ? 'created' : 'saved'}`) }
}

function translate(errors: Record<string, string[] | undefined>, t: TFunction): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, keys] of Object.entries(errors)) if (keys?.[0]) out[field] = t(keys[0])
  return out
}

/** The edit form's values for a stored representative (its area as a slug). */
export async function representativeFormValues(rep: {
  name: string
  role: string
  level: string
  areaId: number
  party: string | null
  email: string
  activeFrom: string | null
  activeUntil: string | null
}) {
  const area = await database().db.selectFrom('areas').select('slug').where('id', '=', rep.areaId).executeTakeFirst()
  const role = parseLocalized(rep.role)
  return {
    name: rep.name,
    role_en: role.en ?? '',
    role_es: role.es ?? '',
    role_fr: role.fr ?? '',
    level: rep.level,
    area: area?.slug ?? '',
    party: rep.party ?? '',
    email: rep.email,
    activeFrom: rep.activeFrom ?? '',
    activeUntil: rep.activeUntil ?? '',
  }
}
