import type { Kysely } from 'kysely'
import type { Database as SQLiteDatabase, Statement } from 'better-sqlite3'
import type { AreaLevel, Database, VotingMethod, VotingProcessState } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { translatorFor } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { getUser } from '../../lib/auth.server'
import { castLocation, parseBallotForm } from './components/ballot-form'
import { can, type Principal } from '../accounts/policy'
import { registerDataExporter } from '../accounts/accounts.server'
import { isMilliWeight, type MilliWeight } from './arithmetic'
import { ballotHash, canonicalJson, GENESIS_HASH, normaliseReceipt, receiptCode, verifyChain, type ChainLink, type ChainValue } from './chain'
import { delegationScopeSchema, resolveDelegations, scopeRank, wouldCycle, type Delegation, type DelegationScope, type ProcessScope } from './delegation'
import {
  CountError,
  countBallots,
  countApproval,
  countBudget,
  countQuadratic,
  methodSpecSchema,
  schulze,
  validateBallot,
  type ApprovalChoices,
  type BudgetChoices,
  type Choices,
  type MethodResult,
  type MethodSpec,
  type QuadraticChoices,
  type Refusal,
  type WeightedBallot,
  type YesNoResult,
} from './methods'
import { weightOf, weightPolicySchema, type WeightPolicy } from './weights'

/**
 * The voting engine's server side: who may vote in a process and with what weight, casting
 * ballots (one write: the previous ballot marked replaced, the new one appended to the hash chain,
 * the chain head and the running tallies updated), the live tally, the full count with
 * delegation, delegations themselves, and verification of everything from the ballots.
 *
 * The only code that writes `ballots`, `tallies`, `delegations` and `delegation_weights`; it writes
 * `voting_processes` only for `chain_head` and `ballots` (the chain's length), in the ballot's own
 * transaction. Processes are created, scheduled, closed and published by processes.server.ts.
 *
 * Tally keys (table `tallies`, one row per key, weight in milli-weights and a head count):
 *   every method   'ballots'          weight of the active direct ballots, and how many
 *   yesno          'yes' | 'no' | 'abstain'
 *   approval       'option:<id>'      weight of the ballots approving it; 'blank' for empty ballots
 *   quadratic      'option:<id>'      Σ weight × votes (milli-votes), ballots giving it ≥ 1 vote;
 *                  'raw:<id>'         Σ votes, unweighted (in the weight column);
 *                  'credits'          Σ votes², the voice credits spent (in the weight column)
 *   budget         'option:<id>'      weight of the ballots choosing the project;
 *                  'pot:<id>'         weight of the ballots choosing in that pot
 *   ranked         'pair:<a>><b>'     weight of the ballots ranking a above b (b lower or unranked),
 *                                     so Schulze runs from the tallies alone
 * Delegation is not in the tallies: it is resolved when counting (countProcess).
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

type ProcessRow = {
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

interface ParsedSettings {
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

function parseSettings(row: Pick<ProcessRow, 'id' | 'spec' | 'weight_policy'>): ParsedSettings {
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

async function processRow(db: Kysely<Database>, processId: number): Promise<ProcessRow | undefined> {
  return db.selectFrom('voting_processes').select(PROCESS_COLUMNS).where('id', '=', processId).executeTakeFirst()
}

// Casting reads its process once a second at most: at a thousand ballots a second the row would
// otherwise be read a thousand times for nothing. Safe because the write itself re-checks the
// state (a process closed meanwhile refuses the ballot) and reads the chain head afresh.
const CASTING_TTL_MS = 1000
const castingRows = new Map<number, { at: number; row: ProcessRow | undefined }>()
async function castingRow(processId: number): Promise<ProcessRow | undefined> {
  const hit = castingRows.get(processId)
  if (hit && Date.now() - hit.at < CASTING_TTL_MS) return hit.row
  const row = await processRow(database().db, processId)
  if (castingRows.size > 1000) castingRows.clear()
  castingRows.set(processId, { at: Date.now(), row })
  return row
}

function toInfo(row: ProcessRow, areas: AreaIndex): ProcessInfo {
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

const time = (iso: string) => {
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

interface AreaIndex {
  byId: Map<number, AreaNode>
  cityId: number | null
}

const AREAS_TTL_MS = 30_000
let areasCache: { at: number; index: AreaIndex } | null = null

async function areaIndex(db: Kysely<Database> = database().db): Promise<AreaIndex> {
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
function areaChain(areas: AreaIndex, id: number | null): number[] {
  const chain: number[] = []
  let at = id === null ? undefined : areas.byId.get(id)
  while (at && chain.length < 10) {
    chain.push(at.id)
    at = at.parentId === null ? undefined : areas.byId.get(at.parentId)
  }
  return chain
}

/** Lives inside the eligible area: home area is it or inside it. The whole city (null): any home area. */
function residesInside(areas: AreaIndex, eligibleAreaId: number | null, homeAreaId: number | null): boolean {
  if (homeAreaId === null) return false
  if (eligibleAreaId === null) return true
  return areaChain(areas, homeAreaId).includes(eligibleAreaId)
}

function processScope(areas: AreaIndex, process: { eligibleAreaId: number | null; category: string | null }): ProcessScope {
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

export type EligibilityRefusal =
  | { code: 'levelTooLow'; required: number; level: number }
  | { code: 'notEligibleArea'; area: string | null }
  | { code: 'weightZero' }

export interface Eligibility {
  level: number
  residesInside: boolean
  /** The policy's weight for this voter now (0 when refused). */
  weight: MilliWeight
  refusal: EligibilityRefusal | null
}

type EligibilityProcess = Pick<ProcessInfo, 'eligibleAreaId' | 'eligibleAreaName' | 'residentsOnly' | 'requiredLevel' | 'policy'>

function eligibility(process: EligibilityProcess, voter: Omit<VoterFacts, 'id'>, areas: AreaIndex): Eligibility {
  const inside = residesInside(areas, process.eligibleAreaId, voter.homeAreaId)
  const base = { level: voter.level, residesInside: inside }
  if (voter.level < process.requiredLevel) return { ...base, weight: 0, refusal: { code: 'levelTooLow', required: process.requiredLevel, level: voter.level } }
  if (process.residentsOnly && !inside) return { ...base, weight: 0, refusal: { code: 'notEligibleArea', area: process.eligibleAreaName } }
  const weight = weightOf(process.policy, { level: voter.level, residesInside: inside })
  if (weight <= 0) return { ...base, weight: 0, refusal: { code: 'weightZero' } }
  return { ...base, weight, refusal: null }
}

async function voterFacts(db: Kysely<Database>, userId: number): Promise<VoterFacts | null> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'verification_level', 'home_area_id', 'deleted_at'])
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!row || row.deleted_at) return null
  return { id: row.id, level: row.verification_level, homeAreaId: row.home_area_id }
}

// ---------------------------------------------------------------------------------------------
// Listing and one process for a viewer
// ---------------------------------------------------------------------------------------------

export interface ProcessSummary {
  id: number
  title: string
  method: VotingMethod
  phase: Phase
  opensAt: string
  closesAt: string
  eligibleAreaName: string | null
  /** Active direct ballots (one per voter). */
  ballots: number
}

