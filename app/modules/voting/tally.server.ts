import type { Kysely } from 'kysely'
import type { Database, VotingMethod } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import type { MilliWeight } from './arithmetic'
import { canonicalJson, type ChainValue } from './chain'
import { applyDelegation, delegationGraph, type ActiveBallots, type DelegationSummary } from './delegation.server'
import {
  countApproval,
  countBallots,
  countBudget,
  countQuadratic,
  schulze,
  type ApprovalChoices,
  type BudgetChoices,
  type MethodResult,
  type MethodSpec,
  type QuadraticChoices,
  type WeightedBallot,
  type YesNoResult,
} from './methods'
import { areaIndex, parseSettings, processRow, processScope, residesInside, toInfo, type AreaIndex, type ProcessInfo } from './process-info.server'
import type { WeightPolicy } from './weights'

/**
 * Counting: what each ballot adds to the running tallies (table `tallies`), the live result from
 * them, and the full count from the ballots with delegation applied (countProcess). The tally
 * keys are listed in voting.server.ts.
 */

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

export type TallyMap = Map<string, { weight: number; ballots: number }>

export function addContributions(into: TallyMap, contributions: Contribution[], weight: number, count: number, sign: 1 | -1) {
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
// Counting
// ---------------------------------------------------------------------------------------------

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

async function eligibleAccounts(db: Kysely<Database>, process: ProcessInfo, areas: AreaIndex): Promise<number> {
  let query = db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .where('verification_level', '>=', process.requiredLevel)
  if (process.residentsOnly) {
    const inside = [...areas.byId.keys()].filter((id) => residesInside(areas, process.eligibleAreaId, id))
    if (inside.length === 0) return 0
    query = query.where('home_area_id', 'in', inside)
  }
  return Number((await query.executeTakeFirstOrThrow()).n)
}

/**
 * Ballots in chain order as value arrays. SQLite: streamed by better-sqlite3 directly (a million
 * rows in about a second). PostgreSQL: read in one query (TODO issue 20: keyset pages for
 * processes of millions of ballots).
 */
export async function ballotRows(processId: number, activeOnly: boolean): Promise<IterableIterator<unknown[]>> {
  const plaza = database()
  const text = `select id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash, replaced_at from ballots where process_id = ?${activeOnly ? ' and replaced_at is null' : ''} order by id`
  return statements(plaza, plaza.db).values(text, processId)
}

const BALLOT_PAGE = 50_000

/**
 * The same rows as `ballotRows`, page by page: on SQLite one page streamed from its statement; on PostgreSQL
 * keyset pages of 50,000 rows in id order (the index ballots_process), so a million ballots are never held at
 * once nor read in one answer (ADR 158).
 */
export async function* ballotPages(processId: number, activeOnly: boolean): AsyncGenerator<Iterable<unknown[]>> {
  const plaza = database()
  if (plaza.engine === 'sqlite') {
    const rows = await ballotRows(processId, activeOnly)
    try {
      yield rows
    } finally {
      // An unfinished statement would keep the connection busy.
      rows.return?.()
    }
    return
  }
  const run = statements(plaza, plaza.db)
  const text = `select id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash, replaced_at from ballots where process_id = ? and id > ?${activeOnly ? ' and replaced_at is null' : ''} order by id limit ${BALLOT_PAGE}`
  const read = async (after: number) => [...(await run.values(text, processId, after))]
  let next = read(0)
  // Never an unheard rejection of a page read ahead (one that is awaited still throws).
  void next.catch(() => undefined)
  for (;;) {
    const page = await next
    // The next page is read while this one is checked.
    const full = page.length === BALLOT_PAGE
    if (full) {
      next = read(Number(page[page.length - 1]![0]))
      void next.catch(() => undefined)
    }
    if (page.length) yield page
    if (!full) return
  }
}

/**
 * Parsed choices shared by identical stored texts (a million ballots are a handful of objects),
 * each with whether it can be hashed at all (canonicalJson refuses fractions and the like).
 */
export interface ChoicesEntry {
  value: unknown
  chainable: boolean
  /** Active ballots with these choices, when counting: their summed weight and number. */
  weight: number
  count: number
}
export class ChoicesCache {
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
  for await (const page of ballotPages(processId, true)) {
    for (const r of page) {
      const weight = r[4] as number
      active.voters.push(r[1] as number)
      active.ballots.push({ choices: cache.get(r[3] as string), weight })
      directWeight += weight
    }
  }
  const length = (
    await db
      .selectFrom('ballots')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('process_id', '=', processId)
      .executeTakeFirstOrThrow()
  ).n
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

export const isChainValue = (value: unknown): value is ChainValue => {
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
