import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: census records and people's home areas in a removed area follow the area
 * that replaces it (a home area with no successor is cleared; a census record keeps its area and
 * the import refuses to remove it). Returns how many changed.
 */
export async function relocateResidenceAreas(r: AreaRelocation): Promise<{ census: number; homes: number }> {
  let census = 0
  let homes = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    if (next !== null) census += await r.sql.run('update census_records set area_id = ? where area_id = ?', next, old)
    homes += await r.sql.run('update users set home_area_id = ? where home_area_id = ?', next, old)
  }
  return { census, homes }
}