/** Processes people may see (never drafts), by phase: open first, then upcoming, then closed. */
export async function listProcesses(at: Date = new Date()): Promise<Record<'open' | 'upcoming' | 'closed', ProcessSummary[]>> {
  const [rows, areas] = await Promise.all([
    database()
      .db.selectFrom('voting_processes as p')
      // Voters with an active ballot (the chain's length counts re-cast ballots too).
      .leftJoin('tallies as t', (join) => join.onRef('t.process_id', '=', 'p.id').on('t.key', '=', 'ballots'))
      .select(['p.id', 'p.title', 'p.method', 'p.state', 'p.opens_at', 'p.closes_at', 'p.eligible_area_id', 't.ballots'])
      .where('p.state', 'in', ['scheduled', 'open', 'closed', 'published'])
      .orderBy('p.closes_at', 'desc')
      .limit(500)
      .execute(),
    areaIndex(),
  ])
  const out: Record<'open' | 'upcoming' | 'closed', ProcessSummary[]> = { open: [], upcoming: [], closed: [] }
  for (const r of rows) {
    const phase = phaseOf({ state: r.state, opensAt: r.opens_at, closesAt: r.closes_at }, at)
    const summary: ProcessSummary = {
      id: r.id,
      title: r.title,
      method: r.method,
      phase,
      opensAt: r.opens_at,
      closesAt: r.closes_at,
      eligibleAreaName: r.eligible_area_id === null ? null : (areas.byId.get(r.eligible_area_id)?.name ?? null),
      ballots: r.ballots ?? 0,
    }
    out[phase === 'published' ? 'closed' : phase].push(summary)
  }
  // Soonest first for what is open or coming; most recently closed first for the rest.
  out.open.sort((a, b) => time(a.closesAt) - time(b.closesAt))
  out.upcoming.sort((a, b) => time(a.opensAt) - time(b.opensAt))
  return out
}

export interface ViewerBallot {
  receipt: string
  choices: Choices
  weight: MilliWeight
  castAt: string
}

export interface ViewerDelegation {
  id: number
  toId: number
  toName: string
  scope: DelegationScope
}

export interface VoterView {
  process: ProcessInfo
  phase: Phase
  open: boolean
  /** The process's area chain (smallest first) and category: which delegation scopes apply. */
  scope: ProcessScope
  viewer: null | {
    id: number
    eligibility: Eligibility
    ballot: ViewerBallot | null
    /** The viewer's delegation that applies to this process (the most specific), if any. */
    delegation: ViewerDelegation | null
    /** Administrators may see the running tally and drafts. */
    admin: boolean
  }
}

/**
 * A process as this viewer sees it (null: no such process, or a draft/cancelled one the viewer
 * may not see): parsed spec and policy, whether it is open, and for a logged-in viewer their
 * eligibility and weight now, their active ballot and their delegation for this process.
 */
export async function processForVoter(processId: number, user: (Principal & { id: number }) | null, at: Date = new Date()): Promise<VoterView | null> {
  const { db } = database()
  const [row, areas] = await Promise.all([processRow(db, processId), areaIndex()])
  if (!row) return null
  const admin = can(user, 'admin:access')
  if ((row.state === 'draft' || row.state === 'cancelled') && !admin) return null
  const process = toInfo(row, areas)
  const scope = processScope(areas, process)
  const view: VoterView = { process, phase: phaseOf(process, at), open: isOpen(process, at), scope, viewer: null }
  if (!user) return view
  const facts = await voterFacts(db, user.id)
  if (!facts) return view
  const [ballot, delegations] = await Promise.all([
    db
      .selectFrom('ballots')
      .select(['receipt', 'choices', 'weight', 'cast_at'])
      .where('process_id', '=', processId)
      .where('voter_id', '=', user.id)
      .where('replaced_at', 'is', null)
      .executeTakeFirst(),
    process.delegation
      ? db
          .selectFrom('delegations as d')
          .innerJoin('users as u', 'u.id', 'd.to_id')
          .select(['d.id', 'd.to_id', 'd.scope', 'u.display_name'])
          .where('d.from_id', '=', user.id)
          .where('d.revoked_at', 'is', null)
          .orderBy('d.id')
          .execute()
      : [],
  ])
  let delegation: ViewerDelegation | null = null
  let best = Infinity
  for (const d of delegations) {
    const parsed = delegationScopeSchema.safeParse(d.scope)
    if (!parsed.success) continue
    const rank = scopeRank(parsed.data, scope)
    if (rank !== null && rank <= best) {
      best = rank
      delegation = { id: d.id, toId: d.to_id, toName: d.display_name, scope: parsed.data }
    }
  }
  view.viewer = {
    id: user.id,
    eligibility: eligibility(process, facts, areas),
    ballot: ballot ? { receipt: ballot.receipt, choices: JSON.parse(ballot.choices) as Choices, weight: ballot.weight, castAt: ballot.cast_at } : null,
    delegation,
    admin,
  }
  return view
}

// ---------------------------------------------------------------------------------------------
// Tally contributions
// ---------------------------------------------------------------------------------------------

/**
 * What one ballot adds to the tallies: [key, perWeight, fixed, heads] — the key's weight grows by
 * perWeight × the ballot's weight + fixed, its head count by heads. Linear in the weight, so
 * replacing a ballot subtracts exactly what it added, and identical ballots can be added at once.
 * Defensive about shapes (a tampered ballot must not crash a verification; countBallots reports it).
 */
export type Contribution = [key: string, perWeight: number, fixed: number, heads: number]

export function tallyContributions(spec: MethodSpec, choices: unknown): Contribution[] {
  const out: Contribution[] = [['ballots', 1, 0, 1]]
  const c = (typeof choices === 'object' && choices !== null ? choices : {}) as Record<string, unknown>
  switch (spec.method) {
    case 'yesno':
      if (typeof c.answer === 'string') out.push([c.answer, 1, 0, 1])
      break
    case 'approval': {
      const approved = Array.isArray(c.approved) ? c.approved : []
      for (const id of approved) out.push([`option:${String(id)}`, 1, 0, 1])
      if (approved.length === 0) out.push(['blank', 1, 0, 1])
      break
    }
    case 'quadratic': {
      const votes = typeof c.votes === 'object' && c.votes !== null ? (c.votes as Record<string, unknown>) : {}
      let credits = 0
      for (const [id, n] of Object.entries(votes)) {
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) continue
        out.push([`option:${id}`, n, 0, 1], [`raw:${id}`, 0, n, 0])
        credits += n * n
      }
      if (credits > 0) out.push(['credits', 0, credits, 0])
      break
    }
    case 'budget': {
      const chosen = Array.isArray(c.projects) ? c.projects : []
      const potOf = new Map(spec.projects.map((p) => [p.id, p.pot]))
      const pots = new Set<string>()
      for (const id of chosen) {
        out.push([`option:${String(id)}`, 1, 0, 1])
        const pot = potOf.get(String(id))
        if (pot !== undefined) pots.add(pot)
      }
      for (const pot of pots) out.push([`pot:${pot}`, 1, 0, 1])
      break
    }
    case 'ranked': {
      const ranking = (Array.isArray(c.ranking) ? c.ranking : []).map(String)
      const ranked = new Set(ranking)
      for (let a = 0; a < ranking.length; a++) {
        for (let b = a + 1; b < ranking.length; b++) out.push([`pair:${ranking[a]}>${ranking[b]}`, 1, 0, 1])
        for (const u of spec.options) if (!ranked.has(u)) out.push([`pair:${ranking[a]}>${u}`, 1, 0, 1])
      }
      break
    }
  }
  return out
}

