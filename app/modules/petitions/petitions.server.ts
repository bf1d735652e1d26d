import crypto from 'node:crypto'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { sql, type Selectable, type Transaction } from 'kysely'
import { z } from 'zod'
import type { Database, PetitionMailingKind, PetitionsTable, PetitionState, PetitionTargetKind } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import type { Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { petitionCategories } from '../services/services.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { renderMarkdown } from '../../lib/markdown.server'
import { secretKey } from '../../lib/secrets.server'
import { can, requiredLevel, type Principal } from '../accounts/policy'
import { areaPoint } from '../geo/areas.server'
import { areasContaining } from '../geo/lookup.server'
import { placeItem, updateItem } from '../geo/map-index.server'
import { activeBlock, recordAudit } from '../moderation/moderation.server'
import { ftsQuery, searchTerms } from '../proposals/search'
import { engineOf } from '../../lib/db/dialect'
import { lockedForUpdate } from '../../lib/db/claims'
import { searchIds } from '../../lib/db/search'
import { itemPublished, petitionEvent } from '../notifications/events.server'
import {
  ACTION_MAX,
  addMonths,
  awaitingResponse,
  BACKGROUND_MAX,
  canTransition,
  daysUntil,
  isPublicState,
  nextThreshold,
  REJECTION_DETAILS_MAX,
  RESPONSE_MAX,
  restoredState,
  TITLE_MAX,
  type ListFilter,
  type ListSort,
  type RejectionReason,
} from './states'
import { citySettings } from '../city/settings.server'
import type { CitySettings } from '../city/settings-definitions'

/**
 * Petitions (issue 8): drafting, gathering sponsors, moderation, the open months, the close, the
 * council's response and the debate, moderation's hide and restore, lists, search, the page and
 * the JSON. The only code that writes `petitions` (except the counts and the sponsoring → pending
 * move, which the signing side keeps: signatures.server.ts) and `petition_mailings`. Every staff
 * action writes an audit row.
 */

export const MAP_KIND = 'petitions'
export const PAGE_SIZE = 20
/** Signers mailed per write when the council responds (each batch is one write of the queue). */
export const MAILING_BATCH = 500

const now = () => new Date().toISOString()
const link = (path: string) => `${config().PUBLIC_URL}${path}`

export type PetitionRow = Selectable<PetitionsTable>

// ---------------------------------------------------------------- addresses and tokens

/** The petition's page (a path; prefix PUBLIC_URL for mail). */
export const petitionUrl = (id: number) => `/petitions/${id}`

/**
 * The sponsor link's token: HMAC-SHA256(SECRET_KEY, "petition-sponsor" ‖ id), cut to 160 bits
 * (ADR 043's derived tokens): the author can always see their link again, and a copy of the
 * database is not enough to make one. sponsor_token_hash stays null.
 */
export async function sponsorToken(petitionId: number): Promise<string> {
  return derivedToken(await secretKey(), `petition-sponsor\u0000${petitionId}`)
}

/** HMAC-SHA256(key, text) cut to 160 bits, in base32. The key is read once per caller (secretKey() caches it). */
const derivedToken = (key: Buffer, text: string) => encodeBase32LowerCaseNoPadding(crypto.createHmac('sha256', key).update(text).digest().subarray(0, 20))

export async function verifySponsorToken(petitionId: number, token: string): Promise<boolean> {
  if (typeof token !== 'string' || !/^[a-z2-7]{32}$/.test(token)) return false
  return crypto.timingSafeEqual(Buffer.from(await sponsorToken(petitionId)), Buffer.from(token))
}

/** The private sponsor page (the signing side serves it). */
export const sponsorPath = async (petitionId: number) => `/petitions/${petitionId}/sponsor/${await sponsorToken(petitionId)}`

/** One-click "no more updates about this petition" for one signature (derived, like the sponsor link). */
export async function updatesToken(signatureId: number): Promise<string> {
  return updatesTokenWith(await secretKey(), signatureId)
}
const updatesTokenWith = (key: Buffer, signatureId: number) => `${signatureId}-${derivedToken(key, `petition-updates\u0000${signatureId}`)}`
/** The unsubscribe page of a signature, with the key read before the write that queues the mail. */
const unsubscribePath = (key: Buffer, petitionId: number, signatureId: number) => `/petitions/${petitionId}/unsubscribe/${updatesTokenWith(key, signatureId)}`

async function signatureOfToken(token: string): Promise<number | null> {
  const m = /^([1-9][0-9]{0,15})-[a-z2-7]{32}$/.exec(token)
  if (!m) return null
  const id = Number(m[1])
  return crypto.timingSafeEqual(Buffer.from(await updatesToken(id)), Buffer.from(token)) ? id : null
}

/** The petition's row, or null. */
export async function getPetition(id: number): Promise<PetitionRow | null> {
  if (!Number.isSafeInteger(id) || id < 1) return null
  return (await database().db.selectFrom('petitions').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
}

// ---------------------------------------------------------------- targets

export interface PetitionTargets {
  departments: Array<{ id: number; name: string }>
  representatives: Array<{ id: number; name: string; role: string }>
}

const today = () => now().slice(0, 10)

/** Who a petition may ask: the council, a department, or a representative in office today. */
export async function petitionTargets(): Promise<PetitionTargets> {
  const { db } = database()
  const day = today()
  const [departments, representatives] = await Promise.all([
    db.selectFrom('departments').select(['id', 'name']).orderBy('name').execute(),
    db
      .selectFrom('representatives')
      .select(['id', 'name', 'role'])
      .where((eb) => eb.or([eb('active_from', 'is', null), eb('active_from', '<=', day)]))
      .where((eb) => eb.or([eb('active_until', 'is', null), eb('active_until', '>=', day)]))
      .orderBy('name')
      .execute(),
  ])
  return { departments, representatives }
}

// ---------------------------------------------------------------- drafting

/** A petition's fields as its form gives them (every string is checked here). */
export const petitionInputSchema = z.object({
  title: z.string().trim().min(1, 'petitions:errors.titleRequired').max(TITLE_MAX, 'petitions:errors.titleTooLong'),
  action: z.string().trim().min(1, 'petitions:errors.actionRequired').max(ACTION_MAX, 'petitions:errors.actionTooLong'),
  background: z
    .string()
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(BACKGROUND_MAX, 'petitions:errors.backgroundTooLong')),
  target: z.enum(['council', 'department', 'representative'], { message: 'petitions:errors.targetRequired' }),
  departmentId: z.number().int().positive().nullable(),
  representativeId: z.number().int().positive().nullable(),
  /** Only people living here may sign (an area slug), or null: anyone. */
  areaSlug: z.string().max(100).nullable(),
  /** A point inside the city shown on the map, or null. */
  location: z.object({ lat: z.number(), lng: z.number() }).nullable(),
  /** A petition category's code (the administrator's list), or null: none. */
  categoryCode: z.string().max(64).nullable().optional(),
})
export type PetitionInput = z.input<typeof petitionInputSchema>

export type SaveResult =
  | { kind: 'saved'; id: number; state: PetitionState }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'notFound' }
  | { kind: 'notDraft' }
  | { kind: 'outsideCity' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'needsLevel'; level: number }

