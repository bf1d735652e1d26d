import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely'
import type { Database, ReportPriority, ReportStateKind } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { shaped } from '../../lib/db/shapes'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { auditLog, recordAudit } from '../moderation/moderation.server'
import { resolveLocation } from '../geo/location.server'
import { photosOf } from './photos.server'
import {
  actorFromUser,
  bulkTriage,
  mayTriage,
  priorities,
  reportForViewer,
  reportStates,
  reportTimeline,
  similarReports,
  triageReport,
  type TriageActor,
  type TriageChanges,
  type TriageResult,
  type Viewer,
} from './reports.server'
import { categoriesServing, routeReport } from './department-routing.server'
import { canTransition, isPublic } from './states'
import { csvHeader, csvRows, type CsvValue } from '../../lib/csv'
import { pagedExport } from '../../lib/paged-export'

/**
 * Council triage (issue 6, "what council staff must be able to do"): the reports routed to a staff
 * member's departments, filtered, sorted, counted and paged; one report's triage page; bulk
 * changes; response templates; the CSV export and the dashboard. Reads are queries of their own;
 * every change to a report goes through triageReport/bulkTriage (reports.server.ts). This file
 * writes only `response_templates` (and the audit rows of those writes).
 *
 * Speed (docs/council.md): lists are designed against the indexes of migrations 0008, 0011 and
 * 0012. The state kind is always part of a list's condition so that SQLite walks an index that
 * starts (department, kind, …) or (kind, …) in the sort's order and stops after one page;
 * "by priority" and a priority filter use the urgency expression indexes of 0012. Counts per state
 * without narrowing filters are read from report_state_counts; with them, one grouped query.
 */

export const PAGE_SIZE = 50
export const MAX_PAGE = 2_000
export const BULK_MAX = 500
export const STATE_KINDS: readonly ReportStateKind[] = ['unconfirmed', 'open', 'fixed', 'closed', 'hidden']
export const AGES = ['1', '7', '30', '90', 'older30'] as const
export const SORTS = ['newest', 'oldest', 'priority', 'supports', 'updated'] as const
export type Age = (typeof AGES)[number]
export type Sort = (typeof SORTS)[number]
const DAY = 86_400_000

// Council pages show the names administrators enter in the city's default language.
const councilNames = () => namesIn(cityDefaultLocale())

/**
 * Each state's name in the reader's language: an administrator's own label when there is one,
 * otherwise the translation of its code (council.json `states.<code>`, shared with public pages).
 */
export async function stateLabels(t: (key: string, options?: { defaultValue: string }) => string): Promise<Record<string, string>> {
  const states = await reportStates()
  const name = councilNames()
  return Object.fromEntries([...states.entries()].map(([code, s]) => [code, (s.label && name(s.label)) || t(`council:states.${code}`, { defaultValue: code })]))
}

// ---------------------------------------------------------------- scope

export interface Department {
  id: number
  slug: string
  name: string
}

/**
 * The city's departments and report categories (with the departments each is routed to), kept per
 * process for a few seconds as the routing rules and the states are (ADR 160): the council list
 * read them on every request. They are the city's setup, never a person's data; which departments a
 * viewer may triage comes from the viewer's roles, read fresh for every request. A change through
 * the services module (services.server.ts `changed()`) drops this process's copy at once; another
 * process's copy is at most SETUP_TTL_MS old.
 */
const SETUP_TTL_MS = 10_000
type CouncilSetup = {
  departments: Department[]
  categories: Array<{ id: number; code: string; name: string; departmentIds: Set<number> }>
  categoryByCode: Map<string, number>
}
let setupCache: { at: number; locale: string; db: object; setup: Promise<CouncilSetup> } | null = null

function councilSetup(): Promise<CouncilSetup> {
  const locale = cityDefaultLocale()
  const db = database().db
  if (setupCache && setupCache.locale === locale && setupCache.db === db && Date.now() - setupCache.at < SETUP_TTL_MS) return setupCache.setup
  const setup = (async () => {
    const name = namesIn(locale)
    // Both in the order the database gives (its collation), as the per-request queries had them.
    const [departments, categories, routes] = await Promise.all([
      db.selectFrom('departments').select(['id', 'slug', 'name']).orderBy('name').execute(),
      db.selectFrom('report_categories as c').select(['c.id', 'c.code', 'c.name']).orderBy('c.position').orderBy('c.name').execute(),
      db.selectFrom('category_routes').select(['category_id', 'department_id']).execute(),
    ])
    const routedTo = new Map<number, Set<number>>()
    for (const r of routes) {
      let set = routedTo.get(r.category_id)
      if (!set) routedTo.set(r.category_id, (set = new Set()))
      set.add(r.department_id)
    }
    return {
      departments: departments.map((d) => ({ ...d, name: name(d.name) })),
      categories: categories.map((c) => ({ ...c, name: name(c.name), departmentIds: routedTo.get(c.id) ?? new Set<number>() })),
      categoryByCode: new Map(categories.map((c) => [c.code, c.id])),
    }
  })()
  setupCache = { at: Date.now(), locale, db, setup }
  setup.catch(() => (setupCache = null))
  return setup
}

/** Drops this process's copy of the departments and categories (after a change to either, or to the routes). */
export function forgetCouncilSetup() {
  setupCache = null
}

/** The departments whose reports the viewer triages (every one for an administrator). */
export async function councilScope(viewer: Viewer): Promise<{ all: boolean; departments: Department[] }> {
  const actor = actorFromUser(viewer)
  const { departments } = await councilSetup()
  if (actor.departments === 'all') return { all: true, departments }
  const mine = new Set(actor.departments)
  return { all: false, departments: departments.filter((d) => mine.has(d.id)) }
}

/** The categories routed to these departments anywhere in the city (all of them for null). */
export async function scopeCategories(departmentIds: number[] | null): Promise<Array<{ id: number; code: string; name: string }>> {
  const { categories } = await councilSetup()
  const chosen = departmentIds === null ? categories : categories.filter((c) => departmentIds.some((id) => c.departmentIds.has(id)))
  return chosen.map((c) => ({ id: c.id, code: c.code, name: c.name }))
}

// ---------------------------------------------------------------- the filter

/** The list's filter as the URL carries it (every value a string; '' = any). */
export interface CouncilQuery {
  /** A kind (open, unconfirmed, fixed, closed, hidden), 'all', or 'state.<code>' for one state. */
  status: string
  category: string
  /** A district's or neighbourhood's slug. */
  area: string
  age: '' | Age
  priority: '' | ReportPriority
  assignee: '' | 'me' | 'none'
  department: string
  sort: Sort
  page: number
}

export const defaultQuery: CouncilQuery = { status: 'open', category: '', area: '', age: '', priority: '', assignee: '', department: '', sort: 'newest', page: 1 }

