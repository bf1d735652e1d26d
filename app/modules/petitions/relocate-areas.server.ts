import { mostSpecificArea, type AreaRelocation } from '../geo/relocation'

/**
 * A geography import: signatures given with a point get their area and district recomputed;
 * signatures given by choosing an area, and petitions restricted to an area, follow the area that
 * replaces a removed one; the per-area counts of every petition with a moved signature are
 * recounted. Returns what moved.
 */
export function relocatePetitionAreas(r: AreaRelocation): { signatures: number; petitions: number; recounted: number } {
  const touched = new Set<number>()
  const page = r.sqlite.prepare('select id, petition_id, lat, lng, area_id, district_id from petition_signatures where id > ? order by id limit 5000')
  const set = r.sqlite.prepare('update petition_signatures set area_id = ?, district_id = ? where id = ?')
  const parentOf = r.sqlite.prepare('select parent_id, level from areas where id = ?')
  let signatures = 0
  let after = 0
  for (;;) {
    const rows = page.all(after) as Array<{ id: number; petition_id: number; lat: number | null; lng: number | null; area_id: number | null; district_id: number | null }>
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    for (const row of rows) {
      let next: { areaId: number | null; districtId: number | null }
      if (row.lat !== null && row.lng !== null) next = mostSpecificArea(r.locate(row.lat, row.lng))
      else if (row.area_id !== null && r.removed.has(row.area_id)) {
        const areaId = r.successor(row.area_id)
        const area = areaId === null ? undefined : (parentOf.get(areaId) as { parent_id: number | null; level: string } | undefined)
        next = { areaId, districtId: area?.level === 'district' ? areaId : area?.level === 'neighbourhood' ? area.parent_id : null }
      } else continue
      if (next.areaId === row.area_id && next.districtId === row.district_id) continue
      set.run(next.areaId, next.districtId, row.id)
      touched.add(row.petition_id)
      signatures++
    }
  }
  let petitions = 0
  for (const old of r.removed) {
    petitions += r.sqlite.prepare('update petitions set area_id = ? where area_id = ?').run(r.successor(old), old).changes
  }
  const clear = r.sqlite.prepare('delete from petition_area_counts where petition_id = ?')
  const recount = r.sqlite.prepare(`insert into petition_area_counts (petition_id, area_id, signatures)
    select ?1, area, count(*) from (
      select district_id as area from petition_signatures where petition_id = ?1 and status = 'counted' and district_id is not null
      union all
      select area_id from petition_signatures where petition_id = ?1 and status = 'counted' and area_id is not null and (district_id is null or area_id <> district_id)
    ) group by area`)
  for (const id of touched) {
    clear.run(id)
    recount.run(id)
  }
  // Counts of a removed area with no moved signature (cannot happen with consistent data; kept safe).
  for (const old of r.removed) r.sqlite.prepare('delete from petition_area_counts where area_id = ?').run(old)
  return { signatures, petitions, recounted: touched.size }
}