type TallyMap = Map<string, { weight: number; ballots: number }>

function addContributions(into: TallyMap, contributions: Contribution[], weight: number, count: number, sign: 1 | -1) {
  for (const [key, perWeight, fixed, heads] of contributions) {
    const dw = sign * (perWeight * weight + fixed * count)
    const dn = sign * heads * count
    const cell = into.get(key)
    if (cell) {
      cell.weight += dw
      cell.ballots += dn
    } else into.set(key, { weight: dw, ballots: dn })
  }
}

/**
 * The direct-ballot result from tallies alone: the same object countBallots gives for the active
 * ballots at their own weights (verifyProcess checks that it is). The counting rules stay in
 * methods.ts: each option's summed weight is counted as one ballot of that weight, then the head
 * counts are put back from the tallies.
 */
export function resultFromTallies(spec: MethodSpec, tallies: ReadonlyMap<string, { weight: number; ballots: number }>): MethodResult {
  const get = (key: string) => tallies.get(key) ?? { weight: 0, ballots: 0 }
  const turnout = { ...get('ballots') }
  switch (spec.method) {
    case 'yesno': {
      const yes = { ...get('yes') }
      const no = { ...get('no') }
      const abstain = { ...get('abstain') }
      const result: YesNoResult = {
        method: 'yesno',
        yes,
        no,
        abstain,
        turnout,
        yesShare: { numerator: yes.weight, denominator: yes.weight + no.weight },
        yesShareByHead: { numerator: yes.ballots, denominator: yes.ballots + no.ballots },
        majority: yes.weight + no.weight === 0 ? 'none' : yes.weight > no.weight ? 'yes' : no.weight > yes.weight ? 'no' : 'tie',
      }
      return result
    }
    case 'approval': {
      const ballots: WeightedBallot<ApprovalChoices>[] = spec.options.map((id) => ({ choices: { approved: [id] }, weight: get(`option:${id}`).weight }))
      const result = countApproval(spec, ballots)
      for (const row of result.options) row.ballots = get(`option:${row.option}`).ballots
      result.blank = { ...get('blank') }
      result.turnout = turnout
      return result
    }
    case 'quadratic': {
      const ballots: WeightedBallot<QuadraticChoices>[] = spec.options.map((id) => ({ choices: { votes: { [id]: 1 } }, weight: get(`option:${id}`).weight }))
      const result = countQuadratic(spec, ballots)
      for (const row of result.options) {
        row.rawVotes = get(`raw:${row.option}`).weight
        row.ballots = get(`option:${row.option}`).ballots
      }
      result.creditsSpent = get('credits').weight
      result.creditsAvailable = spec.credits * turnout.ballots
      result.turnout = turnout
      return result
    }
    case 'budget': {
      const ballots: WeightedBallot<BudgetChoices>[] = spec.projects.map((p) => ({ choices: { projects: [p.id] }, weight: get(`option:${p.id}`).weight }))
      const result = countBudget(spec, ballots)
      for (const pot of result.pots) {
        pot.turnout = { ...get(`pot:${pot.pot}`) }
        for (const row of pot.projects) row.ballots = get(`option:${row.project}`).ballots
      }
      result.turnout = turnout
      return result
    }
    case 'ranked': {
      const n = spec.options.length
      const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : get(`pair:${spec.options[i]}>${spec.options[j]}`).weight)))
      const { p, winners, ranking } = schulze(spec.options, d)
      return { method: 'ranked', options: [...spec.options], d, p, winners, ranking, turnout }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Casting
// ---------------------------------------------------------------------------------------------

export type CastRefusal =
  | { code: 'notOpen'; when: 'before' | 'after'; opensAt: string; closesAt: string }
  | EligibilityRefusal
  | { code: 'unknownVoter' }
  | Refusal

export type CastResult =
  | { kind: 'cast'; receipt: string; ballotId: number; weight: MilliWeight; replaced: boolean }
  | { kind: 'refused'; refusals: CastRefusal[] }
  | { kind: 'notFound' }

/** Rows per statement when snapshotting delegations (4 bound values a row, well under SQLite's limit). */
const TALLY_CHUNK = 2000

/**
 * The cast's five statements, prepared once per connection. They run on the write connection
 * inside write(fn), so inside its transaction (and savepoint), exactly as `trx` would run them;
 * Kysely prepares every statement anew, which at a thousand casts a second costs more than the
 * statements themselves. The only dialect-specific SQL of this module: a PostgreSQL port
 * replaces these five with the same statements through `trx`.
 */
interface CastStatements {
  open: Statement<[number], { chain_head: string }>
  replace: Statement<[string, number, number], { choices: string; weight: number }>
  insert: Statement<[number, number, string, string, number, number, number, string, string, string]>
  head: Statement<[string, number]>
  tally: Statement<[number, string, number, number]>
}
const castStatements = new WeakMap<SQLiteDatabase, CastStatements>()
function statementsFor(sqlite: SQLiteDatabase): CastStatements {
  let s = castStatements.get(sqlite)
  if (!s) {
    s = {
      // First a write, so the transaction holds the write lock before it reads the chain head; it
      // also re-checks the state an administrator may have just changed.
      open: sqlite.prepare(`update voting_processes set ballots = ballots + 1 where id = ? and state in ('open', 'scheduled') returning chain_head`),
      replace: sqlite.prepare(`update ballots set replaced_at = ? where process_id = ? and voter_id = ? and replaced_at is null returning choices, weight`),
      insert: sqlite.prepare(
        `insert into ballots (process_id, voter_id, receipt, choices, weight, level, resides_inside, cast_at, prev_hash, hash, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)`,
      ),
      head: sqlite.prepare(`update voting_processes set chain_head = ? where id = ?`),
      tally: sqlite.prepare(
        `insert into tallies (process_id, key, weight, ballots) values (?, ?, ?, ?) on conflict (process_id, key) do update set weight = weight + excluded.weight, ballots = ballots + excluded.ballots`,
      ),
    } as CastStatements
    castStatements.set(sqlite, s)
  }
  return s
}

/**
 * Casts (or re-casts) a ballot. Everything that can be known before the write is computed before
 * it: the process, the voter's level and residence now, the weight, the validated choices, the
 * receipt, the canonical ballot and the tally contributions. The write then, in one transaction:
 * checks the process is still open (and counts the ballot in the chain's length), marks the
 * voter's previous active ballot replaced, appends the new ballot to the chain, moves the chain
 * head and adds to the tallies what the new ballot brings minus what the replaced one had brought.
 *
 * `user` may carry the level and home area read for this request (getUser); otherwise they are read.
 */