/** What the query means in ids, ready for SQL. */
export interface CouncilFilter {
  /** null: every department (administrators). */
  departmentIds: number[] | null
  kinds: ReportStateKind[]
  stateCode: string | null
  categoryId: number | null
  area: { id: number; level: 'district' | 'neighbourhood' } | null
  createdFrom: string | null
  createdBefore: string | null
  priority: ReportPriority | null
  assignee: { id: number } | 'none' | null
  sort: Sort
  page: number
}

export type QueryErrors = Partial<Record<keyof CouncilQuery, string>>

/**
 * Reads the list's query string. A value that cannot be understood falls back to its default and
 * is reported (an i18n key per field) so the page can say so next to the field.
 */
export async function parseCouncilQuery(
  params: URLSearchParams,
  viewer: Viewer,
  now = Date.now(),
): Promise<{ query: CouncilQuery; filter: CouncilFilter; errors: QueryErrors; scope: Awaited<ReturnType<typeof councilScope>> }> {
  const errors: QueryErrors = {}
  const raw = (name: keyof CouncilQuery) => (params.get(name) ?? '').trim().slice(0, 200)
  const query: CouncilQuery = { ...defaultQuery }
  const scope = await councilScope(viewer)
  const states = await reportStates()

  const status = raw('status')
  let kinds: ReportStateKind[] = ['open']
  let stateCode: string | null = null
  if (status) {
    if (status === 'all') kinds = [...STATE_KINDS]
    else if ((STATE_KINDS as readonly string[]).includes(status)) kinds = [status as ReportStateKind]
    else if (status.startsWith('state.') && states.has(status.slice(6))) {
      stateCode = status.slice(6)
      kinds = [states.get(stateCode)!.kind]
    } else errors.status = 'council:errors.status'
    if (!errors.status) query.status = status
  }

  let categoryId: number | null = null
  const category = raw('category')
  if (category) {
    const id = (await councilSetup()).categoryByCode.get(category)
    if (id !== undefined) {
      categoryId = id
      query.category = category
    } else errors.category = 'council:errors.category'
  }

  let area: CouncilFilter['area'] = null
  const areaSlug = raw('area')
  if (areaSlug) {
    const row = await database().db.selectFrom('areas').select(['id', 'level']).where('slug', '=', areaSlug).executeTakeFirst()
    if (row && row.level !== 'city') {
      area = { id: row.id, level: row.level }
      query.area = areaSlug
    } else errors.area = 'council:errors.area'
  }

  let createdFrom: string | null = null
  let createdBefore: string | null = null
  const age = raw('age')
  if (age) {
    if ((AGES as readonly string[]).includes(age)) {
      query.age = age as Age
      if (age === 'older30') createdBefore = new Date(now - 30 * DAY).toISOString()
      else createdFrom = new Date(now - Number(age) * DAY).toISOString()
    } else errors.age = 'council:errors.age'
  }

  const priority = raw('priority')
  if (priority) {
    if ((priorities as readonly string[]).includes(priority)) query.priority = priority as ReportPriority
    else errors.priority = 'council:errors.priority'
  }

  const assignee = raw('assignee')
  if (assignee) {
    if (assignee === 'me' || assignee === 'none') query.assignee = assignee
    else errors.assignee = 'council:errors.assignee'
  }

  let departmentIds: number[] | null = scope.all ? null : scope.departments.map((d) => d.id)
  const department = raw('department')
  if (department) {
    const chosen = scope.departments.find((d) => d.slug === department)
    if (chosen) {
      departmentIds = [chosen.id]
      query.department = department
    } else errors.department = 'council:errors.department'
  }

  const sort = raw('sort')
  if (sort) {
    if ((SORTS as readonly string[]).includes(sort)) query.sort = sort as Sort
    else errors.sort = 'council:errors.sort'
  }

  const page = raw('page')
  if (page) {
    const n = /^\d{1,6}$/.test(page) ? Number(page) : NaN
    if (n >= 1 && n <= MAX_PAGE) query.page = n
    else errors.page = 'council:errors.page'
  }

  return {
    query,
    errors,
    scope,
    filter: {
      departmentIds,
      kinds,
      stateCode,
      categoryId,
      area,
      createdFrom,
      createdBefore,
      priority: query.priority || null,
      assignee: query.assignee === 'me' ? { id: viewer.id } : query.assignee === 'none' ? 'none' : null,
      sort: query.sort,
      page: query.page,
    },
  }
}

