import { sql, type Kysely, type Transaction } from 'kysely'
import { writeQueue } from '../../lib/write-queue'
import { z } from 'zod'
import type { Database, SignatureStatus } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database, databaseFault, type PlazaDatabase } from '../../lib/db.server'
import { statements, type Part, type Statements } from '../../lib/db/statements'
import { writeSetting } from '../../lib/settings.server'
import { translator } from '../../lib/i18n.server'
import { isLocale, fallbackLocale, type Locale } from '../../lib/i18n'
import { composeMail, mailsPart, queueMailPrepared, type ComposedMail } from '../../lib/mail/outbox.server'
import { escapeHtml } from '../../lib/mail/compose.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { requiredLevel } from '../accounts/policy'
import { recordAudit } from '../moderation/moderation.server'
import { registerDataExporter, userById } from '../accounts/accounts.server'
import { areasContaining } from '../geo/lookup.server'
import { areaOptions, cityBounds, type AreaOption } from '../geo/areas.server'
import { mapClientConfig } from '../geo/config.server'
import type { MapClientConfig } from '../../components/map/types'
import { normaliseSignatureEmail, signatureEmailDomain } from './email'
import { decideSignature, parseIpList, parseSignatureLists, rateLimitKey, type SignatureDecision, type SignatureLists, type SignatureListsInput } from './fraud'
import { petitionEvent } from '../notifications/events.server'
import { citySettings, citySettingsNow } from '../city/settings.server'

/**
 * Signing petitions (issue 8): one signature per normalised e-mail per petition, residence, the
 * fraud rules, e-mail confirmation, and the counts — all kept in the writes that change the rows.
 *
 * The write path (docs/decisions/060-petition-signing-write-path.md): signatures are validated and
 * their mail composed before they queue; the signatures that arrive while a batch is committing
 * wait in `queue`, and the next batch writes all of them in ONE `database().write` — each in its
 * own savepoint — with one relative count update per petition, area and hour for the whole batch.
 * The promise of each signature resolves after that commit (synchronous=FULL: on disk).
 */

// ------------------------------------------------------------------------------------------------
// Petitions as signing sees them
// ------------------------------------------------------------------------------------------------

export interface SigningPetition {
  id: number
  state: string
  area_id: number | null
  closes_at: string | null
  locale: string | null
  title: string
  author_id: number | null
}

async function signingPetition(executor: Kysely<Database> | Transaction<Database>, id: number): Promise<SigningPetition | undefined> {
  return executor.selectFrom('petitions').select(['id', 'state', 'area_id', 'closes_at', 'locale', 'title', 'author_id']).where('id', '=', id).executeTakeFirst()
}

// The check before queueing may use a petition read up to a second ago: the batch reads it again
// inside its write, so a petition closed meanwhile still refuses the signature.
const PRECHECK_MS = 1_000
const precheck = new Map<number, { at: number; petition: SigningPetition | undefined }>()
async function recentPetition(id: number, fresh = false): Promise<SigningPetition | undefined> {
  const now = Date.now()
  const known = precheck.get(id)
  if (!fresh && known && now - known.at < PRECHECK_MS) return known.petition
  const petition = await signingPetition(database().db, id)
  if (precheck.size >= 10_000) precheck.clear()
  precheck.set(id, { at: now, petition })
  return petition
}

/** Why a petition does not take this signature now (null: it does). */
export function signingRefusal(petition: Pick<SigningPetition, 'state' | 'closes_at'>, sponsor: boolean, at: string): 'closed' | 'notOpen' | null {
  if (petition.state === 'closed') return 'closed'
  if (petition.state === 'open') return petition.closes_at !== null && petition.closes_at <= at ? 'closed' : null
  // Sponsoring petitions take only the sponsors, through the private link.
  if (petition.state === 'sponsoring' && sponsor) return null
  return 'notOpen'
}

// ------------------------------------------------------------------------------------------------
// Residence
// ------------------------------------------------------------------------------------------------

interface AreaRow {
  id: number
  slug: string
  level: string
  parent_id: number | null
}
let areaCache: { at: number; byId: Map<number, AreaRow>; bySlug: Map<string, AreaRow> } | null = null

async function areaIndex(db: Kysely<Database>) {
  if (areaCache && Date.now() - areaCache.at < 30_000) return areaCache
  const rows = await db.selectFrom('areas').select(['id', 'slug', 'level', 'parent_id']).execute()
  areaCache = { at: Date.now(), byId: new Map(rows.map((r) => [r.id, r])), bySlug: new Map(rows.map((r) => [r.slug, r])) }
  return areaCache
}

export interface Residence {
  lat: number | null
  lng: number | null
  /** the most specific area known: the neighbourhood, else the district */
  areaId: number | null
  districtId: number | null
  /** every area the signer lives in (city, district, neighbourhood) */
  within: number[]
}

const coordinate = (value: string | undefined, min: number, max: number) => {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value.trim().replace(',', '.'))
  return value.trim().length <= 40 && Number.isFinite(n) && n >= min && n <= max ? n : null
}

/**
 * Where the signer lives: a point (the areas containing it) or an area (id or slug: that area and
 * the areas above it). Errors are i18n keys.
 */
export async function resolveResidence(
  fields: { lat?: string; lng?: string; area?: string },
  db: PlazaDatabase = database(),
): Promise<{ ok: true; residence: Residence } | { ok: false; errors: Record<string, string> }> {
  const lat = coordinate(fields.lat, -90, 90)
  const lng = coordinate(fields.lng, -180, 180)
  if (lat === null) return { ok: false, errors: { lat: 'geo:picker.errors.lat' } }
  if (lng === null) return { ok: false, errors: { lng: 'geo:picker.errors.lng' } }
  if (lat !== undefined || lng !== undefined) {
    if (lat === undefined) return { ok: false, errors: { lat: 'geo:picker.errors.latMissing' } }
    if (lng === undefined) return { ok: false, errors: { lng: 'geo:picker.errors.lngMissing' } }
    const hits = await areasContaining(lat, lng, db)
    if (hits.length === 0) return { ok: false, errors: { location: 'signatures:errors.outsideCity' } }
    const district = hits.find((h) => h.level === 'district')?.id ?? null
    const neighbourhood = hits.find((h) => h.level === 'neighbourhood')?.id ?? null
    return { ok: true, residence: { lat, lng, areaId: neighbourhood ?? district, districtId: district, within: hits.map((h) => h.id) } }
  }
  const text = (fields.area ?? '').trim()
  if (text === '') return { ok: false, errors: { location: 'signatures:errors.locationMissing' } }
  if (text.length > 100) return { ok: false, errors: { area: 'geo:picker.errors.area' } }
  const index = await areaIndex(db.db)
  const area = /^[1-9][0-9]{0,9}$/.test(text) ? index.byId.get(Number(text)) : index.bySlug.get(text)
  if (!area) return { ok: false, errors: { area: 'geo:picker.errors.area' } }
  const within: number[] = []
  let districtId: number | null = null
  for (let a: AreaRow | undefined = area; a && within.length < 10; a = a.parent_id ? index.byId.get(a.parent_id) : undefined) {
    within.push(a.id)
    if (a.level === 'district') districtId = a.id
  }
  const areaId = area.level === 'city' ? null : area.id
  return { ok: true, residence: { lat: null, lng: null, areaId, districtId, within } }
}

// ------------------------------------------------------------------------------------------------
// Lists (settings) and limits
// ------------------------------------------------------------------------------------------------

export const LISTS_SETTING = 'petition_signature_lists'
const LISTS_TTL_MS = 5_000
let listsCache: { at: number; lists: SignatureLists } | null = null

