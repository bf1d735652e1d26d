import { mostSpecificArea, type AreaRelocation } from '../geo/relocation'

/**
 * A geography import: signatures given with a point get their area and district recomputed;
 * signatures given by choosing an area, and petitions restricted to an area, follow the area that
 * replaces a removed one; the per-area counts of every petition with a moved signature are
 * recounted. Returns what moved.
 */
export async function relocatePetitionAreas(r: AreaRelocation): Promise<{ signatures: number; petitions: number; recounted: number }> {
  const touched = new Set<number>()
  let signatures = 0
  let after = 0
  for (;;) {
    const rows = await r.sql.all<{ id: number; petition_id: number; lat: number | null; lng: number | null; area_id: number | null; district_id: number | null }>(
      'select id, petition_id, lat, lng, area_id, district_id from petition_signatures where id > ? order by id limit 5000',
      after,
    )
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    for (const row of rows) {
      let next: { areaId: number | null; districtId: number | null }
      if (row.lat !== null && row.lng !== null) next = mostSpecificArea(r.locate(row.lat, row.lng))
      else if (row.area_id !== null && r.removed.has(row.area_id)) {
        const areaId = r.successor(row.area_id)
        const area = areaId === null ? undefined : await r.sql.get<{ parent_id: number | null; level: string }>('select parent_id, level from areas where id = ?', areaId)
        next = { areaId, districtId: area?.level === 'district' ? areaId : area?.level === 'neighbourhood' ? area.parent_id : null }
      } else continue
      if (next.areaId === row.area_id && next.districtId === row.district_id) continue
      await r.sql.run('update petition_signatures set area_id = ?, district_id = ? where id = ?', next.areaId, next.districtId, row.id)
      touched.add(row.petition_id)
      signatures++
    }
  }
  let petitions = 0
  for (const old of r.removed) {
    petitions += await r.sql.run('update petitions set area_id = ? where area_id = ?', r.successor(old), old)
  }
  const recount = `insert into petition_area_counts (petition_id, area_id, signatures)
    select cast(? as bigint), area, count(*) from (
      select district_id as area from petition_signatures where petition_id = ? and status = 'counted' and district_id is not null
      union all
      select area_id from petition_signatures where petition_id = ? and status = 'counted' and area_id is not null and (district_id is null or area_id <> district_id)
    ) as located group by area`
  for (const id of touched) {
    await r.sql.run('delete from petition_area_counts where petition_id = ?', id)
    await r.sql.run(recount, id, id, id)
  }
  // Counts of a removed area with no moved signature (cannot happen with consistent data; kept safe).
  for (const old of r.removed) await r.sql.run('delete from petition_area_counts where area_id = ?', old)
  return { signatures, petitions, recounted: touched.size }
}
