import type { Kysely } from 'kysely'
import type { AreaLevel, Database, VotingMethod, VotingProcessState } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { namesIn } from '../../lib/localized.server'
import type { MilliWeight } from './arithmetic'
import type { ProcessScope } from './delegation'
import { methodSpecSchema, type MethodSpec } from './methods'
import { weightOf, weightPolicySchema, type WeightPolicy } from './weights'

/**
 * What every part of voting reads first: a process row parsed into ProcessInfo (settings cached
 * per process, casting's row cached for a second), the areas that contain one another (a short
 * cache, as the geo module's), and who may vote with what weight. Reads only.
 */

// ---------------------------------------------------------------------------------------------
// Processes as voters see them
// ---------------------------------------------------------------------------------------------

export type Phase = 'upcoming' | 'open' | 'closed' | 'published'

export interface ProcessInfo {
  id: number
  title: string
  descriptionHtml: string
  proposalId: number | null
  eligibleAreaId: number | null
  eligibleAreaName: string | null
  residentsOnly: boolean
  category: string | null
  method: VotingMethod
  spec: MethodSpec
  policy: WeightPolicy
  /** People's names for option, project and pot ids (the spec's `labels`, or a project's `title`). */
  labels: Record<string, string>
  /** ISO 4217 code for budget money (the spec's `currency`; amounts are in its smallest unit). */
  currency: string
  /** The process shows its running tally while open (the spec's `liveResults: true`). */
  liveResults: boolean
  requiredLevel: number
  delegation: boolean
  state: VotingProcessState
  opensAt: string
  closesAt: string
  /** Ballots ever cast, re-cast ones included: the chain's length. */
  ballots: number
  chainHead: string
  results: unknown
  publishedAt: string | null
}

const PROCESS_COLUMNS = [
  'id',
  'title',
  'description_html',
  'proposal_id',
  'eligible_area_id',
  'residents_only',
  'category',
  'method',
  'spec',
  'weight_policy',
  'required_level',
  'delegation',
  'state',
  'opens_at',
  'closes_at',
  'ballots',
  'chain_head',
  'results',
  'published_at',
] as const

export type ProcessRow = {
  id: number
  title: string
  description_html: string
  proposal_id: number | null
  eligible_area_id: number | null
  residents_only: number
  category: string | null
  method: VotingMethod
  spec: string
  weight_policy: string
  required_level: number
  delegation: number
  state: VotingProcessState
  opens_at: string
  closes_at: string
  ballots: number
  chain_head: string
  results: string | null
  published_at: string | null
}

export interface ParsedSettings {
  specText: string
  policyText: string
  spec: MethodSpec
  policy: WeightPolicy
  labels: Record<string, string>
  currency: string
  liveResults: boolean
}

// Parsing a spec (a budget may have thousands of projects) costs more than the rest of a cast:
// parsed settings are kept per process and reused while the stored text is unchanged.
const settingsCache = new Map<number, ParsedSettings>()

export function parseSettings(row: Pick<ProcessRow, 'id' | 'spec' | 'weight_policy'>): ParsedSettings {
  const hit = settingsCache.get(row.id)
  if (hit && hit.specText === row.spec && hit.policyText === row.weight_policy) return hit
  const raw = JSON.parse(row.spec) as unknown
  const spec = methodSpecSchema.parse(raw)
  const policy = weightPolicySchema.parse(JSON.parse(row.weight_policy))
  const extra = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const parsed: ParsedSettings = {
    specText: row.spec,
    policyText: row.weight_policy,
    spec,
    policy,
    labels: labelsOf(extra),
    currency: typeof extra.currency === 'string' && /^[A-Z]{3}$/.test(extra.currency) ? extra.currency : 'EUR',
    liveResults: extra.liveResults === true,
  }
  if (settingsCache.size > 200) settingsCache.clear()
  settingsCache.set(row.id, parsed)
  return parsed
}

/** Names for ids: `labels: { id: name }` in the spec, else a pot's or project's title/name/label. */
function labelsOf(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  const take = (id: unknown, value: unknown) => {
    if (typeof id === 'string' && typeof value === 'string' && value.trim()) out[id] = value.trim()
  }
  for (const list of [raw.pots, raw.projects, raw.options]) {
    if (!Array.isArray(list)) continue
    for (const item of list) {
      if (typeof item === 'object' && item !== null) {
        const o = item as Record<string, unknown>
        take(o.id, o.title ?? o.name ?? o.label)
      }
    }
  }
  if (typeof raw.labels === 'object' && raw.labels !== null) for (const [id, value] of Object.entries(raw.labels)) take(id, value)
  return out
}