/** The query string of a filter (defaults left out), for links, redirects and the CSV link. */
export function queryString(query: Partial<CouncilQuery>, overrides: Partial<CouncilQuery> = {}): string {
  const merged = { ...defaultQuery, ...query, ...overrides }
  const params = new URLSearchParams()
  for (const key of Object.keys(defaultQuery) as Array<keyof CouncilQuery>) {
    const value = merged[key]
    if (value !== defaultQuery[key] && value !== '') params.set(key, String(value))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

type ReportsEB = ExpressionBuilder<Database, 'reports'>

/**
 * The filter as one condition. `withStatus` false leaves the state out (the counts per state):
 * the kind is then not mentioned either, so that reports_department_counts (department, state and
 * every filtered column) answers the counts on its own.
 */
function matches(eb: ReportsEB, f: CouncilFilter, withStatus: boolean): Expression<SqlBool> {
  const c: Array<Expression<SqlBool>> = []
  if (f.departmentIds) c.push(eb('reports.department_id', 'in', f.departmentIds.length ? f.departmentIds : [-1]))
  if (withStatus) {
    // Always named, even for "all": the indexes that order a page start with the kind.
    c.push(eb('reports.state_kind', 'in', f.kinds))
    if (f.stateCode) c.push(eb('reports.state', '=', f.stateCode))
  }
  if (f.categoryId !== null) c.push(eb('reports.category_id', '=', f.categoryId))
  if (f.area) c.push(eb(f.area.level === 'district' ? 'reports.district_id' : 'reports.area_id', '=', f.area.id))
  if (f.createdFrom) c.push(eb('reports.created_at', '>=', f.createdFrom))
  if (f.createdBefore) c.push(eb('reports.created_at', '<', f.createdBefore))
  // As a number, so that the urgency indexes of migration 0012 answer it.
  if (f.priority) c.push(eb(urgency, '=', URGENCY[f.priority]))
  if (f.assignee === 'none') c.push(eb('reports.assignee_id', 'is', null))
  else if (f.assignee) c.push(eb('reports.assignee_id', '=', f.assignee.id))
  return eb.and(c)
}

// Priority as a number, most urgent highest. A CASE keeps the stored values readable; this is the
// very expression of the indexes of migration 0012 (SQLite uses an expression index only for the
// same expression), so "by priority" walks an index and a priority filter is one of its ranges.
const URGENCY: Record<ReportPriority, number> = { urgent: 3, high: 2, normal: 1, low: 0 }
const urgency = sql<number>`(case reports.priority when 'urgent' then 3 when 'high' then 2 when 'normal' then 1 else 0 end)`

type SortKey = { expr: Expression<unknown> | 'reports.created_at' | 'reports.id' | 'reports.supports' | 'reports.updated_at'; dir: 'asc' | 'desc' }
function sortKeys(sort: Sort): SortKey[] {
  switch (sort) {
    case 'oldest':
      return [
        { expr: 'reports.created_at', dir: 'asc' },
        { expr: 'reports.id', dir: 'asc' },
      ]
    case 'priority':
      return [
        { expr: urgency, dir: 'desc' },
        { expr: 'reports.created_at', dir: 'desc' },
        { expr: 'reports.id', dir: 'desc' },
      ]
    case 'supports':
      return [
        { expr: 'reports.supports', dir: 'desc' },
        { expr: 'reports.created_at', dir: 'desc' },
        { expr: 'reports.id', dir: 'desc' },
      ]
    case 'updated':
      return [
        { expr: 'reports.updated_at', dir: 'desc' },
        { expr: 'reports.id', dir: 'desc' },
      ]
    default:
      return [
        { expr: 'reports.created_at', dir: 'desc' },
        { expr: 'reports.id', dir: 'desc' },
      ]
  }
}

type MatchedId = { id: number; key: unknown[] }

/** Orders rows by their sort keys, each key in its own direction. */
function byKeys(keys: SortKey[]) {
  return (a: MatchedId, b: MatchedId) => {
    for (let i = 0; i < keys.length; i++) {
      const [x, y] = [a.key[i] as number | string, b.key[i] as number | string]
      if (x !== y) return (x < y ? -1 : 1) * (keys[i]!.dir === 'asc' ? 1 : -1)
    }
    return 0
  }
}

// "By priority" over several kinds: without statistics SQLite may pick another (department, kind)
// index and sort every row of the department (50 ms for one department's "all"). One kind at a time
// it walks the urgency index in order and stops early, so each kind's run is read separately and
// the runs merged here — up to this many rows; deeper pages take the single query.
const MERGE_MAX_ROWS = 5_000

/** Ids of one ordered run of matching reports: a page (offset) or the run after a key (CSV). */
async function matchingIds(f: CouncilFilter, options: { limit: number; offset?: number; after?: unknown[] }): Promise<MatchedId[]> {
  const keys = sortKeys(f.sort)
  const offset = options.offset ?? 0
  if (f.sort === 'priority' && f.priority === null && f.kinds.length > 1 && offset + options.limit <= MERGE_MAX_ROWS) {
    const runs = await Promise.all(f.kinds.map((kind) => matchingIds({ ...f, kinds: [kind] }, { limit: offset + options.limit, after: options.after })))
    return runs
      .flat()
      .sort(byKeys(keys))
      .slice(offset, offset + options.limit)
  }
  let q = database()
    .db.selectFrom('reports')
    .select('reports.id')
    .select(keys.map((k, i) => sql`${typeof k.expr === 'string' ? sql.ref(k.expr) : k.expr}`.as(`k${i}`)))
    .where((eb) => matches(eb, f, true))
  if (options.after) {
    const after = options.after
    // Keyset: (k0, k1, …) strictly after the last row, each key in its own direction.
    q = q.where((eb) =>
      eb.or(
        keys.map((_, i) =>
          eb.and(
            keys.slice(0, i + 1).map((k, j) => {
              const ref = typeof k.expr === 'string' ? sql.ref(k.expr) : k.expr
              const op = j < i ? '=' : k.dir === 'asc' ? '>' : '<'
              return eb(ref as Expression<unknown>, op, after[j])
            }),
          ),
        ),
      ),
    )
  }
  for (const k of keys) q = q.orderBy(typeof k.expr === 'string' ? sql.ref(k.expr) : k.expr, k.dir)
  q = q.limit(options.limit)
  if (options.offset) q = q.offset(options.offset)
  const rows = (await q.execute()) as Array<Record<string, unknown> & { id: number }>
  return rows.map((r) => ({ id: r.id, key: keys.map((_, i) => r[`k${i}`]) }))
}

/** What a row of the list shows (the page reads 50 rows for every request; the CSV reads every column). */
const LIST_COLUMNS = [
  'reports.id',
  'reports.title',
  'reports.state',
  'reports.state_kind as stateKind',
  'reports.priority',
  'reports.supports',
  'reports.created_at as createdAt',
  'reports.updated_at as updatedAt',
  'u.display_name as assigneeName',
  'c.name as categoryName',
  'd.name as departmentName',
  'a.name as areaName',
  'dist.name as districtName',
] as const

/** The list's columns and what the details page, the CSV and the triage form read besides. */
const DETAIL_COLUMNS = [
  ...LIST_COLUMNS,
  'reports.photo_count as photoCount',
  'reports.duplicate_of as duplicateOf',
  'reports.lat',
  'reports.lng',
  'reports.confirmed_at as confirmedAt',
  'reports.first_response_at as firstResponseAt',
  'reports.fixed_at as fixedAt',
  'reports.closed_at as closedAt',
  'reports.assignee_id as assigneeId',
  'c.code as categoryCode',
  'd.slug as departmentSlug',
] as const

function detailsQuery() {
  return joinedReports().select(DETAIL_COLUMNS)
}

function joinedReports() {
  return database()
    .db.selectFrom('reports')
    .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
    .innerJoin('departments as d', 'd.id', 'reports.department_id')
    .leftJoin('areas as a', 'a.id', 'reports.area_id')
    .leftJoin('areas as dist', 'dist.id', 'reports.district_id')
    .leftJoin('users as u', 'u.id', 'reports.assignee_id')
}
export type CouncilRow = Awaited<ReturnType<ReturnType<typeof detailsQuery>['execute']>>[number]

function listQuery() {
  return joinedReports().select(LIST_COLUMNS)
}
export type CouncilListRow = Awaited<ReturnType<ReturnType<typeof listQuery>['execute']>>[number]

async function listRowsOf(ids: number[]): Promise<CouncilListRow[]> {
  if (ids.length === 0) return []
  // Compiled once per number of ids (ADR 160, app/lib/db/shapes.ts), run again with the page's ids.
  const db = database().db
  return namedInOrder(ids, (await db.executeQuery(shaped(db, `council:list:${ids.length}`, ids, (v) => listQuery().where('reports.id', 'in', [...v])))).rows)
}

async function detailsOf(ids: number[]): Promise<CouncilRow[]> {
  return ids.length === 0 ? [] : namedInOrder(ids, await detailsQuery().where('reports.id', 'in', ids).execute())
}

/** Rows in the order of `ids`, their stored names in the council's language. */
function namedInOrder<R extends { id: number; categoryName: string; departmentName: string; areaName: string | null; districtName: string | null }>(ids: number[], found: R[]): R[] {
  const name = councilNames()
  const byId = new Map(
    found.map((r) => [
      r.id,
      {
        ...r,
        categoryName: name(r.categoryName),
        departmentName: name(r.departmentName),
        areaName: r.areaName === null ? null : name(r.areaName),
        districtName: r.districtName === null ? null : name(r.districtName),
      },
    ]),
  )
  return ids.map((id) => byId.get(id)).filter((r): r is R => r !== undefined)
}

export interface StateCount {
  state: string
  kind: ReportStateKind
  n: number
}

/** Does the filter narrow the reports beyond departments (and the status, which counts ignore)? */
const narrowed = (f: CouncilFilter) => f.categoryId !== null || f.area !== null || f.createdFrom !== null || f.createdBefore !== null || f.priority !== null || f.assignee !== null

/**
 * Counts per state of everything the filter matches apart from its status (so each state can be
 * chosen from there). Without narrowing filters they are report_state_counts' rows (kept exact by
 * reports.server.ts), a few dozen rows instead of every report of the departments; otherwise one
 * grouped query over the matching reports.
 */
export async function stateCounts(f: CouncilFilter): Promise<StateCount[]> {
  const states = await reportStates()
  const rows = narrowed(f)
    ? await database()
        .db.selectFrom('reports')
        .select(['reports.state', sql<number>`count(*)`.as('n')])
        .where((eb) => matches(eb, f, false))
        // Every department and every state spelled out (both lists are short; a no-op as filters):
        // reports_department_counts (department, state, created_at, then every filtered column)
        // then reads one short range per department and state — bounded by the period when
        // there is one — from the index alone, and in the order of the grouping, so nothing is sorted.
        .$if(f.departmentIds === null, (q) => q.where('reports.department_id', 'in', database().db.selectFrom('departments').select('id')))
        .where('reports.state', 'in', [...states.keys()])
        .groupBy(['reports.department_id', 'reports.state'])
        .execute()
    : await stateCountRows(f.departmentIds === null ? null : f.departmentIds.length ? f.departmentIds : [-1])
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.state, (totals.get(r.state) ?? 0) + Number(r.n))
  return [...states.entries()].map(([state, s]) => ({ state, kind: s.kind, n: totals.get(state) ?? 0 }))
}

/** report_state_counts summed per state, over these departments (every one for null). */
function stateCountRows(departmentIds: number[] | null) {
  const db = database().db
  const build = (ids: readonly number[]) =>
    db
      .selectFrom('report_state_counts')
      .select(['state', sql<number>`sum(n)`.as('n')])
      .$if(departmentIds !== null, (q) => q.where('department_id', 'in', [...ids]))
      .groupBy('state')
  return db.executeQuery(shaped(db, `council:counts:${departmentIds?.length ?? 'all'}`, departmentIds ?? [], build)).then((r) => r.rows)
}

/** The reports page: one page of rows, the counts per state, and how many match in all. */
export async function councilReports(f: CouncilFilter) {
  const counts = await stateCounts(f)
  const total = counts.filter((c) => f.kinds.includes(c.kind) && (!f.stateCode || c.state === f.stateCode)).reduce((sum, c) => sum + c.n, 0)
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))
  const page = Math.min(f.page, pages)
  const ids = total > 0 ? await matchingIds(f, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }) : []
  return { items: await listRowsOf(ids.map((r) => r.id)), counts, total, page, pages }
}