export interface StoredLists {
  allowIps: string
  blockIps: string
  allowDomains: string
  blockDomains: string
}
const emptyLists: StoredLists = { allowIps: '', blockIps: '', allowDomains: '', blockDomains: '' }

export async function storedSignatureLists(db: Kysely<Database> | Transaction<Database> = database().db): Promise<StoredLists> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', LISTS_SETTING).executeTakeFirst()
  if (!row) return { ...emptyLists }
  try {
    const value = JSON.parse(row.value) as Partial<StoredLists>
    return {
      allowIps: String(value.allowIps ?? ''),
      blockIps: String(value.blockIps ?? ''),
      allowDomains: String(value.allowDomains ?? ''),
      blockDomains: String(value.blockDomains ?? ''),
    }
  } catch {
    return { ...emptyLists }
  }
}

/** The parsed lists, read from settings at most once per few seconds per process. */
export async function signatureLists(db: Kysely<Database> | Transaction<Database> = database().db): Promise<SignatureLists> {
  if (listsCache && Date.now() - listsCache.at < LISTS_TTL_MS) return listsCache.lists
  const lists = parseSignatureLists(await storedSignatureLists(db)).lists
  listsCache = { at: Date.now(), lists }
  return lists
}
export const forgetSignatureLists = () => {
  listsCache = null
}

/** Saves the lists as typed (invalid entries kept in the text, shown, and without effect). */
export async function saveSignatureLists(actorId: number, input: SignatureListsInput & Partial<StoredLists>) {
  const value: StoredLists = {
    allowIps: String(input.allowIps ?? '').slice(0, 20_000),
    blockIps: String(input.blockIps ?? '').slice(0, 20_000),
    allowDomains: String(input.allowDomains ?? '').slice(0, 20_000),
    blockDomains: String(input.blockDomains ?? '').slice(0, 20_000),
  }
  const { invalid } = parseSignatureLists(value)
  await database().write(async (trx) => {
    const before = await storedSignatureLists(trx)
    await writeSetting(trx, LISTS_SETTING, value)
    await recordAudit(trx, { actorId, action: 'petition.lists', targetKind: 'settings', targetId: 0, before, after: value })
  })
  forgetSignatureLists()
  return { lists: value, invalid }
}

// Inside the signing batch's write (synchronous): the settings signPetition has just read.
function signatureLimits() {
  const c = citySettingsNow()
  return { burst: c.PETITION_IP_BURST, burstSeconds: 60, sustained: c.PETITION_IP_HOURLY, sustainedSeconds: 3600 }
}

// ------------------------------------------------------------------------------------------------
// Counts
// ------------------------------------------------------------------------------------------------

const hourOf = (iso: string) => iso.slice(0, 13)

interface CountedRow {
  sponsor: number
  area_id: number | null
  district_id: number | null
  confirmed_at: string | null
  created_at: string
}

/** Count changes of one write, applied once per petition, area and hour. */
class CountDeltas {
  petitions = new Map<number, { counted: number; pending: number; held: number; sponsors: number; lastSigned: string | null }>()
  areas = new Map<string, number>()
  hours = new Map<string, number>()

  private petition(id: number) {
    let p = this.petitions.get(id)
    if (!p) this.petitions.set(id, (p = { counted: 0, pending: 0, held: 0, sponsors: 0, lastSigned: null }))
    return p
  }

  signed(petitionId: number, at: string) {
    const p = this.petition(petitionId)
    if (p.lastSigned === null || p.lastSigned < at) p.lastSigned = at
  }

  /** A row left `from` and entered `to` (null: created / no longer anything counted). */
  move(petitionId: number, row: CountedRow, from: SignatureStatus | null, to: SignatureStatus | null) {
    if (from === to) return
    const p = this.petition(petitionId)
    for (const [status, sign] of [
      [from, -1],
      [to, 1],
    ] as const) {
      if (status === 'pending') p.pending += sign
      else if (status === 'held') p.held += sign
      else if (status === 'counted') {
        p.counted += sign
        if (row.sponsor) p.sponsors += sign
        for (const areaId of countedAreas(row)) {
          const key = `${petitionId}:${areaId}`
          this.areas.set(key, (this.areas.get(key) ?? 0) + sign)
        }
        const key = `${petitionId}:${hourOf(row.confirmed_at ?? row.created_at)}`
        this.hours.set(key, (this.hours.get(key) ?? 0) + sign)
      }
    }
  }

  /**
   * The count updates as statements independent of each other (one relative update per petition,
   * one upsert per area and hour), for one `together` with the batch's rows (ADR 146). Relative
   * updates in the same transaction as the rows: exact whoever else writes, and SET expressions see
   * the old values, so each threshold's time is set the first time only.
   */
  parts(at: string): Part[] {
    const parts: Part[] = []
    for (const [id, d] of this.petitions) {
      if (d.counted === 0 && d.pending === 0 && d.held === 0 && d.sponsors === 0 && d.lastSigned === null) continue
      parts.push({ sql: COUNT_SQL.petition, params: [d.counted, d.pending, d.held, d.sponsors, d.lastSigned, d.lastSigned, d.lastSigned, d.counted, at, d.counted, at, id] })
    }
    for (const [key, n] of this.areas) {
      if (n === 0) continue
      const [petitionId, areaId] = key.split(':').map(Number) as [number, number]
      parts.push({ sql: COUNT_SQL.area, params: [petitionId, areaId, n] })
    }
    for (const [key, n] of this.hours) {
      if (n === 0) continue
      const colon = key.indexOf(':')
      parts.push({ sql: COUNT_SQL.hour, params: [Number(key.slice(0, colon)), key.slice(colon + 1), n] })
    }
    return parts
  }

  /** Whether `followUps` has anything to do (something counted, or a sponsor). */
  followsUp(): boolean {
    return [...this.petitions.values()].some((d) => d.counted > 0 || d.sponsors > 0)
  }

  /** What follows the count updates: threshold events, and a sponsored petition to moderation. */
  async followUps(trx: Transaction<Database>, at: string) {
    for (const [id, d] of this.petitions) {
      // Followers hear when a threshold is reached (issue 10): one primary-key read per petition and batch.
      if (d.counted > 0) await thresholdEvents(trx, id, at)
      if (d.sponsors > 0) {
        // Enough sponsors: to moderation.
        await sql`update petitions set state = 'pending', submitted_at = ${at}, updated_at = ${at}
          where id = ${id} and state = 'sponsoring' and sponsor_count >= sponsors_required`.execute(trx)
      }
    }
  }

  async apply(trx: Transaction<Database>, at: string) {
    await statements(database(), trx).together(this.parts(at))
    await this.followUps(trx, at)
  }
}

const COUNT_SQL = {
  petition: `update petitions set
      signature_count = signature_count + ?,
      pending_count = pending_count + ?,
      held_count = held_count + ?,
      sponsor_count = sponsor_count + ?,
      last_signed_at = case when cast(? as text) is not null and (last_signed_at is null or last_signed_at < ?) then ? else last_signed_at end,
      response_threshold_reached_at = case when response_threshold_reached_at is null and signature_count + ? >= response_threshold then ? else response_threshold_reached_at end,
      debate_threshold_reached_at = case when debate_threshold_reached_at is null and signature_count + ? >= debate_threshold then ? else debate_threshold_reached_at end
    where id = ?`,
  area: `insert into petition_area_counts (petition_id, area_id, signatures) values (?, ?, ?)
    on conflict (petition_id, area_id) do update set signatures = petition_area_counts.signatures + excluded.signatures`,
  hour: `insert into petition_hourly_counts (petition_id, hour, signatures) values (?, ?, ?)
    on conflict (petition_id, hour) do update set signatures = petition_hourly_counts.signatures + excluded.signatures`,
}