/** The reads and slow work (Markdown, point-in-area) before the write; errors are i18n keys. */
async function prepare(author: Principal, raw: PetitionInput) {
  const level = requiredLevel('propose', (await citySettings()).VERIFICATION_LEVELS)
  if (author.verificationLevel < level) return { kind: 'needsLevel' as const, level }
  const block = await activeBlock(author.id)
  if (block) return { kind: 'blocked' as const, reason: block.reason }
  const parsed = petitionInputSchema.safeParse(raw)
  const errors: Record<string, string> = {}
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message.startsWith('petitions:') ? issue.message : 'petitions:errors.invalid'
    return { kind: 'invalid' as const, errors }
  }
  const input = parsed.data
  const targets = await petitionTargets()
  let departmentId: number | null = null
  let representativeId: number | null = null
  if (input.target === 'department') {
    departmentId = targets.departments.find((d) => d.id === input.departmentId)?.id ?? null
    if (departmentId === null) errors.department = 'petitions:errors.departmentRequired'
  } else if (input.target === 'representative') {
    representativeId = targets.representatives.find((r) => r.id === input.representativeId)?.id ?? null
    if (representativeId === null) errors.representative = 'petitions:errors.representativeRequired'
  }
  let categoryId: number | null = null
  if (input.categoryCode) {
    categoryId = (await petitionCategories(cityDefaultLocale())).find((c) => c.code === input.categoryCode)?.id ?? null
    if (categoryId === null) errors.category = 'petitions:errors.categoryUnknown'
  }
  let areaId: number | null = null
  let areaCentre: { lat: number; lng: number } | null = null
  if (input.areaSlug) {
    const point = await areaPoint(input.areaSlug)
    if (!point) errors.restriction = 'petitions:errors.areaUnknown'
    else {
      areaId = point.id
      areaCentre = { lat: point.lat, lng: point.lng }
    }
  }
  if (input.location) {
    const hits = await areasContaining(input.location.lat, input.location.lng)
    if (hits.length === 0) return { kind: 'outsideCity' as const }
  }
  if (Object.keys(errors).length) return { kind: 'invalid' as const, errors }
  // On the map at the chosen point, else at the restricted area's inside point, else nowhere.
  const place = input.location ?? areaCentre
  return {
    kind: 'ok' as const,
    values: {
      title: input.title,
      action: input.action,
      background_md: input.background,
      background_html: input.background ? renderMarkdown(input.background) : '',
      target_kind: input.target as PetitionTargetKind,
      target_department_id: departmentId,
      target_representative_id: representativeId,
      area_id: areaId,
      category_id: categoryId,
      lat: place?.lat ?? null,
      lng: place?.lng ?? null,
    },
  }
}

// `c`: the council's settings, read (awaited) before the write.
function fresh(c: CitySettings) {
  return {
    sponsors_required: c.PETITION_SPONSORS,
    response_threshold: c.PETITION_RESPONSE_THRESHOLD,
    debate_threshold: c.PETITION_DEBATE_THRESHOLD,
    // Fixed again when the petition opens; kept here because the column is required.
    duration_days: 0,
  }
}

/** The move out of draft, inside a write: to sponsoring, or to pending when no sponsor is needed. */
function submission(at: string, c: CitySettings) {
  const sponsors = c.PETITION_SPONSORS
  return sponsors === 0 ? { state: 'pending' as const, sponsors_required: 0, submitted_at: at, updated_at: at } : { state: 'sponsoring' as const, sponsors_required: sponsors, updated_at: at }
}

/** A new petition, saved as a draft (only its author sees it) or sent to gather sponsors at once. */
export async function createPetition(author: Principal, input: PetitionInput, options: { gather: boolean; locale?: string; at?: string }): Promise<SaveResult> {
  const prepared = await prepare(author, input)
  if (prepared.kind !== 'ok') return prepared
  await secretKey() // the sponsor link is derived from it (keyNow)
  const at = options.at ?? now()
  const c = await citySettings()
  return database().write(async (trx) => {
    const row = await trx
      .insertInto('petitions')
      .values({
        ...prepared.values,
        ...fresh(c),
        author_id: author.id,
        locale: options.locale ?? null,
        created_at: at,
        ...(options.gather ? submission(at, c) : { state: 'draft' as const, updated_at: at }),
      })
      .returning(['id', 'state'])
      .executeTakeFirstOrThrow()
    return { kind: 'saved' as const, id: row.id, state: row.state }
  })
}

/** The author changes their draft (and may send it to gather sponsors with the same save). */
export async function updatePetitionDraft(author: Principal, id: number, input: PetitionInput, options: { gather: boolean }): Promise<SaveResult> {
  const prepared = await prepare(author, input)
  if (prepared.kind !== 'ok') return prepared
  const c = await citySettings()
  return database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['author_id', 'state']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    if (p.state !== 'draft') return { kind: 'notDraft' as const }
    const at = now()
    const moved = options.gather ? submission(at, c) : { updated_at: at }
    await trx
      .updateTable('petitions')
      .set({ ...prepared.values, ...moved })
      .where('id', '=', id)
      .where('state', '=', 'draft')
      .execute()
    return { kind: 'saved' as const, id, state: 'state' in moved ? moved.state : ('draft' as const) }
  })
}

export type GatherResult = { kind: 'ok'; state: 'sponsoring' | 'pending' } | { kind: 'notFound' } | { kind: 'notDraft' } | { kind: 'blocked'; reason: string } | { kind: 'needsLevel'; level: number }