export async function castBallot(
  user: { id: number; verificationLevel?: number; homeAreaId?: number | null },
  processId: number,
  input: unknown,
  options: { at?: Date } = {},
): Promise<CastResult> {
  const at = options.at ?? new Date()
  const { db, write, sqlite } = database()
  const known = user.verificationLevel !== undefined && user.homeAreaId !== undefined
  const [row, areas, facts] = await Promise.all([
    castingRow(processId),
    areaIndex(),
    known ? { id: user.id, level: user.verificationLevel!, homeAreaId: user.homeAreaId! } : voterFacts(db, user.id),
  ])
  if (!row || row.state === 'draft' || row.state === 'cancelled') return { kind: 'notFound' }
  const process = toInfo(row, areas)
  if (!isOpen(process, at)) {
    return { kind: 'refused', refusals: [{ code: 'notOpen', when: at.getTime() < time(process.opensAt) ? 'before' : 'after', opensAt: process.opensAt, closesAt: process.closesAt }] }
  }
  if (!facts) return { kind: 'refused', refusals: [{ code: 'unknownVoter' }] }
  const who = eligibility(process, facts, areas)
  if (who.refusal) return { kind: 'refused', refusals: [who.refusal] }
  const checked = validateBallot(process.spec, input, { voterAreaIds: areaChain(areas, facts.homeAreaId) })
  if (!checked.ok) return { kind: 'refused', refusals: checked.refusals }

  const choices = checked.choices as Choices
  const choicesText = canonicalJson(choices as unknown as ChainValue)
  const receipt = receiptCode()
  const castAt = at.toISOString()
  const weight = who.weight
  const hashed = hashedBallot(processId, receipt, choices as unknown as ChainValue, weight, castAt)
  const added = tallyContributions(process.spec, choices)
  const statements = statementsFor(sqlite)

  return write(async () => {
    const head = statements.open.get(processId)
    if (!head) return { kind: 'refused' as const, refusals: [{ code: 'notOpen' as const, when: 'after' as const, opensAt: process.opensAt, closesAt: process.closesAt }] }
    const previous = statements.replace.all(castAt, processId, user.id)
    const hash = ballotHash(head.chain_head, hashed)
    const inserted = statements.insert.run(processId, user.id, receipt, choicesText, weight, who.level, who.residesInside ? 1 : 0, castAt, head.chain_head, hash)
    statements.head.run(hash, processId)
    const delta: TallyMap = new Map()
    addContributions(delta, added, weight, 1, 1)
    for (const old of previous) addContributions(delta, tallyContributions(process.spec, JSON.parse(old.choices)), old.weight, 1, -1)
    for (const [key, d] of delta) if (d.weight !== 0 || d.ballots !== 0) statements.tally.run(processId, key, d.weight, d.ballots)
    return { kind: 'cast' as const, receipt, ballotId: Number(inserted.lastInsertRowid), weight, replaced: previous.length > 0 }
  })
}

/**
 * The hot path of POST /votes/:id as a Fetch handler the HTTP layer can answer before Remix (as
 * ADR 023 does for /api/map/features): a logged-in person's urlencoded ballot that is cast gets
 * the same 302 the route's action gives. Anything else — not logged in, another intent, a ballot
 * refused, a multipart body — answers null: the HTTP layer then hands the same request (its body
 * buffered) to Remix, whose action answers it with the page and its messages. Through Remix a cast
 * costs about three times as much CPU as the cast itself (route matching, request conversion).
 */
