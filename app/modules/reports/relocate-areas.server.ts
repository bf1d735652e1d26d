import { relocatePoints, type AreaRelocation } from '../geo/relocation'

/**
 * A geography import (app/modules/geo/import): each report's area and district recomputed from its
 * point; area alerts and routing rules of a removed area follow the area that replaces it. Runs
 * inside the import's transaction. Returns the reports that moved.
 */
export function relocateReportAreas(r: AreaRelocation): { reports: number; alerts: number; routes: number } {
  const reports = relocatePoints(r, {
    page: r.sqlite.prepare('select id, lat, lng, area_id, district_id from reports where id > ? order by id limit 5000'),
    set: r.sqlite.prepare('update reports set area_id = ?, district_id = ? where id = ?'),
  })
  let alerts = 0
  let routes = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    // With no area replacing it, the area's alerts and rules go with it (their foreign keys cascade).
    if (next === null) continue
    alerts += r.sqlite.prepare('update report_alerts set area_id = ? where area_id = ?').run(next, old).changes
    // A rule for the successor already exists: the more specific one there wins, this one goes.
    routes += r.sqlite.prepare('update or ignore category_routes set area_id = ? where area_id = ?').run(next, old).changes
  }
  return { reports, alerts, routes }
}