/** Open reports of the viewer's departments (the council hub's figure). */
export async function openReportCount(viewer: Viewer): Promise<number> {
  const actor = actorFromUser(viewer)
  let q = database()
    .db.selectFrom('reports')
    .select(sql<number>`count(*)`.as('n'))
    .where('state_kind', '=', 'open')
  if (actor.departments !== 'all') q = q.where('department_id', 'in', actor.departments.length ? actor.departments : [-1])
  return Number((await q.executeTakeFirstOrThrow()).n)
}

// ---------------------------------------------------------------- CSV

export const CSV_COLUMNS = [
  'id',
  'title',
  'category',
  'department',
  'state',
  'kind',
  'priority',
  'area',
  'district',
  'created',
  'confirmed',
  'first_response',
  'fixed',
  'closed',
  'supports',
  'lat',
  'lng',
  'url',
] as const

function csvValues(r: CouncilRow, base: string): CsvValue[] {
  return [
    r.id,
    r.title,
    r.categoryName,
    r.departmentName,
    r.state,
    r.stateKind,
    r.priority,
    r.areaName,
    r.districtName,
    r.createdAt,
    r.confirmedAt,
    r.firstResponseAt,
    r.fixedAt,
    r.closedAt,
    r.supports,
    r.lat,
    r.lng,
    `${base}/reports/${r.id}`,
  ]
}

/**
 * Rows per chunk. Newest/oldest walk an index, so a small chunk costs little and lets other
 * requests in often; the other orders sort what is left at every chunk, so fewer, larger ones.
 */
export const csvChunk = (sort: Sort) => (sort === 'newest' || sort === 'oldest' ? 1000 : 5000)

/**
 * Every report the filter matches, in its order, as CSV text streamed in chunks by the shared
 * exporter (app/lib/paged-export.ts): each chunk is one keyset query (no OFFSET, no open cursor
 * held between chunks, so other requests run in between and memory stays flat for 100,000 rows).
 * Starts with a UTF-8 BOM so that spreadsheets read accented names right; the shared CSV writer
 * neutralises formulas.
 */
export function councilCsv(f: CouncilFilter, chunk = csvChunk(f.sort)): ReadableStream<Uint8Array> {
  const base = config().PUBLIC_URL
  return pagedExport<unknown[] | undefined>({
    start: undefined,
    head: () => csvHeader(CSV_COLUMNS),
    async page(after) {
      const ids = await matchingIds(f, { limit: chunk, after })
      if (ids.length === 0) return { text: '', next: after, last: true }
      const rows = await detailsOf(ids.map((r) => r.id))
      return { text: csvRows(rows.map((r) => csvValues(r, base))), next: ids[ids.length - 1]!.key, last: ids.length < chunk }
    },
  })
}

// ---------------------------------------------------------------- one report's triage page

/** The department a report is routed to now (after a triage, to see whether it left the person's list). */
export async function reportDepartmentId(id: number): Promise<number> {
  return (await database().db.selectFrom('reports').select('department_id').where('id', '=', id).executeTakeFirstOrThrow()).department_id
}