export async function castBallotFast(request: Request): Promise<Response | null> {
  if (request.method !== 'POST') return null
  // A plain form post only: Remix's own requests (single fetch: /votes/1.data) stay with Remix.
  const url = new URL(request.url)
  const match = /^\/votes\/([1-9]\d{0,11})$/.exec(url.pathname)
  if (!match || url.search !== '' || !(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return null
  const user = await getUser(request)
  if (!user) return null
  const id = Number(match[1])
  const settings = await processSpec(id)
  if (!settings) return null
  let form: URLSearchParams
  try {
    form = new URLSearchParams(await request.text())
  } catch {
    return null
  }
  if (form.get('intent') !== 'cast') return null
  const parsed = parseBallotForm(settings.spec, form)
  if (parsed.refusals.length) return null
  const result = await castBallot(user, id, parsed.input)
  if (result.kind !== 'cast') return null
  return new Response(null, { status: 302, headers: { Location: castLocation(id, result.replaced), 'Cache-Control': 'no-store' } })
}

/**
 * The part of a ballot the chain hashes: everything the published ballot list shows, so anyone can
 * recompute each hash from it — and nothing that names the voter or marks it replaced.
 * hash = SHA-256(prev_hash + "\n" + canonical JSON of { castAt, choices, process, receipt, weight }).
 */
function hashedBallot(processId: number, receipt: string, choices: ChainValue, weight: number, castAt: string): ChainValue {
  return { castAt, choices, process: processId, receipt, weight }
}

// ---------------------------------------------------------------------------------------------
// Live tally
// ---------------------------------------------------------------------------------------------

export async function tallyRows(processId: number, db: Kysely<Database> = database().db): Promise<TallyMap> {
  const rows = await db.selectFrom('tallies').select(['key', 'weight', 'ballots']).where('process_id', '=', processId).execute()
  return new Map(rows.map((r) => [r.key, { weight: r.weight, ballots: r.ballots }]))
}

/**
 * The running result from the tallies table: direct ballots at their own weights, without
 * delegation (resolved only when counting). Pages show it only for administrators, or while open
 * when the process says so (`liveResults`); published results come from countProcess.
 */
export async function liveTally(processId: number): Promise<MethodResult | null> {
  const { db } = database()
  const row = await processRow(db, processId)
  if (!row) return null
  return resultFromTallies(parseSettings(row).spec, await tallyRows(processId, db))
}

// ---------------------------------------------------------------------------------------------
// Delegation: the graph that applies to one process
// ---------------------------------------------------------------------------------------------

interface DelegationGraph {
  source: 'snapshot' | 'live' | 'none'
  delegations: Delegation<number>[]
  /** The delegators' own weights (0 for those who may not vote). */
  weights: Map<number, MilliWeight>
}

function scopesFor(scope: ProcessScope): string[] {
  return ['all', ...scope.areas.map((a) => `area:${a}`), ...(scope.category ? [`category:${scope.category}`] : [])]
}

/**
 * The delegations that apply to a process. Once delegation_weights holds the process's snapshot
 * (taken at the close), that is the graph, with the weights of that moment. Otherwise the stored
 * delegations as they stood at the close (or now, if earlier), each delegator weighed by the
 * policy with their level and residence now.
 */
async function delegationGraph(db: Kysely<Database>, process: ProcessInfo, areas: AreaIndex, at: Date = new Date(), allowSnapshot = true): Promise<DelegationGraph> {
  if (!process.delegation) return { source: 'none', delegations: [], weights: new Map() }
  if (allowSnapshot) {
    const snapshot = await db.selectFrom('delegation_weights').select(['user_id', 'weight', 'delegate_id']).where('process_id', '=', process.id).execute()
    if (snapshot.length > 0) {
      const delegations: Delegation<number>[] = []
      const weights = new Map<number, MilliWeight>()
      for (const r of snapshot) {
        weights.set(r.user_id, r.weight)
        if (r.delegate_id !== null) delegations.push({ from: r.user_id, to: r.delegate_id, scope: 'all' })
      }
      return { source: 'snapshot', delegations, weights }
    }
  }
  const asOf = new Date(Math.min(at.getTime(), time(process.closesAt) || at.getTime())).toISOString()
  const rows = await db
    .selectFrom('delegations as d')
    .innerJoin('users as u', 'u.id', 'd.from_id')
    .select(['d.from_id', 'd.to_id', 'd.scope', 'u.verification_level', 'u.home_area_id', 'u.deleted_at'])
    .where('d.scope', 'in', scopesFor(processScope(areas, process)))
    .where('d.created_at', '<=', asOf)
    .where((eb) => eb.or([eb('d.revoked_at', 'is', null), eb('d.revoked_at', '>', asOf)]))
    .orderBy('d.id')
    .execute()
  const delegations: Delegation<number>[] = []
  const weights = new Map<number, MilliWeight>()
  for (const r of rows) {
    delegations.push({ from: r.from_id, to: r.to_id, scope: r.scope as DelegationScope })
    if (!weights.has(r.from_id)) {
      weights.set(r.from_id, r.deleted_at ? 0 : eligibility(process, { level: r.verification_level, homeAreaId: r.home_area_id }, areas).weight)
    }
  }
  return { source: 'live', delegations, weights }
}

/**
 * Writes the process's delegation snapshot (delegation_weights): every voter with a delegation
 * that applies to the process, their weight under the policy now, and the delegate their
 * followed (most specific) delegation names. The administrators' side calls it inside the write
 * that closes the process, so a recount uses the weights of the close.
 */
export async function snapshotDelegations(trx: Kysely<Database>, processId: number, at: Date = new Date()): Promise<{ delegators: number }> {
  const row = await processRow(trx, processId)
  if (!row) throw new Error(`no voting process ${processId}`)
  const areas = await areaIndex(trx)
  const process = toInfo(row, areas)
  await trx.deleteFrom('delegation_weights').where('process_id', '=', processId).execute()
  const graph = await delegationGraph(trx, process, areas, at, false)
  const scope = processScope(areas, process)
  // The followed delegation of each delegator: the most specific scope, the later on a tie.
  const followed = new Map<number, { to: number; rank: number }>()
  for (const d of graph.delegations) {
    const rank = scopeRank(d.scope, scope)
    if (rank === null) continue
    const current = followed.get(d.from)
    if (!current || rank <= current.rank) followed.set(d.from, { to: d.to, rank })
  }
  const rows = [...followed].map(([user, f]) => ({ process_id: processId, user_id: user, weight: graph.weights.get(user) ?? 0, delegate_id: f.to }))
  for (let i = 0; i < rows.length; i += TALLY_CHUNK) await trx.insertInto('delegation_weights').values(rows.slice(i, i + TALLY_CHUNK)).execute()
  return { delegators: rows.length }
}

// ---------------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------------

export interface DelegationSummary {
  enabled: boolean
  source: 'snapshot' | 'live' | 'none'
  /** Voters whose delegation applied and who did not vote themselves. */
  delegators: number
  /** Of those, whose chain reached a direct voter, and the weight they brought. */
  reached: number
  carriedWeight: MilliWeight
  /** Whose chain reached nobody (rule 5): their weight is not counted. */
  lost: number
  lostWeight: MilliWeight
  /** Direct voters carrying someone's weight. */
  delegates: number
}

export interface ProcessCount {
  processId: number
  method: VotingMethod
  countedAt: string
  /** The result with delegation: each direct ballot weighs its own weight plus what it carries. */
  result: MethodResult
  /** Active direct ballots at their own weights. */
  direct: { ballots: number; weight: MilliWeight }
  delegation: DelegationSummary
  turnout: {
    /** People counted: direct voters and the delegators their chains reached. */
    represented: number
    weight: MilliWeight
    /** Accounts that may vote (level and, when residents only, residence), for the share. */
    eligibleAccounts: number
  }
  chain: { length: number; head: string; replaced: number }
  policy: WeightPolicy
}

interface ActiveBallots {
  voters: number[]
  ballots: WeightedBallot<unknown>[]
}

/** Applies the delegation graph to the active direct ballots: weights become own + carried. */
function applyDelegation(active: ActiveBallots, graph: DelegationGraph, scope: ProcessScope): { weighted: WeightedBallot<unknown>[]; summary: DelegationSummary } {
  const summary: DelegationSummary = { enabled: graph.source !== 'none', source: graph.source, delegators: 0, reached: 0, carriedWeight: 0, lost: 0, lostWeight: 0, delegates: 0 }
  if (graph.delegations.length === 0) return { weighted: active.ballots, summary }
  // Only direct voters inside the graph can carry anything; leaving the others out keeps
  // resolution proportional to the delegations, not to a million ballots.
  const inGraph = new Set<number>()
  for (const d of graph.delegations) {
    inGraph.add(d.from)
    inGraph.add(d.to)
  }
  const weights = new Map(graph.weights)
  const direct: number[] = []
  const at = new Map<number, number>()
  active.voters.forEach((voter, i) => {
    if (!inGraph.has(voter)) return
    direct.push(voter)
    weights.set(voter, active.ballots[i]!.weight)
    at.set(voter, i)
  })
  const resolved = resolveDelegations({ delegations: graph.delegations, process: scope, directVoters: direct, weights })
  for (const [delegator, castBy] of resolved.castBy) {
    const w = graph.weights.get(delegator) ?? 0
    summary.delegators += 1
    if (castBy === null) {
      summary.lost += 1
      summary.lostWeight += w
    } else {
      summary.reached += 1
      summary.carriedWeight += w
    }
  }
  const weighted = active.ballots.slice()
  for (const [voter, carried] of resolved.carried) {
    const i = at.get(voter)!
    if ((resolved.delegators.get(voter) ?? 0) > 0) summary.delegates += 1
    weighted[i] = { choices: weighted[i]!.choices, weight: carried }
  }
  return { weighted, summary }
}

async function eligibleAccounts(db: Kysely<Database>, process: ProcessInfo, areas: AreaIndex): Promise<number> {
  let query = db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is', null).where('verification_level', '>=', process.requiredLevel)
  if (process.residentsOnly) {
    const inside = [...areas.byId.keys()].filter((id) => residesInside(areas, process.eligibleAreaId, id))
    if (inside.length === 0) return 0
    query = query.where('home_area_id', 'in', inside)
  }
  return Number((await query.executeTakeFirstOrThrow()).n)
}

/** Reads ballots in chain order with better-sqlite3 directly: a million rows stream in about a second. */
function ballotRows(processId: number, activeOnly: boolean): IterableIterator<unknown[]> {
  const sqlite = database().sqlite
  const statement = sqlite
    .prepare(
      `select id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash, replaced_at from ballots where process_id = ?${activeOnly ? ' and replaced_at is null' : ''} order by id`,
    )
    .raw(true)
  return statement.iterate(processId) as IterableIterator<unknown[]>
}

/**
 * Parsed choices shared by identical stored texts (a million ballots are a handful of objects),
 * each with whether it can be hashed at all (canonicalJson refuses fractions and the like).
 */
interface ChoicesEntry {
  value: unknown
  chainable: boolean
  /** Active ballots with these choices, when counting: their summed weight and number. */
  weight: number
  count: number
}
class ChoicesCache {
  private readonly parsed = new Map<string, ChoicesEntry>()
  entry(text: string): ChoicesEntry {
    let entry = this.parsed.get(text)
    if (entry === undefined) {
      let value: unknown
      try {
        value = JSON.parse(text) as unknown
      } catch {
        value = { unreadable: text }
      }
      entry = { value, chainable: isChainValue(value), weight: 0, count: 0 }
      if (this.parsed.size < 100_000) this.parsed.set(text, entry)
    }
    return entry
  }
  get(text: string): unknown {
    return this.entry(text).value
  }
}

/**
 * The full count from the ballots table: the active ballots at their stored weights, each direct
 * voter's weight raised by what their delegators carry to them (delegation_weights once
 * snapshotted, else the delegations as they stood at the close), counted by the process's
 * method, with turnout and the delegation summary.
 */
export async function countProcess(processId: number, at: Date = new Date()): Promise<ProcessCount | null> {
  const { db } = database()
  const [row, areas] = await Promise.all([processRow(db, processId), areaIndex()])
  if (!row) return null
  const process = toInfo(row, areas)
  const cache = new ChoicesCache()
  const active: ActiveBallots = { voters: [], ballots: [] }
  let directWeight = 0
  for (const r of ballotRows(processId, true)) {
    const weight = r[4] as number
    active.voters.push(r[1] as number)
    active.ballots.push({ choices: cache.get(r[3] as string), weight })
    directWeight += weight
  }
  const length = (await db.selectFrom('ballots').select((eb) => eb.fn.countAll<number>().as('n')).where('process_id', '=', processId).executeTakeFirstOrThrow()).n
  const scope = processScope(areas, process)
  const graph = await delegationGraph(db, process, areas, at)
  const { weighted, summary } = applyDelegation(active, graph, scope)
  const result = countBallots(process.spec, weighted)
  return {
    processId,
    method: process.method,
    countedAt: at.toISOString(),
    result,
    direct: { ballots: active.ballots.length, weight: directWeight },
    delegation: summary,
    turnout: { represented: active.ballots.length + summary.reached, weight: directWeight + summary.carriedWeight, eligibleAccounts: await eligibleAccounts(db, process, areas) },
    chain: { length: Number(length), head: process.chainHead, replaced: Number(length) - active.ballots.length },
    policy: process.policy,
  }
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

export interface VerifyFigures {
  processId: number
  method: VotingMethod
  chainLength: number
  storedLength: number
  head: string
  activeBallots: number
  replacedBallots: number
  directWeight: MilliWeight
  tallyKeys: number
  delegation: DelegationSummary
  result: MethodResult | null
  seconds: number
}

export interface Verification {
  ok: boolean
  problems: string[]
  figures: VerifyFigures
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Recomputes everything from the ballots and the delegation graph: the hash chain over every
 * ballot (re-cast ones too) in id order against the stored head and length; the tallies table,
 * key by key, against a recount of the active ballots; the tallies' result against countBallots;
 * and, once published, the stored result against a fresh count. One pass over the ballots.
 */
export async function verifyProcess(processId: number, at: Date = new Date()): Promise<Verification> {
  const started = performance.now()
  const { db } = database()
  const [row, areas] = await Promise.all([processRow(db, processId), areaIndex()])
  if (!row) throw new Error(`There is no voting process ${processId}.`)
  const process = toInfo(row, areas)
  const stored = await tallyRows(processId, db)
  const problems: string[] = []

  const cache = new ChoicesCache()
  const active: ActiveBallots = { voters: [], ballots: [] }
  // Active ballots grouped by their choices (the cache's entries), so the recount adds each
  // distinct ballot's contributions once, multiplied. (A second active ballot for one voter cannot
  // be stored — ballots_one_active — and un-replacing an old one shows in the tallies.)
  const groups: ChoicesEntry[] = []
  const ids: number[] = []
  let directWeight = 0

  const take = (r: unknown[]) => {
    const [id, voter, , choicesText, weight, , , , replacedAt] = r as [number, number, string, string, number, string, string, string, string | null]
    ids.push(id)
    const entry = cache.entry(choicesText)
    if (replacedAt !== null) return entry
    if (!isMilliWeight(weight)) {
      problems.push(`ballot ${id}: weight ${String(weight)} is not a whole number of thousandths`)
      return entry
    }
    active.voters.push(voter)
    active.ballots.push({ choices: entry.value, weight })
    directWeight += weight
    if (entry.count === 0) groups.push(entry)
    entry.weight += weight
    entry.count += 1
    return entry
  }

  // verifyChain stops at the first broken link; the rest still has to be counted.
  const rows = ballotRows(processId, false)
  const links: Iterable<ChainLink> = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<ChainLink> => {
        const next = rows.next()
        if (next.done) return { done: true, value: undefined }
        const r = next.value
        const entry = take(r)
        const weight = r[4]
        const ballot: ChainValue =
          typeof weight === 'number' && Number.isSafeInteger(weight) && entry.chainable
            ? hashedBallot(processId, r[2] as string, entry.value as ChainValue, weight, r[5] as string)
            : `unhashable ballot ${String(r[0])}`
        return { done: false, value: { previousHash: r[6] as string, hash: r[7] as string, ballot } }
      },
    }),
  }
  let chain
  try {
    chain = verifyChain(links, { head: row.chain_head })
    for (let next = rows.next(); !next.done; next = rows.next()) take(next.value)
  } finally {
    // An unfinished statement would keep the connection busy.
    rows.return?.()
  }
  if (!chain.ok) {
    const id = ids[chain.index]
    const where = id === undefined ? `after the last ballot (${ids.length} in the chain)` : `at index ${chain.index} (ballot ${id})`
    const why = {
      previous: 'its previous hash is not the hash of the ballot before it: a ballot before it was deleted or reordered, or edited with its hash recomputed',
      hash: 'its hash does not match its contents: this ballot was changed',
      head: `the last hash is not the head stored with the process (${row.chain_head}): the newest ballots were deleted or changed`,
    }[chain.reason]
    problems.push(`chain broken ${where}: ${why}`)
  }
  if (row.ballots !== ids.length) problems.push(`the process records ${row.ballots} ballots cast but the chain holds ${ids.length}`)

  // The tallies table, key by key, against a recount of the active ballots.
  const recount: TallyMap = new Map()
  for (const group of groups) addContributions(recount, tallyContributions(process.spec, group.value), group.weight, group.count, 1)
  for (const key of new Set([...stored.keys(), ...recount.keys()])) {
    const s = stored.get(key) ?? { weight: 0, ballots: 0 }
    const r = recount.get(key) ?? { weight: 0, ballots: 0 }
    if (s.weight !== r.weight || s.ballots !== r.ballots) {
      problems.push(`tally "${key}": stored weight ${s.weight} in ${s.ballots} ballots, recounted weight ${r.weight} in ${r.ballots} ballots`)
    }
  }

  // The tallies' result against the counting rules themselves, then the full count.
  let result: MethodResult | null = null
  let summary: DelegationSummary = { enabled: process.delegation, source: 'none', delegators: 0, reached: 0, carriedWeight: 0, lost: 0, lostWeight: 0, delegates: 0 }
  try {
    const direct = countBallots(process.spec, active.ballots)
    if (!sameJson(direct, resultFromTallies(process.spec, recount))) problems.push('the result computed from the tallies differs from counting the ballots (a defect in tally keys)')
    const graph = await delegationGraph(db, process, areas, at)
    const applied = applyDelegation(active, graph, processScope(areas, process))
    summary = applied.summary
    result = countBallots(process.spec, applied.weighted)
  } catch (error) {
    if (error instanceof CountError) problems.push(`active ballot ${error.index + 1} cannot be counted: ${error.reason}`)
    else throw error
  }
  const published = publishedResult(process.results)
  if (published && result && !sameJson(published, result)) problems.push('the published result differs from a recount of the ballots')

  return {
    ok: problems.length === 0,
    problems,
    figures: {
      processId,
      method: process.method,
      chainLength: ids.length,
      storedLength: row.ballots,
      head: row.chain_head,
      activeBallots: active.ballots.length,
      replacedBallots: ids.length - active.ballots.length,
      directWeight,
      tallyKeys: stored.size,
      delegation: summary,
      result,
      seconds: (performance.now() - started) / 1000,
    },
  }
}

const isChainValue = (value: unknown): value is ChainValue => {
  try {
    canonicalJson(value as ChainValue)
    return true
  } catch {
    return false
  }
}

/**
 * The published count inside voting_processes.results: `{ count: ProcessCount, … }` as the
 * administrators' side publishes it (a bare ProcessCount is read too).
 */
export function publishedCount(results: unknown): ProcessCount | null {
  const object = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null)
  const r = object(results)
  const count = object(r?.count) ?? r
  const result = object(count?.result)
  return count && result && typeof result.method === 'string' ? (count as unknown as ProcessCount) : null
}

