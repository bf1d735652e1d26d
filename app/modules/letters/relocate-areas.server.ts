import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: representatives of a removed area become the representatives of the area
 * that replaces it (same level), letters addressed to it follow. Returns how many moved; the ids of
 * representatives left without an area (the import refuses to remove such an area).
 */
export function relocateRepresentativeAreas(r: AreaRelocation): { representatives: number; letters: number } {
  let representatives = 0
  let letters = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    if (next === null) continue
    representatives += r.sqlite.prepare('update representatives set area_id = ? where area_id = ?').run(next, old).changes
    letters += r.sqlite.prepare('update letters set area_id = ? where area_id = ?').run(next, old).changes
  }
  return { representatives, letters }
}

/** Representatives whose area the import would remove with no area replacing it. */
export function representativesWithoutSuccessor(r: Pick<AreaRelocation, 'sqlite' | 'removed' | 'successor'>): number {
  let n = 0
  for (const old of r.removed) if (r.successor(old) === null) n += (r.sqlite.prepare('select count(*) as n from representatives where area_id = ?').get(old) as { n: number }).n
  return n
}