/** Staff (and administrators) who may be assigned reports of a department. */
export async function departmentMembers(departmentIds: number[]) {
  if (departmentIds.length === 0) return []
  const rows = await database()
    .db.selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['u.id', 'u.display_name as name', 'r.department_id as departmentId'])
    .where('r.role', '=', 'staff')
    .where('r.department_id', 'in', departmentIds)
    .where('u.deleted_at', 'is', null)
    .orderBy('u.display_name')
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name, departmentId: r.departmentId! }))
}

/** May this person be assigned a report of this department (its staff, or an administrator)? */
async function mayBeAssigned(userId: number, departmentId: number) {
  const row = await database()
    .db.selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select('r.user_id')
    .where('r.user_id', '=', userId)
    .where('u.deleted_at', 'is', null)
    .where((eb) => eb.or([eb.and([eb('r.role', '=', 'staff'), eb('r.department_id', '=', departmentId)]), eb('r.role', '=', 'admin')]))
    .executeTakeFirst()
  return Boolean(row)
}

export interface TemplateRow {
  id: number
  title: string
  text: string
  departmentId: number | null
  departmentName: string | null
  autoState: string | null
  createdAt: string
}

/** Templates of these departments and the ones for every department (null). */
export async function templatesFor(departmentIds: number[] | 'all'): Promise<TemplateRow[]> {
  let q = database()
    .db.selectFrom('response_templates as t')
    .leftJoin('departments as d', 'd.id', 't.department_id')
    .select(['t.id', 't.title', 't.text', 't.department_id as departmentId', 'd.name as departmentName', 't.auto_state as autoState', 't.created_at as createdAt'])
  if (departmentIds !== 'all') q = q.where((eb) => eb.or([eb('t.department_id', 'is', null), eb('t.department_id', 'in', departmentIds.length ? departmentIds : [-1])]))
  const name = councilNames()
  const rows = await q
    .orderBy(sql`t.department_id is not null`)
    .orderBy('d.name')
    .orderBy('t.title')
    .execute()
  return rows.map((r) => ({ ...r, departmentName: r.departmentName === null ? null : name(r.departmentName) }))
}

export type TriagePage = { kind: 'notFound' } | { kind: 'forbidden'; department: string } | { kind: 'ok'; data: Awaited<ReturnType<typeof loadTriage>> }

/** Everything the triage page shows, or why it may not be shown to this viewer. */
export async function triagePage(id: number, viewer: Viewer): Promise<TriagePage> {
  const head = await database()
    .db.selectFrom('reports')
    .innerJoin('departments as d', 'd.id', 'reports.department_id')
    .select(['reports.department_id', 'd.name'])
    .where('reports.id', '=', id)
    .executeTakeFirst()
  if (!head) return { kind: 'notFound' }
  if (!mayTriage(viewer, head.department_id)) return { kind: 'forbidden', department: councilNames()(head.name) }
  return { kind: 'ok', data: await loadTriage(id, viewer) }
}

async function loadTriage(id: number, viewer: Viewer) {
  const report = (await reportForViewer(id, viewer))!
  const [serving, states, members, templates, similar, timeline, audit, photos] = await Promise.all([
    categoriesServing(report.lat, report.lng),
    reportStates(),
    departmentMembers([report.department.id]),
    templatesFor([report.department.id]),
    similarReports(report.category.code, report.lat, report.lng, undefined, 8),
    reportTimeline(id, { includePrivate: true }),
    auditLog({ targetKind: 'report', targetId: id, limit: 100 }),
    // Photos arrive with photos.server.ts; a report page still works without them.
    photosOf(id, { includeHidden: true }).catch(() => []),
  ])
  const categories = serving.some((c) => c.code === report.category.code)
    ? serving
    : [{ code: report.category.code, name: report.category.name, group: null, department: report.department.slug }, ...serving]
  const assignees = members.map((m) => ({ id: m.id, name: m.name }))
  if (report.assignee && !assignees.some((a) => a.id === report.assignee!.id)) assignees.push({ id: report.assignee.id, name: report.assignee.name ?? `#${report.assignee.id}` })
  return {
    report,
    categories,
    states: [...states.entries()].map(([code, s]) => ({
      code,
      kind: s.kind,
      label: s.label ? councilNames()(s.label) || null : null,
      // Staff move a published report to any published state (never back to unconfirmed).
      allowed: code === report.state || canTransition(report.stateKind, s.kind, 'staff'),
    })),
    assignees,
    templates,
    similar: similar.filter((s) => s.id !== id),
    timeline,
    audit,
    photos,
  }
}

/** The triage form as sent (strings), before validation. */
export interface TriageForm {
  category?: string
  state?: string
  priority?: string
  assignee?: string
  lat?: string
  lng?: string
  area?: string
  duplicateOf?: string
  update?: string
  templateId?: string
  note?: string
}

export const TEXT_MAX = 5000
export type TriageErrors = Partial<Record<'category' | 'state' | 'priority' | 'assignee' | 'location' | 'lat' | 'lng' | 'area' | 'duplicateOf' | 'update' | 'templateId' | 'note' | 'form', string>>

export type TriageOutcome = { kind: 'ok'; changed: string[] } | { kind: 'nothing' } | { kind: 'invalid'; errors: TriageErrors; status: 400 | 403 | 404 | 409 }

const sameNumber = (a: number, b: number) => Math.abs(a - b) < 1e-9

/**
 * One submission of the triage form: every field is checked first (errors per field, as i18n
 * keys, and nothing is written unless all are right), then the changes go to triageReport in one
 * transaction. Only what differs from the report is sent as a change.
 */