/** The method result that was published, if any. */
export const publishedResult = (results: unknown): MethodResult | null => publishedCount(results)?.result ?? null

// ---------------------------------------------------------------------------------------------
// Receipts and the published ballot list
// ---------------------------------------------------------------------------------------------

export type ReceiptCheck = { kind: 'invalid' } | { kind: 'notFound'; receipt: string } | { kind: 'counted' | 'replaced'; receipt: string; castAt: string }

/** Is this receipt in the process's ballot list, and does that ballot count? */
export async function checkReceipt(processId: number, input: string): Promise<ReceiptCheck> {
  const receipt = normaliseReceipt(input)
  if (!receipt) return { kind: 'invalid' }
  const row = await database()
    .db.selectFrom('ballots')
    .select(['cast_at', 'replaced_at'])
    .where('receipt', '=', receipt)
    .where('process_id', '=', processId)
    .executeTakeFirst()
  if (!row) return { kind: 'notFound', receipt }
  return { kind: row.replaced_at === null ? 'counted' : 'replaced', receipt, castAt: row.cast_at }
}

export interface PublishedBallot {
  receipt: string
  castAt: string
  /** Milli-weight: 1000 is one full vote. */
  weight: number
  choices: string
  counted: boolean
  prevHash: string
  hash: string
}

