import { sql, type AliasedSelectQueryBuilder, type Transaction } from 'kysely'
import type { Database, ProposalState } from '../../../db/schema'
import type { Config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { renderMarkdown } from '../../lib/markdown.server'
import { requiredLevel, type Principal } from '../accounts/policy'
import { areasContaining, type AreaHit } from '../geo/lookup.server'
import { placeItem, removeItem, updateItem } from '../geo/map-index.server'
import { activeBlock, recordAudit } from '../moderation/moderation.server'
import { hotScore, hotWindowStart, recentWeight } from './hot'
import { attachImage, detachImages } from './images.server'
import { answerable, mayAnswer, mayView, supportRefusal } from './policy'
import { ANSWER_MAX, type ProposalSort, type StateFilter } from './schema'
import { ftsQuery, searchTerms } from './search'
import { engineOf } from '../../lib/db/dialect'
import { searchMatches } from '../../lib/db/search'
import { shaped } from '../../lib/db/shapes'
import { activeStates, addMonths, canTransition, daysUntil, isPublicState, publicStates, restoredState, visibleOnMap } from './states'
import { itemPublished, proposalEvent } from '../notifications/events.server'
import { citySettings } from '../city/settings.server'

/**
 * Proposals and their supports (CONSUL / Decide Madrid): drafting, publishing, supporting up to the
 * threshold, archiving when the months run out, the council's answer, and moderation's hide and
 * restore. The only code that writes `proposals`, `proposal_tags`, `proposal_supports` and (through
 * images.server.ts) `proposal_images*`. Every command is one write that also keeps the map index,
 * the tags and the full-text index (triggers) in step; staff actions write the audit log.
 */

export const MAP_KIND = 'proposals'
/** The census population counted for a percentage threshold: people of this age or older. */
export const MIN_AGE = 16
export const PAGE_SIZE = 20

const now = () => new Date().toISOString()

// ---------------------------------------------------------------- the threshold

// The census changes when an administrator imports it: its count is kept for ten minutes per process.
const CENSUS_TTL_MS = 10 * 60_000
let censusCache: { at: number; cutoff: string; count: number } | null = null
export function forgetCensusCount() {
  censusCache = null
}

/** The latest birth date of someone who is MIN_AGE today (YYYY-MM-DD). */
export function birthDateCutoff(today: Date = new Date()): string {
  const d = new Date(Date.UTC(today.getUTCFullYear() - MIN_AGE, today.getUTCMonth(), today.getUTCDate()))
  return d.toISOString().slice(0, 10)
}

/** Census records of people aged MIN_AGE or over today. */
export async function eligiblePopulation(today: Date = new Date()): Promise<number> {
  const cutoff = birthDateCutoff(today)
  if (censusCache && censusCache.cutoff === cutoff && Date.now() - censusCache.at < CENSUS_TTL_MS) return censusCache.count
  const row = await database()
    .db.selectFrom('census_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('birth_date', '<=', cutoff)
    .executeTakeFirstOrThrow()
  censusCache = { at: Date.now(), cutoff, count: Number(row.n) }
  return censusCache.count
}

/**
 * Supports a proposal needs (PROPOSAL_THRESHOLD): a fixed number, or a share of the census
 * population aged MIN_AGE or over, rounded up (Decide Madrid: 1% of the census over 16), at least 1.
 */
export async function supportThreshold(): Promise<number> {
  const rule = (await citySettings()).PROPOSAL_THRESHOLD
  return thresholdOf(rule, rule.kind === 'percent' ? await eligiblePopulation() : 0)
}

/** The threshold a rule gives for a population (pure). */
export function thresholdOf(rule: Config['PROPOSAL_THRESHOLD'], population: number): number {
  if (rule.kind === 'supports') return rule.supports
  // toFixed: 1.1% of 1,000 is 11.000000000000002 in binary floating point, and must stay 11.
  return Math.max(1, Math.ceil(Number(((population * rule.percent) / 100).toFixed(6))))
}

// ---------------------------------------------------------------- events

export interface ThresholdReached {
  id: number
  title: string
  categoryCode: string | null
  areaId: number | null
  districtId: number | null
  authorId: number | null
  supports: number
  threshold: number
  at: string
}

/**
 * Called inside the write that moves a proposal to threshold_reached (the voting side subscribes to
 * open a process: attachProcess with the same transaction). A listener that throws undoes the
 * support that reached the threshold.
 */
export type ThresholdReachedListener = (trx: Transaction<Database>, proposal: ThresholdReached) => Promise<void>
const thresholdListeners: ThresholdReachedListener[] = []
export function onThresholdReached(listener: ThresholdReachedListener): () => void {
  thresholdListeners.push(listener)
  return () => {
    const i = thresholdListeners.indexOf(listener)
    if (i >= 0) thresholdListeners.splice(i, 1)
  }
}

async function reachThreshold(trx: Transaction<Database>, id: number, supports: number, threshold: number, at: string) {
  await trx.updateTable('proposals').set({ state: 'threshold_reached', threshold_reached_at: at, updated_at: at }).where('id', '=', id).execute()
  await updateItem(trx, MAP_KIND, id, { status: 'threshold_reached' })
  await proposalEvent(trx, id, 'threshold')
  if (thresholdListeners.length === 0) return
  const p = await trx
    .selectFrom('proposals')
    .leftJoin('proposal_categories as c', 'c.id', 'proposals.category_id')
    .select(['proposals.title', 'c.code', 'proposals.area_id', 'proposals.district_id', 'proposals.author_id'])
    .where('proposals.id', '=', id)
    .executeTakeFirstOrThrow()
  const event = { id, title: p.title, categoryCode: p.code, areaId: p.area_id, districtId: p.district_id, authorId: p.author_id, supports, threshold, at }
  for (const listener of [...thresholdListeners]) await listener(trx, event)
}

// ---------------------------------------------------------------- categories

let categoriesCache: { at: number; rows: Array<{ id: number; code: string; name: string }> } | null = null
export function forgetProposalCategories() {
  categoriesCache = null
}

/** The categories, in order (cached for 30 s per process). */
export async function proposalCategories(): Promise<Array<{ id: number; code: string; name: string }>> {
  if (categoriesCache && Date.now() - categoriesCache.at < 30_000) return categoriesCache.rows
  const rows = await database().db.selectFrom('proposal_categories').select(['id', 'code', 'name']).orderBy('position').orderBy('name').execute()
  categoriesCache = { at: Date.now(), rows }
  return rows
}

// ---------------------------------------------------------------- drafting and publishing

export interface ProposalInput {
  title: string
  summary: string
  /** Markdown. */
  body: string
  categoryCode: string
  /** Normalised (schema.ts normaliseTags). */
  tags: string[]
  /** A point inside the city, or none. */
  location: { lat: number; lng: number } | null
  /** A pending image (images.server.ts) to attach, replacing any the proposal has. */
  imageRef?: string | null
  /** Drop the image the proposal has. */
  removeImage?: boolean
}

export type SaveResult =
  | { kind: 'saved'; id: number; state: ProposalState }
  | { kind: 'notFound' }
  | { kind: 'notDraft' }
  | { kind: 'unknownCategory' }
  | { kind: 'outsideCity' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'needsLevel'; level: number }

const mostSpecific = (areas: AreaHit[]) => ({
  areaId: areas.find((a) => a.level === 'neighbourhood')?.id ?? areas.find((a) => a.level === 'district')?.id ?? null,
  districtId: areas.find((a) => a.level === 'district')?.id ?? null,
})

type Prepared = Extract<Awaited<ReturnType<typeof prepare>>, { kind: 'ok' }>

/** The reads and the slow work (Markdown, point-in-area) done before the write. */
async function prepare(author: Principal, input: ProposalInput) {
  const level = requiredLevel('propose', (await citySettings()).VERIFICATION_LEVELS)
  if (author.verificationLevel < level) return { kind: 'needsLevel' as const, level }
  const block = await activeBlock(author.id)
  if (block) return { kind: 'blocked' as const, reason: block.reason }
  const category = (await proposalCategories()).find((c) => c.code === input.categoryCode)
  if (!category) return { kind: 'unknownCategory' as const }
  let place: { lat: number; lng: number; areaId: number | null; districtId: number | null } | null = null
  if (input.location) {
    const areas = await areasContaining(input.location.lat, input.location.lng)
    if (areas.length === 0) return { kind: 'outsideCity' as const }
    place = { ...input.location, ...mostSpecific(areas) }
  }
  const title = input.title.trim()
  return {
    kind: 'ok' as const,
    category,
    place,
    values: {
      title,
      summary: input.summary.trim(),
      body_md: input.body,
      body_html: renderMarkdown(input.body),
      category_id: category.id,
      tags: input.tags.join(' '),
      lat: place?.lat ?? null,
      lng: place?.lng ?? null,
      area_id: place?.areaId ?? null,
      district_id: place?.districtId ?? null,
    },
  }
}

/** Inside a write: tags, image and map entry of a saved proposal, in step with its row. */
async function syncSaved(trx: Transaction<Database>, id: number, state: ProposalState, prepared: Prepared, input: ProposalInput, createdAt: string) {
  await trx.deleteFrom('proposal_tags').where('proposal_id', '=', id).execute()
  if (input.tags.length)
    await trx
      .insertInto('proposal_tags')
      .values(input.tags.map((tag) => ({ proposal_id: id, tag })))
      .execute()
  if (input.imageRef) {
    const imageId = await attachImage(trx, id, input.imageRef)
    if (imageId !== null) await trx.updateTable('proposals').set({ image_id: imageId }).where('id', '=', id).execute()
  } else if (input.removeImage) {
    await detachImages(trx, id)
    await trx.updateTable('proposals').set({ image_id: null }).where('id', '=', id).execute()
  }
  if (prepared.place) {
    // placeItem replaces the entry a draft had (its point may have moved).
    await placeItem(trx, {
      kind: MAP_KIND,
      itemId: id,
      lat: prepared.place.lat,
      lng: prepared.place.lng,
      status: state,
      category: prepared.category.code,
      title: prepared.values.title,
      createdAt,
      visible: visibleOnMap(state),
    })
  } else await removeItem(trx, MAP_KIND, id)
}

// `months`: PROPOSAL_MONTHS, read (awaited) before the write.
const publishing = (at: string, months: number) => ({
  state: 'published' as const,
  published_at: at,
  expires_at: addMonths(at, months),
  hot_score: hotScore(0, Date.parse(at), Date.parse(at)),
})

/** A new proposal, saved as a draft (only its author sees it) or published at once. */
export async function createProposal(author: Principal, input: ProposalInput, options: { publish: boolean; at?: string }): Promise<SaveResult> {
  const prepared = await prepare(author, input)
  if (prepared.kind !== 'ok') return prepared
  const at = options.at ?? now()
  const months = (await citySettings()).PROPOSAL_MONTHS
  return writeProposals(async (trx) => {
    const row = await trx
      .insertInto('proposals')
      .values({
        ...prepared.values,
        author_id: author.id,
        state: 'draft',
        created_at: at,
        updated_at: at,
        ...(options.publish ? publishing(at, months) : {}),
      })
      .returning(['id', 'state'])
      .executeTakeFirstOrThrow()
    await syncSaved(trx, row.id, row.state, prepared, input, at)
    if (row.state === 'published') await itemPublished(trx, 'proposal', row.id)
    return { kind: 'saved' as const, id: row.id, state: row.state }
  })
}

/** The author changes their draft (and may publish it with the same save). */
export async function updateDraft(author: Principal, id: number, input: ProposalInput, options: { publish: boolean }): Promise<SaveResult> {
  const prepared = await prepare(author, input)
  if (prepared.kind !== 'ok') return prepared
  const months = (await citySettings()).PROPOSAL_MONTHS
  return writeProposals(async (trx) => {
    const p = await trx.selectFrom('proposals').select(['author_id', 'state', 'created_at']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    if (p.state !== 'draft') return { kind: 'notDraft' as const }
    const at = now()
    const state: ProposalState = options.publish ? 'published' : 'draft'
    await trx
      .updateTable('proposals')
      .set({ ...prepared.values, updated_at: at, ...(options.publish ? publishing(at, months) : {}) })
      .where('id', '=', id)
      .execute()
    await syncSaved(trx, id, state, prepared, input, options.publish ? at : p.created_at)
    if (state === 'published') await itemPublished(trx, 'proposal', id)
    return { kind: 'saved' as const, id, state }
  })
}

export type PublishResult = { kind: 'published' } | { kind: 'notFound' } | { kind: 'notDraft' } | { kind: 'blocked'; reason: string } | { kind: 'needsLevel'; level: number }

/** The author publishes their draft as it is. */
export async function publishProposal(author: Principal, id: number): Promise<PublishResult> {
  const settings = await citySettings()
  const level = requiredLevel('propose', settings.VERIFICATION_LEVELS)
  if (author.verificationLevel < level) return { kind: 'needsLevel', level }
  const block = await activeBlock(author.id)
  if (block) return { kind: 'blocked', reason: block.reason }
  return writeProposals(async (trx) => {
    const p = await trx.selectFrom('proposals').select(['author_id', 'state']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    if (!canTransition(p.state, 'published', 'author')) return { kind: 'notDraft' as const }
    const at = now()
    await trx
      .updateTable('proposals')
      .set({ ...publishing(at, settings.PROPOSAL_MONTHS), updated_at: at })
      .where('id', '=', id)
      .execute()
    await updateItem(trx, MAP_KIND, id, { status: 'published', visible: true })
    await itemPublished(trx, 'proposal', id)
    return { kind: 'published' as const }
  })
}

/** The author throws their draft away (a published proposal stays: people supported it). */
export async function deleteDraft(author: Principal, id: number): Promise<{ kind: 'deleted' } | { kind: 'notFound' } | { kind: 'notDraft' }> {
  return writeProposals(async (trx) => {
    const p = await trx.selectFrom('proposals').select(['author_id', 'state']).where('id', '=', id).executeTakeFirst()
    if (!p || p.author_id !== author.id) return { kind: 'notFound' as const }
    if (p.state !== 'draft') return { kind: 'notDraft' as const }
    await removeItem(trx, MAP_KIND, id)
    // Tags, supports and the image go with it (on delete cascade); the FTS row by trigger.
    await trx.deleteFrom('proposals').where('id', '=', id).execute()
    return { kind: 'deleted' as const }
  })
}

// ---------------------------------------------------------------- supports

export type SupportResult = { kind: 'ok'; supports: number; thresholdReached: boolean } | { kind: 'already' } | { kind: 'notFound' } | { kind: 'notOpen' } | { kind: 'needsLevel'; level: number }

async function recentSupportWeight(trx: Transaction<Database>, proposalId: number, at: number) {
  const rows = await trx.selectFrom('proposal_supports').select('created_at').where('proposal_id', '=', proposalId).where('created_at', '>=', hotWindowStart(at)).execute()
  return rows.reduce((sum, r) => sum + recentWeight(Date.parse(r.created_at), at), 0)
}

/**
 * One person supports a published proposal, once (a second time is 'already', counted once by the
 * primary key). The level is read inside the write, as it stands now. The support that brings the
 * count to the threshold moves the proposal to threshold_reached in the same write and runs the
 * onThresholdReached listeners there.
 */
export async function supportProposal(userId: number, proposalId: number, options: { at?: string } = {}): Promise<SupportResult> {
  const [threshold, level] = [await supportThreshold(), requiredLevel('support', (await citySettings()).VERIFICATION_LEVELS)]
  return writeProposals(async (trx) => {
    const p = await trx.selectFrom('proposals').select(['state', 'author_id', 'supports', 'published_at']).where('id', '=', proposalId).executeTakeFirst()
    if (!p || !isPublicState(p.state)) return { kind: 'notFound' as const }
    const user = await trx.selectFrom('users').select(['id', 'verification_level', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
    const refusal = supportRefusal(user && !user.deleted_at ? { id: user.id, verificationLevel: user.verification_level, roles: [] } : null, { state: p.state, authorId: p.author_id }, level)
    if (refusal?.kind === 'notOpen') return { kind: 'notOpen' as const }
    if (refusal) return { kind: 'needsLevel' as const, level }
    const at = options.at ?? now()
    const inserted = await trx
      .insertInto('proposal_supports')
      .values({ proposal_id: proposalId, user_id: userId, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (!inserted.numInsertedOrUpdatedRows) return { kind: 'already' as const }
    const supports = p.supports + 1
    const nowMs = Date.now()
    const hot = hotScore(await recentSupportWeight(trx, proposalId, nowMs), Date.parse(p.published_at ?? at), nowMs)
    await trx.updateTable('proposals').set({ supports, hot_score: hot }).where('id', '=', proposalId).execute()
    const thresholdReached = supports >= threshold
    if (thresholdReached) await reachThreshold(trx, proposalId, supports, threshold, at)
    return { kind: 'ok' as const, supports, thresholdReached }
  })
}

/** Whether this person supports this proposal. */
export async function hasSupported(userId: number, proposalId: number): Promise<boolean> {
  return Boolean(await database().db.selectFrom('proposal_supports').select('user_id').where('proposal_id', '=', proposalId).where('user_id', '=', userId).executeTakeFirst())
}

// ---------------------------------------------------------------- periodic work

/**
 * Recomputes the hot score of every public proposal (recent supports lose weight as days pass,
 * and new proposals their boost); writes only the scores that changed. Run it every hour.
 * Returns how many changed.
 */
export async function refreshHotScores(at: number = Date.now()): Promise<number> {
  return writeProposals(async (trx) => {
    const proposals = await trx.selectFrom('proposals').select(['id', 'published_at', 'hot_score']).where('state', 'in', publicStates).execute()
    const recent = await trx.selectFrom('proposal_supports').select(['proposal_id', 'created_at']).where('created_at', '>=', hotWindowStart(at)).execute()
    const weights = new Map<number, number>()
    for (const s of recent) weights.set(s.proposal_id, (weights.get(s.proposal_id) ?? 0) + recentWeight(Date.parse(s.created_at), at))
    let changed = 0
    for (const p of proposals) {
      const hot = p.published_at ? hotScore(weights.get(p.id) ?? 0, Date.parse(p.published_at), at) : 0
      // Only the order matters: a change below a millionth of the score is not worth a write.
      if (Math.abs(hot - p.hot_score) <= 1e-6 * Math.max(hot, p.hot_score)) continue
      await trx.updateTable('proposals').set({ hot_score: hot }).where('id', '=', p.id).execute()
      changed++
    }
    return changed
  })
}

/**
 * Published proposals whose months are over (expires_at ≤ now) are archived. One that has as many
 * supports as the threshold asks now (PROPOSAL_THRESHOLD may have been lowered) goes to
 * threshold_reached instead, as a support would have taken it. Run it every hour or so.
 */
export async function archiveExpiredProposals(at: Date = new Date()): Promise<{ archived: number; thresholdReached: number }> {
  const threshold = await supportThreshold()
  const stamp = at.toISOString()
  return writeProposals(async (trx) => {
    const due = await trx.selectFrom('proposals').select(['id', 'supports']).where('state', '=', 'published').where('expires_at', '<=', stamp).execute()
    let archived = 0
    let reached = 0
    for (const p of due) {
      if (p.supports >= threshold) {
        await reachThreshold(trx, p.id, p.supports, threshold, stamp)
        reached++
        continue
      }
      await trx.updateTable('proposals').set({ state: 'archived', archived_at: stamp, updated_at: stamp }).where('id', '=', p.id).execute()
      await updateItem(trx, MAP_KIND, p.id, { status: 'archived' })
      archived++
    }
    return { archived, thresholdReached: reached }
  })
}

// ---------------------------------------------------------------- the vote and the answer

export type AttachProcessResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'badState'; state: ProposalState }

/**
 * For the voting side, inside its own write: a process was created for this proposal (which must
 * have reached its threshold); the proposal moves to voting and links the process.
 */
export async function attachProcess(trx: Transaction<Database>, proposalId: number, processId: number): Promise<AttachProcessResult> {
  const p = await trx.selectFrom('proposals').select('state').where('id', '=', proposalId).executeTakeFirst()
  if (!p) return { kind: 'notFound' }
  if (!canTransition(p.state, 'voting', 'voting')) return { kind: 'badState', state: p.state }
  const at = now()
  await trx.updateTable('proposals').set({ state: 'voting', process_id: processId, updated_at: at }).where('id', '=', proposalId).execute()
  await updateItem(trx, MAP_KIND, proposalId, { status: 'voting' })
  await proposalEvent(trx, proposalId, 'voting')
  return { kind: 'ok' }
}

export type AnswerResult = { kind: 'ok' } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'empty' } | { kind: 'tooLong' } | { kind: 'notAnswerable'; state: ProposalState; voteOpen: boolean }

/**
 * The council's answer (Markdown), published on the proposal's page: the proposal moves to
 * answered, with who and when, and an audit row keeps the answer before and after (an answer may
 * be corrected). Allowed once the threshold is reached and no vote is running.
 */
export async function answerProposal(user: Principal, proposalId: number, markdown: string): Promise<AnswerResult> {
  if (!mayAnswer(user)) return { kind: 'forbidden' }
  const text = markdown.replace(/\r\n?/g, '\n').trim()
  if (!text) return { kind: 'empty' }
  if (text.length > ANSWER_MAX) return { kind: 'tooLong' }
  const html = renderMarkdown(text)
  return writeProposals(async (trx) => {
    const p = await trx.selectFrom('proposals').select(['state', 'answer_md', 'process_id']).where('id', '=', proposalId).executeTakeFirst()
    if (!p || !isPublicState(p.state)) return { kind: 'notFound' as const }
    const vote = await trx.selectFrom('voting_processes').select('state').where('proposal_id', '=', proposalId).orderBy('id', 'desc').executeTakeFirst()
    if (!answerable(p.state, vote?.state ?? null) || !canTransition(p.state, 'answered', 'council')) {
      return { kind: 'notAnswerable' as const, state: p.state, voteOpen: p.state === 'voting' }
    }
    const at = now()
    await trx.updateTable('proposals').set({ state: 'answered', answer_md: text, answer_html: html, answered_at: at, answered_by: user.id, updated_at: at }).where('id', '=', proposalId).execute()
    await updateItem(trx, MAP_KIND, proposalId, { status: 'answered' })
    await recordAudit(trx, {
      actorId: user.id,
      action: 'proposal.answer',
      targetKind: 'proposal',
      targetId: proposalId,
      before: { state: p.state, answer: p.answer_md },
      after: { state: 'answered', answer: text },
    })
    await proposalEvent(trx, proposalId, 'answered', user.id)
    return { kind: 'ok' as const }
  })
}

// ---------------------------------------------------------------- moderation

/** A moderator hides a proposal: it leaves every list, search and the map; supports stop. */
export async function hideProposal(trx: Transaction<Database>, id: number) {
  const p = await trx.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirst()
  if (!p || !canTransition(p.state, 'hidden', 'moderator')) return
  await trx.updateTable('proposals').set({ state: 'hidden', updated_at: now() }).where('id', '=', id).execute()
  await updateItem(trx, MAP_KIND, id, { status: 'hidden', visible: false })
}

/** Restore: back to the state the proposal's own dates say (states.ts restoredState). */
export async function restoreProposal(trx: Transaction<Database>, id: number) {
  const p = await trx.selectFrom('proposals').select(['state', 'answered_at', 'process_id', 'threshold_reached_at', 'archived_at', 'expires_at']).where('id', '=', id).executeTakeFirst()
  if (!p || p.state !== 'hidden') return
  const at = now()
  const state = restoredState(p, at)
  await trx
    .updateTable('proposals')
    .set({ state, updated_at: at, ...(state === 'archived' && !p.archived_at ? { archived_at: at } : {}) })
    .where('id', '=', id)
    .execute()
  await updateItem(trx, MAP_KIND, id, { status: state, visible: true })
}

// ---------------------------------------------------------------- reading: lists and search

export interface ProposalFilter {
  /** What a person typed; made safe by search.ts ftsQuery. */
  q?: string
  sort?: ProposalSort
  /** A district matches its neighbourhoods' proposals too; the city matches everything. */
  area?: { id: number; level: 'city' | 'district' | 'neighbourhood' }
  tag?: string
  categoryCode?: string
  state?: StateFilter
  page?: number
  pageSize?: number
}

export interface ProposalSummary {
  id: number
  title: string
  summary: string
  state: ProposalState
  supports: number
  categoryCode: string | null
  categoryName: string | null
  areaName: string | null
  districtName: string | null
  /** null: the account was deleted (shown as "deleted user"). */
  authorName: string | null
  tags: string[]
  imageId: number | null
  publishedAt: string | null
  expiresAt: string | null
  located: boolean
}

/**
 * How many proposals a filter matches, kept per process for a moment: counting 15,000 active proposals was
 * half the list's SQL and a third of its loader (docs/performance.md). The rows of the page are always read
 * fresh; only the total ("15,012 proposals", the number of pages) may lag a write by up to TOTAL_TTL_MS.
 */
const TOTAL_TTL_MS = 2_000
const TOTAL_KEYS_MAX = 500
const totals = new Map<string, { n: number; until: number }>()
async function cachedTotal(key: string, count: () => Promise<number>): Promise<number> {
  const at = Date.now()
  const hit = totals.get(key)
  if (hit && hit.until > at) return hit.n
  const n = await count()
  if (totals.size >= TOTAL_KEYS_MAX) totals.clear()
  totals.set(key, { n, until: at + TOTAL_TTL_MS })
  return n
}

/** Every write of this module, dropping the cached totals (before, and after the commit). */
function writeProposals<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  totals.clear()
  return database()
    .write(work)
    .finally(() => totals.clear())
}

const statesOf = (filter: StateFilter | undefined): readonly ProposalState[] => (filter === 'all' ? publicStates : !filter || filter === 'active' ? activeStates : [filter])

/**
 * Public proposals, filtered, searched and sorted, one page at a time, with the total. Ids come
 * first (from the (state, sort key) indexes, or the FTS5 index when searching), then the rows of
 * the page only. A search that holds no word finds nothing; it never fails.
 *
 * Several states (the active ones, or all): the first (page × size) of each state from its (state, key)
 * index, merged. One `state in (…)` ordered by the key reads every row of those states and sorts them
 * (PostgreSQL: 15,000 active proposals scanned and top-N sorted for each list, 4.6 ms quiet, 14.8 ms for
 * all 30,000; the rendered /proposals was 3.4× SQLite's, issue 20); each state alone is an index scan.
 * The page's ids come with their sort key `k`, read with the cards' details in the same statement. Searches
 * are not kept as shapes (their SQL carries the words); relevance orders by rank (lower first).
 */
export async function listProposals(filter: ProposalFilter): Promise<{ items: ProposalSummary[]; total: number; page: number; pages: number; sort: ProposalSort }> {
  const pageSize = Math.min(Math.max(filter.pageSize ?? PAGE_SIZE, 1), 100)
  const page = Math.max(filter.page ?? 1, 1)
  const match = filter.q?.trim() ? ftsQuery(filter.q) : null
  const searching = Boolean(filter.q?.trim())
  const sort: ProposalSort = filter.sort === 'relevance' && !searching ? 'hot' : (filter.sort ?? (searching ? 'relevance' : 'hot'))
  const empty = { items: [], total: 0, page, pages: 1, sort }
  if (searching && !match) return empty
  let categoryId: number | undefined
  if (filter.categoryCode) {
    categoryId = (await proposalCategories()).find((c) => c.code === filter.categoryCode)?.id
    if (categoryId === undefined) return empty
  }

  const { db } = database()
  const states = statesOf(filter.state)
  const offset = (page - 1) * pageSize
  // Values in slots when the compiled shape is kept (app/lib/db/shapes.ts); which filters are set make the key.
  type Values = readonly [areaId: number, categoryId: number, tag: string, depth: number, limit: number, offset: number]
  const values: Values = [filter.area?.id ?? 0, categoryId ?? 0, filter.tag ?? '', page * pageSize, pageSize, offset]
  const filtered = (v: Values, inStates: readonly ProposalState[]) => {
    let q = db.selectFrom('proposals').where('proposals.state', 'in', [...inStates])
    if (filter.area?.level === 'district') q = q.where('proposals.district_id', '=', v[0])
    else if (filter.area?.level === 'neighbourhood') q = q.where('proposals.area_id', '=', v[0])
    if (categoryId !== undefined) q = q.where('proposals.category_id', '=', v[1])
    if (filter.tag) {
      const tag = v[2]
      q = q.where('proposals.id', 'in', (eb) => eb.selectFrom('proposal_tags').select('proposal_id').where('tag', '=', tag))
    }
    return q
  }
  const key = sort === 'most' ? 'supports' : sort === 'newest' ? 'published_at' : 'hot_score'
  const pageOf = (v: Values) => {
    const ids = filtered(v, states)
    if (states.length > 1) {
      // Several states: the first (page × size) of each from its (state, key) index, merged (see above).
      const arm = (state: ProposalState) =>
        db
          .selectFrom(
            filtered(v, [state])
              .select(['proposals.id', `proposals.${key} as k`])
              .orderBy(`proposals.${key}`, 'desc')
              .orderBy('proposals.id', 'desc')
              .limit(v[3])
              .as('s'),
          )
          .select(['s.id', 's.k'])
      const merged = states.slice(1).reduce((q, state) => q.unionAll(arm(state)), arm(states[0]!))
      return db.selectFrom(merged.as('m')).select(['m.id', 'm.k']).orderBy('m.k', 'desc').orderBy('m.id', 'desc').limit(v[4]).offset(v[5]).as('pg')
    }
    return ids
      .select(['proposals.id', `proposals.${key} as k`])
      .orderBy(`proposals.${key}`, 'desc')
      .orderBy('proposals.id', 'desc')
      .limit(v[4])
      .offset(v[5])
      .as('pg')
  }
  // The search index (app/lib/db/search.ts): matching proposal ids, ranked by weights on title, summary, body, tags.
  const found = (v: Values) => filtered(v, states).innerJoin(searchMatches(engineOf(db), 'proposals_fts', match!, searchTerms(filter.q ?? ''), '10.0, 4.0, 1.0, 6.0').as('f'), 'f.id', 'proposals.id')
  let rows: Promise<SummaryRow[]>
  if (match) {
    const ranked = sort === 'relevance'
    const searched = found(values)
      .select(['proposals.id', ranked ? sql<number>`f.rank`.as('k') : `proposals.${key} as k`])
      .orderBy(ranked ? sql`f.rank` : sql.ref(`proposals.${key}`), ranked ? 'asc' : 'desc')
      .orderBy('proposals.id', 'desc')
      .limit(pageSize)
      .offset(offset)
      .as('pg')
    rows = withDetails(searched, ranked ? 'asc' : 'desc').execute()
  } else {
    const shapeKey = `proposals.list:${states.join(',')}:${key}:${filter.area?.level ?? ''}:${categoryId !== undefined}:${Boolean(filter.tag)}`
    rows = db.executeQuery(shaped(db, shapeKey, values, (v) => withDetails(pageOf(v), 'desc'))).then((r) => r.rows)
  }
  const counted = (match ? found(values) : filtered(values, states)).select(sql<number>`count(*)`.as('n'))
  const totalKey = JSON.stringify([filter.state ?? '', filter.area?.id ?? 0, categoryId ?? 0, filter.tag ?? '', match ?? ''])
  const [pageRows, total] = await Promise.all([rows, cachedTotal(totalKey, async () => Number((await counted.executeTakeFirstOrThrow()).n))])
  return { items: pageRows.map(summaryOf), total, page, pages: Math.max(1, Math.ceil(total / pageSize)), sort }
}

/**
 * The page's rows with what a card shows, in the page's order, in the same statement as the page's ids
 * (one round trip on PostgreSQL; it used to be a second query by id). `page` selects `id` and its sort key `k`.
 */
function withDetails(page: AliasedSelectQueryBuilder<{ id: number; k: unknown }, 'pg'>, direction: 'asc' | 'desc') {
  return database()
    .db.selectFrom(page)
    .innerJoin('proposals as p', 'p.id', 'pg.id')
    .leftJoin('proposal_categories as c', 'c.id', 'p.category_id')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .leftJoin('areas as d', 'd.id', 'p.district_id')
    .leftJoin('users as u', 'u.id', 'p.author_id')
    .select([
      'p.id',
      'p.title',
      'p.summary',
      'p.state',
      'p.supports',
      'p.tags',
      'p.image_id',
      'p.published_at',
      'p.expires_at',
      'p.lat',
      'c.code as categoryCode',
      'c.name as categoryName',
      'a.name as areaName',
      'd.name as districtName',
      'u.display_name as authorName',
      'u.deleted_at as authorDeletedAt',
    ])
    .orderBy('pg.k', direction)
    .orderBy('pg.id', 'desc')
}
type SummaryRow = Awaited<ReturnType<ReturnType<typeof withDetails>['execute']>>[number]

function summaryOf(r: SummaryRow): ProposalSummary {
  return {
    id: r.id,
    title: r.title,
    summary: r.summary,
    state: r.state,
    supports: r.supports,
    categoryCode: r.categoryCode,
    categoryName: r.categoryName,
    areaName: r.areaName,
    districtName: r.districtName,
    authorName: r.authorDeletedAt ? null : (r.authorName ?? null),
    tags: r.tags ? r.tags.split(' ') : [],
    imageId: r.image_id,
    publishedAt: r.published_at,
    expiresAt: r.expires_at,
    located: r.lat !== null,
  }
}

let tagsCache: { at: number; tags: Array<{ tag: string; n: number }> } | null = null
/** The most used tags of active proposals (for the filter), cached for a minute per process. */
export async function popularTags(limit = 15): Promise<Array<{ tag: string; n: number }>> {
  if (tagsCache && Date.now() - tagsCache.at < 60_000) return tagsCache.tags.slice(0, limit)
  const rows = await database()
    .db.selectFrom('proposal_tags as t')
    .innerJoin('proposals as p', 'p.id', 't.proposal_id')
    .select(['t.tag', sql<number>`count(*)`.as('n')])
    .where('p.state', 'in', [...activeStates])
    .groupBy('t.tag')
    .orderBy('n', 'desc')
    .orderBy('t.tag')
    .limit(50)
    .execute()
  tagsCache = { at: Date.now(), tags: rows.map((r) => ({ tag: r.tag, n: Number(r.n) })) }
  return tagsCache.tags.slice(0, limit)
}

/** A person's drafts, newest first (only they see them). */
export async function draftsOf(userId: number) {
  return database()
    .db.selectFrom('proposals')
    .select(['id', 'title', 'updated_at as updatedAt'])
    .where('author_id', '=', userId)
    .where('state', '=', 'draft')
    .orderBy('updated_at', 'desc')
    .limit(50)
    .execute()
}

// ---------------------------------------------------------------- reading: one proposal

/** One proposal as its page shows it; null when it does not exist or this viewer may not see it. */
export async function proposalForViewer(id: number, viewer: Principal | null) {
  const row = await database()
    .db.selectFrom('proposals as p')
    .leftJoin('proposal_categories as c', 'c.id', 'p.category_id')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .leftJoin('areas as d', 'd.id', 'p.district_id')
    .leftJoin('users as u', 'u.id', 'p.author_id')
    .leftJoin('proposal_images as i', 'i.id', 'p.image_id')
    .selectAll('p')
    .select([
      'c.code as categoryCode',
      'c.name as categoryName',
      'a.name as areaName',
      'a.slug as areaSlug',
      'd.name as districtName',
      'd.slug as districtSlug',
      'u.display_name as authorName',
      'u.deleted_at as authorDeletedAt',
      'i.width as imageWidth',
      'i.height as imageHeight',
    ])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || !mayView(viewer, { state: row.state, authorId: row.author_id })) return null
  const [threshold, supported, vote] = await Promise.all([
    supportThreshold(),
    viewer ? hasSupported(viewer.id, id) : Promise.resolve(false),
    database().db.selectFrom('voting_processes').select(['id', 'title', 'state', 'opens_at', 'closes_at']).where('proposal_id', '=', id).orderBy('id', 'desc').executeTakeFirst(),
  ])
  const isAuthor = viewer !== null && row.author_id === viewer.id
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    bodyHtml: row.body_html,
    bodyMd: isAuthor && row.state === 'draft' ? row.body_md : null,
    state: row.state,
    category: row.categoryCode ? { code: row.categoryCode, name: row.categoryName! } : null,
    tags: row.tags ? row.tags.split(' ') : [],
    place: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    area: row.areaSlug ? { slug: row.areaSlug, name: row.areaName! } : null,
    district: row.districtSlug && row.districtSlug !== row.areaSlug ? { slug: row.districtSlug, name: row.districtName! } : null,
    authorName: row.authorDeletedAt ? null : (row.authorName ?? null),
    image: row.image_id && row.imageWidth && row.imageHeight ? { id: row.image_id, width: row.imageWidth, height: row.imageHeight } : null,
    supports: row.supports,
    threshold,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    expiresAt: row.expires_at,
    daysLeft: row.state === 'published' && row.expires_at ? daysUntil(row.expires_at) : null,
    thresholdReachedAt: row.threshold_reached_at,
    archivedAt: row.archived_at,
    answer: row.answer_html && row.answered_at ? { html: row.answer_html, at: row.answered_at } : null,
    vote: vote ? { id: vote.id, title: vote.title, state: vote.state, opensAt: vote.opens_at, closesAt: vote.closes_at } : null,
    viewer: { isAuthor, supported, mayAnswer: mayAnswer(viewer) },
  }
}
export type ProposalView = NonNullable<Awaited<ReturnType<typeof proposalForViewer>>>

/** A draft with its raw fields, for its author's edit form; null for anyone else or once published. */
export async function draftForEditing(id: number, authorId: number) {
  const row = await database()
    .db.selectFrom('proposals as p')
    .leftJoin('proposal_categories as c', 'c.id', 'p.category_id')
    .select(['p.id', 'p.title', 'p.summary', 'p.body_md', 'p.tags', 'p.lat', 'p.lng', 'p.image_id', 'p.state', 'p.author_id', 'c.code as category'])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || row.author_id !== authorId) return null
  return {
    id: row.id,
    state: row.state,
    values: {
      title: row.title,
      summary: row.summary,
      body: row.body_md,
      category: row.category ?? '',
      tags: row.tags.split(' ').filter(Boolean).join(', '),
      lat: row.lat === null ? '' : String(row.lat),
      lng: row.lng === null ? '' : String(row.lng),
    },
    imageId: row.image_id,
  }
}

// ---------------------------------------------------------------- the council

/**
 * What the council has to answer: proposals past their threshold (no vote, or the vote closed),
 * then those with a vote running, then those answered (the answer may be corrected).
 */
export async function councilProposals() {
  const rows = await database()
    .db.selectFrom('proposals as p')
    .select(['p.id', 'p.title', 'p.state', 'p.supports', 'p.threshold_reached_at as thresholdReachedAt', 'p.answered_at as answeredAt'])
    .where('p.state', 'in', ['threshold_reached', 'voting', 'answered'])
    .orderBy('p.threshold_reached_at', 'asc')
    .orderBy('p.id', 'asc')
    .limit(1000)
    .execute()
  const votes = rows.length
    ? await database()
        .db.selectFrom('voting_processes')
        .select(['id', 'proposal_id', 'state', 'closes_at'])
        .where(
          'proposal_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('id', 'asc')
        .execute()
    : []
  const latest = new Map(votes.map((v) => [v.proposal_id!, v]))
  const items = rows.map((r) => {
    const vote = latest.get(r.id) ?? null
    return { ...r, vote: vote ? { id: vote.id, state: vote.state, closesAt: vote.closes_at } : null, answerable: answerable(r.state, vote?.state ?? null) }
  })
  return {
    awaiting: items.filter((i) => i.state !== 'answered' && i.answerable),
    voting: items.filter((i) => i.state === 'voting' && !i.answerable),
    answered: items.filter((i) => i.state === 'answered').sort((a, b) => (b.answeredAt ?? '').localeCompare(a.answeredAt ?? '')),
  }
}

/** One proposal with its answer's Markdown, for the council's form. */
export async function proposalForCouncil(id: number) {
  const row = await database()
    .db.selectFrom('proposals as p')
    .leftJoin('proposal_categories as c', 'c.id', 'p.category_id')
    .select(['p.id', 'p.title', 'p.summary', 'p.body_html', 'p.state', 'p.supports', 'p.answer_md', 'p.answered_at', 'p.threshold_reached_at', 'c.name as categoryName'])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row || !isPublicState(row.state)) return null
  const vote = await database().db.selectFrom('voting_processes').select(['id', 'state', 'closes_at']).where('proposal_id', '=', id).orderBy('id', 'desc').executeTakeFirst()
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    bodyHtml: row.body_html,
    state: row.state,
    supports: row.supports,
    categoryName: row.categoryName,
    answerMd: row.answer_md,
    answeredAt: row.answered_at,
    thresholdReachedAt: row.threshold_reached_at,
    vote: vote ? { id: vote.id, state: vote.state, closesAt: vote.closes_at } : null,
    answerable: answerable(row.state, vote?.state ?? null),
  }
}

/** How many proposals wait for the council's answer (for the council hub). */
export async function awaitingAnswerCount(): Promise<number> {
  return (await councilProposals()).awaiting.length
}

// ---------------------------------------------------------------- personal data

/** What Plaza holds about a person here (for /account/data.json). */
export async function proposalDataOf(userId: number) {
  const { db } = database()
  const [proposals, supports] = await Promise.all([
    db
      .selectFrom('proposals')
      .select(['id', 'title', 'summary', 'body_md as body', 'state', 'tags', 'lat', 'lng', 'created_at', 'published_at'])
      .where('author_id', '=', userId)
      .orderBy('id')
      .execute(),
    db.selectFrom('proposal_supports').select(['proposal_id', 'created_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
  ])
  return { proposals, supports }
}
