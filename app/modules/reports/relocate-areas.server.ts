import { relocatePoints, type AreaRelocation } from '../geo/relocation'

/**
 * A geography import (app/modules/geo/import): each report's area and district recomputed from its
 * point; area alerts of a removed area follow the area that replaces it (routing rules are the
 * services module's: services/relocate-areas.server.ts). Runs inside the import's transaction.
 * Returns the reports that moved.
 */
export async function relocateReportAreas(r: AreaRelocation): Promise<{ reports: number; alerts: number }> {
  const reports = await relocatePoints(r, {
    page: 'select id, lat, lng, area_id, district_id from reports where id > ? order by id limit 5000',
    set: 'update reports set area_id = ?, district_id = ? where id = ?',
  })
  let alerts = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    // With no area replacing it, the area's alerts go with it (their foreign key cascades).
    if (next === null) continue
    alerts += await r.sql.run('update report_alerts set area_id = ? where area_id = ?', next, old)
  }
  return { reports, alerts }
}
