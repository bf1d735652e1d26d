import { sql, type Transaction } from 'kysely'
import type { AreaLevel, Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import type { FieldErrors } from '../../lib/forms'
import { areasContaining } from '../geo/lookup.server'
import { resolveLocation } from '../geo/location.server'
import { recordAudit } from '../moderation/moderation.server'
import { prepareImage, resizeJpeg } from '../../lib/images.server'
import { responseRateFromCounts, type QuestionnaireAnswer, type ResponseRate } from './stats'
import { bounceNoteSchema, levelInputSchema, representativeFields, representativeInputSchema, type LevelInput, type RepresentativeInput } from './representatives-schema'

/**
 * Representatives (issue 9): the levels a city configures, the people at each level for an area,
 * who represents a place, their photos, bounce marks and published response rates. The only code
 * that writes representative_levels and representatives; letters read them through these
 * functions. E-mail addresses never leave this module except through getRepresentative (server
 * only: delivery), so public pages cannot show them by mistake.
 */

export type { ResponseRate }

// ---------------------------------------------------------------- types

export interface RepresentativeLevel {
  code: string
  /** The name in the requested language (falls back to English, then the code). */
  name: string
  names: Record<string, string>
  areaLevel: AreaLevel
  position: number
}

export interface RepresentativeSummary {
  id: number
  name: string
  role: string
  party: string | null
  photoUrl: string | null
  thumbUrl: string | null
  bounced: boolean
  /** Never public. */
  email?: never
}

export interface GroupArea {
  id: number
  slug: string
  name: string
  level: AreaLevel
}

export interface RepresentativeGroup {
  level: { code: string; name: string }
  area: GroupArea
  members: RepresentativeSummary[]
}

/** The whole row, for the server (delivery needs the e-mail address). */
export interface Representative {
  id: number
  name: string
  role: string
  level: string
  areaId: number
  party: string | null
  email: string
  hasPhoto: boolean
  photoUpdatedAt: string | null
  activeFrom: string | null
  activeUntil: string | null
  emailBouncedAt: string | null
  bounceNote: string | null
  createdAt: string
  updatedAt: string
}

export type Place = { lat: number; lng: number } | { areaId: number }

const AREA_LEVEL_ORDER: Record<AreaLevel, number> = { neighbourhood: 0, district: 1, city: 2 }

/** The day a date falls on (UTC), as the active period's YYYY-MM-DD. */
export const isoDay = (at: Date = new Date()) => at.toISOString().slice(0, 10)

export function isActiveOn(row: { active_from: string | null; active_until: string | null }, day: string): boolean {
  return (row.active_from === null || row.active_from <= day) && (row.active_until === null || row.active_until >= day)
}

// ---------------------------------------------------------------- photos

export const PHOTO_SIZES = ['photo', 'thumb'] as const
export type RepresentativePhotoSize = (typeof PHOTO_SIZES)[number]
export const PHOTO_SIDE = 400
export const THUMB_SIDE = 96

/** Public URL of a photo; the version changes with each upload so caches never show an old face. */
export function representativePhotoUrl(id: number, size: RepresentativePhotoSize, updatedAt: string | null): string {
  const version = updatedAt ? `?v=${Date.parse(updatedAt).toString(36)}` : ''
  return `/representatives/photos/${id}/${size}.jpg${version}`
}

export type PreparedPortrait = { kind: 'ok'; photo: Buffer; thumb: Buffer } | { kind: 'notAnImage' } | { kind: 'unsupported'; format: string } | { kind: 'tooLarge' }

/**
 * An uploaded portrait → a 400 px photo (long side) and a 96 px square thumbnail, JPEG, re-encoded
 * from the pixels by the shared image pipeline (no EXIF, GPS or other metadata survives). Slow
 * (sharp): call it before the write.
 */
export async function preparePortrait(buffer: Buffer): Promise<PreparedPortrait> {
  const image = await prepareImage(buffer, { width: THUMB_SIDE, height: THUMB_SIDE, position: 'attention' })
  if (image.kind !== 'ok') return image
  const medium = image.variants.find((v) => v.size === 'medium')!
  const thumb = image.variants.find((v) => v.size === 'thumb')!
  // The medium variant is already metadata-free; resizing it writes none either.
  const photo = await resizeJpeg(medium.data, PHOTO_SIDE)
  return { kind: 'ok', photo, thumb: thumb.data }
}

/** The bytes of a photo for the public route; null when there is none. */
export async function representativePhoto(id: number, size: RepresentativePhotoSize): Promise<{ mime: string; data: Buffer; access: 'public' } | null> {
  const column = size === 'photo' ? 'photo' : 'photo_thumb'
  const row = await database().db.selectFrom('representatives').select(column).where('id', '=', id).executeTakeFirst()
  const data = row?.[column as 'photo']
  return data ? { mime: 'image/jpeg', data: Buffer.from(data), access: 'public' } : null
}

// ---------------------------------------------------------------- levels

function parseNames(json: string): Record<string, string> {
  try {
    const value = JSON.parse(json) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
    }
  } catch {
    // A hand-edited row with bad JSON shows its code rather than breaking the page.
  }
  return {}
}

