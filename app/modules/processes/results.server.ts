import type { SelectQueryBuilder, Transaction } from 'kysely'
import type { Database, ResultSourceKind, ResultStatus } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import type { Feed, FeedEntry } from '../../lib/feed'
import { FEED_SIZE } from '../../lib/feed'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { can, type Principal } from '../accounts/policy'
import { placeItem, updateItem } from '../geo/map-index.server'
import { recordAudit } from '../moderation/moderation.server'
import { registerDataset } from '../opendata/datasets.server'
import { keysetPage } from '../../lib/paged-export'
import { attachImages, imagesOf, type ImagesToAttach, type ShownImage } from './images.server'
import { RESULT_MAP_MAX, RESULT_PAGE_SIZE } from './phases'
import { milestoneSchema, resultUpdateSchema } from './schema'

/**
 * Accountability: every winning project, accepted proposal and petition with a committed response
 * becomes a result with a status, a progress percentage, a budget and the amount spent, dated
 * milestones, and links back to where it came from. Staff update it; every change is kept in
 * result_changes (dated, who, before and after). The only code that writes results,
 * result_milestones and result_changes.
 */

export const RESULT_KIND = 'result'
/** The map index's kind (layer) of located results (map_kinds row of migration 0037). */
export const RESULTS_MAP_KIND = 'results'
export type Staff = Pick<Principal, 'id' | 'roles'>
export const mayUpdateResults = (staff: Pick<Principal, 'roles'> | null) => (staff ? can({ id: 0, verificationLevel: 0, roles: staff.roles }, 'proposal:respond') : false)

interface NewResult {
  processId: number | null
  sourceKind: ResultSourceKind
  sourceId: number
  voteId?: number | null
  title: string
  description?: string
  areaId: number | null
  lat?: number | null
  lng?: number | null
  budget?: number
  at: Date
}

/** Inside a write: a new result (its first history row too). One result per source; a second call returns the first. */
export async function createResultIn(trx: Transaction<Database>, actorId: number | null, r: NewResult): Promise<number> {
  const existing = await trx.selectFrom('results').select('id').where('source_kind', '=', r.sourceKind).where('source_id', '=', r.sourceId).executeTakeFirst()
  if (existing) return existing.id
  const now = r.at.toISOString()
  const values = {
    process_id: r.processId,
    source_kind: r.sourceKind,
    source_id: r.sourceId,
    vote_id: r.voteId ?? null,
    title: r.title.slice(0, 300),
    description: r.description ?? '',
    area_id: r.areaId,
    lat: r.lat ?? null,
    lng: r.lng ?? null,
    status: 'planned' as const,
    progress: 0,
    budget: r.budget ?? 0,
    spent: 0,
    created_at: now,
    updated_at: now,
  }
  const row = await trx.insertInto('results').values(values).returning('id').executeTakeFirstOrThrow()
  // Located results are a layer of the map (/map "Results"), in the same write.
  if (values.lat !== null && values.lng !== null)
    await placeItem(trx, { kind: RESULTS_MAP_KIND, itemId: row.id, lat: values.lat, lng: values.lng, status: values.status, title: values.title, createdAt: now })
  await trx
    .insertInto('result_changes')
    .values({ result_id: row.id, changed_by: actorId, changed_at: now, before: null, after: JSON.stringify({ status: 'planned', progress: 0, budget: values.budget, spent: 0 }) })
    .execute()
  return row.id
}

export type CommandResult<T = object> = ({ kind: 'ok' } & T) | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'invalid'; errors: Record<string, string> } | { kind: 'notEligible' }

/**
 * Staff turn an accepted proposal (answered) or a petition with a committed response into a result.
 * (Winning projects become results when their vote is published: projects.server.ts.)
 */