/** Pages of the anonymised ballot list in chain order (no voter ids, ever). */
export async function publishedBallots(processId: number, afterId: number, limit: number): Promise<{ rows: PublishedBallot[]; lastId: number }> {
  const rows = await database()
    .db.selectFrom('ballots')
    .select(['id', 'receipt', 'cast_at', 'weight', 'choices', 'replaced_at', 'prev_hash', 'hash'])
    .where('process_id', '=', processId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute()
  return {
    rows: rows.map((r) => ({ receipt: r.receipt, castAt: r.cast_at, weight: r.weight, choices: r.choices, counted: r.replaced_at === null, prevHash: r.prev_hash, hash: r.hash })),
    lastId: rows.length ? rows[rows.length - 1]!.id : afterId,
  }
}

const LIST_PAGE = 5000
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/**
 * The published ballot list as a stream, in chain order, a page of rows at a time: CSV, or JSON with
 * what a person needs to recompute every hash. Anonymised: receipt, choices, weight (thousandths,
 * as hashed), time, whether it counts (false: replaced by the same voter's later ballot) and the
 * two hashes — never who cast it.
 */
export function ballotListStream(process: { id: number; title: string; method: VotingMethod; chainHead: string }, format: 'csv' | 'json'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after = 0
  let first = true
  let wrote = false
  let done = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (done) return controller.close()
        const { rows, lastId } = await publishedBallots(process.id, after, LIST_PAGE)
        after = lastId
        let out = ''
        if (first) {
          first = false
          out +=
            format === 'csv'
              ? 'receipt,cast_at,weight,choices,counted,prev_hash,hash\n'
              : `{"process":${process.id},"title":${JSON.stringify(process.title)},"method":${JSON.stringify(process.method)},"chainHead":${JSON.stringify(process.chainHead)},` +
                `"weightUnit":"thousandths: 1000 is one full vote",` +
                `"hash":"SHA-256 (hex) of prev_hash, a newline and the canonical JSON (keys sorted, no spaces) of {castAt, choices, process, receipt, weight}; the first prev_hash is 64 zeros",` +
                `"ballots":[`
        }
        for (const r of rows) {
          if (format === 'csv') {
            out += `${r.receipt},${r.castAt},${r.weight},${csvField(r.choices)},${r.counted},${r.prevHash},${r.hash}\n`
          } else {
            let choices: unknown
            try {
              choices = JSON.parse(r.choices)
            } catch {
              choices = r.choices
            }
            out += `${wrote ? ',' : ''}\n${JSON.stringify({ receipt: r.receipt, castAt: r.castAt, weight: r.weight, choices, counted: r.counted, prevHash: r.prevHash, hash: r.hash })}`
            wrote = true
          }
        }
        if (rows.length < LIST_PAGE) {
          done = true
          if (format === 'json') out += '\n]}\n'
        }
        if (out) controller.enqueue(encoder.encode(out))
        if (done) controller.close()
      } catch (error) {
        controller.error(error)
      }
    },
  })
}

/**
 * The HTTP answer for /votes/:id/ballots.{csv,json}: 404 for no such (visible) process, 403 with a
 * sentence before the close (ballots are published only once nobody can vote any more), else the
 * stream. Shared by the two routes.
 */
