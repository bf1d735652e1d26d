import { z } from 'zod'
import { assertExact, type MilliWeight } from './arithmetic'

/**
 * Delegation, LiquidFeedback-style: a voter hands their vote on a scope to another voter, who may
 * hand it on. For one process:
 *
 * 1. A delegation applies when its scope is 'all', an area the process is in, or the process's
 *    category. A process is in a chain of nested areas (its eligible area and the areas around it:
 *    neighbourhood, district, city) and has at most one category.
 * 2. Of a voter's applicable delegations, the most specific one is followed: the category's, then
 *    the smallest area's (the first in ProcessScope.areas), then 'all'. A category names what the
 *    question is about, an area only where; trusting someone on parks is the narrower trust. One
 *    delegation per (voter, scope); if one is given twice, the later in the list counts.
 * 3. A voter who casts a ballot votes for themself: their own delegation is ignored (a direct
 *    ballot always overrides), and it stops the chains that reach them.
 * 4. Each direct voter carries their own weight plus the weight of every voter whose chain of
 *    followed delegations ends at them, without having passed another direct voter first.
 * 5. A chain that ends at someone who neither voted nor delegates, or that runs into a cycle
 *    (possible only if delegations were stored without wouldCycle, or across scopes that
 *    wouldCycle assumes cannot meet), carries nothing: that weight is not counted, for anyone.
 *
 * Resolution walks each chain once and remembers where it ended, iteratively: O(voters +
 * delegations) time and memory, no recursion, fine for a million voters in one chain.
 */

/** 'all', `area:<area id>` or `category:<category code>`. */
export type DelegationScope = 'all' | `area:${number}` | `category:${string}`

export const delegationScopeSchema = z.union([
  z.literal('all'),
  z.string().regex(/^area:[1-9]\d{0,15}$/) as z.ZodType<`area:${number}`>,
  z.string().regex(/^category:[a-z0-9][a-z0-9._-]{0,63}$/) as z.ZodType<`category:${string}`>,
])

export interface Delegation<Id> {
  from: Id
  to: Id
  scope: DelegationScope
}

export interface ProcessScope {
  /** The process's area and those containing it, most specific (smallest) first. */
  areas: readonly number[]
  category: string | null
}

/** How specific an applicable scope is for this process (lower wins), or null if it does not apply. */
export function scopeRank(scope: DelegationScope, process: ProcessScope): number | null {
  if (scope === 'all') return 1 + process.areas.length
  if (scope.startsWith('category:')) return process.category !== null && scope === `category:${process.category}` ? 0 : null
  const area = Number(scope.slice('area:'.length))
  const at = process.areas.indexOf(area)
  return at === -1 ? null : 1 + at
}

export interface DelegationResult<Id> {
  /** For each direct voter: their own weight plus what their delegators carried to them. */
  carried: Map<Id, MilliWeight>
  /** For each direct voter: how many delegators' weight they carry (direct or through others). */
  delegators: Map<Id, number>
  /**
   * For each voter who did not vote but has an applicable delegation: the direct voter who cast
   * for them, or null when their chain reached no one (rule 5).
   */
  castBy: Map<Id, Id | null>
}

/**
 * Who carries whose weight in this process. `weights` holds each voter's own weight under the
 * process's policy (missing: 0); `directVoters` those who cast a ballot.
 */
