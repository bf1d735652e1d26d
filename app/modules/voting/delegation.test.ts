import { describe, expect, it } from 'vitest'
import { delegationScopeSchema, resolveDelegations, scopeRank, wouldCycle, type Delegation, type ProcessScope } from './delegation'

const everywhere: ProcessScope = { areas: [], category: null }
const weights = (entries: Record<string, number>) => new Map(Object.entries(entries))
const all = (from: string, to: string): Delegation<string> => ({ from, to, scope: 'all' })

describe('resolveDelegations', () => {
  it('carries a chain to the voter at its end: A → B → C, C votes, C carries A + B', () => {
    const result = resolveDelegations({
      delegations: [all('A', 'B'), all('B', 'C')],
      process: everywhere,
      directVoters: ['C'],
      weights: weights({ A: 1000, B: 500, C: 1000 }),
    })
    expect(result.carried).toEqual(new Map([['C', 2500]]))
    expect(result.delegators).toEqual(new Map([['C', 2]]))
    expect(result.castBy).toEqual(
      new Map([
        ['A', 'C'],
        ['B', 'C'],
      ]),
    )
  })

  it('lets a direct ballot override a delegation: B votes, B carries A, C only itself', () => {
    const result = resolveDelegations({
      delegations: [all('A', 'B'), all('B', 'C')],
      process: everywhere,
      directVoters: ['B', 'C'],
      weights: weights({ A: 1000, B: 500, C: 1000 }),
    })
    expect(result.carried).toEqual(
      new Map([
        ['B', 1500],
        ['C', 1000],
      ]),
    )
    expect(result.castBy).toEqual(new Map([['A', 'B']]))
  })

  it('counts nothing for a cycle nobody in it votes in, or for a chain that ends with someone who did not vote', () => {
    const result = resolveDelegations({
      delegations: [all('A', 'B'), all('B', 'A'), all('D', 'A'), all('E', 'F'), all('S', 'S')],
      process: everywhere,
      directVoters: ['C'],
      weights: weights({ A: 1000, B: 1000, C: 1000, D: 1000, E: 1000, F: 1000, S: 1000 }),
    })
    expect(result.carried).toEqual(new Map([['C', 1000]]))
    expect(result.castBy).toEqual(
      new Map([
        ['A', null],
        ['B', null],
        ['D', null],
        ['E', null],
        ['S', null],
      ]),
    )
  })

  it('breaks a cycle at a member who votes', () => {
    const result = resolveDelegations({
      delegations: [all('A', 'B'), all('B', 'C'), all('C', 'A')],
      process: everywhere,
      directVoters: ['B'],
      weights: weights({ A: 250, B: 1000, C: 500 }),
    })
    expect(result.carried).toEqual(new Map([['B', 1750]]))
    expect(result.castBy).toEqual(
      new Map([
        ['A', 'B'],
        ['C', 'B'],
      ]),
    )
  })

  it('follows the most specific applicable delegation: category, then the smallest area, then all', () => {
    const delegations: Delegation<string>[] = [
      { from: 'V', to: 'All', scope: 'all' },
      { from: 'V', to: 'City', scope: 'area:1' },
      { from: 'V', to: 'District', scope: 'area:3' },
      { from: 'V', to: 'Parks', scope: 'category:parks' },
    ]
    const castFor = (process: ProcessScope) => resolveDelegations({ delegations, process, directVoters: ['All', 'City', 'District', 'Parks'], weights: weights({ V: 1000 }) }).castBy.get('V')
    expect(castFor({ areas: [3, 1], category: 'parks' })).toBe('Parks')
    expect(castFor({ areas: [3, 1], category: 'roads' })).toBe('District')
    expect(castFor({ areas: [5, 1], category: 'roads' })).toBe('City')
    expect(castFor({ areas: [7], category: null })).toBe('All')
    expect(scopeRank('category:parks', { areas: [3, 1], category: null })).toBeNull()
    expect(scopeRank('area:9', { areas: [3, 1], category: null })).toBeNull()
  })

  it('counts the later of two delegations on the same scope', () => {
    const result = resolveDelegations({
      delegations: [all('A', 'B'), all('A', 'C')],
      process: everywhere,
      directVoters: ['B', 'C'],
      weights: weights({ A: 1000, B: 1000, C: 1000 }),
    })
    expect(result.castBy.get('A')).toBe('C')
  })

  it('walks a chain of a million voters without recursion', () => {
    const n = 1_000_000
    const delegations = Array.from({ length: n - 1 }, (_, i): Delegation<number> => ({ from: i, to: i + 1, scope: 'all' }))
    const voterWeights = new Map(Array.from({ length: n }, (_, i) => [i, 1000] as const))
    const result = resolveDelegations({ delegations, process: everywhere, directVoters: [n - 1], weights: voterWeights })
    expect(result.carried.get(n - 1)).toBe(n * 1000)
    expect(result.delegators.get(n - 1)).toBe(n - 1)
    expect(result.castBy.get(0)).toBe(n - 1)
    expect(wouldCycle(delegations, n - 1, 0, 'all')).toBe(true)
  })
})