/** "Gather sponsors": the author's draft goes to sponsoring (or straight to moderation with PETITION_SPONSORS=0). */
export async function gatherSponsors(author: Principal, id: number): Promise<GatherResult> {
  const c = await citySettings()
  const level = requiredLevel('propose', c.VERIFICATION_LEVELS)
  if (author.verificationLevel < level) return { kind: 'needsLevel', level }
  const block = await activeBlock(author.id)
  if (block) return { kind: 'blocked', reason: block.reason }
  await secretKey()
  return database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['author_id', 'state']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    const moved = submission(now(), c)
    if (!canTransition(p.state, moved.state, 'author')) return { kind: 'notDraft' as const }
    await trx.updateTable('petitions').set(moved).where('id', '=', id).where('state', '=', 'draft').execute()
    return { kind: 'ok' as const, state: moved.state }
  })
}

/** The author throws their draft away. */
export async function deletePetitionDraft(author: Principal, id: number): Promise<{ kind: 'deleted' } | { kind: 'notFound' } | { kind: 'notDraft' }> {
  return database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['author_id', 'state']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    if (p.state !== 'draft') return { kind: 'notDraft' as const }
    await trx.deleteFrom('petitions').where('id', '=', id).where('state', '=', 'draft').execute()
    return { kind: 'deleted' as const }
  })
}

/** A draft's raw fields, for its author's edit form; null for anyone else or once it left draft. */
export async function draftForEditing(id: number, authorId: number) {
  const row = await database()
    .db.selectFrom('petitions as p')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .leftJoin('petition_categories as c', 'c.id', 'p.category_id')
    .select([
      'p.id',
      'p.state',
      'p.author_id',
      'p.title',
      'p.action',
      'p.background_md',
      'p.target_kind',
      'p.target_department_id',
      'p.target_representative_id',
      'p.lat',
      'p.lng',
      'a.slug as areaSlug',
      'c.code as categoryCode',
    ])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || row.author_id !== authorId || row.state !== 'draft') return null
  return {
    id: row.id,
    values: {
      title: row.title,
      action: row.action,
      background: row.background_md,
      target: row.target_kind,
      department: row.target_department_id ? String(row.target_department_id) : '',
      representative: row.target_representative_id ? String(row.target_representative_id) : '',
      restriction: row.areaSlug ?? '',
      category: row.categoryCode ?? '',
      lat: row.lat === null ? '' : String(row.lat),
      lng: row.lng === null ? '' : String(row.lng),
      area: '',
    },
  }
}

// ---------------------------------------------------------------- moderation

export const mayModerate = (user: Principal | null) => can(user, 'content:moderate')
export const mayRespond = (user: Principal | null) => can(user, 'petition:respond')

export type ModerationResult = { kind: 'ok' } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'badState'; state: PetitionState } | { kind: 'invalid'; field: string }

/**
 * A moderator publishes a pending petition: open from now for PETITION_MONTHS months, with the
 * thresholds configured now (kept on the row, so a later change of configuration does not move
 * the goal posts of a running petition), and on the map when it has a place.
 */
export async function publishPetition(moderator: Principal, id: number, options: { at?: string } = {}): Promise<ModerationResult> {
  if (!mayModerate(moderator)) return { kind: 'forbidden' }
  const c = await citySettings()
  return database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!p) return { kind: 'notFound' as const }
    if (!canTransition(p.state, 'open', 'moderator') || p.state !== 'pending') return { kind: 'badState' as const, state: p.state }
    const at = options.at ?? now()
    const closes = addMonths(at, c.PETITION_MONTHS)
    const changes = {
      state: 'open' as const,
      opened_at: at,
      closes_at: closes,
      duration_days: Math.round((Date.parse(closes) - Date.parse(at)) / 86_400_000),
      response_threshold: c.PETITION_RESPONSE_THRESHOLD,
      debate_threshold: c.PETITION_DEBATE_THRESHOLD,
      moderated_by: moderator.id,
      moderated_at: at,
      updated_at: at,
    }
    const done = await trx.updateTable('petitions').set(changes).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst()
    if (!done.numUpdatedRows) return { kind: 'badState' as const, state: p.state }
    if (p.lat !== null && p.lng !== null) {
      await placeItem(trx, { kind: MAP_KIND, itemId: id, lat: p.lat, lng: p.lng, status: 'open', category: p.target_kind, title: p.title, createdAt: at, visible: true })
    }
    await recordAudit(trx, { actorId: moderator.id, action: 'petition.publish', targetKind: 'petition', targetId: id, before: { state: p.state }, after: { state: 'open', closes_at: closes } })
    await mailAuthor(trx, p, 'published')
    await itemPublished(trx, 'petition', id)
    return { kind: 'ok' as const }
  })
}

/** A moderator rejects a pending petition with a standard reason and optional words its author sees. */
export async function rejectPetition(moderator: Principal, id: number, reason: RejectionReason, details: string): Promise<ModerationResult> {
  if (!mayModerate(moderator)) return { kind: 'forbidden' }
  const words = details.replace(/\r\n?/g, '\n').trim()
  if (words.length > REJECTION_DETAILS_MAX) return { kind: 'invalid', field: 'details' }
  return database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!p) return { kind: 'notFound' as const }
    if (p.state !== 'pending') return { kind: 'badState' as const, state: p.state }
    const at = now()
    await trx
      .updateTable('petitions')
      .set({ state: 'rejected', rejection_reason: reason, rejection_details: words || null, moderated_by: moderator.id, moderated_at: at, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute()
    await recordAudit(trx, {
      actorId: moderator.id,
      action: 'petition.reject',
      targetKind: 'petition',
      targetId: id,
      before: { state: p.state },
      after: { state: 'rejected', reason },
      reason: words || reason,
    })
    await mailAuthor(trx, { ...p, rejection_reason: reason, rejection_details: words || null }, 'rejected')
    return { kind: 'ok' as const }
  })
}