async function thresholdEvents(trx: Transaction<Database>, id: number, at: string) {
  const p = await trx.selectFrom('petitions').select(['response_threshold_reached_at', 'debate_threshold_reached_at']).where('id', '=', id).executeTakeFirst()
  if (p?.response_threshold_reached_at === at) await petitionEvent(trx, id, 'response_threshold')
  if (p?.debate_threshold_reached_at === at) await petitionEvent(trx, id, 'debate_threshold')
}

/** A counted signature counts in its district, and in its neighbourhood when it has one. */
function countedAreas(row: Pick<CountedRow, 'area_id' | 'district_id'>): number[] {
  const out: number[] = []
  if (row.district_id !== null) out.push(row.district_id)
  if (row.area_id !== null && row.area_id !== row.district_id) out.push(row.area_id)
  return out
}

/**
 * Rebuilds a petition's counts from its signature rows (the seed, repairs, tests): the counts on
 * the petition, per area and per hour. Thresholds reached and not yet marked are marked now.
 */
export async function recountPetition(trx: Transaction<Database> | Kysely<Database>, petitionId: number): Promise<{ counted: number; pending: number; held: number; sponsors: number }> {
  const totals = await sql<{ counted: number; pending: number; held: number; sponsors: number }>`
    select coalesce(sum(status = 'counted'), 0) as counted, coalesce(sum(status = 'pending'), 0) as pending,
      coalesce(sum(status = 'held'), 0) as held, coalesce(sum(status = 'counted' and sponsor = 1), 0) as sponsors
    from petition_signatures where petition_id = ${petitionId}`.execute(trx)
  const t = totals.rows[0]!
  const at = new Date().toISOString()
  await sql`update petitions set signature_count = ${t.counted}, pending_count = ${t.pending}, held_count = ${t.held}, sponsor_count = ${t.sponsors},
      last_signed_at = (select max(created_at) from petition_signatures where petition_id = ${petitionId}),
      response_threshold_reached_at = case when response_threshold_reached_at is null and ${t.counted} >= response_threshold then ${at} else response_threshold_reached_at end,
      debate_threshold_reached_at = case when debate_threshold_reached_at is null and ${t.counted} >= debate_threshold then ${at} else debate_threshold_reached_at end
    where id = ${petitionId}`.execute(trx)
  await trx.deleteFrom('petition_area_counts').where('petition_id', '=', petitionId).execute()
  await sql`insert into petition_area_counts (petition_id, area_id, signatures)
    select cast(${petitionId} as bigint), area, count(*) from (
      select district_id as area from petition_signatures where petition_id = ${petitionId} and status = 'counted' and district_id is not null
      union all
      select area_id from petition_signatures where petition_id = ${petitionId} and status = 'counted' and area_id is not null and (district_id is null or area_id <> district_id)
    ) as located group by area`.execute(trx)
  await trx.deleteFrom('petition_hourly_counts').where('petition_id', '=', petitionId).execute()
  await sql`insert into petition_hourly_counts (petition_id, hour, signatures)
    select cast(${petitionId} as bigint), substr(coalesce(confirmed_at, created_at), 1, 13), count(*) from petition_signatures
    where petition_id = ${petitionId} and status = 'counted' group by 2`.execute(trx)
  return { counted: Number(t.counted), pending: Number(t.pending), held: Number(t.held), sponsors: Number(t.sponsors) }
}

/**
 * Differences between a petition's stored counts and its rows (empty: exact). For tests, the
 * crash check and the benchmark.
 */
export async function countMismatches(db: Kysely<Database>, petitionId: number): Promise<string[]> {
  const problems: string[] = []
  const p = await db.selectFrom('petitions').select(['signature_count', 'pending_count', 'held_count', 'sponsor_count']).where('id', '=', petitionId).executeTakeFirstOrThrow()
  const r = (
    await sql<{ counted: number; pending: number; held: number; sponsors: number }>`select coalesce(sum(status = 'counted'), 0) as counted,
      coalesce(sum(status = 'pending'), 0) as pending, coalesce(sum(status = 'held'), 0) as held, coalesce(sum(status = 'counted' and sponsor = 1), 0) as sponsors
      from petition_signatures where petition_id = ${petitionId}`.execute(db)
  ).rows[0]!
  if (p.signature_count !== r.counted) problems.push(`signature_count ${p.signature_count} ≠ ${r.counted} rows`)
  if (p.pending_count !== r.pending) problems.push(`pending_count ${p.pending_count} ≠ ${r.pending} rows`)
  if (p.held_count !== r.held) problems.push(`held_count ${p.held_count} ≠ ${r.held} rows`)
  if (p.sponsor_count !== r.sponsors) problems.push(`sponsor_count ${p.sponsor_count} ≠ ${r.sponsors} rows`)
  const areas = await sql<{ area: number; stored: number | null; rows: number | null }>`
    with expected as (
      select area, count(*) as n from (
        select district_id as area from petition_signatures where petition_id = ${petitionId} and status = 'counted' and district_id is not null
        union all
        select area_id from petition_signatures where petition_id = ${petitionId} and status = 'counted' and area_id is not null and (district_id is null or area_id <> district_id)
      ) as located group by area),
    stored as (select area_id as area, signatures as n from petition_area_counts where petition_id = ${petitionId} and signatures <> 0)
    select coalesce(e.area, s.area) as area, s.n as stored, e.n as rows from expected e full outer join stored s on s.area = e.area
    where coalesce(e.n, 0) <> coalesce(s.n, 0)`.execute(db)
  for (const a of areas.rows) problems.push(`area ${a.area}: ${a.stored ?? 0} ≠ ${a.rows ?? 0} rows`)
  const hours = await sql<{ hour: string; stored: number | null; rows: number | null }>`
    with expected as (select substr(coalesce(confirmed_at, created_at), 1, 13) as hour, count(*) as n from petition_signatures
      where petition_id = ${petitionId} and status = 'counted' group by 1),
    stored as (select hour, signatures as n from petition_hourly_counts where petition_id = ${petitionId} and signatures <> 0)
    select coalesce(e.hour, s.hour) as hour, s.n as stored, e.n as rows from expected e full outer join stored s on s.hour = e.hour
    where coalesce(e.n, 0) <> coalesce(s.n, 0)`.execute(db)
  for (const h of hours.rows) problems.push(`hour ${h.hour}: ${h.stored ?? 0} ≠ ${h.rows ?? 0} rows`)
  return problems
}

// ------------------------------------------------------------------------------------------------
// Signing
// ------------------------------------------------------------------------------------------------

export interface SignatureInput {
  name: string
  email: string
  lat?: string
  lng?: string
  area?: string
  updates?: boolean
}

/**
 * The logged-in person who signs, as their session shows them. Their signature uses the account's
 * own address (never one typed in the form) and they sign once, whatever their address.
 */
export interface SigningAccount {
  id: number
  email: string | null
  emailConfirmed: boolean
  verificationLevel: number
}

export interface Signer {
  /** the client address (TRUST_PROXY-aware), null when unknown */
  ip: string | null
  /** the logged-in person, null (or absent) for a visitor */
  account?: SigningAccount | null
  locale?: Locale
  /** the sponsor link's token was checked by the caller */
  sponsor?: boolean
}

export type SignResult =
  | { kind: 'pending'; id: number }
  | { kind: 'counted'; id: number }
  | { kind: 'held'; id: number }
  | { kind: 'blocked'; id: number }
  | { kind: 'duplicate' }
  | { kind: 'closed' }
  | { kind: 'notOpen' }
  | { kind: 'notFound' }
  | { kind: 'outsideArea' }
  /** the petition's creator cannot sponsor it */
  | { kind: 'ownPetition' }
  | { kind: 'invalid'; errors: Record<string, string> }

