import { relocatePoints, type AreaRelocation } from '../geo/relocation'

/** A geography import: each located proposal's area and district recomputed from its point. Returns how many moved. */
export function relocateProposalAreas(r: AreaRelocation): Promise<number> {
  return relocatePoints(r, {
    page: 'select id, lat, lng, area_id, district_id from proposals where lat is not null and id > ? order by id limit 5000',
    set: 'update proposals set area_id = ?, district_id = ? where id = ?',
  })
}