export async function processRow(db: Kysely<Database>, processId: number): Promise<ProcessRow | undefined> {
  return db.selectFrom('voting_processes').select(PROCESS_COLUMNS).where('id', '=', processId).executeTakeFirst()
}

// Casting reads its process once a second at most: at a thousand ballots a second the row would
// otherwise be read a thousand times for nothing. Safe because the write itself re-checks the
// state (a process closed meanwhile refuses the ballot) and reads the chain head afresh.
const CASTING_TTL_MS = 1000
const castingRows = new Map<number, { at: number; row: ProcessRow | undefined }>()
export async function castingRow(processId: number): Promise<ProcessRow | undefined> {
  const hit = castingRows.get(processId)
  if (hit && Date.now() - hit.at < CASTING_TTL_MS) return hit.row
  const row = await processRow(database().db, processId)
  if (castingRows.size > 1000) castingRows.clear()
  castingRows.set(processId, { at: Date.now(), row })
  return row
}

export function toInfo(row: ProcessRow, areas: AreaIndex): ProcessInfo {
  const settings = parseSettings(row)
  let results: unknown = null
  if (row.results) {
    try {
      results = JSON.parse(row.results)
    } catch {
      results = null
    }
  }
  return {
    id: row.id,
    title: row.title,
    descriptionHtml: row.description_html,
    proposalId: row.proposal_id,
    eligibleAreaId: row.eligible_area_id,
    eligibleAreaName: row.eligible_area_id === null ? null : (areas.byId.get(row.eligible_area_id)?.name ?? null),
    residentsOnly: row.residents_only === 1,
    category: row.category,
    method: row.method,
    spec: settings.spec,
    policy: settings.policy,
    labels: settings.labels,
    currency: settings.currency,
    liveResults: settings.liveResults,
    requiredLevel: row.required_level,
    delegation: row.delegation === 1,
    state: row.state,
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    ballots: row.ballots,
    chainHead: row.chain_head,
    results,
    publishedAt: row.published_at,
  }
}

export const time = (iso: string) => {
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? NaN : ms
}

/**
 * Open for ballots: state 'open' — or 'scheduled' once its opening time has come (the
 * administrators' side may not have flipped it yet) — and now within [opens_at, closes_at).
 */
export function isOpen(process: { state: VotingProcessState; opensAt: string; closesAt: string }, at: Date = new Date()): boolean {
  if (process.state !== 'open' && process.state !== 'scheduled') return false
  const now = at.getTime()
  return time(process.opensAt) <= now && now < time(process.closesAt)
}

export function phaseOf(process: { state: VotingProcessState; opensAt: string; closesAt: string }, at: Date = new Date()): Phase {
  if (process.state === 'published') return 'published'
  if (process.state === 'closed' || process.state === 'cancelled') return 'closed'
  if (isOpen(process, at)) return 'open'
  return at.getTime() < time(process.opensAt) ? 'upcoming' : 'closed'
}

// ---------------------------------------------------------------------------------------------
// Areas: which contains which (a short cache, as the geo module's)
// ---------------------------------------------------------------------------------------------

interface AreaNode {
  id: number
  parentId: number | null
  name: string
  slug: string
  level: AreaLevel
}

export interface AreaIndex {
  byId: Map<number, AreaNode>
  cityId: number | null
}

const AREAS_TTL_MS = 30_000
let areasCache: { at: number; index: AreaIndex } | null = null

export async function areaIndex(db: Kysely<Database> = database().db): Promise<AreaIndex> {
  if (areasCache && Date.now() - areasCache.at < AREAS_TTL_MS) return areasCache.index
  const rows = await db.selectFrom('areas').select(['id', 'parent_id', 'name', 'slug', 'level']).execute()
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, parentId: r.parent_id, name: r.name, slug: r.slug, level: r.level }]))
  const index = { byId, cityId: rows.find((r) => r.level === 'city')?.id ?? null }
  areasCache = { at: Date.now(), index }
  return index
}