const emailCheck = z.email()

/** Checks the fields; errors are i18n keys per field. */
export function parseSignatureInput(input: SignatureInput): { ok: true; name: string; email: string; emailKey: string } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const name = input.name.trim().replace(/\s+/g, ' ')
  if (name.length === 0) errors.name = 'signatures:errors.nameMissing'
  else if (name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) errors.name = 'signatures:errors.nameInvalid'
  const email = input.email.trim()
  const emailKey = email === '' ? null : normaliseSignatureEmail(email)
  if (email === '') errors.email = 'signatures:errors.emailMissing'
  // The outbox takes what z.email takes; an address it cannot mail cannot confirm.
  else if (emailKey === null || !emailCheck.safeParse(email).success) errors.email = 'signatures:errors.emailInvalid'
  if (Object.keys(errors).length) return { ok: false, errors }
  return { ok: true, name, email, emailKey: emailKey! }
}

interface QueuedSignature {
  petitionId: number
  sponsor: boolean
  name: string
  email: string
  emailKey: string
  emailDomain: string
  userId: number | null
  /** counted at once when the fraud rules accept (logged in at the level) */
  trusted: boolean
  residence: Residence
  ip: string | null
  ipKey: string | null
  updates: boolean
  locale: Locale
  tokenHash: string
  mail: ComposedMail | null
  at: string
  resolve: (result: SignResult) => void
  reject: (error: unknown) => void
}

// The signing queue: signatures that arrive while a batch commits are written by the next batch.
// Another server process holding SQLite's write lock: `write` asks for it from timers
// (app/lib/db.server.ts beginImmediate), so the event loop stays free and this batch grows meanwhile.
/** The batch could not be written together (one row failed, or one signed meanwhile elsewhere): written again one by one. */
class NotTogether extends Error {
  override name = 'NotTogether'
}

// The signing queue: signatures that arrive while a batch commits are written by the next batch.
// Another server process holding SQLite's write lock: `write` asks for it from timers
// (app/lib/db.server.ts beginImmediate), so the event loop stays free and this batch grows meanwhile.
// A batch is first written together (ADR 146: on PostgreSQL one round trip of reads and one of writes);
// when that fails for anything but a database fault, its transaction is rolled back whole and the
// batch is written again in a new one, each signature in its own savepoint (one that fails takes back
// only itself; the others are written, and acknowledged, once).
//
// Two batches in flight on PostgreSQL (ADR 157): while a batch commits on one write connection, the
// signatures that arrived meanwhile start the next batch on the other (`database().writeLanes`; SQLite
// has one writer, so one batch at a time). The second batch's reads do not see the first's uncommitted
// rows, so what it decides must not depend on them:
// - the per-IP counts add the first batch's signatures in memory (`beside`), except those its read
//   found stored already (committed in between: counted once);
// - a signer (address or account) that is also in the first batch, more than one shared petition, or a
//   trusted signer in either batch (counted signatures upsert area and hour rows): the batch waits for
//   the first to end, as before. Those are the cases where the two statements would wait on each
//   other's row locks (a deadlock), or where the unique row of the first decides the second;
// - a batch written again one by one waits for every batch beside it first (exact, and rare).
// Each batch keeps its own transaction, COMMIT and acknowledgement: durability is unchanged.
interface InFlight {
  items: QueuedSignature[]
  done: Promise<void>
}
const inFlight = new Set<InFlight>()
/** Batches that started while another was being written and did not wait for it. */
let besideBatches = 0

/** Whether `batch` may be written while `other` is still being written (see above). */
function mayRunBeside(batch: QueuedSignature[], other: QueuedSignature[]): boolean {
  if (batch.some((b) => b.trusted) || other.some((b) => b.trusted)) return false
  const signers = new Set(other.flatMap((o) => [`${o.petitionId}:e:${o.emailKey}`, ...(o.userId === null ? [] : [`${o.petitionId}:u:${o.userId}`])]))
  if (batch.some((b) => signers.has(`${b.petitionId}:e:${b.emailKey}`) || (b.userId !== null && signers.has(`${b.petitionId}:u:${b.userId}`)))) return false
  const mine = new Set(batch.map((b) => b.petitionId))
  return new Set(other.map((o) => o.petitionId).filter((id) => mine.has(id))).size <= 1
}

const signing = writeQueue<SignResult, QueuedSignature>(
  async (batch, lane) => {
    const started = [...inFlight]
    let finish!: () => void
    const mine: InFlight = { items: batch, done: new Promise<void>((resolve) => (finish = resolve)) }
    inFlight.add(mine)
    try {
      const wait = started.filter((o) => !mayRunBeside(batch, o.items))
      if (wait.length > 0) await Promise.all(wait.map((o) => o.done))
      const running = started.filter((o) => !wait.includes(o) && inFlight.has(o))
      if (running.length > 0) besideBatches++
      const beside = running.flatMap((o) => o.items)
      try {
        // The queue gathered the batch: written at once (no second wait for the event loop, ADR 151).
        return await database().write((trx) => writeBatch(trx, batch, true, beside), { now: true, lane })
      } catch (error) {
        if (!(error instanceof NotTogether)) throw error
        await Promise.all(started.map((o) => o.done))
        return await database().write((trx) => writeBatch(trx, batch, false, []), { now: true, lane })
      }
    } finally {
      inFlight.delete(mine)
      finish()
    }
  },
  500,
  () => database().writeLanes,
)
/** Batches written, signatures in them, and batches written beside another (benchmarks, tests). */
export const signingStats = () => {
  const { batches, items } = signing.stats()
  return { batches, signatures: items, beside: besideBatches }
}

const PETITION_COLUMNS = 'id, state, area_id, closes_at, locale, title, author_id'

/** `beside`: the signatures of batches being written beside this one (lane ≠ this; PostgreSQL only), not yet stored as far as this batch knows. */
async function writeBatch(trx: Transaction<Database>, batch: QueuedSignature[], together: boolean, beside: QueuedSignature[]): Promise<Array<SignResult | Error>> {
  const petitionIds = [...new Set(batch.map((b) => b.petitionId))]
  const run = statements(database(), trx)
  // The write holds SQLite's write lock from its first statement (BEGIN IMMEDIATE): what it reads
  // below is the latest commit, and no other process can write before this batch commits.
  // Inside the write, through its transaction (the connection is the write's until it commits).
  const lists = await signatureLists(trx)
  const limits = signatureLimits()
  const petitions = new Map<number, SigningPetition>()
  let facts: Map<number, StoredFacts> | null = null
  if (together) {
    // The petitions and what the stored rows say about the batch's signers: one read (ADR 146).
    const reads: Part[] = [{ sql: `select ${PETITION_COLUMNS} from petitions where id in ${run.list('integer')}`, params: [JSON.stringify(petitionIds)] }]
    const decoders = petitionIds.map((id) =>
      factsQuery(
        run,
        id,
        batch.filter((b) => b.petitionId === id),
        beside.filter((b) => b.petitionId === id && b.ipKey !== null),
        limits,
        reads,
      ),
    )
    const rows = await run.together(reads)
    for (const p of rows[0] as SigningPetition[]) petitions.set(Number(p.id), { ...p, id: Number(p.id) })
    facts = new Map(petitionIds.map((id, k) => [id, decoders[k]!(rows)]))
  } else {
    for (const id of petitionIds) {
      const p = await signingPetition(trx, id)
      if (p) petitions.set(id, p)
    }
  }
  const results: Array<SignResult | Error> = []
  const open: number[] = []
  batch.forEach((item, i) => {
    const petition = petitions.get(item.petitionId)
    const refusal = petition ? signingRefusal(petition, item.sponsor, item.at) : null
    if (!petition) results[i] = { kind: 'notFound' }
    else if (refusal) results[i] = { kind: refusal }
    else open.push(i)
  })
  const deltas = new CountDeltas()
  const at = new Date().toISOString()
  if (facts) {
    try {
      const written = await writeTogether(
        run,
        open.map((i) => batch[i]!),
        facts,
        lists,
        limits,
        deltas,
        at,
      )
      open.forEach((i, k) => (results[i] = written[k]!))
    } catch (error) {
      // A fault (disk, connection) fails the batch; anything else (one bad row) rolls this
      // transaction back, and the batch is written again one by one.
      if (databaseFault(error) || error instanceof NotTogether) throw error
      throw new NotTogether(error instanceof Error ? error.message : String(error), { cause: error })
    }
    await deltas.followUps(trx, at)
    return results
  }
  for (const i of open) results[i] = await writeAlone(run, batch[i]!, lists, limits, deltas)
  await deltas.apply(trx, at)
  return results
}