function levelName(names: Record<string, string>, code: string, locale?: string): string {
  return (locale && names[locale]) || names.en || Object.values(names)[0] || code
}

function toLevel(row: { code: string; names: string; area_level: AreaLevel; position: number }, locale?: string): RepresentativeLevel {
  const names = parseNames(row.names)
  return { code: row.code, names, name: levelName(names, row.code, locale), areaLevel: row.area_level, position: row.position }
}

/** Every level, in the order the city gave them (position, then code). */
export async function listLevels(locale?: string): Promise<RepresentativeLevel[]> {
  const rows = await database().db.selectFrom('representative_levels').select(['code', 'names', 'area_level', 'position']).orderBy('position').orderBy('code').execute()
  return rows.map((r) => toLevel(r, locale))
}

export type LevelResult = { ok: true; code: string } | { ok: false; errors: FieldErrors }

/** Creates a level, or updates the one with this code when `existing` names it. */
export async function saveLevel(actorId: number, fields: Record<string, unknown>, existing?: string): Promise<LevelResult> {
  const s = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string) : '')
  const parsed = levelInputSchema.safeParse({
    code: existing ?? s('code'),
    nameEn: s('nameEn'),
    nameEs: s('nameEs'),
    nameFr: s('nameFr'),
    areaLevel: s('areaLevel'),
    position: s('position') || '0',
  })
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues) }
  const input: LevelInput = parsed.data
  const names = JSON.stringify({ en: input.nameEn, es: input.nameEs, fr: input.nameFr })
  return database().write(async (trx) => {
    const before = await trx.selectFrom('representative_levels').selectAll().where('code', '=', input.code).executeTakeFirst()
    if (!existing && before) return { ok: false as const, errors: { code: ['representatives:errors.codeTaken'] } }
    if (existing && !before) return { ok: false as const, errors: { form: ['representatives:errors.levelGone'] } }
    if (before && before.area_level !== input.areaLevel) {
      // Members are validated against the level's area level: changing it would orphan them.
      const members = await trx
        .selectFrom('representatives')
        .select(sql<number>`count(*)`.as('n'))
        .where('level', '=', input.code)
        .executeTakeFirstOrThrow()
      if (members.n > 0) return { ok: false as const, errors: { areaLevel: ['representatives:errors.areaLevelInUse'] } }
    }
    const after = { code: input.code, names, area_level: input.areaLevel, position: input.position }
    if (before) {
      await trx.updateTable('representative_levels').set({ names, area_level: input.areaLevel, position: input.position }).where('code', '=', input.code).execute()
    } else {
      await trx
        .insertInto('representative_levels')
        .values({ ...after, created_at: nowIso() })
        .execute()
    }
    await recordAudit(trx, {
      actorId,
      action: before ? 'representative_level.update' : 'representative_level.create',
      targetKind: 'representative_level',
      targetId: 0,
      before: before ?? undefined,
      after,
    })
    return { ok: true as const, code: input.code }
  })
}