export async function createResultFrom(staff: Staff, sourceKind: 'proposal' | 'petition', sourceId: number, at: Date = new Date()): Promise<CommandResult<{ id: number }>> {
  if (!mayUpdateResults(staff)) return { kind: 'forbidden' }
  return database().write(async (trx) => {
    let source: { title: string; description: string; areaId: number | null; lat: number | null; lng: number | null; voteId: number | null }
    if (sourceKind === 'proposal') {
      const p = await trx.selectFrom('proposals').select(['title', 'summary', 'area_id', 'lat', 'lng', 'state', 'answer_md', 'process_id']).where('id', '=', sourceId).executeTakeFirst()
      if (!p) return { kind: 'notFound' }
      if (p.state !== 'answered' || !p.answer_md) return { kind: 'notEligible' }
      source = { title: p.title, description: p.summary, areaId: p.area_id, lat: p.lat, lng: p.lng, voteId: p.process_id }
    } else {
      const p = await trx.selectFrom('petitions').select(['title', 'action', 'area_id', 'lat', 'lng', 'state', 'response_md']).where('id', '=', sourceId).executeTakeFirst()
      if (!p) return { kind: 'notFound' }
      if (!p.response_md || p.state === 'hidden' || p.state === 'rejected') return { kind: 'notEligible' }
      source = { title: p.title, description: p.action, areaId: p.area_id, lat: p.lat, lng: p.lng, voteId: null }
    }
    const id = await createResultIn(trx, staff.id, { processId: null, sourceKind, sourceId, ...source, at })
    await recordAudit(trx, { actorId: staff.id, action: 'result.create', targetKind: RESULT_KIND, targetId: id, after: { sourceKind, sourceId } })
    return { kind: 'ok', id }
  })
}