/** One signature in its own savepoint (the fallback of a batch that failed together). */
async function writeAlone(run: Statements, item: QueuedSignature, lists: SignatureLists, limits: SignatureLimits, deltas: CountDeltas): Promise<SignResult | Error> {
  await run.run(HOT_SQL.savepoint)
  try {
    // writeOne changes the deltas only after its last statement: a failure leaves them as they were.
    const result = await writeOne(run, item, lists, limits, deltas)
    await run.run(HOT_SQL.release)
    return result
  } catch (error) {
    if (databaseFault(error)) throw error
    await run.run(HOT_SQL.rollback)
    await run.run(HOT_SQL.release)
    return error instanceof Error ? error : new Error(String(error))
  }
}

type SignatureLimits = ReturnType<typeof signatureLimits>

interface StoredFacts {
  emails: Set<string>
  accounts: Set<number>
  counts: Map<string, { burst: number; hour: number }>
  edges: Array<{ ip_key: string; created_at: string }>
  /** Signatures of a batch written beside this one and not stored when this batch read (ADR 157). */
  beside: Array<{ ip_key: string; at: string }>
  minuteEdge: string
  hourEdge: string
}

/**
 * What the stored rows say about a batch's signers on one petition: its reads are added to `reads`
 * (run together with the batch's other reads); the function returned reads their rows.
 */
function factsQuery(run: Statements, petitionId: number, items: QueuedSignature[], beside: QueuedSignature[], limits: SignatureLimits, reads: Part[]): (rows: unknown[][]) => StoredFacts {
  const times = items.map((i) => Date.parse(i.at))
  const [first, last] = [Math.min(...times), Math.max(...times)]
  const ago = (t: number, seconds: number) => new Date(t - seconds * 1000).toISOString()
  const ipKeys = [...new Set(items.flatMap((i) => (i.ipKey === null ? [] : [i.ipKey])))]
  const userIds = [...new Set(items.flatMap((i) => (i.userId === null ? [] : [i.userId])))]
  const at = reads.length
  // The addresses of the batch beside are asked too: those stored already were committed before this read
  // and are in its counts; the others are added to the per-IP counts in memory (ADR 157).
  reads.push({ sql: HOT_SQL.storedEmails.replace('LIST', run.list('text')), params: [petitionId, JSON.stringify([...new Set([...items, ...beside].map((i) => i.emailKey))])] })
  if (userIds.length > 0) reads.push({ sql: HOT_SQL.storedAccounts.replace('LIST', run.list('integer')), params: [petitionId, JSON.stringify(userIds)] })
  // The windows end a minute and an hour before each signature: rows after the latest window's start
  // count for every signature of the batch (one grouped count); the few in between the earliest and
  // the latest start are read one by one and counted for the signatures whose window holds them.
  if (ipKeys.length > 0) {
    const list = JSON.stringify(ipKeys)
    reads.push({ sql: HOT_SQL.recentAll.replace('LIST', run.list('text')), params: [ago(last, limits.burstSeconds), petitionId, list, ago(last, limits.sustainedSeconds)] })
    reads.push({
      sql: HOT_SQL.recentEdges.replace('LIST', run.list('text')),
      params: [petitionId, list, ago(first, limits.burstSeconds), ago(last, limits.burstSeconds), ago(first, limits.sustainedSeconds), ago(last, limits.sustainedSeconds)],
    })
  }
  return (rows) => {
    let k = at
    const emails = new Set((rows[k++] as Array<{ email_key: string }>).map((r) => r.email_key))
    const accounts = new Set(userIds.length === 0 ? [] : (rows[k++] as Array<{ user_id: number }>).map((r) => Number(r.user_id)))
    const counts = new Map<string, { burst: number; hour: number }>()
    const edges: Array<{ ip_key: string; created_at: string }> = []
    if (ipKeys.length > 0) {
      for (const r of rows[k++] as Array<{ ip_key: string; burst: number; hour: number }>) counts.set(r.ip_key, { burst: Number(r.burst), hour: Number(r.hour) })
      edges.push(...(rows[k] as Array<{ ip_key: string; created_at: string }>))
    }
    const unstored = beside.filter((b) => !emails.has(b.emailKey)).map((b) => ({ ip_key: b.ipKey!, at: b.at }))
    return { emails, accounts, counts, edges, beside: unstored, minuteEdge: ago(last, limits.burstSeconds), hourEdge: ago(last, limits.sustainedSeconds) }
  }
}

const SIGNATURE_COLUMNS = {
  petition_id: 'integer',
  status: 'text',
  reason: 'text',
  decision: 'text',
  sponsor: 'integer',
  name: 'text',
  email: 'text',
  email_key: 'text',
  email_domain: 'text',
  user_id: 'integer',
  lat: 'real',
  lng: 'real',
  area_id: 'integer',
  district_id: 'integer',
  ip: 'text',
  ip_key: 'text',
  notify_updates: 'integer',
  confirm_token_hash: 'text',
  locale: 'text',
  created_at: 'text',
  confirmed_at: 'text',
} as const

interface Planned {
  item: QueuedSignature
  status: SignatureStatus
  reason: string
  decision: SignatureDecision
  confirmedAt: string | null
}

/**
 * The batch's signatures written together: what the stored rows say was read once per petition
 * (`facts`), the fraud rules are decided in order (each signature counting the batch's signatures
 * before it, as if each had been written alone), then ONE `together` of the rows, their confirmation
 * mails and the count updates (on PostgreSQL one statement). The same results as `writeOne` for each
 * in turn; throws when any row fails or was signed meanwhile on another server (the caller rolls the
 * transaction back and writes them one by one).
 */