/** Moderation hides an open or closed petition: it leaves lists, search, the JSON and the map; signing stops. */
export async function hidePetition(trx: Transaction<Database>, id: number) {
  const p = await trx.selectFrom('petitions').select('state').where('id', '=', id).executeTakeFirst()
  if (!p || !canTransition(p.state, 'hidden', 'moderator')) return
  await trx.updateTable('petitions').set({ state: 'hidden', updated_at: now() }).where('id', '=', id).execute()
  await updateItem(trx, MAP_KIND, id, { status: 'hidden', visible: false })
}

/** Restore: back to open, or closed if its time ran out meanwhile (closed_at set then). */
export async function restorePetition(trx: Transaction<Database>, id: number) {
  const p = await trx.selectFrom('petitions').select(['state', 'closed_at', 'closes_at']).where('id', '=', id).executeTakeFirst()
  if (!p || p.state !== 'hidden') return
  const at = now()
  const state = restoredState(p, at)
  await trx
    .updateTable('petitions')
    .set({ state, updated_at: at, ...(state === 'closed' && !p.closed_at ? { closed_at: at } : {}) })
    .where('id', '=', id)
    .execute()
  await updateItem(trx, MAP_KIND, id, { status: state, visible: true })
}

async function mailAuthor(trx: Transaction<Database>, p: PetitionRow, what: 'published' | 'rejected') {
  if (p.author_id === null) return
  const author = await trx.selectFrom('users').select(['email', 'locale', 'deleted_at']).where('id', '=', p.author_id).executeTakeFirst()
  if (!author?.email || author.deleted_at) return
  const locale = localeOf(author.locale ?? p.locale)
  const t = translator(locale)
  const paragraphs =
    what === 'published'
      ? [t('petitions:mail.published.body', { title: p.title })]
      : [
          t('petitions:mail.rejected.body', { title: p.title, reason: t(`petitions:reasons.${p.rejection_reason}`) }),
          ...(p.rejection_details ? [t('petitions:mail.rejected.details', { details: p.rejection_details })] : []),
        ]
  const mail = composeMail({
    locale,
    subject: t(`petitions:mail.${what}.subject`, { title: p.title }),
    paragraphs,
    action: { label: t(`petitions:mail.${what}.action`), url: link(petitionUrl(p.id)) },
  })
  await queueMail(trx, { kind: `petition.${what}`, to: author.email, ...mail })
}

const localeOf = (value: string | null | undefined): Locale => (['en', 'es', 'fr'] as const).find((l) => l === value) ?? config().DEFAULT_LOCALE

// ---------------------------------------------------------------- the close

/**
 * Open petitions whose closes_at has passed are closed (a conditional update per petition: a
 * second run, or another server's, changes nothing). Returns the ids it closed.
 */
export async function closeExpiredPetitions(at: Date = new Date()): Promise<number[]> {
  const stamp = at.toISOString()
  const due = await database().db.selectFrom('petitions').select('id').where('state', '=', 'open').where('closes_at', '<=', stamp).orderBy('closes_at').limit(1000).execute()
  if (due.length === 0) return []
  return database().write(async (trx) => {
    const closed: number[] = []
    for (const { id } of due) {
      const r = await trx
        .updateTable('petitions')
        .set({ state: 'closed', closed_at: stamp, updated_at: stamp })
        .where('id', '=', id)
        .where('state', '=', 'open')
        .where('closes_at', '<=', stamp)
        .executeTakeFirst()
      if (!r.numUpdatedRows) continue
      await updateItem(trx, MAP_KIND, id, { status: 'closed' })
      await petitionEvent(trx, id, 'closed')
      closed.push(id)
    }
    return closed
  })
}

// ---------------------------------------------------------------- the council

export type CouncilResult =
  | { kind: 'ok'; mailing: number | null }
  | { kind: 'forbidden' }
  | { kind: 'notFound' }
  | { kind: 'empty' }
  | { kind: 'tooLong' }
  | { kind: 'badDate' }
  | { kind: 'notReached'; threshold: 'response' | 'debate' }
  | { kind: 'notScheduled' }

const cleanMarkdown = (md: string) => md.replace(/\r\n?/g, '\n').trim()

/**
 * The council's response (Markdown), published on the page; allowed once the response threshold
 * is reached (open or closed petitions). The first publication is mailed to every counted signer
 * who agreed to updates; a correction is only audited.
 */
export async function respondToPetition(user: Principal, id: number, markdown: string): Promise<CouncilResult> {
  if (!mayRespond(user)) return { kind: 'forbidden' }
  const text = cleanMarkdown(markdown)
  if (!text) return { kind: 'empty' }
  if (text.length > RESPONSE_MAX) return { kind: 'tooLong' }
  const html = renderMarkdown(text)
  const result = await database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['state', 'response_md', 'responded_at', 'response_threshold_reached_at']).where('id', '=', id).executeTakeFirst()
    if (!p || !isPublicState(p.state)) return { kind: 'notFound' as const }
    if (!p.response_threshold_reached_at) return { kind: 'notReached' as const, threshold: 'response' as const }
    const at = now()
    await trx
      .updateTable('petitions')
      .set({ response_md: text, response_html: html, responded_at: p.responded_at ?? at, responded_by: user.id, updated_at: at })
      .where('id', '=', id)
      .execute()
    await recordAudit(trx, { actorId: user.id, action: 'petition.respond', targetKind: 'petition', targetId: id, before: { response: p.response_md }, after: { response: text } })
    const mailing = p.responded_at ? null : await startMailing(trx, id, 'response', at)
    if (!p.responded_at) await petitionEvent(trx, id, 'response', user.id)
    return { kind: 'ok' as const, mailing }
  })
  if (result.kind === 'ok' && result.mailing) kickMailings()
  return result
}

/** The debate's date (YYYY-MM-DD), once the debate threshold is reached; signers are told. */
export async function scheduleDebate(user: Principal, id: number, date: string): Promise<CouncilResult> {
  if (!mayRespond(user)) return { kind: 'forbidden' }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return { kind: 'badDate' }
  const result = await database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['state', 'debate_scheduled_for', 'debate_threshold_reached_at']).where('id', '=', id).executeTakeFirst()
    if (!p || !isPublicState(p.state)) return { kind: 'notFound' as const }
    if (!p.debate_threshold_reached_at) return { kind: 'notReached' as const, threshold: 'debate' as const }
    const at = now()
    await trx.updateTable('petitions').set({ debate_scheduled_for: date, updated_at: at }).where('id', '=', id).execute()
    await recordAudit(trx, { actorId: user.id, action: 'petition.schedule-debate', targetKind: 'petition', targetId: id, before: { date: p.debate_scheduled_for }, after: { date } })
    const mailing = p.debate_scheduled_for === date ? null : await startMailing(trx, id, 'debate_scheduled', at)
    if (p.debate_scheduled_for !== date) await petitionEvent(trx, id, 'debate_scheduled', user.id)
    return { kind: 'ok' as const, mailing }
  })
  if (result.kind === 'ok' && result.mailing) kickMailings()
  return result
}

