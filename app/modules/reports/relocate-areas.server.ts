import { relocatePoints, type AreaRelocation } from '../geo/relocation'

/**
 * A geography import (app/modules/geo/import): each report's area and district recomputed from its
 * point; area alerts and routing rules of a removed area follow the area that replaces it. Runs
 * inside the import's transaction. Returns the reports that moved.
 */
export async function relocateReportAreas(r: AreaRelocation): Promise<{ reports: number; alerts: number; routes: number }> {
  const reports = await relocatePoints(r, {
    page: 'select id, lat, lng, area_id, district_id from reports where id > ? order by id limit 5000',
    set: 'update reports set area_id = ?, district_id = ? where id = ?',
  })
  let alerts = 0
  let routes = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    // With no area replacing it, the area's alerts and rules go with it (their foreign keys cascade).
    if (next === null) continue
    alerts += await r.sql.run('update report_alerts set area_id = ? where area_id = ?', next, old)
    // A rule for the successor already exists: the more specific one there wins, this one goes.
    routes += await r.sql.run(
      `update category_routes set area_id = ? where area_id = ?
         and not exists (select 1 from category_routes c where c.category_id = category_routes.category_id and c.area_id = ?)`,
      next,
      old,
      next,
    )
  }
  return { reports, alerts, routes }
}