async function writeTogether(
  run: Statements,
  items: QueuedSignature[],
  facts: Map<number, StoredFacts>,
  lists: SignatureLists,
  limits: SignatureLimits,
  deltas: CountDeltas,
  at: string,
): Promise<SignResult[]> {
  const results: SignResult[] = new Array(items.length)
  const planned: Array<Planned & { index: number }> = []
  const written = new Map<string, string[]>() // petition and ip key → times of the batch's signatures before
  items.forEach((item, index) => {
    const known = facts.get(item.petitionId)!
    if ((item.userId !== null && known.accounts.has(item.userId)) || known.emails.has(item.emailKey)) {
      results[index] = { kind: 'duplicate' }
      return
    }
    let recent = { ipBurst: 0, ipSustained: 0 }
    if (item.ipKey !== null) {
      const minuteAgo = new Date(Date.parse(item.at) - limits.burstSeconds * 1000).toISOString()
      const hourAgo = new Date(Date.parse(item.at) - limits.sustainedSeconds * 1000).toISOString()
      const stored = known.counts.get(item.ipKey) ?? { burst: 0, hour: 0 }
      const edges = known.edges.filter((e) => e.ip_key === item.ipKey)
      const key = `${item.petitionId}:${item.ipKey}`
      const before = written.get(key) ?? known.beside.filter((b) => b.ip_key === item.ipKey).map((b) => b.at)
      recent = {
        ipBurst: stored.burst + edges.filter((e) => e.created_at > minuteAgo && e.created_at <= known.minuteEdge).length + before.filter((t) => t > minuteAgo).length,
        ipSustained: stored.hour + edges.filter((e) => e.created_at > hourAgo && e.created_at <= known.hourEdge).length + before.filter((t) => t > hourAgo).length,
      }
      written.set(key, [...before, item.at])
    }
    known.emails.add(item.emailKey)
    if (item.userId !== null) known.accounts.add(item.userId)
    planned.push({ index, ...plan(item, lists, limits, recent) })
  })
  if (planned.length === 0) return results
  for (const p of planned) countSigned(deltas, p)
  const mails = planned.flatMap((p) => (p.status === 'pending' && p.item.mail ? [{ kind: 'petition.confirm', to: p.item.email, ...p.item.mail }] : []))
  const mailPart = mailsPart(run, mails)
  // Signed meanwhile on another server (PostgreSQL): its mail and counts are in this statement too,
  // so the statement fails (`every`) and the whole batch is written again one by one (where it is a
  // duplicate, as writeOne says). COMMIT goes with this statement (ADR 151: on PostgreSQL one round trip
  // for the write and the commit) unless something was counted: then the follow-ups come first.
  const [inserted] = (await run.together(
    [
      run.insertPart(
        'petition_signatures',
        SIGNATURE_COLUMNS,
        planned.map((p) => signatureRow(p)),
        'on conflict (petition_id, email_key) do nothing returning id, petition_id, email_key',
        { every: true },
      ),
      ...(mailPart ? [mailPart] : []),
      ...deltas.parts(at),
    ],
    { commit: !deltas.followsUp() },
  )) as [Array<{ id: number; petition_id: number; email_key: string }>]
  if (inserted.length !== planned.length) throw new NotTogether(`${planned.length - inserted.length} signed meanwhile`)
  const ids = new Map(inserted.map((r) => [`${r.petition_id}:${r.email_key}`, Number(r.id)]))
  for (const p of planned) {
    const id = ids.get(`${p.item.petitionId}:${p.item.emailKey}`)!
    results[p.index] = p.status === 'blocked' ? { kind: 'blocked', id } : { kind: p.status as 'pending' | 'counted' | 'held', id }
  }
  return results
}

/** The fraud rules' decision for a signature, and the status it is stored with. */
function plan(item: QueuedSignature, lists: SignatureLists, limits: SignatureLimits, recent: { ipBurst: number; ipSustained: number }): Planned {
  const { decision, reason } = decideSignature({ ip: item.ip, emailDomain: item.emailDomain, lists, recentCounts: recent, limits })
  const status: SignatureStatus = decision === 'block' ? 'blocked' : item.trusted ? (decision === 'accept' ? 'counted' : 'held') : 'pending'
  return { item, status, reason, decision, confirmedAt: item.trusted && decision !== 'block' ? item.at : null }
}

function signatureRow({ item, status, reason, decision, confirmedAt }: Planned): unknown[] {
  const r = item.residence
  return [
    item.petitionId,
    status,
    reason,
    decision,
    item.sponsor ? 1 : 0,
    item.name,
    item.email,
    item.emailKey,
    item.emailDomain,
    item.userId,
    r.lat,
    r.lng,
    r.areaId,
    r.districtId,
    item.ip,
    item.ipKey,
    item.updates ? 1 : 0,
    status === 'pending' ? item.tokenHash : null,
    item.locale,
    item.at,
    confirmedAt,
  ]
}

function countSigned(deltas: CountDeltas, { item, status, confirmedAt }: Planned) {
  const r = item.residence
  deltas.signed(item.petitionId, item.at)
  deltas.move(item.petitionId, { sponsor: item.sponsor ? 1 : 0, area_id: r.areaId, district_id: r.districtId, confirmed_at: confirmedAt, created_at: item.at }, null, status)
}

// The statements every signature runs, through the statements adapter (app/lib/db/statements.ts):
// on SQLite prepared once per connection and run on the raw connection the write's transaction
// holds (one connection: the same transaction), because preparing them anew per signature through
// the query builder was a third of a signature's CPU; on PostgreSQL on the write's transaction.
const HOT_SQL = {
  storedEmails: 'select email_key from petition_signatures where petition_id = ? and email_key in LIST',
  storedAccounts: 'select distinct user_id from petition_signatures where petition_id = ? and user_id in LIST',
  recentAll: `select ip_key, coalesce(sum(case when created_at > ? then 1 else 0 end), 0) as burst, count(*) as hour from petition_signatures
        where petition_id = ? and ip_key in LIST and created_at > ? group by ip_key`,
  recentEdges: `select ip_key, created_at from petition_signatures where petition_id = ? and ip_key in LIST
        and ((created_at > ? and created_at <= ?) or (created_at > ? and created_at <= ?))`,
  savepoint: 'savepoint signature',
  release: 'release savepoint signature',
  rollback: 'rollback to savepoint signature',
  recent: `select coalesce(sum(case when created_at > ? then 1 else 0 end), 0) as burst, count(*) as hour from petition_signatures
        where petition_id = ? and ip_key = ? and created_at > ?`,
  byAccount: 'select 1 as found from petition_signatures where petition_id = ? and user_id = ? limit 1',
  insert: `insert into petition_signatures (petition_id, status, reason, decision, sponsor, name, email, email_key, email_domain, user_id,
          lat, lng, area_id, district_id, ip, ip_key, notify_updates, confirm_token_hash, locale, created_at, confirmed_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict (petition_id, email_key) do nothing returning id`,
}

async function writeOne(run: Statements, item: QueuedSignature, lists: SignatureLists, limits: SignatureLimits, deltas: CountDeltas): Promise<SignResult> {
  // One signature per person: an account that changed its address has still signed (checked in
  // the write, so two posts at once cannot both pass).
  if (item.userId !== null && (await run.get(HOT_SQL.byAccount, item.petitionId, item.userId)) !== undefined) return { kind: 'duplicate' }
  let recent = { ipBurst: 0, ipSustained: 0 }
  if (item.ipKey !== null) {
    const minuteAgo = new Date(Date.parse(item.at) - limits.burstSeconds * 1000).toISOString()
    const hourAgo = new Date(Date.parse(item.at) - limits.sustainedSeconds * 1000).toISOString()
    const row = await run.get<{ burst: number; hour: number }>(HOT_SQL.recent, minuteAgo, item.petitionId, item.ipKey, hourAgo)
    recent = { ipBurst: Number(row?.burst ?? 0), ipSustained: Number(row?.hour ?? 0) }
  }
  const planned = plan(item, lists, limits, recent)
  const inserted = await run.get<{ id: number }>(HOT_SQL.insert, ...signatureRow(planned))
  if (!inserted) return { kind: 'duplicate' }
  // The batch's own connection (the write's), through a prepared statement: see queueMailPrepared.
  if (planned.status === 'pending' && item.mail) await queueMailPrepared(run, { kind: 'petition.confirm', to: item.email, ...item.mail })
  countSigned(deltas, planned)
  const id = Number(inserted.id)
  return planned.status === 'blocked' ? { kind: 'blocked', id } : { kind: planned.status as 'pending' | 'counted' | 'held', id }
}