/** The debate's outcome (Markdown), after it was scheduled; the first publication is mailed. */
export async function publishDebateOutcome(user: Principal, id: number, markdown: string): Promise<CouncilResult> {
  if (!mayRespond(user)) return { kind: 'forbidden' }
  const text = cleanMarkdown(markdown)
  if (!text) return { kind: 'empty' }
  if (text.length > RESPONSE_MAX) return { kind: 'tooLong' }
  const html = renderMarkdown(text)
  const result = await database().write(async (trx) => {
    const p = await trx.selectFrom('petitions').select(['state', 'debate_outcome_md', 'debated_at', 'debate_scheduled_for', 'debate_threshold_reached_at']).where('id', '=', id).executeTakeFirst()
    if (!p || !isPublicState(p.state)) return { kind: 'notFound' as const }
    if (!p.debate_threshold_reached_at) return { kind: 'notReached' as const, threshold: 'debate' as const }
    if (!p.debate_scheduled_for) return { kind: 'notScheduled' as const }
    const at = now()
    await trx
      .updateTable('petitions')
      .set({ debate_outcome_md: text, debate_outcome_html: html, debated_at: p.debated_at ?? at, updated_at: at })
      .where('id', '=', id)
      .execute()
    await recordAudit(trx, { actorId: user.id, action: 'petition.debate-outcome', targetKind: 'petition', targetId: id, before: { outcome: p.debate_outcome_md }, after: { outcome: text } })
    const mailing = p.debated_at ? null : await startMailing(trx, id, 'debate_outcome', at)
    if (!p.debated_at) await petitionEvent(trx, id, 'debate_outcome', user.id)
    return { kind: 'ok' as const, mailing }
  })
  if (result.kind === 'ok' && result.mailing) kickMailings()
  return result
}

// ---------------------------------------------------------------- mail to signers