/** Deletes a level that has no representatives (former ones included: their letters name them). */
export async function deleteLevel(actorId: number, code: string): Promise<{ ok: true } | { ok: false; reason: 'inUse' | 'notFound' }> {
  return database().write(async (trx) => {
    const before = await trx.selectFrom('representative_levels').selectAll().where('code', '=', code).executeTakeFirst()
    if (!before) return { ok: false as const, reason: 'notFound' as const }
    const members = await trx
      .selectFrom('representatives')
      .select(sql<number>`count(*)`.as('n'))
      .where('level', '=', code)
      .executeTakeFirstOrThrow()
    if (members.n > 0) return { ok: false as const, reason: 'inUse' as const }
    await trx.deleteFrom('representative_levels').where('code', '=', code).execute()
    await recordAudit(trx, { actorId, action: 'representative_level.delete', targetKind: 'representative_level', targetId: 0, before })
    return { ok: true as const }
  })
}

// ---------------------------------------------------------------- lookup

const summaryColumns = ['r.id', 'r.name', 'r.role', 'r.party', 'r.level', 'r.area_id', 'r.photo_updated_at', 'r.email_bounced_at', 'r.active_from', 'r.active_until'] as const

interface SummaryRow {
  id: number
  name: string
  role: string
  party: string | null
  level: string
  area_id: number
  photo_updated_at: string | null
  email_bounced_at: string | null
}

/** Roles are localized JSON (migration 0022): shown in `locale`, else the city's default language. */
function toSummary(r: SummaryRow, locale?: string): RepresentativeSummary {
  return {
    id: r.id,
    name: r.name,
    role: localize(r.role, locale ?? cityDefaultLocale(), cityDefaultLocale()),
    party: r.party,
    photoUrl: r.photo_updated_at ? representativePhotoUrl(r.id, 'photo', r.photo_updated_at) : null,
    thumbUrl: r.photo_updated_at ? representativePhotoUrl(r.id, 'thumb', r.photo_updated_at) : null,
    bounced: r.email_bounced_at !== null,
  }
}

/** The areas of a place: those containing the point, or the area and its ancestors. */
async function placeAreas(place: Place): Promise<GroupArea[]> {
  if ('areaId' in place) {
    if (!Number.isSafeInteger(place.areaId)) return []
    const out: GroupArea[] = []
    let id: number | null = place.areaId
    // City → district → neighbourhood: three levels at most; the bound guards a cycle in bad data.
    for (let i = 0; id !== null && i < 5; i++) {
      const row = await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level', 'parent_id']).where('id', '=', id).executeTakeFirst()
      if (!row) break
      out.push({ id: row.id, slug: row.slug, name: row.name, level: row.level })
      id = row.parent_id
    }
    return out
  }
  const hits = await areasContaining(place.lat, place.lng)
  return hits.map((h) => ({ id: h.id, slug: h.slug, name: h.name, level: h.level }))
}

/**
 * Every active representative (active_from ≤ today ≤ active_until, nulls open-ended) for a place,
 * grouped by (level, area): groups in the order of their level's position, then neighbourhood,
 * district, city; members by name. A point outside every area, or an unknown area id, gives [].
 * A point on a border belongs to the one area areasContaining gives it (ADR 022), so it never
 * gets the councillors of both sides.
 */
