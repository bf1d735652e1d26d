import { relocatePoints, type AreaRelocation } from '../geo/relocation'

/** A geography import: each located proposal's area and district recomputed from its point. Returns how many moved. */
export function relocateProposalAreas(r: AreaRelocation): number {
  return relocatePoints(r, {
    page: r.sqlite.prepare('select id, lat, lng, area_id, district_id from proposals where lat is not null and id > ? order by id limit 5000'),
    set: r.sqlite.prepare('update proposals set area_id = ?, district_id = ? where id = ?'),
  })
}
