import { database } from '../../lib/db.server'
import type { VotingMethod } from '../../../db/schema'
import { isMilliWeight, type MilliWeight } from './arithmetic'
import { ChainChecker, hashedBallot, normaliseReceipt, type ChainValue } from './chain'
import { applyDelegation, delegationGraph, type ActiveBallots, type DelegationSummary } from './delegation.server'
import { CountError, countBallots, type MethodResult, type MethodSpec } from './methods'
import { areaIndex, processRow, processScope, toInfo, type AreaIndex, type ProcessInfo } from './process-info.server'
import { addContributions, ballotPages, ChoicesCache, publishedResult, resultFromTallies, tallyContributions, tallyRows, type ChoicesEntry, type TallyMap } from './tally.server'

/**
 * The hash chain's checks: verification of a process from its ballots (chain, tallies, result,
 * published result) and a voter's receipt.
 */

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

/** What one pass over a process's ballots gathers for the checks after it. */
interface ChainPass {
  ids: number[]
  active: ActiveBallots
  /**
   * Active ballots grouped by their choices (the cache's entries), so the recount adds each
   * distinct ballot's contributions once, multiplied. (A second active ballot for one voter cannot
   * be stored — ballots_one_active — and un-replacing an old one shows in the tallies.)
   */
  groups: ChoicesEntry[]
  directWeight: number
}

const chainBreaks = (head: string) => ({
  previous: 'its previous hash is not the hash of the ballot before it: a ballot before it was deleted or reordered, or edited with its hash recomputed',
  hash: 'its hash does not match its contents: this ballot was changed',
  head: `the last hash is not the head stored with the process (${head}): the newest ballots were deleted or changed`,
})

/**
 * One pass over every ballot (re-cast ones too) in id order: the hash chain against the stored
 * head and length, and the active ballots gathered for the recount.
 */
async function readChain(processId: number, row: { chain_head: string; ballots: number }, problems: string[]): Promise<ChainPass> {
  const cache = new ChoicesCache()
  const pass: ChainPass = { ids: [], active: { voters: [], ballots: [] }, groups: [], directWeight: 0 }
  const take = (r: unknown[]) => {
    const [id, voter, , choicesText, weight, , , , replacedAt] = r as [number, number, string, string, number, string, string, string, string | null]
    pass.ids.push(id)
    const entry = cache.entry(choicesText)
    if (replacedAt !== null) return entry
    if (!isMilliWeight(weight)) {
      problems.push(`ballot ${id}: weight ${String(weight)} is not a whole number of thousandths`)
      return entry
    }
    pass.active.voters.push(voter)
    pass.active.ballots.push({ choices: entry.value, weight })
    pass.directWeight += weight
    if (entry.count === 0) pass.groups.push(entry)
    entry.weight += weight
    entry.count += 1
    return entry
  }

  // Page by page (on PostgreSQL a keyset page of rows at a time, ADR 158); after the first broken link the rest
  // still has to be counted.
  const checker = new ChainChecker()
  let checking = true
  for await (const page of ballotPages(processId, false)) {
    for (const r of page) {
      const entry = take(r)
      if (!checking) continue
      const weight = r[4]
      const ballot: ChainValue =
        typeof weight === 'number' && Number.isSafeInteger(weight) && entry.chainable
          ? hashedBallot(processId, r[2] as string, entry.value as ChainValue, weight, r[5] as string)
          : `unhashable ballot ${String(r[0])}`
      checking = checker.add({ previousHash: r[6] as string, hash: r[7] as string, ballot })
    }
  }
  const chain = checker.finish({ head: row.chain_head })
  const { ids } = pass
  if (!chain.ok) {
    const id = ids[chain.index]
    const where = id === undefined ? `after the last ballot (${ids.length} in the chain)` : `at index ${chain.index} (ballot ${id})`
    problems.push(`chain broken ${where}: ${chainBreaks(row.chain_head)[chain.reason]}`)
  }
  if (row.ballots !== ids.length) problems.push(`the process records ${row.ballots} ballots cast but the chain holds ${ids.length}`)
  return pass
}