async function startMailing(trx: Transaction<Database>, petitionId: number, kind: PetitionMailingKind, at: string): Promise<number> {
  const row = await trx.insertInto('petition_mailings').values({ petition_id: petitionId, kind, created_at: at }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

let mailingRun: Promise<number> | null = null
let mailingAgain = false
/**
 * Starts sending unfinished mailings in this process now (the background job also does, every
 * minute). A mailing started while a run is under way makes that run go round once more.
 */
function kickMailings() {
  if (mailingRun) {
    mailingAgain = true
    return
  }
  mailingRun = (async () => {
    let queued = 0
    do {
      mailingAgain = false
      queued += await sendPetitionMailings()
    } while (mailingAgain)
    return queued
  })()
    .catch((error) => {
      logger().error({ err: error }, 'petition mailings failed')
      return 0
    })
    .finally(() => {
      mailingRun = null
    })
}

/** Waits for a mailing started by this process (tests). */
export async function settleMailings(): Promise<void> {
  while (mailingRun) await mailingRun
}

/**
 * Queues the e-mails of every unfinished mailing, MAILING_BATCH signers per write. Each write reads
 * the cursor, queues the batch and moves the cursor only if nobody else moved it meanwhile, so
 * two servers running this never mail a signer twice. Signers: counted signatures with
 * notify_updates = 1, each with a one-click unsubscribe link. Returns how many mails were queued.
 */
export async function sendPetitionMailings(): Promise<number> {
  // The unsubscribe links are derived from the key: read (or made) before the writes that queue the mail.
  const key = await secretKey()
  const pending = await database().db.selectFrom('petition_mailings').select('id').where('finished_at', 'is', null).orderBy('id').execute()
  let total = 0
  for (const { id } of pending) {
    for (;;) {
      const step = await database().write(async (trx) => {
        // Locked on PostgreSQL: another server's batch waits, then starts from the cursor this one moved.
        const m = await lockedForUpdate(trx, trx.selectFrom('petition_mailings').selectAll().where('id', '=', id)).executeTakeFirst()
        if (!m || m.finished_at) return { done: true, queued: 0 }
        const p = await trx.selectFrom('petitions').selectAll().where('id', '=', m.petition_id).executeTakeFirstOrThrow()
        const signers = await trx
          .selectFrom('petition_signatures')
          .select(['id', 'email', 'name', 'locale'])
          .where('petition_id', '=', m.petition_id)
          .where('status', '=', 'counted')
          .where('notify_updates', '=', 1)
          .where('id', '>', m.last_signature_id)
          .orderBy('id')
          .limit(MAILING_BATCH)
          .execute()
        let queued = 0
        for (const s of signers) {
          try {
            await queueMail(trx, { kind: `petition.${m.kind.replace('_', '-')}`, to: s.email, ...signerMail(key, p, m.kind, s), headers: updatesHeaders(key, p.id, s.id) })
            queued++
          } catch (error) {
            // One bad stored address must not stop everyone else's mail.
            if (!(error instanceof z.ZodError)) throw error
            logger().warn({ signatureId: s.id, err: error }, 'petition update not queued')
          }
        }
        const last = signers.at(-1)?.id ?? m.last_signature_id
        const done = signers.length < MAILING_BATCH
        await trx
          .updateTable('petition_mailings')
          .set({ last_signature_id: last, queued: m.queued + queued, ...(done ? { finished_at: now() } : {}) })
          .where('id', '=', id)
          .where('last_signature_id', '=', m.last_signature_id)
          .execute()
        return { done, queued }
      })
      total += step.queued
      if (step.done) break
    }
  }
  return total
}

function updatesHeaders(key: Buffer, petitionId: number, signatureId: number): Record<string, string> {
  return {
    'List-Unsubscribe': `<${link(unsubscribePath(key, petitionId, signatureId))}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `Plaza petition ${petitionId} <petition-${petitionId}.${new URL(config().PUBLIC_URL).hostname}>`,
  }
}

function signerMail(secret: Buffer, p: PetitionRow, kind: PetitionMailingKind, s: { id: number; name: string; locale: string | null }) {
  const locale = localeOf(s.locale ?? p.locale)
  const t = translator(locale)
  const key = kind === 'response' ? 'response' : kind === 'debate_scheduled' ? 'debateScheduled' : 'debateOutcome'
  const text = kind === 'response' ? (p.response_md ?? '') : kind === 'debate_outcome' ? (p.debate_outcome_md ?? '') : ''
  const date = p.debate_scheduled_for ? new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${p.debate_scheduled_for}T00:00:00Z`)) : ''
  return composeMail({
    locale,
    subject: t(`petitions:mail.${key}.subject`, { title: p.title }),
    greeting: t('petitions:mail.greeting', { name: s.name }),
    paragraphs: [t(`petitions:mail.${key}.body`, { title: p.title, date }), ...(text ? [text.slice(0, 19_000)] : [])],
    action: { label: t('petitions:mail.readOnline'), url: link(petitionUrl(p.id)) },
    footer: t('petitions:mail.unsubscribeFooter', { url: link(unsubscribePath(secret, p.id, s.id)) }),
  })
}

export type UnsubscribeResult = { kind: 'ok' | 'already'; title: string } | { kind: 'invalid' }

/** What an unsubscribe link names (its page shows the petition), without changing anything. */
export async function updatesSubscription(petitionId: number, token: string): Promise<UnsubscribeResult> {
  const signatureId = await signatureOfToken(token)
  if (signatureId === null) return { kind: 'invalid' }
  const row = await database()
    .db.selectFrom('petition_signatures as s')
    .innerJoin('petitions as p', 'p.id', 's.petition_id')
    .select(['s.notify_updates', 'p.title'])
    .where('s.id', '=', signatureId)
    .where('s.petition_id', '=', petitionId)
    .executeTakeFirst()
  if (!row) return { kind: 'invalid' }
  return { kind: row.notify_updates ? 'ok' : 'already', title: row.title }
}

/** The one-click unsubscribe (the page's button, or a mail program's RFC 8058 POST). */
export async function stopPetitionUpdates(petitionId: number, token: string): Promise<UnsubscribeResult> {
  const signatureId = await signatureOfToken(token)
  if (signatureId === null) return { kind: 'invalid' }
  return database().write(async (trx) => {
    const row = await trx
      .selectFrom('petition_signatures as s')
      .innerJoin('petitions as p', 'p.id', 's.petition_id')
      .select(['s.notify_updates', 'p.title'])
      .where('s.id', '=', signatureId)
      .where('s.petition_id', '=', petitionId)
      .executeTakeFirst()
    if (!row) return { kind: 'invalid' as const }
    if (!row.notify_updates) return { kind: 'already' as const, title: row.title }
    await trx.updateTable('petition_signatures').set({ notify_updates: 0 }).where('id', '=', signatureId).execute()
    return { kind: 'ok' as const, title: row.title }
  })
}

// ---------------------------------------------------------------- reading: lists and search

export interface PetitionFilter {
  q?: string
  /** A petition category's code: only petitions in it. */
  category?: string
  state?: ListFilter
  sort?: ListSort
  page?: number
  pageSize?: number
}

export interface PetitionSummary {
  id: number
  title: string
  action: string
  state: PetitionState
  signatures: number
  responseThreshold: number
  debateThreshold: number
  openedAt: string | null
  closesAt: string | null
  awaitingResponse: boolean
  respondedAt: string | null
  debatedAt: string | null
}

/**
 * Published petitions, filtered, searched (FTS5, the proposals' safe query builder) and sorted by
 * signatures or newest, PAGE_SIZE a page, with the total. A search with no word finds nothing.
 */
export async function listPetitions(filter: PetitionFilter): Promise<{ items: PetitionSummary[]; total: number; page: number; pages: number }> {
  const pageSize = Math.min(Math.max(filter.pageSize ?? PAGE_SIZE, 1), 100)
  const page = Math.max(Math.trunc(filter.page ?? 1) || 1, 1)
  const searching = Boolean(filter.q?.trim())
  const match = searching ? ftsQuery(filter.q!) : null
  if (searching && !match) return { items: [], total: 0, page, pages: 1 }
  const { db } = database()
  let ids = db.selectFrom('petitions')
  switch (filter.state ?? 'open') {
    case 'open':
      ids = ids.where('petitions.state', '=', 'open')
      break
    case 'closed':
      ids = ids.where('petitions.state', '=', 'closed')
      break
    case 'awaiting_response':
      ids = ids.where('petitions.state', 'in', ['open', 'closed']).where('petitions.response_threshold_reached_at', 'is not', null).where('petitions.responded_at', 'is', null)
      break
    case 'responded':
      ids = ids.where('petitions.state', 'in', ['open', 'closed']).where('petitions.responded_at', 'is not', null)
      break
    case 'debated':
      ids = ids.where('petitions.state', 'in', ['open', 'closed']).where('petitions.debated_at', 'is not', null)
      break
    case 'all':
      ids = ids.where('petitions.state', 'in', ['open', 'closed'])
  }
  if (filter.category) ids = ids.where('petitions.category_id', 'in', db.selectFrom('petition_categories').select('id').where('code', '=', filter.category))
  if (match) ids = ids.where('petitions.id', 'in', searchIds(engineOf(db), 'petitions_fts', match, searchTerms(filter.q ?? '')))
  const ordered =
    filter.sort === 'newest'
      ? ids.select('petitions.id').orderBy('petitions.opened_at', 'desc').orderBy('petitions.id', 'desc')
      : ids.select('petitions.id').orderBy('petitions.signature_count', 'desc').orderBy('petitions.id', 'desc')
  const [rows, total] = await Promise.all([
    ordered
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    ids.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ])
  const items = rows.length
    ? await db
        .selectFrom('petitions')
        .select([
          'id',
          'title',
          'action',
          'state',
          'signature_count',
          'response_threshold',
          'debate_threshold',
          'opened_at',
          'closes_at',
          'response_threshold_reached_at',
          'responded_at',
          'debated_at',
        ])
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : []
  const byId = new Map(items.map((r) => [r.id, r]))
  const n = Number(total.n)
  return {
    items: rows.flatMap(({ id }) => {
      const r = byId.get(id)
      if (!r) return []
      return [
        {
          id: r.id,
          title: r.title,
          action: r.action,
          state: r.state,
          signatures: r.signature_count,
          responseThreshold: r.response_threshold,
          debateThreshold: r.debate_threshold,
          openedAt: r.opened_at,
          closesAt: r.closes_at,
          awaitingResponse: awaitingResponse(r),
          respondedAt: r.responded_at,
          debatedAt: r.debated_at,
        },
      ]
    }),
    total: n,
    page,
    pages: Math.max(1, Math.ceil(n / pageSize)),
  }
}

/** A person's petitions that are not public yet (drafts, sponsoring, pending, rejected), newest first. */
export async function unpublishedOf(userId: number) {
  return database()
    .db.selectFrom('petitions')
    .select(['id', 'title', 'state', 'updated_at as updatedAt'])
    .where('author_id', '=', userId)
    .where('state', 'in', ['draft', 'sponsoring', 'pending', 'rejected'])
    .orderBy('updated_at', 'desc')
    .limit(50)
    .execute()
}

// ---------------------------------------------------------------- reading: one petition

export interface AreaCount {
  id: number
  slug: string
  name: string
  level: 'district' | 'neighbourhood'
  signatures: number
}

/** Counted signatures per district and neighbourhood (every area, zeros included), for the map, table and JSON. */
export async function petitionAreaCounts(id: number): Promise<AreaCount[]> {
  const rows = await database()
    .db.selectFrom('areas as a')
    .leftJoin('petition_area_counts as c', (j) => j.onRef('c.area_id', '=', 'a.id').on('c.petition_id', '=', id))
    .select(['a.id', 'a.slug', 'a.name', 'a.level', sql<number>`coalesce(c.signatures, 0)`.as('signatures')])
    .where('a.level', 'in', ['district', 'neighbourhood'])
    .orderBy('a.level')
    .orderBy('a.name')
    .execute()
  return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, level: r.level as AreaCount['level'], signatures: Number(r.signatures) }))
}