const link = (path: string) => `${config().PUBLIC_URL}${path}`

// The mail composed once per language and petition title with stand-ins for the signer's name and
// link (a peak signs one petition thousands of times a second; translating and composing it for
// each signature was a tenth of its CPU): each signature only puts its own name and link in.
const NAME_MARK = 'PLAZAxNAMExMARK'
const TOKEN_MARK = 'PLAZAxTOKENxMARK'
const mailTemplates = new Map<string, ComposedMail>()
export function confirmationMail(locale: Locale, name: string, title: string, token: string): ComposedMail {
  const key = `${locale}\u0000${title}`
  let template = mailTemplates.get(key)
  if (!template) {
    const t = translator(locale)
    if (mailTemplates.size >= 1000) mailTemplates.clear()
    template = composeMail({
      locale,
      subject: t('signatures:mail.confirm.subject', { title }),
      greeting: t('signatures:mail.confirm.greeting', { name: NAME_MARK }),
      paragraphs: [t('signatures:mail.confirm.body', { title }), t('signatures:mail.confirm.ignore')],
      action: { label: t('signatures:mail.confirm.action'), url: link(`/petitions/confirm/${TOKEN_MARK}`) },
    })
    mailTemplates.set(key, template)
  }
  // Tokens are URL-safe; the name is escaped for the HTML part only.
  const safeToken = encodeURIComponent(token)
  return {
    subject: template.subject,
    text: template.text.replaceAll(NAME_MARK, name).replaceAll(TOKEN_MARK, safeToken),
    html: template.html.replaceAll(NAME_MARK, escapeHtml(name)).replaceAll(TOKEN_MARK, safeToken),
  }
}

/**
 * Signs a petition. Checks the fields, the petition's state and dates, residence and the area
 * restriction before queueing; the fraud rules, the one-per-e-mail rule and the counts are applied
 * inside the batch's write. Resolves once the signature is committed.
 */
export async function signPetition(petitionId: number, input: SignatureInput, signer: Signer): Promise<SignResult> {
  const account = signer.account ?? null
  // Logged in: the account's own address, whatever the form says (one account, one signature).
  if (account && !account.email) return { kind: 'invalid', errors: { email: 'signatures:errors.accountEmail' } }
  const fields = parseSignatureInput(account ? { ...input, email: account.email! } : input)
  const residence = await resolveResidence({ lat: input.lat, lng: input.lng, area: input.area })
  if (!fields.ok || !residence.ok) return { kind: 'invalid', errors: { ...(residence.ok ? {} : residence.errors), ...(fields.ok ? {} : fields.errors) } }
  let petition = await recentPetition(petitionId)
  const at = new Date().toISOString()
  // A refusal is never taken from the cache: the petition may have opened a moment ago.
  if (!petition || signingRefusal(petition, Boolean(signer.sponsor), at)) petition = await recentPetition(petitionId, true)
  if (!petition) return { kind: 'notFound' }
  const refusal = signingRefusal(petition, Boolean(signer.sponsor), at)
  if (refusal) return { kind: refusal }
  if (petition.area_id !== null && !residence.residence.within.includes(petition.area_id)) return { kind: 'outsideArea' }
  const sponsor = Boolean(signer.sponsor) && petition.state === 'sponsoring'
  if (sponsor && (await isOwnPetition(petition, account, fields.emailKey))) return { kind: 'ownPetition' }
  const c = await citySettings()
  // Counted at once only for a confirmed address at the sign level; anyone else confirms by e-mail.
  const trusted = c.PETITION_COUNT_LOGGED_IN && account !== null && account.emailConfirmed && account.verificationLevel >= requiredLevel('sign', c.VERIFICATION_LEVELS)
  const locale = signer.locale ?? (isLocale(petition.locale) ? petition.locale : fallbackLocale)
  const token = generateToken()
  const ip = signer.ip && signer.ip !== 'unknown' ? signer.ip : null
  return new Promise<SignResult>((resolve, reject) =>
    signing.add({
      petitionId,
      // A sponsor link used after the petition opened signs as anyone does.
      sponsor,
      name: fields.name,
      email: fields.email,
      emailKey: fields.emailKey,
      emailDomain: signatureEmailDomain(fields.emailKey),
      userId: account?.id ?? null,
      trusted,
      residence: residence.residence,
      ip,
      ipKey: ip === null ? null : rateLimitKey(ip),
      updates: Boolean(input.updates),
      locale,
      tokenHash: hashToken(token),
      // Composed before the write: the write does no slow work.
      mail: trusted ? null : confirmationMail(locale, fields.name, petition.title, token),
      at,
      resolve,
      reject,
    }),
  )
}

/** The creator sponsoring their own petition: by their account, or by their account's address. */
async function isOwnPetition(petition: SigningPetition, account: SigningAccount | null, emailKey: string): Promise<boolean> {
  if (petition.author_id === null) return false
  if (account?.id === petition.author_id) return true
  const author = await userById(petition.author_id)
  return Boolean(author?.email) && normaliseSignatureEmail(author!.email!) === emailKey
}

// ------------------------------------------------------------------------------------------------
// Confirmation
// ------------------------------------------------------------------------------------------------

export type ConfirmResult = { kind: 'confirmed'; petitionId: number } | { kind: 'invalid' }