describe('wouldCycle', () => {
  it('refuses delegating back along a chain, and to oneself', () => {
    expect(wouldCycle([all('A', 'B')], 'B', 'A', 'all')).toBe(true)
    expect(wouldCycle([all('A', 'B'), all('B', 'C')], 'C', 'A', 'all')).toBe(true)
    expect(wouldCycle([], 'A', 'A', 'all')).toBe(true)
    expect(wouldCycle([all('A', 'B')], 'C', 'A', 'all')).toBe(false)
  })

  it('lets people trust each other on different categories, not on one that can meet the loop', () => {
    const stored: Delegation<string>[] = [all('A', 'B'), { from: 'B', to: 'C', scope: 'category:parks' }]
    expect(wouldCycle(stored, 'C', 'A', 'category:roads')).toBe(false)
    expect(wouldCycle(stored, 'C', 'A', 'category:parks')).toBe(true)
    // 'all' and areas apply to parks processes too.
    expect(wouldCycle(stored, 'C', 'A', 'all')).toBe(true)
    expect(wouldCycle(stored, 'C', 'A', 'area:3')).toBe(true)
    // A loop through two different categories cannot happen in a process (it has one).
    const twoCategories: Delegation<string>[] = [
      { from: 'A', to: 'B', scope: 'category:parks' },
      { from: 'B', to: 'C', scope: 'category:roads' },
    ]
    expect(wouldCycle(twoCategories, 'C', 'A', 'all')).toBe(false)
  })

  it('assumes two areas might overlap (it cannot tell), and ignores the delegator’s own delegations, which the new one replaces', () => {
    expect(wouldCycle([{ from: 'A', to: 'B', scope: 'area:1' }], 'B', 'A', 'area:2')).toBe(true)
    expect(wouldCycle([all('C', 'A'), all('A', 'B')], 'C', 'B', 'all')).toBe(false)
  })

  it('never lets a cycle it refuses reach the count', () => {
    // Delegations added one by one through wouldCycle leave no cycle, so no weight is lost to one.
    const stored: Delegation<string>[] = []
    const wishes: Array<[string, string]> = [
      ['A', 'B'],
      ['B', 'C'],
      ['C', 'A'],
      ['C', 'D'],
      ['D', 'B'],
      ['E', 'A'],
    ]
    for (const [from, to] of wishes) if (!wouldCycle(stored, from, to, 'all')) stored.push(all(from, to))
    expect(stored.map((d) => `${d.from}${d.to}`)).toEqual(['AB', 'BC', 'CD', 'EA'])
    const result = resolveDelegations({ delegations: stored, process: everywhere, directVoters: ['D'], weights: weights({ A: 1, B: 1, C: 1, D: 1, E: 1 }) })
    expect(result.carried.get('D')).toBe(5)
  })

  it('parses scopes as stored', () => {
    expect(['all', 'area:12', 'category:parks'].map((s) => delegationScopeSchema.safeParse(s).success)).toEqual([true, true, true])
    expect(['ALL', 'area:0', 'area:x', 'category:', 'parks'].map((s) => delegationScopeSchema.safeParse(s).success)).toEqual([false, false, false, false, false])
  })
})