/** Counted signatures per UTC day (from the hourly counts), oldest first. */
export async function petitionDailyCounts(id: number): Promise<Array<{ day: string; signatures: number }>> {
  const rows = await database()
    .db.selectFrom('petition_hourly_counts')
    .select([sql<string>`substr(hour, 1, 10)`.as('day'), sql<number>`sum(signatures)`.as('n')])
    .where('petition_id', '=', id)
    .groupBy(sql`substr(hour, 1, 10)`)
    .orderBy('day')
    .execute()
  return rows.map((r) => ({ day: r.day, signatures: Number(r.n) }))
}

/** May this viewer see this petition's page? Public ones: anyone; the others: their author (and moderators). */
export function mayView(viewer: Principal | null, p: { state: PetitionState; author_id: number | null }): boolean {
  if (isPublicState(p.state)) return true
  if (viewer && p.author_id === viewer.id && p.state !== 'hidden') return true
  if (p.state === 'pending' || p.state === 'hidden' || p.state === 'sponsoring') return mayModerate(viewer)
  return false
}

/** One petition as its page shows it; null when it does not exist or this viewer may not see it. */
export async function petitionForViewer(id: number, viewer: Principal | null) {
  const { db } = database()
  const row = await db
    .selectFrom('petitions as p')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .leftJoin('departments as d', 'd.id', 'p.target_department_id')
    .leftJoin('representatives as r', 'r.id', 'p.target_representative_id')
    .leftJoin('users as u', 'u.id', 'p.author_id')
    .selectAll('p')
    .select([
      'a.name as areaName',
      'a.slug as areaSlug',
      'd.name as departmentName',
      'r.name as representativeName',
      'r.role as representativeRole',
      'u.display_name as authorName',
      'u.deleted_at as authorDeletedAt',
    ])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || !mayView(viewer, row)) return null
  const isAuthor = viewer !== null && row.author_id === viewer.id
  const published = isPublicState(row.state)
  const thresholds = { response: row.response_threshold, debate: row.debate_threshold }
  return {
    id: row.id,
    title: row.title,
    action: row.action,
    backgroundHtml: row.background_html,
    state: row.state,
    target: { kind: row.target_kind, name: row.target_kind === 'department' ? row.departmentName : row.target_kind === 'representative' ? row.representativeName : null, role: row.representativeRole },
    area: row.areaSlug ? { slug: row.areaSlug, name: row.areaName! } : null,
    place: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    authorName: row.authorDeletedAt ? null : (row.authorName ?? null),
    signatures: row.signature_count,
    thresholds,
    next: nextThreshold(row.signature_count, thresholds),
    awaitingResponse: awaitingResponse(row),
    responseReachedAt: row.response_threshold_reached_at,
    debateReachedAt: row.debate_threshold_reached_at,
    openedAt: row.opened_at,
    closesAt: row.closes_at,
    closedAt: row.closed_at,
    daysLeft: row.state === 'open' && row.closes_at ? daysUntil(row.closes_at) : null,
    response: row.response_html && row.responded_at ? { html: row.response_html, at: row.responded_at } : null,
    debate: row.debate_scheduled_for ? { date: row.debate_scheduled_for, outcomeHtml: row.debate_outcome_html, at: row.debated_at } : null,
    sponsors: { required: row.sponsors_required, count: row.sponsor_count },
    // The author's private view: the sponsor link while sponsoring, the reason when rejected.
    sponsorLink: isAuthor && row.state === 'sponsoring' ? link(await sponsorPath(row.id)) : null,
    rejection: (isAuthor || mayModerate(viewer)) && row.state === 'rejected' ? { reason: row.rejection_reason, details: row.rejection_details } : null,
    areaCounts: published ? await petitionAreaCounts(id) : [],
    daily: published ? await petitionDailyCounts(id) : [],
    viewer: { isAuthor, mayModerate: mayModerate(viewer), mayRespond: mayRespond(viewer) },
    row,
  }
}
export type PetitionView = NonNullable<Awaited<ReturnType<typeof petitionForViewer>>>

/**
 * What machines read at /petitions/:id.json: only published (open or closed) petitions; null
 * otherwise (the route answers 404).
 */