export async function submitTriage(viewer: Viewer, reportId: number, form: TriageForm): Promise<TriageOutcome> {
  const current = await database()
    .db.selectFrom('reports')
    .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
    .select(['reports.id', 'reports.state', 'reports.state_kind', 'reports.priority', 'reports.assignee_id', 'reports.lat', 'reports.lng', 'reports.department_id', 'reports.duplicate_of', 'c.code'])
    .where('reports.id', '=', reportId)
    .executeTakeFirst()
  if (!current) return { kind: 'invalid', status: 404, errors: { form: 'council:errors.notFound' } }
  if (!mayTriage(viewer, current.department_id)) return { kind: 'invalid', status: 403, errors: { form: 'council:errors.forbidden' } }
  const errors: TriageErrors = {}
  const changes: TriageChanges = {}
  const text = (v: string | undefined) => (v ?? '').trim()

  // Category (re-routes the report; it may go to another department).
  const category = text(form.category)
  let departmentId = current.department_id
  if (category && category !== current.code) {
    if (category.length > 64) errors.category = 'council:errors.category'
    else changes.categoryCode = category
  }

  // Location: typed or picked coordinates, or (without JavaScript) an area's point.
  const lat = text(form.lat)
  const lng = text(form.lng)
  const area = text(form.area)
  const typedSame = lat !== '' && lng !== '' && sameNumber(Number(lat.replace(',', '.')), current.lat) && sameNumber(Number(lng.replace(',', '.')), current.lng)
  if ((lat || lng) && !typedSame) {
    const resolved = await resolveLocation({ lat, lng })
    if (!resolved.ok) for (const [field, keys] of Object.entries(resolved.errors)) errors[field as keyof TriageErrors] = `geo:${keys?.[0]}`
    else changes.location = { lat: resolved.location.lat, lng: resolved.location.lng }
  } else if (area && (typedSame || (!lat && !lng))) {
    const resolved = await resolveLocation({ area })
    if (!resolved.ok) for (const [field, keys] of Object.entries(resolved.errors)) errors[field as keyof TriageErrors] = `geo:${keys?.[0]}`
    else changes.location = { lat: resolved.location.lat, lng: resolved.location.lng }
  }

  // Where the report will be after the category and location changes: the department decides
  // who may be assigned, and a location must stay where the department serves.
  if (!errors.category && (changes.categoryCode || changes.location)) {
    const point = changes.location ?? { lat: current.lat, lng: current.lng }
    const routing = await routeReport(changes.categoryCode ?? current.code, point.lat, point.lng)
    if (routing.kind === 'outsideCity') errors.location = 'council:errors.outsideCity'
    else if (routing.kind === 'notServedHere') {
      if (changes.categoryCode) errors.category = 'council:errors.categoryNotServed'
      else errors.location = 'council:errors.outsideReach'
    } else if (changes.location && !changes.categoryCode && routing.departmentId !== current.department_id) errors.location = 'council:errors.outsideReach'
    else departmentId = routing.departmentId
  }

  const states = await reportStates()
  const state = text(form.state)
  if (state && state !== current.state) {
    const to = states.get(state)
    if (!to) errors.state = 'council:errors.unknownState'
    else if (!canTransition(current.state_kind, to.kind, 'staff')) errors.state = current.state_kind === 'unconfirmed' ? 'council:errors.unconfirmed' : 'council:errors.badTransition'
    else changes.state = state
  }

  const priority = text(form.priority)
  if (priority && priority !== current.priority) {
    if ((priorities as readonly string[]).includes(priority)) changes.priority = priority as ReportPriority
    else errors.priority = 'council:errors.priority'
  }

  const assignee = form.assignee === undefined ? undefined : text(form.assignee)
  if (assignee !== undefined) {
    const wanted = assignee === '' ? null : /^\d{1,12}$/.test(assignee) ? Number(assignee) : NaN
    if (Number.isNaN(wanted)) errors.assignee = 'council:errors.assigneeUnknown'
    // Unchanged: kept (or cleared by triageReport when the report moves to another department).
    else if (wanted !== current.assignee_id) {
      if (wanted !== null && !(await mayBeAssigned(wanted, departmentId))) errors.assignee = 'council:errors.assigneeOutside'
      else changes.assigneeId = wanted
    }
  }

  const duplicate = text(form.duplicateOf).replace(/^#/, '')
  if (duplicate) {
    const n = /^\d{1,12}$/.test(duplicate) ? Number(duplicate) : NaN
    if (Number.isNaN(n)) errors.duplicateOf = 'council:errors.duplicateNumber'
    else if (n === reportId) errors.duplicateOf = 'council:errors.duplicateSelf'
    else if (n !== current.duplicate_of || current.state !== 'duplicate') {
      const original = await database().db.selectFrom('reports').select(['id', 'state_kind', 'duplicate_of']).where('id', '=', n).executeTakeFirst()
      if (!original || !isPublic(original.state_kind)) errors.duplicateOf = 'council:errors.duplicateUnknown'
      else if (original.duplicate_of === reportId) errors.duplicateOf = 'council:errors.duplicateCycle'
      else if (!canTransition(current.state_kind, 'closed', 'staff')) errors.duplicateOf = 'council:errors.unconfirmed'
      else {
        changes.duplicateOf = n
        // Marking a duplicate sets its state; a state chosen beside it would be ignored.
        if (changes.state && changes.state !== 'duplicate') errors.state = 'council:errors.duplicateAndState'
        delete changes.state
      }
    }
  }

  if (changes.state === 'duplicate' && changes.duplicateOf === undefined) errors.duplicateOf = 'council:errors.duplicateMissing'

  const update = text(form.update)
  if (update.length > TEXT_MAX) errors.update = 'council:errors.tooLong'
  else if (update) changes.update = update
  const templateId = text(form.templateId)
  if (templateId && !update) {
    const n = /^\d{1,12}$/.test(templateId) ? Number(templateId) : NaN
    const template = Number.isNaN(n) ? undefined : await database().db.selectFrom('response_templates').select(['id', 'department_id']).where('id', '=', n).executeTakeFirst()
    if (!template || (template.department_id !== null && template.department_id !== departmentId)) errors.templateId = 'council:errors.template'
    else changes.templateId = template.id
  }
  const note = text(form.note)
  if (note.length > TEXT_MAX) errors.note = 'council:errors.tooLong'
  else if (note) changes.note = note

  if (Object.keys(errors).length > 0) return { kind: 'invalid', status: 400, errors }
  if (Object.keys(changes).length === 0) return { kind: 'nothing' }
  const result = await triageReport(actorFromUser(viewer), reportId, changes)
  return triageOutcome(result)
}

function triageOutcome(result: TriageResult): TriageOutcome {
  switch (result.kind) {
    case 'ok':
      return { kind: 'ok', changed: result.changed }
    case 'nothingToDo':
      return { kind: 'nothing' }
    case 'notFound':
      return { kind: 'invalid', status: 404, errors: { form: 'council:errors.notFound' } }
    case 'forbidden':
      return { kind: 'invalid', status: 403, errors: { form: 'council:errors.forbidden' } }
    case 'unknownState':
      return { kind: 'invalid', status: 400, errors: { state: 'council:errors.unknownState' } }
    case 'badTransition':
      return { kind: 'invalid', status: 409, errors: { state: 'council:errors.badTransition' } }
    case 'notServedHere':
      return { kind: 'invalid', status: 400, errors: { category: 'council:errors.categoryNotServed' } }
    case 'outsideArea':
      return { kind: 'invalid', status: 400, errors: { location: 'council:errors.outsideReach' } }
    case 'badAssignee':
      return { kind: 'invalid', status: 400, errors: { assignee: 'council:errors.assigneeOutside' } }
    case 'badDuplicate':
      return { kind: 'invalid', status: 400, errors: { duplicateOf: 'council:errors.duplicateUnknown' } }
    case 'badTemplate':
      return { kind: 'invalid', status: 400, errors: { templateId: 'council:errors.template' } }
  }
}

// ---------------------------------------------------------------- bulk

export type BulkSkip = 'forbidden' | 'notFound' | 'badTransition' | 'badAssignee' | 'nothingToDo' | 'other'
export interface BulkOutcome {
  changed: number
  skipped: Partial<Record<BulkSkip, number>>
}

/**
 * Several reports at once from the list (status, priority, assignee): the same rules as one by
 * one, through bulkTriage. An assignee who does not work for a report's department is checked
 * here first, so those reports are skipped whole.
 */
export async function bulkChange(viewer: Viewer, reportIds: number[], change: { state?: string; priority?: ReportPriority; assigneeId?: number | null }): Promise<BulkOutcome> {
  const ids = [...new Set(reportIds)].slice(0, BULK_MAX)
  const skipped: BulkOutcome['skipped'] = {}
  const skip = (why: BulkSkip, n = 1) => {
    if (n > 0) skipped[why] = (skipped[why] ?? 0) + n
  }
  const rows = ids.length ? await database().db.selectFrom('reports').select(['id', 'department_id']).where('id', 'in', ids).execute() : []
  skip('notFound', ids.length - rows.length)
  let allowed = rows
  if (change.assigneeId !== undefined && change.assigneeId !== null) {
    const assigneeId = change.assigneeId
    const fits = new Map<number, boolean>()
    allowed = []
    for (const row of rows) {
      if (!mayTriage(viewer, row.department_id)) {
        allowed.push(row) // bulkTriage counts it as forbidden
        continue
      }
      if (!fits.has(row.department_id)) fits.set(row.department_id, await mayBeAssigned(assigneeId, row.department_id))
      if (fits.get(row.department_id)) allowed.push(row)
      else skip('badAssignee')
    }
  }
  const result = allowed.length
    ? await bulkTriage(
        actorFromUser(viewer),
        allowed.map((r) => r.id),
        change,
      )
    : { changed: 0, results: {} as Record<string, number> }
  for (const [kind, n] of Object.entries(result.results)) {
    if (kind === 'ok') continue
    skip((['forbidden', 'notFound', 'badTransition', 'badAssignee', 'nothingToDo'] as string[]).includes(kind) ? (kind as BulkSkip) : 'other', n)
  }
  return { changed: result.changed, skipped }
}

// ---------------------------------------------------------------- response templates

export interface TemplateInput {
  title: string
  text: string
  /** null: every department (administrators only). */
  departmentId: number | null
  /** Posted automatically when a report moves to this state and staff wrote no update. */
  autoState: string | null
}

export type TemplateResult = { kind: 'ok'; id: number } | { kind: 'notFound' } | { kind: 'forbidden' } | { kind: 'unknownState' } | { kind: 'badState' } | { kind: 'autoTaken'; title: string }

const mayManage = (actor: TriageActor, departmentId: number | null) => actor.departments === 'all' || (departmentId !== null && actor.departments.includes(departmentId))

async function checkTemplate(actor: TriageActor, input: TemplateInput): Promise<TemplateResult | null> {
  if (!mayManage(actor, input.departmentId)) return { kind: 'forbidden' }
  if (input.departmentId !== null) {
    const exists = await database().db.selectFrom('departments').select('id').where('id', '=', input.departmentId).executeTakeFirst()
    if (!exists) return { kind: 'forbidden' }
  }
  if (input.autoState !== null) {
    const state = (await reportStates()).get(input.autoState)
    if (!state) return { kind: 'unknownState' }
    // Staff never move a report to these; a template for them would never be used.
    if (state.kind === 'unconfirmed' || state.kind === 'hidden') return { kind: 'badState' }
  }
  return null
}

/** One automatic template per department and state: otherwise which one is posted is a guess. */
async function autoConflict(trx: Transaction<Database>, input: TemplateInput, exceptId: number | null) {
  if (input.autoState === null) return null
  let q = trx.selectFrom('response_templates').select(['id', 'title']).where('auto_state', '=', input.autoState)
  q = input.departmentId === null ? q.where('department_id', 'is', null) : q.where('department_id', '=', input.departmentId)
  if (exceptId !== null) q = q.where('id', '!=', exceptId)
  return (await q.executeTakeFirst()) ?? null
}

export async function createTemplate(actor: TriageActor, input: TemplateInput): Promise<TemplateResult> {
  const problem = await checkTemplate(actor, input)
  if (problem) return problem
  return database().write(async (trx) => {
    const taken = await autoConflict(trx, input, null)
    if (taken) return { kind: 'autoTaken' as const, title: taken.title }
    const row = await trx
      .insertInto('response_templates')
      .values({ department_id: input.departmentId, title: input.title, text: input.text, auto_state: input.autoState, created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, { actorId: actor.userId, action: 'template.create', targetKind: 'response_template', targetId: row.id, after: input })
    return { kind: 'ok' as const, id: row.id }
  })
}

export async function updateTemplate(actor: TriageActor, id: number, input: TemplateInput): Promise<TemplateResult> {
  const problem = await checkTemplate(actor, input)
  if (problem) return problem
  return database().write(async (trx) => {
    const before = await trx.selectFrom('response_templates').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) return { kind: 'notFound' as const }
    if (!mayManage(actor, before.department_id)) return { kind: 'forbidden' as const }
    const taken = await autoConflict(trx, input, id)
    if (taken) return { kind: 'autoTaken' as const, title: taken.title }
    await trx.updateTable('response_templates').set({ department_id: input.departmentId, title: input.title, text: input.text, auto_state: input.autoState }).where('id', '=', id).execute()
    await recordAudit(trx, {
      actorId: actor.userId,
      action: 'template.update',
      targetKind: 'response_template',
      targetId: id,
      before: { title: before.title, text: before.text, departmentId: before.department_id, autoState: before.auto_state },
      after: input,
    })
    return { kind: 'ok' as const, id }
  })
}

export async function deleteTemplate(actor: TriageActor, id: number): Promise<Exclude<TemplateResult, { kind: 'autoTaken' | 'unknownState' | 'badState' }>> {
  return database().write(async (trx) => {
    const before = await trx.selectFrom('response_templates').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) return { kind: 'notFound' as const }
    if (!mayManage(actor, before.department_id)) return { kind: 'forbidden' as const }
    await trx.deleteFrom('response_templates').where('id', '=', id).execute()
    await recordAudit(trx, {
      actorId: actor.userId,
      action: 'template.delete',
      targetKind: 'response_template',
      targetId: id,
      before: { title: before.title, text: before.text, departmentId: before.department_id, autoState: before.auto_state },
    })
    return { kind: 'ok' as const, id }
  })
}