export async function representativesFor(place: Place, options: { at?: Date; locale?: string } = {}): Promise<RepresentativeGroup[]> {
  const areas = await placeAreas(place)
  if (areas.length === 0) return []
  const day = isoDay(options.at)
  const rows = await database()
    .db.selectFrom('representatives as r')
    .innerJoin('representative_levels as l', 'l.code', 'r.level')
    .select([...summaryColumns, 'l.names', 'l.area_level', 'l.position'])
    .where(
      'r.area_id',
      'in',
      areas.map((a) => a.id),
    )
    .where((eb) => eb.or([eb('r.active_from', 'is', null), eb('r.active_from', '<=', day)]))
    .where((eb) => eb.or([eb('r.active_until', 'is', null), eb('r.active_until', '>=', day)]))
    .execute()
  const areaById = new Map(areas.map((a) => [a.id, a]))
  const groups = new Map<string, RepresentativeGroup & { position: number }>()
  for (const r of rows) {
    const area = areaById.get(r.area_id)!
    // A level is attached to one level of areas; a row that disagrees (edited by hand) is not shown.
    if (area.level !== r.area_level) continue
    const key = `${r.level}\u0000${r.area_id}`
    let group = groups.get(key)
    if (!group) {
      group = { level: { code: r.level, name: levelName(parseNames(r.names), r.level, options.locale) }, area, members: [], position: r.position }
      groups.set(key, group)
    }
    group.members.push(toSummary(r, options.locale))
  }
  const collator = new Intl.Collator(options.locale ?? 'en')
  return [...groups.values()]
    .sort((a, b) => a.position - b.position || AREA_LEVEL_ORDER[a.area.level] - AREA_LEVEL_ORDER[b.area.level] || a.level.code.localeCompare(b.level.code))
    .map(({ position: _position, ...group }) => ({ ...group, members: group.members.sort((a, b) => collator.compare(a.name, b.name) || a.id - b.id) }))
}

// ---------------------------------------------------------------- one representative

type RepresentativeRow = Database['representatives']
function toRepresentative(r: Omit<RepresentativeRow, 'id' | 'photo' | 'photo_thumb'> & { id: number }): Representative {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    level: r.level,
    areaId: r.area_id,
    party: r.party,
    email: r.email,
    hasPhoto: r.photo_updated_at !== null,
    photoUpdatedAt: r.photo_updated_at,
    activeFrom: r.active_from,
    activeUntil: r.active_until,
    emailBouncedAt: r.email_bounced_at,
    bounceNote: r.bounce_note,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

const rowColumns = [
  'id',
  'name',
  'role',
  'level',
  'area_id',
  'party',
  'email',
  'photo_updated_at',
  'active_from',
  'active_until',
  'email_bounced_at',
  'bounce_note',
  'created_at',
  'updated_at',
] as const

/** The row including its e-mail address: for the server (delivery, administration) only. */
export async function getRepresentative(id: number): Promise<Representative | null> {
  if (!Number.isSafeInteger(id)) return null
  const row = await database().db.selectFrom('representatives').select(rowColumns).where('id', '=', id).executeTakeFirst()
  return row ? toRepresentative(row) : null
}

export interface RepresentativeProfile extends RepresentativeSummary {
  level: { code: string; name: string }
  area: GroupArea
  activeFrom: string | null
  activeUntil: string | null
  /** Inactive today: shown as a former representative (or a future one, before active_from). */
  status: 'active' | 'former' | 'future'
}

/** The public page of one representative (no e-mail address). */
export async function representativeProfile(id: number, options: { at?: Date; locale?: string } = {}): Promise<RepresentativeProfile | null> {
  if (!Number.isSafeInteger(id)) return null
  const row = await database()
    .db.selectFrom('representatives as r')
    .innerJoin('representative_levels as l', 'l.code', 'r.level')
    .innerJoin('areas as a', 'a.id', 'r.area_id')
    .select([...summaryColumns, 'l.names', 'a.slug as area_slug', 'a.name as area_name', 'a.level as area_level'])
    .where('r.id', '=', id)
    .executeTakeFirst()
  if (!row) return null
  const day = isoDay(options.at)
  const status = row.active_until !== null && row.active_until < day ? 'former' : row.active_from !== null && row.active_from > day ? 'future' : 'active'
  return {
    ...toSummary(row, options.locale),
    level: { code: row.level, name: levelName(parseNames(row.names), row.level, options.locale) },
    area: { id: row.area_id, slug: row.area_slug, name: row.area_name, level: row.area_level },
    activeFrom: row.active_from,
    activeUntil: row.active_until,
    status,
  }
}

// ---------------------------------------------------------------- bounce marks

/**
 * Marks a representative's address as bouncing (from bounce processing, or an administrator):
 * letters are not sent to it until the mark is cleared. The first bounce's time is kept; the
 * note is the latest. Runs inside the caller's write.
 */
export async function markRepresentativeBounced(trx: Transaction<Database>, id: number, note: string, actorId: number | null = null): Promise<void> {
  const before = await trx.selectFrom('representatives').select(['email_bounced_at', 'bounce_note']).where('id', '=', id).executeTakeFirst()
  if (!before) return
  const now = nowIso()
  const cleanNote = note
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 500)
  await trx
    .updateTable('representatives')
    .set({ email_bounced_at: before.email_bounced_at ?? now, bounce_note: cleanNote || null, updated_at: now })
    .where('id', '=', id)
    .execute()
  await recordAudit(trx, { actorId, action: 'representative.bounce', targetKind: 'representative', targetId: id, before, after: { bounce_note: cleanNote || null } })
}