export async function petitionJson(id: number) {
  const row = await database()
    .db.selectFrom('petitions as p')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .leftJoin('departments as d', 'd.id', 'p.target_department_id')
    .leftJoin('representatives as r', 'r.id', 'p.target_representative_id')
    .selectAll('p')
    .select(['a.name as areaName', 'a.slug as areaSlug', 'd.name as departmentName', 'r.name as representativeName'])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || !isPublicState(row.state)) return null
  const counts = (await petitionAreaCounts(id)).filter((a) => a.signatures > 0)
  const area = (a: AreaCount) => ({ id: a.id, slug: a.slug, name: a.name, signatures: a.signatures })
  return {
    id: row.id,
    url: link(petitionUrl(row.id)),
    title: row.title,
    action: row.action,
    background: row.background_md,
    state: row.state,
    target: {
      kind: row.target_kind,
      // Names entered per language: the site's default language (machines get one value).
      ...(row.target_kind === 'department' ? { id: row.target_department_id, name: namesIn(cityDefaultLocale())(row.departmentName) } : {}),
      ...(row.target_kind === 'representative' ? { id: row.target_representative_id, name: row.representativeName } : {}),
    },
    restricted_to: row.areaSlug ? { id: row.area_id, slug: row.areaSlug, name: row.areaName } : null,
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    signature_count: row.signature_count,
    thresholds: {
      response: row.response_threshold,
      debate: row.debate_threshold,
      response_reached_at: row.response_threshold_reached_at,
      debate_reached_at: row.debate_threshold_reached_at,
    },
    awaiting_response: awaitingResponse(row),
    opened_at: row.opened_at,
    closes_at: row.closes_at,
    closed_at: row.closed_at,
    response: row.responded_at ? { at: row.responded_at, markdown: row.response_md, html: row.response_html } : null,
    debate: row.debate_scheduled_for ? { scheduled_for: row.debate_scheduled_for, debated_at: row.debated_at, outcome_markdown: row.debate_outcome_md, outcome_html: row.debate_outcome_html } : null,
    signatures_by_district: counts.filter((a) => a.level === 'district').map(area),
    signatures_by_neighbourhood: counts.filter((a) => a.level === 'neighbourhood').map(area),
  }
}

// ---------------------------------------------------------------- staff lists

/** The moderation queue: pending petitions (oldest first), and the open ones (for the fraud tools). */
export async function moderationPetitions() {
  const { db } = database()
  const [pending, open] = await Promise.all([
    db
      .selectFrom('petitions as p')
      .leftJoin('users as u', 'u.id', 'p.author_id')
      .select(['p.id', 'p.title', 'p.action', 'p.background_html as backgroundHtml', 'p.submitted_at as submittedAt', 'p.sponsor_count as sponsors', 'u.display_name as authorName'])
      .where('p.state', '=', 'pending')
      .orderBy('p.submitted_at')
      .orderBy('p.id')
      .limit(200)
      .execute(),
    db
      .selectFrom('petitions')
      .select(['id', 'title', 'signature_count as signatures', 'pending_count as pending', 'held_count as held', 'closes_at as closesAt'])
      .where('state', '=', 'open')
      .orderBy('signature_count', 'desc')
      .limit(200)
      .execute(),
  ])
  return { pending, open }
}

/** What the council has to do: petitions past a threshold, awaiting a response first. */
export async function councilPetitions() {
  const rows = await database()
    .db.selectFrom('petitions')
    .select([
      'id',
      'title',
      'state',
      'signature_count as signatures',
      'response_threshold as responseThreshold',
      'debate_threshold as debateThreshold',
      'response_threshold_reached_at as responseReachedAt',
      'debate_threshold_reached_at as debateReachedAt',
      'responded_at as respondedAt',
      'debate_scheduled_for as debateScheduledFor',
      'debated_at as debatedAt',
    ])
    .where('state', 'in', ['open', 'closed'])
    .where('response_threshold_reached_at', 'is not', null)
    .orderBy('response_threshold_reached_at')
    .limit(1000)
    .execute()
  return {
    awaiting: rows.filter((r) => !r.respondedAt),
    debate: rows.filter((r) => r.respondedAt && r.debateReachedAt && !r.debatedAt),
    done: rows.filter((r) => r.respondedAt && (!r.debateReachedAt || r.debatedAt)),
  }
}

/** How many petitions wait for the council's response (the council hub's line). */
export async function awaitingResponseCount(): Promise<number> {
  const row = await database()
    .db.selectFrom('petitions')
    .select(sql<number>`count(*)`.as('n'))
    .where('response_threshold_reached_at', 'is not', null)
    .where('responded_at', 'is', null)
    .where('state', 'in', ['open', 'closed'])
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** How many petitions wait for moderation (the moderation hub's line). */
export async function pendingPetitionCount(): Promise<number> {
  const row = await database()
    .db.selectFrom('petitions')
    .select(sql<number>`count(*)`.as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

// ---------------------------------------------------------------- personal data

/** What Plaza holds about a person here (for /account/data.json): their petitions. */
export async function petitionDataOf(userId: number) {
  const petitions = await database()
    .db.selectFrom('petitions')
    .select(['id', 'title', 'action', 'background_md as background', 'state', 'created_at', 'opened_at'])
    .where('author_id', '=', userId)
    .orderBy('id')
    .execute()
  return { petitions }
}

// ---------------------------------------------------------------- /petitions/:id.json

const JSON_HEADERS = (status: number) => ({
  'Content-Type': 'application/json; charset=utf-8',
  'Access-Control-Allow-Origin': '*',
  'Cache-Control': status === 200 ? 'public, max-age=30' : 'public, max-age=10',
  'X-Content-Type-Options': 'nosniff',
})

/**
 * GET /petitions/:id.json for machines: answered before Remix (scripts/start.ts fastRoutes, from
 * the server build) and by the petitions.$id route's loader for the same URL. Published petitions
 * only; anything else is a 404 in JSON.
 */
export async function petitionJsonResponse(request: Request): Promise<Response> {
  const match = /^\/petitions\/([1-9]\d{0,11})\.json$/.exec(new URL(request.url).pathname)
  const body = match ? await petitionJson(Number(match[1])) : null
  if (!body) return new Response(JSON.stringify({ error: 'not found' }), { status: 404, headers: JSON_HEADERS(404) })
  return new Response(JSON.stringify(body), { status: 200, headers: JSON_HEADERS(200) })
}