export async function publishedBallotList(request: Request, idParam: string | undefined, format: 'csv' | 'json'): Promise<Response> {
  const id = Number(idParam)
  const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
  if (!/^\d{1,12}$/.test(idParam ?? '') || !Number.isSafeInteger(id) || id <= 0) return text(404, 'Not Found')
  const view = await processForVoter(id, null)
  if (!view) return text(404, 'Not Found')
  if (view.phase !== 'closed' && view.phase !== 'published') {
    const { t } = await translatorFor(request)
    return text(403, t('votes:ballots.notYet'))
  }
  const process = view.process
  return new Response(ballotListStream({ id, title: process.title, method: process.method, chainHead: process.chainHead }, format), {
    headers: {
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8',
      'Content-Disposition': `${format === 'csv' ? 'attachment' : 'inline'}; filename="vote-${id}-ballots.${format}"`,
      'Cache-Control': 'public, max-age=60',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}

// ---------------------------------------------------------------------------------------------
// Delegations: giving, revoking, listing
// ---------------------------------------------------------------------------------------------

export type DelegateResult =
  | { kind: 'ok'; id: number; replaced: boolean }
  | { kind: 'unknownUser' }
  | { kind: 'self' }
  | { kind: 'cycle' }
  | { kind: 'badScope' }

/**
 * Hands the person's vote on a scope to another person (by e-mail or user id). Refuses unknown
 * people, oneself and a delegation that could close a cycle (wouldCycle, checked inside the write
 * so two people cannot delegate to each other at the same moment). A delegation on a scope the
 * person already delegates replaces it (the old one is kept, revoked, for counts as of a close).
 */
export async function delegate(user: { id: number }, input: { to: string | number; scope: string }): Promise<DelegateResult> {
  const scope = delegationScopeSchema.safeParse(input.scope)
  if (!scope.success) return { kind: 'badScope' }
  const { db, write } = database()
  if (scope.data.startsWith('area:')) {
    const areas = await areaIndex()
    if (!areas.byId.has(Number(scope.data.slice(5)))) return { kind: 'badScope' }
  } else if (scope.data.startsWith('category:')) {
    const category = await db.selectFrom('proposal_categories').select('id').where('code', '=', scope.data.slice(9)).executeTakeFirst()
    if (!category) return { kind: 'badScope' }
  }
  const to = String(input.to).trim()
  let query = db.selectFrom('users').select('id').where('deleted_at', 'is', null)
  query = /^\d{1,12}$/.test(to) ? query.where('id', '=', Number(to)) : query.where('email', '=', to.toLowerCase())
  const target = to ? await query.executeTakeFirst() : undefined
  if (!target) return { kind: 'unknownUser' }
  if (target.id === user.id) return { kind: 'self' }
  const at = new Date().toISOString()
  return write(async (trx) => {
    const active = await trx.selectFrom('delegations').select(['from_id', 'to_id', 'scope']).where('revoked_at', 'is', null).execute()
    const graph = active.map((d) => ({ from: d.from_id, to: d.to_id, scope: d.scope as DelegationScope }))
    if (wouldCycle(graph, user.id, target.id, scope.data)) return { kind: 'cycle' as const }
    const old = await trx
      .updateTable('delegations')
      .set({ revoked_at: at })
      .where('from_id', '=', user.id)
      .where('scope', '=', scope.data)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute()
    const row = await trx
      .insertInto('delegations')
      .values({ from_id: user.id, to_id: target.id, scope: scope.data, created_at: at, revoked_at: null })
      .returning('id')
      .executeTakeFirstOrThrow()
    return { kind: 'ok' as const, id: row.id, replaced: old.length > 0 }
  })
}

export async function revokeDelegation(user: { id: number }, id: number): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const at = new Date().toISOString()
  return database().write(async (trx) => {
    const done = await trx
      .updateTable('delegations')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('from_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst()
    return done ? { kind: 'ok' as const } : { kind: 'notFound' as const }
  })
}

export interface DelegationEntry {
  id: number
  scope: DelegationScope
  /** The other person: whom the delegation goes to (given) or comes from (received). */
  personId: number
  personName: string
  createdAt: string
}

/** The person's active delegations: those they give and those they receive. */
export async function delegationsOf(user: { id: number }): Promise<{ given: DelegationEntry[]; received: DelegationEntry[] }> {
  const { db } = database()
  const [given, received] = await Promise.all([
    db
      .selectFrom('delegations as d')
      .innerJoin('users as u', 'u.id', 'd.to_id')
      .select(['d.id', 'd.scope', 'd.created_at', 'u.id as person_id', 'u.display_name'])
      .where('d.from_id', '=', user.id)
      .where('d.revoked_at', 'is', null)
      .orderBy('d.id')
      .execute(),
    db
      .selectFrom('delegations as d')
      .innerJoin('users as u', 'u.id', 'd.from_id')
      .select(['d.id', 'd.scope', 'd.created_at', 'u.id as person_id', 'u.display_name'])
      .where('d.to_id', '=', user.id)
      .where('d.revoked_at', 'is', null)
      .where('u.deleted_at', 'is', null)
      .orderBy('d.id')
      .limit(1000)
      .execute(),
  ])
  const entry = (r: (typeof given)[number]): DelegationEntry => ({ id: r.id, scope: r.scope as DelegationScope, personId: r.person_id, personName: r.display_name, createdAt: r.created_at })
  return { given: given.map(entry), received: received.map(entry) }
}

/** Names for delegation scopes and the choices the delegation form offers. */
export async function delegationScopeOptions(locale: string) {
  const { db } = database()
  const [areas, categories] = await Promise.all([
    areaIndex(),
    db.selectFrom('proposal_categories').select(['code', 'name']).orderBy('position').orderBy('name').execute(),
  ])
  const all = [...areas.byId.values()]
  const districts = all.filter((a) => a.level === 'district').sort((a, b) => a.name.localeCompare(b.name))
  return {
    districts: districts.map((d) => ({
      id: d.id,
      name: d.name,
      neighbourhoods: all
        .filter((n) => n.parentId === d.id && n.level === 'neighbourhood')
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((n) => ({ id: n.id, name: n.name })),
    })),
    categories: categories.map((c) => ({ code: c.code, name: namesIn(locale)(c.name) })),
    areaNames: Object.fromEntries(all.map((a) => [a.id, a.name])) as Record<number, string>,
    cityId: areas.cityId,
  }
}

// ---------------------------------------------------------------------------------------------
// What the person's data export holds, and registration
// ---------------------------------------------------------------------------------------------

export async function votingDataOf(userId: number) {
  const { db } = database()
  const [ballots, delegations] = await Promise.all([
    db
      .selectFrom('ballots')
      .select(['process_id', 'receipt', 'choices', 'weight', 'cast_at', 'replaced_at'])
      .where('voter_id', '=', userId)
      .orderBy('id')
      .execute(),
    db.selectFrom('delegations').select(['to_id', 'scope', 'created_at', 'revoked_at']).where('from_id', '=', userId).orderBy('id').execute(),
  ])
  return {
    ballots: ballots.map((b) => ({ processId: b.process_id, receipt: b.receipt, choices: JSON.parse(b.choices) as unknown, weight: b.weight / 1000, castAt: b.cast_at, replacedAt: b.replaced_at })),
    delegations: delegations.map((d) => ({ toUserId: d.to_id, scope: d.scope, createdAt: d.created_at, revokedAt: d.revoked_at })),
  }
}

/** Called once per process from app/modules/registry.server.ts. */
export function registerVoting() {
  registerDataExporter('voting', votingDataOf)
}

export { GENESIS_HASH }