/** Clears the bounce mark (the address was corrected or works again). Runs inside the caller's write. */
export async function clearRepresentativeBounce(trx: Transaction<Database>, id: number, actorId: number | null = null): Promise<void> {
  const before = await trx.selectFrom('representatives').select(['email_bounced_at', 'bounce_note']).where('id', '=', id).executeTakeFirst()
  if (!before || before.email_bounced_at === null) return
  await trx.updateTable('representatives').set({ email_bounced_at: null, bounce_note: null, updated_at: nowIso() }).where('id', '=', id).execute()
  await recordAudit(trx, { actorId, action: 'representative.bounce_clear', targetKind: 'representative', targetId: id, before })
}

/** An administrator marks or clears a bounce from the admin pages. */
export async function setBounceMark(actorId: number, id: number, mark: { bounced: boolean; note?: string }): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const note = bounceNoteSchema.safeParse(mark.note ?? '')
  if (!note.success) return { ok: false, errors: issuesToErrors(note.error.issues, 'note') }
  return database().write(async (trx) => {
    const exists = await trx.selectFrom('representatives').select('id').where('id', '=', id).executeTakeFirst()
    if (!exists) return { ok: false as const, errors: { form: ['representatives:errors.notFound'] } }
    if (mark.bounced) await markRepresentativeBounced(trx, id, note.data, actorId)
    else await clearRepresentativeBounce(trx, id, actorId)
    return { ok: true as const }
  })
}

// ---------------------------------------------------------------- response rates

/**
 * Response rates from the questionnaire answers on letter_deliveries (one answer per delivery),
 * for the given representatives or all who have answers. Representatives asked for without
 * answers get a rate of 0 answers ("too few answers").
 */
export async function responseRates(representativeIds?: number[]): Promise<Map<number, ResponseRate>> {
  const counts = new Map<number, Partial<Record<QuestionnaireAnswer, number>>>()
  if (representativeIds && representativeIds.length === 0) return new Map()
  let query = database()
    .db.selectFrom('letter_deliveries')
    .select(['representative_id', 'answer', sql<number>`count(*)`.as('n')])
    .where('answer', 'is not', null)
    .groupBy(['representative_id', 'answer'])
  // SQLite binds at most 32,766 parameters; beyond a few hundred ids one scan is cheaper anyway.
  if (representativeIds && representativeIds.length <= 500) query = query.where('representative_id', 'in', representativeIds)
  const wanted = representativeIds ? new Set(representativeIds) : null
  for (const row of await query.execute()) {
    if (wanted && !wanted.has(row.representative_id)) continue
    const entry = counts.get(row.representative_id) ?? {}
    entry[row.answer as QuestionnaireAnswer] = Number(row.n)
    counts.set(row.representative_id, entry)
  }
  const out = new Map<number, ResponseRate>()
  for (const id of representativeIds ?? counts.keys()) out.set(id, responseRateFromCounts(counts.get(id) ?? {}))
  return out
}

// ---------------------------------------------------------------- the public list

export interface DirectoryGroup extends RepresentativeGroup {
  members: Array<RepresentativeSummary & { rate: ResponseRate }>
}

/**
 * Every active representative by level and area (the /representatives page), each with their
 * response rate: levels in their order, areas by level then name.
 */
