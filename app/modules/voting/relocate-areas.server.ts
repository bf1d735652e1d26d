import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: processes open to a removed area's residents, and delegations scoped to it,
 * follow the area that replaces it (with none, a process becomes city-wide and the delegation's
 * scope the whole city). Returns how many changed.
 */
export function relocateVotingAreas(r: AreaRelocation): { processes: number; delegations: number } {
  let processes = 0
  let delegations = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    processes += r.sqlite.prepare('update voting_processes set eligible_area_id = ? where eligible_area_id = ?').run(next, old).changes
    delegations += r.sqlite.prepare('update or ignore delegations set scope = ? where scope = ? and revoked_at is null').run(next === null ? 'all' : `area:${next}`, `area:${old}`).changes
    // One already delegated for the new scope: that one stands, this one is revoked.
    r.sqlite.prepare('update delegations set revoked_at = ? where scope = ? and revoked_at is null').run(r.at, `area:${old}`)
  }
  return { processes, delegations }
}