/** The petition's latest invalidations (moderators' page), newest first. */
export async function recentInvalidations(petitionId: number, limit = 20) {
  return database()
    .db.selectFrom('petition_invalidations')
    .select(['id', 'criteria', 'reason', 'signatures', 'created_at'])
    .where('petition_id', '=', petitionId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

/**
 * The e-mailed link. Accepted → counted; held by the fraud rules → held (the person is thanked the
 * same way). Following it again, or after staff acted, answers the same: idempotent.
 */
export async function confirmSignature(token: string): Promise<ConfirmResult> {
  if (!/^[a-z0-9]{10,100}$/.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  return database().write(async (trx) => {
    const row = await trx
      .selectFrom('petition_signatures')
      .select(['id', 'petition_id', 'status', 'decision', 'sponsor', 'area_id', 'district_id', 'created_at'])
      .where('confirm_token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (!row) return { kind: 'invalid' as const }
    if (row.status !== 'pending') return { kind: 'confirmed' as const, petitionId: row.petition_id }
    const at = new Date().toISOString()
    const to: SignatureStatus = row.decision === 'accept' ? 'counted' : row.decision === 'hold' ? 'held' : 'blocked'
    const changed = await trx.updateTable('petition_signatures').set({ status: to, confirmed_at: at }).where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst()
    if (Number(changed.numUpdatedRows) === 1) {
      const deltas = new CountDeltas()
      deltas.move(row.petition_id, { ...row, confirmed_at: at }, 'pending', to)
      await deltas.apply(trx, at)
    }
    return { kind: 'confirmed' as const, petitionId: row.petition_id }
  })
}

// ------------------------------------------------------------------------------------------------
// Staff tools
// ------------------------------------------------------------------------------------------------

export interface SignatureOverview {
  byStatus: Record<SignatureStatus, number>
  byReason: Array<{ status: SignatureStatus; reason: string; count: number }>
  held: Array<{ id: number; name: string; email: string; ip: string | null; reason: string; createdAt: string }>
  heldTotal: number
}

export async function signatureOverview(petitionId: number, limit = 100): Promise<SignatureOverview> {
  const { db } = database()
  const rows = await db
    .selectFrom('petition_signatures')
    .select(['status', 'reason', (eb) => eb.fn.countAll<number>().as('count')])
    .where('petition_id', '=', petitionId)
    .groupBy(['status', 'reason'])
    .orderBy('status')
    .orderBy('reason')
    .execute()
  const byStatus: Record<SignatureStatus, number> = { pending: 0, counted: 0, held: 0, blocked: 0, invalidated: 0 }
  for (const r of rows) byStatus[r.status] += Number(r.count)
  const held = await db
    .selectFrom('petition_signatures')
    .select(['id', 'name', 'email', 'ip', 'reason', 'created_at'])
    .where('petition_id', '=', petitionId)
    .where('status', '=', 'held')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute()
  return {
    byStatus,
    byReason: rows.map((r) => ({ status: r.status, reason: r.reason, count: Number(r.count) })),
    held: held.map((h) => ({ id: h.id, name: h.name, email: h.email, ip: h.ip, reason: h.reason, createdAt: h.created_at })),
    heldTotal: byStatus.held,
  }
}

/** Staff review of held signatures: accept (→ counted) or invalidate, with an audit row. */
export async function reviewHeldSignatures(actorId: number, petitionId: number, ids: number[], action: 'accept' | 'invalidate', reason: string): Promise<number> {
  if (ids.length === 0) return 0
  return database().write(async (trx) => {
    const at = new Date().toISOString()
    const rows = await trx
      .selectFrom('petition_signatures')
      .select(['id', 'sponsor', 'area_id', 'district_id', 'confirmed_at', 'created_at'])
      .where('petition_id', '=', petitionId)
      .where('status', '=', 'held')
      .where('id', 'in', ids.slice(0, 1000))
      .execute()
    if (rows.length === 0) return 0
    const to: SignatureStatus = action === 'accept' ? 'counted' : 'invalidated'
    await trx
      .updateTable('petition_signatures')
      .set(
        action === 'accept'
          ? { status: 'counted', reviewed_by: actorId, reason: 'reviewed' }
          : { status: 'invalidated', reviewed_by: actorId, invalidated_at: at, reason: reason.slice(0, 500) || 'reviewed' },
      )
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('status', '=', 'held')
      .execute()
    const deltas = new CountDeltas()
    // A held row was confirmed (or signed logged in): its counted hour is its confirmation's.
    for (const r of rows) deltas.move(petitionId, r, 'held', to)
    await deltas.apply(trx, at)
    await recordAudit(trx, { actorId, action: `petition.signatures.${action}`, targetKind: 'petition', targetId: petitionId, after: { ids: rows.map((r) => r.id) }, reason: reason || null })
    return rows.length
  })
}

export const invalidatableStatuses = ['counted', 'pending', 'held'] as const
export type InvalidatableStatus = (typeof invalidatableStatuses)[number]

export interface InvalidationCriteria {
  /** an address or a CIDR range */
  ip?: string
  domain?: string
  /** ISO times: created_at in [from, to) */
  from?: string
  to?: string
  statuses?: InvalidatableStatus[]
}

/** Errors are i18n keys per field; at least one of ip, domain or a time bound is needed. */
export function checkCriteria(c: InvalidationCriteria): Record<string, string> {
  const errors: Record<string, string> = {}
  if (c.ip && parseIpList([c.ip]).invalid.length) errors.ip = 'signatures:moderation.errors.ip'
  if (c.domain && !/^[a-z0-9.-]{1,253}$/i.test(c.domain.replace(/^@/, ''))) errors.domain = 'signatures:moderation.errors.domain'
  if (c.from && Number.isNaN(Date.parse(c.from))) errors.from = 'signatures:moderation.errors.time'
  if (c.to && Number.isNaN(Date.parse(c.to))) errors.to = 'signatures:moderation.errors.time'
  if (!c.ip && !c.domain && !c.from && !c.to) errors.form = 'signatures:moderation.errors.noCriteria'
  return errors
}

async function matchingSignatures(executor: Kysely<Database> | Transaction<Database>, petitionId: number, c: InvalidationCriteria) {
  const statuses = c.statuses?.length ? c.statuses : [...invalidatableStatuses]
  let query = executor
    .selectFrom('petition_signatures')
    .select(['id', 'status', 'sponsor', 'area_id', 'district_id', 'confirmed_at', 'created_at', 'name', 'email', 'ip'])
    .where('petition_id', '=', petitionId)
    .where('status', 'in', statuses)
  const domain = c.domain?.replace(/^@/, '').toLowerCase()
  if (domain) query = query.where((eb) => eb.or([eb('email_domain', '=', domain), eb('email_domain', 'like', `%.${domain}`)]))
  if (c.from) query = query.where('created_at', '>=', new Date(c.from).toISOString())
  if (c.to) query = query.where('created_at', '<', new Date(c.to).toISOString())
  const rows = await query.orderBy('id').execute()
  if (!c.ip) return rows
  const { list } = parseIpList([c.ip])
  return rows.filter((r) => r.ip !== null && list.has(r.ip))
}

export async function previewInvalidation(petitionId: number, criteria: InvalidationCriteria, sampleSize = 20) {
  const rows = await matchingSignatures(database().db, petitionId, criteria)
  return { count: rows.length, sample: rows.slice(0, sampleSize).map((r) => ({ id: r.id, name: r.name, email: r.email, ip: r.ip, status: r.status, createdAt: r.created_at })) }
}

/** Invalidates every matching signature in one write, with its invalidation row and an audit row. */
export async function invalidateSignatures(actorId: number, petitionId: number, criteria: InvalidationCriteria, reason: string): Promise<{ id: number; count: number }> {
  return database().write(async (trx) => {
    const at = new Date().toISOString()
    const rows = await matchingSignatures(trx, petitionId, criteria)
    const invalidation = await trx
      .insertInto('petition_invalidations')
      .values({ petition_id: petitionId, criteria: JSON.stringify(criteria), reason, signatures: rows.length, created_by: actorId, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const deltas = new CountDeltas()
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500)
      await trx
        .updateTable('petition_signatures')
        .set({ status: 'invalidated', invalidation_id: invalidation.id, invalidated_at: at, reviewed_by: actorId })
        .where(
          'id',
          'in',
          chunk.map((r) => r.id),
        )
        .execute()
    }
    for (const r of rows) deltas.move(petitionId, r, r.status, 'invalidated')
    await deltas.apply(trx, at)
    await recordAudit(trx, {
      actorId,
      action: 'petition.signatures.invalidate',
      targetKind: 'petition',
      targetId: petitionId,
      after: { invalidation: invalidation.id, criteria, signatures: rows.length },
      reason,
    })
    return { id: invalidation.id, count: rows.length }
  })
}

export type { SignatureDecision }

/** What the sign form needs from the page's loader: the area list and the map (when the city has one). */
export async function signFormData(): Promise<{ areas: AreaOption[]; map: { config: MapClientConfig; bounds: [number, number, number, number] } | null }> {
  const [areas, bounds] = await Promise.all([areaOptions(), cityBounds()])
  return { areas, map: bounds ? { config: mapClientConfig(), bounds } : null }
}

/** A person's signatures given while logged in, for their data export (/account/data.json). */
export async function signatureDataOf(userId: number) {
  return database()
    .db.selectFrom('petition_signatures as s')
    .innerJoin('petitions as p', 'p.id', 's.petition_id')
    .select([
      's.petition_id as petitionId',
      'p.title',
      's.status',
      's.sponsor',
      's.name',
      's.email',
      's.area_id as areaId',
      's.notify_updates as updates',
      's.created_at as signedAt',
      's.confirmed_at as confirmedAt',
    ])
    .where('s.user_id', '=', userId)
    .orderBy('s.id')
    .execute()
}

export function registerPetitionSignatures() {
  registerDataExporter('petitionSignatures', signatureDataOf)
}