export async function representativeDirectory(options: { at?: Date; locale?: string } = {}): Promise<DirectoryGroup[]> {
  const day = isoDay(options.at)
  const rows = await database()
    .db.selectFrom('representatives as r')
    .innerJoin('representative_levels as l', 'l.code', 'r.level')
    .innerJoin('areas as a', 'a.id', 'r.area_id')
    .select([...summaryColumns, 'l.names', 'l.position', 'a.slug as area_slug', 'a.name as area_name', 'a.level as area_level'])
    .where((eb) => eb.or([eb('r.active_from', 'is', null), eb('r.active_from', '<=', day)]))
    .where((eb) => eb.or([eb('r.active_until', 'is', null), eb('r.active_until', '>=', day)]))
    .execute()
  const rates = await responseRates()
  const empty = responseRateFromCounts({})
  const groups = new Map<string, DirectoryGroup & { position: number }>()
  for (const r of rows) {
    const key = `${r.level}\u0000${r.area_id}`
    let group = groups.get(key)
    if (!group) {
      group = {
        level: { code: r.level, name: levelName(parseNames(r.names), r.level, options.locale) },
        area: { id: r.area_id, slug: r.area_slug, name: r.area_name, level: r.area_level },
        members: [],
        position: r.position,
      }
      groups.set(key, group)
    }
    group.members.push({ ...toSummary(r, options.locale), rate: rates.get(r.id) ?? empty })
  }
  const collator = new Intl.Collator(options.locale ?? 'en')
  return [...groups.values()]
    .sort(
      (a, b) => a.position - b.position || a.level.code.localeCompare(b.level.code) || AREA_LEVEL_ORDER[a.area.level] - AREA_LEVEL_ORDER[b.area.level] || collator.compare(a.area.name, b.area.name),
    )
    .map(({ position: _position, ...group }) => ({ ...group, members: group.members.sort((a, b) => collator.compare(a.name, b.name) || a.id - b.id) }))
}

// ---------------------------------------------------------------- administration

export interface AdminFilters {
  level?: string
  areaId?: number
  bounced?: boolean
  status?: 'active' | 'former' | 'all'
  q?: string
}

export interface AdminRepresentativeRow extends Representative {
  levelName: string
  areaName: string
  areaSlug: string
}

export const ADMIN_PAGE_SIZE = 100

/** The administrators' list, filtered, by level position, area and name; `total` before the page. */
export async function listRepresentatives(filters: AdminFilters = {}, options: { locale?: string; at?: Date; page?: number } = {}): Promise<{ rows: AdminRepresentativeRow[]; total: number }> {
  const day = isoDay(options.at)
  let query = database().db.selectFrom('representatives as r').innerJoin('representative_levels as l', 'l.code', 'r.level').innerJoin('areas as a', 'a.id', 'r.area_id')
  if (filters.level) query = query.where('r.level', '=', filters.level)
  if (filters.areaId !== undefined) query = query.where('r.area_id', '=', filters.areaId)
  if (filters.bounced !== undefined) query = query.where('r.email_bounced_at', filters.bounced ? 'is not' : 'is', null)
  if (filters.status === 'former') query = query.where('r.active_until', '<', day)
  if (filters.status === 'active') query = query.where((eb) => eb.or([eb('r.active_until', 'is', null), eb('r.active_until', '>=', day)]))
  if (filters.q) {
    const like = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    query = query.where((eb) => eb.or([sql<boolean>`r.name like ${like} escape '\\'`, sql<boolean>`r.email like ${like} escape '\\'`]))
  }
  const total = await query.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const page = Math.max(1, Math.trunc(options.page ?? 1))
  const rows = await query
    .select(rowColumns.map((c) => `r.${c}` as const))
    .select(['l.names', 'a.name as area_name', 'a.slug as area_slug'])
    .orderBy('l.position')
    .orderBy('r.level')
    .orderBy('a.name')
    .orderBy('r.name')
    .limit(ADMIN_PAGE_SIZE)
    .offset((page - 1) * ADMIN_PAGE_SIZE)
    .execute()
  return {
    total: Number(total.n),
    rows: rows.map((r) => ({ ...toRepresentative(r), levelName: levelName(parseNames(r.names), r.level, options.locale), areaName: r.area_name, areaSlug: r.area_slug })),
  }
}

function issuesToErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, fallback = 'form'): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of issues) errors[String(issue.path[0] ?? fallback)] ??= [issue.message]
  return errors
}

/** What a validated row will store: its level and area resolved. */
export interface ResolvedRepresentative {
  input: RepresentativeInput
  areaId: number
  emailKey: string
}

export interface LookupTables {
  levels: Map<string, { areaLevel: AreaLevel }>
  areasById: Map<number, { id: number; slug: string; level: AreaLevel }>
  areasBySlug: Map<string, { id: number; slug: string; level: AreaLevel }>
}

/** Levels and areas, to validate many rows (the CSV import) without a query per row. */
export async function lookupTables(executor: Pick<Transaction<Database>, 'selectFrom'> = database().db): Promise<LookupTables> {
  const levels = await executor.selectFrom('representative_levels').select(['code', 'area_level']).execute()
  const areas = await executor.selectFrom('areas').select(['id', 'slug', 'level']).execute()
  return {
    levels: new Map(levels.map((l) => [l.code, { areaLevel: l.area_level }])),
    areasById: new Map(areas.map((a) => [a.id, a])),
    areasBySlug: new Map(areas.map((a) => [a.slug, a])),
  }
}

/** Validates a representative's fields: each problem as an i18n key next to its field. */
export function validateRepresentative(fields: Record<string, unknown>, tables: LookupTables): { ok: true; value: ResolvedRepresentative } | { ok: false; errors: FieldErrors } {
  const parsed = representativeInputSchema.safeParse(representativeFields(fields))
  const errors: FieldErrors = parsed.success ? {} : issuesToErrors(parsed.error.issues)
  const raw = representativeFields(fields)
  const levelCode = raw.level.trim()
  const level = tables.levels.get(levelCode)
  if (!errors.level && !level) errors.level = ['representatives:errors.levelUnknown']
  const areaRef = raw.area.trim()
  const area = /^\d{1,15}$/.test(areaRef) ? tables.areasById.get(Number(areaRef)) : tables.areasBySlug.get(areaRef.toLowerCase())
  if (!errors.area && !area) errors.area = ['representatives:errors.areaUnknown']
  if (!errors.area && !errors.level && area && level && area.level !== level.areaLevel) errors.area = [`representatives:errors.areaLevelMismatch.${level.areaLevel}`]
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors }
  return { ok: true, value: { input: parsed.data, areaId: area!.id, emailKey: parsed.data.email.toLowerCase() } }
}

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors }

function rowValues(value: ResolvedRepresentative) {
  const { input } = value
  return {
    name: input.name,
    role: input.role,
    level: input.level,
    area_id: value.areaId,
    party: input.party,
    email: input.email,
    active_from: input.activeFrom,
    active_until: input.activeUntil,
  }
}

// Audit rows record the fields, never the photo bytes.
const auditView = (row: Record<string, unknown> | undefined) => {
  if (!row) return undefined
  const { photo: _photo, photo_thumb: _thumb, ...rest } = row
  return rest
}

/**
 * Creates (no `id`) or updates a representative from form fields; an optional prepared portrait
 * replaces the photo, `removePhoto` drops it; `dryRun` only validates. Audited.
 */