const errorsOf = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) => {
  const errors: Record<string, string> = {}
  for (const issue of issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message.startsWith('errors.') ? issue.message : 'errors.invalid'
  return errors
}

/** Staff change a result's status, progress, budget, spent or description; the change is kept (history) and audited. */
export async function updateResult(staff: Staff, id: number, fields: Record<string, unknown>, at: Date = new Date()): Promise<CommandResult> {
  if (!mayUpdateResults(staff)) return { kind: 'forbidden' }
  const parsed = resultUpdateSchema.safeParse(fields)
  if (!parsed.success) return { kind: 'invalid', errors: errorsOf(parsed.error.issues) }
  const input = parsed.data
  if (input.status === 'done' && input.progress !== 100) return { kind: 'invalid', errors: { progress: 'errors.doneNeeds100' } }
  return database().write(async (trx) => {
    const row = await trx.selectFrom('results').select(['status', 'progress', 'budget', 'spent', 'description']).where('id', '=', id).executeTakeFirst()
    if (!row) return { kind: 'notFound' }
    const before: Record<string, unknown> = {}
    const after: Record<string, unknown> = {}
    for (const key of ['status', 'progress', 'budget', 'spent', 'description'] as const)
      if (input[key] !== undefined && row[key] !== input[key]) {
        before[key] = row[key]
        after[key] = input[key]
      }
    if (Object.keys(after).length === 0) return { kind: 'ok' }
    const now = at.toISOString()
    await trx
      .updateTable('results')
      .set({ ...after, updated_at: now })
      .where('id', '=', id)
      .execute()
    await trx
      .insertInto('result_changes')
      .values({ result_id: id, changed_by: staff.id, changed_at: now, before: JSON.stringify(before), after: JSON.stringify(after) })
      .execute()
    if (after.status !== undefined) await updateItem(trx, RESULTS_MAP_KIND, id, { status: String(after.status) })
    await recordAudit(trx, { actorId: staff.id, action: 'result.update', targetKind: RESULT_KIND, targetId: id, before, after })
    return { kind: 'ok' }
  })
}

/** What is wrong with a milestone form's fields, as `processes` i18n keys by field (empty: nothing). */
export function milestoneFieldErrors(fields: Record<string, unknown>): Record<string, string> {
  const parsed = milestoneSchema.safeParse(fields)
  return parsed.success ? {} : errorsOf(parsed.error.issues)
}

/** Staff post a dated milestone (text, optional photos: pending process images attached here); kept in the history too. */
export async function addMilestone(
  staff: Staff,
  resultId: number,
  fields: Record<string, unknown>,
  images: ImagesToAttach | null = null,
  at: Date = new Date(),
): Promise<CommandResult<{ id: number }>> {
  if (!mayUpdateResults(staff)) return { kind: 'forbidden' }
  const parsed = milestoneSchema.safeParse(fields)
  if (!parsed.success) return { kind: 'invalid', errors: errorsOf(parsed.error.issues) }
  if (Number.isNaN(Date.parse(`${parsed.data.happenedOn}T00:00:00Z`))) return { kind: 'invalid', errors: { happenedOn: 'errors.date' } }
  return database().write(async (trx) => {
    const row = await trx.selectFrom('results').select('id').where('id', '=', resultId).executeTakeFirst()
    if (!row) return { kind: 'notFound' }
    const now = at.toISOString()
    const m = await trx
      .insertInto('result_milestones')
      .values({ result_id: resultId, happened_on: parsed.data.happenedOn, text: parsed.data.text, image_id: null, created_by: staff.id, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    const photos = images ? await attachImages(trx, 'milestone', m.id, images.refs, images.alt) : 0
    await trx
      .insertInto('result_changes')
      .values({
        result_id: resultId,
        changed_by: staff.id,
        changed_at: now,
        before: null,
        after: JSON.stringify({ milestone: m.id, happenedOn: parsed.data.happenedOn, text: parsed.data.text, ...(photos ? { photos } : {}) }),
      })
      .execute()
    await trx.updateTable('results').set({ updated_at: now }).where('id', '=', resultId).execute()
    await recordAudit(trx, { actorId: staff.id, action: 'result.milestone', targetKind: RESULT_KIND, targetId: resultId, after: { milestone: m.id, happenedOn: parsed.data.happenedOn } })
    return { kind: 'ok', id: m.id }
  })
}

// ------------------------------------------------------------------------------------ reading

export interface ResultFilter {
  areaId?: number | null
  processId?: number | null
  status?: ResultStatus | null
}
export interface ResultListItem {
  id: number
  title: string
  status: ResultStatus
  progress: number
  budget: number
  spent: number
  areaName: string | null
  processTitle: string | null
  sourceKind: ResultSourceKind
  updatedAt: string
}

/** /results: a page, newest change first (keyset on (updated_at, id)). */
export async function listResults(filter: ResultFilter, locale: string, after: { updatedAt: string; id: number } | null = null, limit = RESULT_PAGE_SIZE) {
  let q = database()
    .db.selectFrom('results as r')
    .leftJoin('areas as a', 'a.id', 'r.area_id')
    .leftJoin('participatory_processes as p', 'p.id', 'r.process_id')
    .select(['r.id', 'r.title', 'r.status', 'r.progress', 'r.budget', 'r.spent', 'a.name as area_name', 'p.title as process_title', 'r.source_kind', 'r.updated_at'])
  if (filter.areaId) q = q.where('r.area_id', '=', filter.areaId)
  if (filter.processId) q = q.where('r.process_id', '=', filter.processId)
  if (filter.status) q = q.where('r.status', '=', filter.status)
  if (after) q = q.where((eb) => eb.or([eb('r.updated_at', '<', after.updatedAt), eb.and([eb('r.updated_at', '=', after.updatedAt), eb('r.id', '<', after.id)])]))
  const rows = await q
    .orderBy('r.updated_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(limit + 1)
    .execute()
  const fallback = cityDefaultLocale()
  const items: ResultListItem[] = rows.slice(0, limit).map((r) => ({
    id: r.id,
    title: r.title,
    status: r.status,
    progress: r.progress,
    budget: r.budget,
    spent: r.spent,
    areaName: r.area_name ? localize(r.area_name, locale, fallback) : null,
    processTitle: r.process_title ? localize(r.process_title, locale, fallback) : null,
    sourceKind: r.source_kind,
    updatedAt: r.updated_at,
  }))
  const last = items[items.length - 1]
  return { items, next: rows.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : null }
}

export interface LocatedResult {
  id: number
  title: string
  status: ResultStatus
  progress: number
  lat: number
  lng: number
}

/** /results?view=map: the located results the filters pick, newest change first (at most `limit`), and how many there are. */
export async function locatedResults(filter: ResultFilter, limit = RESULT_MAP_MAX): Promise<{ items: LocatedResult[]; total: number }> {
  const where = <Q extends SelectQueryBuilder<Database, 'results', object>>(q: Q): Q => {
    let out = q.where('lat', 'is not', null).where('lng', 'is not', null)
    if (filter.areaId) out = out.where('area_id', '=', filter.areaId)
    if (filter.processId) out = out.where('process_id', '=', filter.processId)
    if (filter.status) out = out.where('status', '=', filter.status)
    return out as Q
  }
  const { db } = database()
  const [rows, count] = await Promise.all([
    where(db.selectFrom('results').select(['id', 'title', 'status', 'progress', 'lat', 'lng']))
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute(),
    where(db.selectFrom('results').select((eb) => eb.fn.countAll<number>().as('n'))).executeTakeFirst(),
  ])
  return { items: rows.map((r) => ({ id: r.id, title: r.title, status: r.status, progress: r.progress, lat: r.lat!, lng: r.lng! })), total: Number(count?.n ?? 0) }
}

export interface AreaSummary {
  areaId: number | null
  areaName: string | null
  results: number
  done: number
  /** Mean progress, 0–100. */
  progress: number
  budget: number
  spent: number
}

const summaryCache = new Map<string, { at: number; rows: Array<Omit<AreaSummary, 'areaName'>> }>()
/** Summaries are kept 10 s per filter (a page shows them on every visit; results change rarely). */
const SUMMARY_MS = 10_000

/** A progress summary per area (for the same filters, without the area one). */
export async function summaryByArea(filter: Omit<ResultFilter, 'areaId'>, locale: string): Promise<AreaSummary[]> {
  const key = `${filter.processId ?? ''}|${filter.status ?? ''}`
  let cached = summaryCache.get(key)
  if (!cached || Date.now() - cached.at > SUMMARY_MS) {
    // Over results alone (one index scan), names added after: no join per row.
    let q = database()
      .db.selectFrom('results as r')
      .select((eb) => [
        'r.area_id',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.case().when('r.status', '=', 'done').then(1).else(0).end()).as('done'),
        eb.fn.sum<number>('r.progress').as('progress'),
        eb.fn.sum<number>('r.budget').as('budget'),
        eb.fn.sum<number>('r.spent').as('spent'),
      ])
      .where('r.status', '!=', 'cancelled')
    if (filter.processId) q = q.where('r.process_id', '=', filter.processId)
    if (filter.status) q = q.where('r.status', '=', filter.status)
    const rows = await q.groupBy('r.area_id').execute()
    cached = {
      at: Date.now(),
      rows: rows.map((r) => ({
        areaId: r.area_id,
        results: Number(r.n),
        done: Number(r.done ?? 0),
        progress: Number(r.n) ? Math.round(Number(r.progress ?? 0) / Number(r.n)) : 0,
        budget: Number(r.budget ?? 0),
        spent: Number(r.spent ?? 0),
      })),
    }
    summaryCache.set(key, cached)
  }
  const ids = cached.rows.map((r) => r.areaId).filter((id): id is number => id !== null)
  const names = ids.length ? await database().db.selectFrom('areas').select(['id', 'name']).where('id', 'in', ids).execute() : []
  const fallback = cityDefaultLocale()
  return cached.rows
    .map((r) => {
      const name = names.find((n) => n.id === r.areaId)?.name
      return { ...r, areaName: name ? localize(name, locale, fallback) : null }
    })
    .sort((a, b) => (a.areaName ?? '').localeCompare(b.areaName ?? ''))
}

/** Tests: forget the kept summaries. */
export const forgetResultSummaries = () => summaryCache.clear()

export interface ResultView {
  id: number
  title: string
  description: string
  status: ResultStatus
  progress: number
  budget: number
  spent: number
  currency: string
  areaName: string | null
  process: { slug: string; title: string } | null
  source: { kind: ResultSourceKind; id: number; title: string | null; url: string }
  voteId: number | null
  lat: number | null
  lng: number | null
  createdAt: string
  updatedAt: string
  milestones: Array<{ id: number; happenedOn: string; text: string; images: ShownImage[] }>
  history: Array<{ id: number; changedAt: string; before: Record<string, unknown> | null; after: Record<string, unknown> }>
}

export const sourceUrl = (kind: ResultSourceKind, id: number) => (kind === 'project' ? `/processes/projects/${id}` : kind === 'proposal' ? `/proposals/${id}` : `/petitions/${id}`)

export async function resultView(id: number, locale: string): Promise<ResultView | null> {
  const { db } = database()
  const r = await db
    .selectFrom('results as r')
    .leftJoin('areas as a', 'a.id', 'r.area_id')
    .leftJoin('participatory_processes as p', 'p.id', 'r.process_id')
    .select([
      'r.id',
      'r.title',
      'r.description',
      'r.status',
      'r.progress',
      'r.budget',
      'r.spent',
      'p.currency',
      'a.name as area_name',
      'p.slug',
      'p.title as process_title',
      'r.source_kind',
      'r.source_id',
      'r.vote_id',
      'r.lat',
      'r.lng',
      'r.created_at',
      'r.updated_at',
    ])
    .where('r.id', '=', id)
    .executeTakeFirst()
  if (!r) return null
  const [milestones, history] = await Promise.all([
    db.selectFrom('result_milestones').select(['id', 'happened_on', 'text']).where('result_id', '=', id).orderBy('happened_on').orderBy('id').execute(),
    db.selectFrom('result_changes').select(['id', 'changed_at', 'before', 'after']).where('result_id', '=', id).orderBy('id').execute(),
  ])
  const photos = await imagesOf(
    'milestone',
    milestones.map((m) => m.id),
  )
  const fallback = cityDefaultLocale()
  const sourceTitle =
    r.source_kind === 'project'
      ? ((await db.selectFrom('process_projects').select('title').where('id', '=', r.source_id).executeTakeFirst())?.title ?? null)
      : r.source_kind === 'proposal'
        ? ((await db.selectFrom('proposals').select('title').where('id', '=', r.source_id).executeTakeFirst())?.title ?? null)
        : ((await db.selectFrom('petitions').select('title').where('id', '=', r.source_id).executeTakeFirst())?.title ?? null)
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status,
    progress: r.progress,
    budget: r.budget,
    spent: r.spent,
    currency: r.currency ?? 'EUR',
    areaName: r.area_name ? localize(r.area_name, locale, fallback) : null,
    process: r.slug && r.process_title ? { slug: r.slug, title: localize(r.process_title, locale, fallback) } : null,
    source: { kind: r.source_kind, id: r.source_id, title: sourceTitle, url: sourceUrl(r.source_kind, r.source_id) },
    voteId: r.vote_id,
    lat: r.lat,
    lng: r.lng,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    milestones: milestones.map((m) => ({ id: m.id, happenedOn: m.happened_on, text: m.text, images: photos.get(m.id) ?? [] })),
    history: history.map((h) => ({
      id: h.id,
      changedAt: h.changed_at,
      before: h.before ? (JSON.parse(h.before) as Record<string, unknown>) : null,
      after: JSON.parse(h.after) as Record<string, unknown>,
    })),
  }
}

/** The result that came from a project, proposal or petition (for "what happened to my idea"). */
export async function resultOf(kind: ResultSourceKind, id: number): Promise<{ id: number; status: ResultStatus; progress: number } | null> {
  const r = await database().db.selectFrom('results').select(['id', 'status', 'progress']).where('source_kind', '=', kind).where('source_id', '=', id).executeTakeFirst()
  return r ?? null
}

// ------------------------------------------------------------------------------------ feed and dataset

/** The newest result changes as a feed (/feeds/results.rss|atom). */
export async function resultsFeed(locale: string, self: string): Promise<Feed> {
  const base = config().PUBLIC_URL
  const rows = await database()
    .db.selectFrom('results')
    .select(['id', 'title', 'status', 'progress', 'description', 'lat', 'lng', 'created_at', 'updated_at'])
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(FEED_SIZE)
    .execute()
  const entries: FeedEntry[] = rows.map((r) => ({
    link: `${base}/results/${r.id}`,
    title: r.title,
    text: `${r.status} · ${r.progress}%${r.description ? ` — ${r.description.slice(0, 500)}` : ''}`,
    published: r.created_at,
    updated: r.updated_at,
    categories: [r.status],
    ...(r.lat !== null && r.lng !== null ? { point: { lat: r.lat, lng: r.lng } } : {}),
  }))
  return { title: 'Results', description: 'Results of participatory processes, proposals and petitions', link: `${base}/results`, self, language: locale, author: 'Plaza', entries }
}

export function registerResultsDataset() {
  const base = () => config().PUBLIC_URL
  registerDataset({
    name: 'results',
    geometry: 'point',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'string' },
      { name: 'status', type: 'string' },
      { name: 'progress', type: 'integer' },
      { name: 'budget', type: 'number' },
      { name: 'spent', type: 'number' },
      { name: 'source_kind', type: 'string' },
      { name: 'source_id', type: 'integer' },
      { name: 'process_id', type: 'integer' },
      { name: 'area', type: 'string' },
      { name: 'updated_at', type: 'datetime' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const rows = await database()
        .db.selectFrom('results as r')
        .leftJoin('areas as a', 'a.id', 'r.area_id')
        .select(['r.id', 'r.title', 'r.status', 'r.progress', 'r.budget', 'r.spent', 'r.source_kind', 'r.source_id', 'r.process_id', 'a.slug', 'r.updated_at', 'r.lat', 'r.lng'])
        .$call((q) => keysetPage(q, 'r.id', after, limit))
        .execute()
      return rows.map((r) => ({
        key: r.id,
        point: r.lat !== null && r.lng !== null ? { lat: r.lat, lng: r.lng } : null,
        row: {
          id: r.id,
          title: r.title,
          status: r.status,
          progress: r.progress,
          budget: r.budget / 100,
          spent: r.spent / 100,
          source_kind: r.source_kind,
          source_id: r.source_id,
          process_id: r.process_id,
          area: r.slug,
          updated_at: r.updated_at,
          url: `${base()}/results/${r.id}`,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('results')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })
}
