import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: representatives of a removed area become the representatives of the area
 * that replaces it (same level), letters addressed to it follow. Returns how many moved; the ids of
 * representatives left without an area (the import refuses to remove such an area).
 */
export async function relocateRepresentativeAreas(r: AreaRelocation): Promise<{ representatives: number; letters: number }> {
  let representatives = 0
  let letters = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    if (next === null) continue
    representatives += await r.sql.run('update representatives set area_id = ? where area_id = ?', next, old)
    letters += await r.sql.run('update letters set area_id = ? where area_id = ?', next, old)
  }
  return { representatives, letters }
}

/** Representatives whose area the import would remove with no area replacing it. */
export async function representativesWithoutSuccessor(r: Pick<AreaRelocation, 'sql' | 'removed' | 'successor'>): Promise<number> {
  let n = 0
  for (const old of r.removed) if (r.successor(old) === null) n += Number((await r.sql.get<{ n: number }>('select count(*) as n from representatives where area_id = ?', old))?.n ?? 0)
  return n
}