export async function saveRepresentative(
  actorId: number,
  fields: Record<string, unknown>,
  options: { id?: number; portrait?: Extract<PreparedPortrait, { kind: 'ok' }>; removePhoto?: boolean; dryRun?: boolean } = {},
): Promise<SaveResult> {
  const tables = await lookupTables()
  const checked = validateRepresentative(fields, tables)
  if (!checked.ok) return checked
  // Checking only (another field of the form failed): nothing is written.
  if (options.dryRun) return { ok: true, id: options.id ?? 0 }
  const values = rowValues(checked.value)
  return database().write(async (trx) => {
    const now = nowIso()
    const photo = options.portrait
      ? { photo: options.portrait.photo, photo_thumb: options.portrait.thumb, photo_updated_at: now }
      : options.removePhoto
        ? { photo: null, photo_thumb: null, photo_updated_at: null }
        : {}
    if (options.id === undefined) {
      const row = await trx
        .insertInto('representatives')
        .values({ ...values, ...photo, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      await recordAudit(trx, { actorId, action: 'representative.create', targetKind: 'representative', targetId: row.id, after: { ...values, photo: Boolean(options.portrait) } })
      return { ok: true as const, id: row.id }
    }
    const before = await trx.selectFrom('representatives').select(rowColumns).where('id', '=', options.id).executeTakeFirst()
    if (!before) return { ok: false as const, errors: { form: ['representatives:errors.notFound'] } }
    await trx
      .updateTable('representatives')
      .set({ ...values, ...photo, updated_at: now })
      .where('id', '=', options.id)
      .execute()
    const photoChange = options.portrait ? 'replaced' : options.removePhoto ? 'removed' : undefined
    await recordAudit(trx, {
      actorId,
      action: 'representative.update',
      targetKind: 'representative',
      targetId: options.id,
      before: auditView(before),
      after: { ...values, ...(photoChange ? { photo: photoChange } : {}) },
    })
    return { ok: true as const, id: options.id }
  })
}

/**
 * Ends a representative's term: active_until becomes yesterday, so they are a former
 * representative from today (their letters and response rate stay). Audited.
 */
export async function deactivateRepresentative(actorId: number, id: number, at: Date = new Date()): Promise<boolean> {
  const yesterday = isoDay(new Date(at.getTime() - 86_400_000))
  return database().write(async (trx) => {
    const before = await trx.selectFrom('representatives').select(['active_from', 'active_until']).where('id', '=', id).executeTakeFirst()
    if (!before) return false
    if (before.active_until !== null && before.active_until <= yesterday) return true
    // A term that had not begun yet ends before it starts: keep from ≤ until.
    const activeFrom = before.active_from !== null && before.active_from > yesterday ? yesterday : before.active_from
    await trx.updateTable('representatives').set({ active_from: activeFrom, active_until: yesterday, updated_at: nowIso() }).where('id', '=', id).execute()
    await recordAudit(trx, { actorId, action: 'representative.deactivate', targetKind: 'representative', targetId: id, before, after: { active_from: activeFrom, active_until: yesterday } })
    return true
  })
}

// ---------------------------------------------------------------- "find mine"

/**
 * The "find your representatives" form's place: typed or picked coordinates (resolved with the geo
 * module's resolveLocation, so a point outside the city is a message next to the field), or an
 * area slug, which means that area and its ancestors (a whole district gives its district and city
 * levels, not a neighbourhood's). Errors are i18n keys with their namespace.
 */
export async function placeFromFields(fields: { lat?: string; lng?: string; area?: string }): Promise<{ ok: true; place: Place; label: string } | { ok: false; errors: FieldErrors }> {
  const lat = (fields.lat ?? '').trim()
  const lng = (fields.lng ?? '').trim()
  const area = (fields.area ?? '').trim()
  const geoErrors = (errors: FieldErrors): FieldErrors => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v?.map((key) => `geo:${key}`)]))
  if (lat || lng) {
    const resolved = await resolveLocation({ lat, lng })
    if (!resolved.ok) return { ok: false, errors: geoErrors(resolved.errors) }
    const deepest = resolved.location.areas[resolved.location.areas.length - 1]
    return { ok: true, place: { lat: resolved.location.lat, lng: resolved.location.lng }, label: deepest?.name ?? '' }
  }
  if (area) {
    const row = /^[a-z0-9-]{1,100}$/.test(area) ? await database().db.selectFrom('areas').select(['id', 'name']).where('slug', '=', area).executeTakeFirst() : undefined
    if (!row) return { ok: false, errors: { area: ['geo:picker.errors.area'] } }
    return { ok: true, place: { areaId: row.id }, label: row.name }
  }
  return { ok: false, errors: { location: ['geo:picker.errors.missing'] } }
}
