import { mostSpecificArea, type AreaRelocation } from '../geo/relocation'

/** A geography import: each located proposal's area and district recomputed from its point. Returns how many moved. */
export function relocateProposalAreas(r: AreaRelocation): number {
  const page = r.sqlite.prepare('select id, lat, lng, area_id, district_id from proposals where lat is not null and id > ? order by id limit 5000')
  const set = r.sqlite.prepare('update proposals set area_id = ?, district_id = ? where id = ?')
  let moved = 0
  let after = 0
  for (;;) {
    const rows = page.all(after) as Array<{ id: number; lat: number; lng: number; area_id: number | null; district_id: number | null }>
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    for (const row of rows) {
      const next = mostSpecificArea(r.locate(row.lat, row.lng))
      if (next.areaId === row.area_id && next.districtId === row.district_id) continue
      set.run(next.areaId, next.districtId, row.id)
      moved++
    }
  }
  return moved
}