/** The tallies table, key by key, against a recount of the active ballots; returns the recount. */
function checkTallies(spec: MethodSpec, stored: TallyMap, groups: ChoicesEntry[], problems: string[]): TallyMap {
  const recount: TallyMap = new Map()
  for (const group of groups) addContributions(recount, tallyContributions(spec, group.value), group.weight, group.count, 1)
  for (const key of new Set([...stored.keys(), ...recount.keys()])) {
    const s = stored.get(key) ?? { weight: 0, ballots: 0 }
    const r = recount.get(key) ?? { weight: 0, ballots: 0 }
    if (s.weight !== r.weight || s.ballots !== r.ballots) {
      problems.push(`tally "${key}": stored weight ${s.weight} in ${s.ballots} ballots, recounted weight ${r.weight} in ${r.ballots} ballots`)
    }
  }
  return recount
}

/** The tallies' result against the counting rules themselves, then the full count with delegation and the published result. */
async function checkResults(
  process: ProcessInfo,
  areas: AreaIndex,
  active: ActiveBallots,
  recount: TallyMap,
  at: Date,
  problems: string[],
): Promise<{ result: MethodResult | null; summary: DelegationSummary }> {
  let result: MethodResult | null = null
  let summary: DelegationSummary = { enabled: process.delegation, source: 'none', delegators: 0, reached: 0, carriedWeight: 0, lost: 0, lostWeight: 0, delegates: 0 }
  try {
    const direct = countBallots(process.spec, active.ballots)
    if (!sameJson(direct, resultFromTallies(process.spec, recount))) problems.push('the result computed from the tallies differs from counting the ballots (a defect in tally keys)')
    const graph = await delegationGraph(database().db, process, areas, at)
    const applied = applyDelegation(active, graph, processScope(areas, process))
    summary = applied.summary
    result = countBallots(process.spec, applied.weighted)
  } catch (error) {
    if (error instanceof CountError) problems.push(`active ballot ${error.index + 1} cannot be counted: ${error.reason}`)
    else throw error
  }
  const published = publishedResult(process.results)
  if (published && result && !sameJson(published, result)) problems.push('the published result differs from a recount of the ballots')
  return { result, summary }
}

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
  const pass = await readChain(processId, row, problems)
  const recount = checkTallies(process.spec, stored, pass.groups, problems)
  const { result, summary } = await checkResults(process, areas, pass.active, recount, at, problems)
  return {
    ok: problems.length === 0,
    problems,
    figures: {
      processId,
      method: process.method,
      chainLength: pass.ids.length,
      storedLength: row.ballots,
      head: row.chain_head,
      activeBallots: pass.active.ballots.length,
      replacedBallots: pass.ids.length - pass.active.ballots.length,
      directWeight: pass.directWeight,
      tallyKeys: stored.size,
      delegation: summary,
      result,
      seconds: (performance.now() - started) / 1000,
    },
  }
}

export type ReceiptCheck = { kind: 'invalid' } | { kind: 'notFound'; receipt: string } | { kind: 'counted' | 'replaced'; receipt: string; castAt: string }

/** Is this receipt in the process's ballot list, and does that ballot count? */
export async function checkReceipt(processId: number, input: string): Promise<ReceiptCheck> {
  const receipt = normaliseReceipt(input)
  if (!receipt) return { kind: 'invalid' }
  const row = await database().db.selectFrom('ballots').select(['cast_at', 'replaced_at']).where('receipt', '=', receipt).where('process_id', '=', processId).executeTakeFirst()
  if (!row) return { kind: 'notFound', receipt }
  return { kind: row.replaced_at === null ? 'counted' : 'replaced', receipt, castAt: row.cast_at }
}
