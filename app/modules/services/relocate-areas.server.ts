import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: routing rules of a removed area follow the area that replaces it. A rule for
 * the successor already exists: the more specific one there wins, this one goes (with no successor,
 * the rules go with the area: their foreign key cascades). Returns how many moved.
 */
export async function relocateRoutingRules(r: AreaRelocation): Promise<number> {
  let routes = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    if (next === null) continue
    routes += await r.sql.run(
      `update category_routes set area_id = ? where area_id = ?
         and not exists (select 1 from category_routes c where c.category_id = category_routes.category_id and c.area_id = ?)`,
      next,
      old,
      next,
    )
  }
  return routes
}