/** The method's settings of a process (to read its ballot form), or null if there is none to vote in. */
export async function processSpec(processId: number): Promise<Pick<ParsedSettings, 'spec' | 'labels' | 'currency'> | null> {
  const row = await castingRow(processId)
  if (!row || row.state === 'draft' || row.state === 'cancelled') return null
  return parseSettings(row)
}

/** Area names by id (for budget pots and delegation scopes). */
export async function areaNames(): Promise<Record<string, string>> {
  const areas = await areaIndex()
  return Object.fromEntries([...areas.byId.values()].map((a) => [String(a.id), a.name]))
}

/** Proposal category names by code (for delegation scopes). */
export async function categoryNames(locale: string): Promise<Record<string, string>> {
  const rows = await database().db.selectFrom('proposal_categories').select(['code', 'name']).execute()
  const name = namesIn(locale)
  return Object.fromEntries(rows.map((r) => [r.code, name(r.name)]))
}

/** The areas a person lives in (their home area and those containing it), smallest first. */
export async function homeAreasOf(homeAreaId: number | null): Promise<number[]> {
  return areaChain(await areaIndex(), homeAreaId)
}

/** For tests that add areas. */
export function forgetVotingCaches() {
  areasCache = null
  settingsCache.clear()
  castingRows.clear()
}

/** The area and those containing it, smallest first. */
export function areaChain(areas: AreaIndex, id: number | null): number[] {
  const chain: number[] = []
  let at = id === null ? undefined : areas.byId.get(id)
  while (at && chain.length < 10) {
    chain.push(at.id)
    at = at.parentId === null ? undefined : areas.byId.get(at.parentId)
  }
  return chain
}

/** Lives inside the eligible area: home area is it or inside it. The whole city (null): any home area. */
export function residesInside(areas: AreaIndex, eligibleAreaId: number | null, homeAreaId: number | null): boolean {
  if (homeAreaId === null) return false
  if (eligibleAreaId === null) return true
  return areaChain(areas, homeAreaId).includes(eligibleAreaId)
}

export function processScope(areas: AreaIndex, process: { eligibleAreaId: number | null; category: string | null }): ProcessScope {
  const chain = process.eligibleAreaId === null ? [] : areaChain(areas, process.eligibleAreaId)
  if (areas.cityId !== null && !chain.includes(areas.cityId)) chain.push(areas.cityId)
  return { areas: chain, category: process.category }
}

// ---------------------------------------------------------------------------------------------
// Eligibility and weight
// ---------------------------------------------------------------------------------------------

export interface VoterFacts {
  id: number
  level: number
  homeAreaId: number | null
}

export type EligibilityRefusal = { code: 'levelTooLow'; required: number; level: number } | { code: 'notEligibleArea'; area: string | null } | { code: 'weightZero' }

export interface Eligibility {
  level: number
  residesInside: boolean
  /** The policy's weight for this voter now (0 when refused). */
  weight: MilliWeight
  refusal: EligibilityRefusal | null
}

type EligibilityProcess = Pick<ProcessInfo, 'eligibleAreaId' | 'eligibleAreaName' | 'residentsOnly' | 'requiredLevel' | 'policy'>

export function eligibility(process: EligibilityProcess, voter: Omit<VoterFacts, 'id'>, areas: AreaIndex): Eligibility {
  const inside = residesInside(areas, process.eligibleAreaId, voter.homeAreaId)
  const base = { level: voter.level, residesInside: inside }
  if (voter.level < process.requiredLevel) return { ...base, weight: 0, refusal: { code: 'levelTooLow', required: process.requiredLevel, level: voter.level } }
  if (process.residentsOnly && !inside) return { ...base, weight: 0, refusal: { code: 'notEligibleArea', area: process.eligibleAreaName } }
  const weight = weightOf(process.policy, { level: voter.level, residesInside: inside })
  if (weight <= 0) return { ...base, weight: 0, refusal: { code: 'weightZero' } }
  return { ...base, weight, refusal: null }
}

export async function voterFacts(db: Kysely<Database>, userId: number): Promise<VoterFacts | null> {
  const row = await db.selectFrom('users').select(['id', 'verification_level', 'home_area_id', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  if (!row || row.deleted_at) return null
  return { id: row.id, level: row.verification_level, homeAreaId: row.home_area_id }
}