/** May this viewer edit or delete this template (shown as read-only otherwise)? */
export const mayManageTemplate = (viewer: Viewer, departmentId: number | null) => mayManage(actorFromUser(viewer), departmentId)

// ---------------------------------------------------------------- dashboard

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Monday 00:00 UTC of the week containing `ms`. */
export function weekStart(ms: number): number {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
}

const HOUR = 3_600_000
const hoursBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / HOUR

export interface Dashboard {
  /** Monday of each week, oldest first (ISO dates). */
  weeks: string[]
  byCategory: Array<{ code: string; name: string; counts: number[] }>
  byDistrict: Array<{ id: number | null; name: string | null; counts: number[] }>
  total: number
  firstResponse: { overall: number | null; waiting: number; byCategory: Array<{ code: string; name: string; hours: number | null; n: number }>; byWeek: Array<number | null> }
  fixed: { overall: number | null; byCategory: Array<{ code: string; name: string; hours: number | null; n: number }>; byWeek: Array<number | null> }
}

/**
 * Reports filed per week (the last `weeks` weeks, this one included) by category and by district,
 * and the median hours from confirmation to first response and to fixed, overall, per category and
 * per week of filing — for the published reports (open, fixed, closed) of these departments.
 * One query reads a row per report of the period (an index range per kind); counting and medians
 * are done here, which also keeps date arithmetic out of SQL (the same code runs on PostgreSQL).
 */
