import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: processes open to a removed area's residents, and delegations scoped to it,
 * follow the area that replaces it (with none, a process becomes city-wide and the delegation's
 * scope the whole city). Returns how many changed.
 */
export async function relocateVotingAreas(r: AreaRelocation): Promise<{ processes: number; delegations: number }> {
  let processes = 0
  let delegations = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    const scope = next === null ? 'all' : `area:${next}`
    processes += await r.sql.run('update voting_processes set eligible_area_id = ? where eligible_area_id = ?', next, old)
    delegations += await r.sql.run(
      `update delegations set scope = ? where scope = ? and revoked_at is null
         and not exists (select 1 from delegations d where d.from_id = delegations.from_id and d.scope = ? and d.revoked_at is null)`,
      scope,
      `area:${old}`,
      scope,
    )
    // One already delegated for the new scope: that one stands, this one is revoked.
    await r.sql.run('update delegations set revoked_at = ? where scope = ? and revoked_at is null', r.at, `area:${old}`)
  }
  return { processes, delegations }
}