export function resolveDelegations<Id>(input: {
  delegations: Iterable<Delegation<Id>>
  process: ProcessScope
  directVoters: Iterable<Id>
  weights: ReadonlyMap<Id, MilliWeight>
}): DelegationResult<Id> {
  // Dense integer ids so the walk runs over typed arrays.
  const ids: Id[] = []
  const index = new Map<Id, number>()
  const intern = (id: Id) => {
    let i = index.get(id)
    if (i === undefined) {
      i = ids.length
      ids.push(id)
      index.set(id, i)
    }
    return i
  }
  const edges: Array<[from: number, to: number, rank: number]> = []
  for (const delegation of input.delegations) {
    const rank = scopeRank(delegation.scope, input.process)
    if (rank !== null) edges.push([intern(delegation.from), intern(delegation.to), rank])
  }
  const direct: number[] = []
  for (const voter of input.directVoters) direct.push(intern(voter))

  const n = ids.length
  const next = new Int32Array(n).fill(-1)
  const nextRank = new Int32Array(n).fill(0x7fffffff)
  for (const [from, to, rank] of edges) {
    // ≤: of two delegations on one scope, the later counts.
    if (rank <= nextRank[from]!) {
      next[from] = to
      nextRank[from] = rank
    }
  }
  const isDirect = new Uint8Array(n)
  for (const i of direct) isDirect[i] = 1

  // target[i]: the direct voter index i's chain ends at, -1 for nobody. state: 0 new, 1 on the walk, 2 done.
  const target = new Int32Array(n).fill(-1)
  const state = new Uint8Array(n)
  const path: number[] = []
  for (let start = 0; start < n; start++) {
    if (isDirect[start] || state[start] === 2) continue
    let end = -1
    let at = start
    for (;;) {
      if (isDirect[at]) {
        end = at
        break
      }
      if (state[at] === 2) {
        end = target[at]!
        break
      }
      // Back on this walk: a cycle without a direct voter.
      if (state[at] === 1) break
      state[at] = 1
      path.push(at)
      if (next[at]! < 0) break
      at = next[at]!
    }
    for (const i of path) {
      target[i] = end
      state[i] = 2
    }
    path.length = 0
  }

  const carriedIndex = new Float64Array(n)
  const delegatorCount = new Int32Array(n)
  const weightAt = (i: number) => input.weights.get(ids[i]!) ?? 0
  for (const i of direct) carriedIndex[i] = weightAt(i)
  const castBy = new Map<Id, Id | null>()
  for (let i = 0; i < n; i++) {
    if (isDirect[i] || next[i]! < 0) continue
    const end = target[i]!
    castBy.set(ids[i]!, end < 0 ? null : ids[end]!)
    if (end < 0) continue
    carriedIndex[end]! += weightAt(i)
    delegatorCount[end]! += 1
  }
  const carried = new Map<Id, MilliWeight>()
  const delegators = new Map<Id, number>()
  for (const i of direct) {
    carried.set(ids[i]!, assertExact(carriedIndex[i]!, 'carried weight'))
    delegators.set(ids[i]!, delegatorCount[i]!)
  }
  return { carried, delegators, castBy }
}

const categoryOf = (scope: DelegationScope) => (scope.startsWith('category:') ? scope : null)

/**
 * Whether adding from → to on `scope` could close a cycle: some process to which all the
 * delegations of a loop back to `from` apply at once. Precisely, it refuses when `to` reaches
 * `from` along stored delegations that could apply together with `scope` — at most one category
 * among them (a process has one), any areas (this module does not know which areas overlap, so it
 * assumes they might) and 'all' — ignoring which of a voter's delegations would take precedence.
 * That errs towards refusing: a refused delegation can be given on another scope, while a stored
 * cycle silently drops its members' weight (rule 5). Self-delegation is a cycle.
 */
export function wouldCycle<Id>(delegations: Iterable<Delegation<Id>>, from: Id, to: Id, scope: DelegationScope): boolean {
  if (from === to) return true
  const all: Delegation<Id>[] = []
  // The new delegation replaces from's own, and a loop ends at from anyway: leave from's out.
  for (const d of delegations) if (d.from !== from) all.push(d)
  const own = categoryOf(scope)
  // With a category scope only that category can join the loop; otherwise try each category in
  // turn (and none): a loop may pick up one category along the way.
  const categories = own !== null ? [own] : [null, ...new Set(all.map((d) => categoryOf(d.scope)).filter((c) => c !== null))]
  for (const category of categories) {
    const out = new Map<Id, Id[]>()
    for (const d of all) {
      const c = categoryOf(d.scope)
      if (c !== null && c !== category) continue
      const list = out.get(d.from)
      if (list) list.push(d.to)
      else out.set(d.from, [d.to])
    }
    const seen = new Set<Id>([to])
    const stack: Id[] = [to]
    while (stack.length > 0) {
      const at = stack.pop()!
      for (const nextId of out.get(at) ?? []) {
        if (nextId === from) return true
        if (!seen.has(nextId)) {
          seen.add(nextId)
          stack.push(nextId)
        }
      }
    }
  }
  return false
}