// A dashboard may be a minute old: it is read often, changes slowly and costs a pass over the
// period's reports. Per process and short-lived, as the architecture allows.
const DASHBOARD_TTL_MS = 60_000
const dashboards = new Map<string, { at: number; value: Promise<Dashboard> }>()

export function councilDashboard(departmentIds: number[] | null, options: { weeks?: number; now?: number } = {}): Promise<Dashboard> {
  if (options.now !== undefined) return computeDashboard(departmentIds, options)
  const key = `${departmentIds ? [...departmentIds].sort((a, b) => a - b).join(',') : 'all'}:${options.weeks ?? 12}`
  const hit = dashboards.get(key)
  if (hit && Date.now() - hit.at < DASHBOARD_TTL_MS) return hit.value
  const value = computeDashboard(departmentIds, options)
  dashboards.set(key, { at: Date.now(), value })
  value.catch(() => dashboards.delete(key))
  if (dashboards.size > 100) dashboards.delete(dashboards.keys().next().value!)
  return value
}

async function computeDashboard(departmentIds: number[] | null, options: { weeks?: number; now?: number }): Promise<Dashboard> {
  const weeksBack = options.weeks ?? 12
  const now = options.now ?? Date.now()
  const firstWeek = weekStart(now) - (weeksBack - 1) * 7 * DAY
  const from = new Date(firstWeek).toISOString()
  const weeks = Array.from({ length: weeksBack }, (_, i) => new Date(firstWeek + i * 7 * DAY).toISOString().slice(0, 10))
  const weekIndex = (iso: string) => Math.floor((Date.parse(iso.slice(0, 10)) - firstWeek) / (7 * DAY))
  const published: ReportStateKind[] = ['open', 'fixed', 'closed']
  const scoped = (eb: ReportsEB) =>
    eb.and([
      ...(departmentIds ? [eb('reports.department_id', 'in', departmentIds.length ? departmentIds : [-1])] : []),
      eb('reports.state_kind', 'in', published),
      eb('reports.created_at', '>=', from),
    ])

  // One pass over the period's reports (one index range per kind): counts and durations together.
  const [rows, categories, districts] = await Promise.all([
    database()
      .db.selectFrom('reports')
      .select(['reports.category_id', 'reports.district_id', 'reports.created_at', 'reports.confirmed_at', 'reports.first_response_at', 'reports.fixed_at'])
      .where(scoped)
      .execute(),
    database().db.selectFrom('report_categories').select(['id', 'code', 'name']).orderBy('position').orderBy('name').execute(),
    database().db.selectFrom('areas').select(['id', 'name']).where('level', '=', 'district').orderBy('name').execute(),
  ])

  const catCounts = new Map<number, number[]>()
  const distCounts = new Map<number | null, number[]>()
  let total = 0
  for (const r of rows) {
    const w = weekIndex(r.created_at)
    if (w < 0 || w >= weeksBack) continue
    total++
    if (!catCounts.has(r.category_id)) catCounts.set(r.category_id, new Array<number>(weeksBack).fill(0))
    catCounts.get(r.category_id)![w]! += 1
    if (!distCounts.has(r.district_id)) distCounts.set(r.district_id, new Array<number>(weeksBack).fill(0))
    distCounts.get(r.district_id)![w]! += 1
  }

  const response = new Map<number, number[]>()
  const fix = new Map<number, number[]>()
  const responseWeek: number[][] = weeks.map(() => [])
  const fixWeek: number[][] = weeks.map(() => [])
  const allResponse: number[] = []
  const allFix: number[] = []
  let waiting = 0
  for (const r of rows) {
    const start = r.confirmed_at ?? r.created_at
    const w = weekIndex(r.created_at)
    if (r.first_response_at) {
      const h = Math.max(0, hoursBetween(start, r.first_response_at))
      allResponse.push(h)
      if (!response.has(r.category_id)) response.set(r.category_id, [])
      response.get(r.category_id)!.push(h)
      if (w >= 0 && w < weeksBack) responseWeek[w]!.push(h)
    } else waiting++
    if (r.fixed_at) {
      const h = Math.max(0, hoursBetween(start, r.fixed_at))
      allFix.push(h)
      if (!fix.has(r.category_id)) fix.set(r.category_id, [])
      fix.get(r.category_id)!.push(h)
      if (w >= 0 && w < weeksBack) fixWeek[w]!.push(h)
    }
  }

  const districtName = new Map(districts.map((d) => [d.id, d.name]))
  return {
    weeks,
    total,
    byCategory: categories.filter((c) => catCounts.has(c.id)).map((c) => ({ code: c.code, name: c.name, counts: catCounts.get(c.id)! })),
    byDistrict: [...distCounts.entries()]
      .map(([id, counts]) => ({ id, name: id === null ? null : (districtName.get(id) ?? null), counts }))
      .sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff')),
    firstResponse: {
      overall: median(allResponse),
      waiting,
      byCategory: categories.filter((c) => response.has(c.id)).map((c) => ({ code: c.code, name: c.name, hours: median(response.get(c.id)!), n: response.get(c.id)!.length })),
      byWeek: responseWeek.map((v) => median(v)),
    },
    fixed: {
      overall: median(allFix),
      byCategory: categories.filter((c) => fix.has(c.id)).map((c) => ({ code: c.code, name: c.name, hours: median(fix.get(c.id)!), n: fix.get(c.id)!.length })),
      byWeek: fixWeek.map((v) => median(v)),
    },
  }
}
