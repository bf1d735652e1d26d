import { sql } from 'kysely'
import type { PlazaDatabase } from '../../lib/db.server'
import { bboxOf, geometryContains, type AreaGeometry } from './geometry'
import { bulkInsertItems, rebuildMapSummaries, registerKind, type BulkItem } from './map-index.server'
import { mulberry32 } from '../../../db/seed/random'

/**
 * Synthetic located items for benchmarks (`npm run db:seed -- --scale N`, N > 1): N × 10,000
 * items of the kind "sample", clearly labelled as benchmark data and without pages of their own.
 * The demo city at scale 1 has none. Deterministic for a seed.
 */

export const SAMPLE_KIND = 'sample'
export const SAMPLE_ITEMS_PER_SCALE = 10_000
const BATCH = 20_000
const STATUSES = ['open', 'in_progress', 'fixed', 'closed']
const CATEGORIES = ['roads', 'lighting', 'waste', 'parks', 'water', 'noise']

export const sampleItemCount = (scale: number) => (scale > 1 ? Math.round(scale * SAMPLE_ITEMS_PER_SCALE) : 0)

/** Units of progress: one per batch, plus one for the summaries. */
export const sampleSteps = (scale: number) => (sampleItemCount(scale) ? Math.ceil(sampleItemCount(scale) / BATCH) + 1 : 0)

export async function seedSampleItems(db: PlazaDatabase, options: { seed: number; scale: number }, progress: (units: number) => void): Promise<number> {
  const total = sampleItemCount(options.scale)
  if (total === 0) return 0
  const existing = await db.db
    .selectFrom('map_items')
    .select(sql<number>`count(*)`.as('n'))
    .where('kind', '=', SAMPLE_KIND)
    .executeTakeFirstOrThrow()
  if (existing.n > 0) {
    progress(sampleSteps(options.scale))
    return 0
  }
  await db.write((trx) => registerKind(trx, { kind: SAMPLE_KIND, urlPattern: null, labelKey: 'geo:kinds.sample', position: 100 }))
  const areas = await db.db.selectFrom('areas').select(['id', 'level', 'parent_id', 'geometry', 'area_m2']).execute()
  const city = areas.find((a) => a.level === 'city')
  const neighbourhoods = areas
    .filter((a) => a.level === 'neighbourhood')
    .map((a) => ({ ...a, parsed: JSON.parse(a.geometry) as AreaGeometry }))
    .map((a) => ({ ...a, bbox: bboxOf(a.parsed) }))
  if (!city || neighbourhoods.length === 0) return 0
  // Denser in the middle of the list: some neighbourhoods busier than others, as in a real city.
  const weights = neighbourhoods.map((n, i) => n.area_m2 * (1 + (i % 5)))
  const sum = weights.reduce((s, w) => s + w, 0)
  const cumulative: number[] = []
  weights.reduce((acc, w) => (cumulative.push((acc + w) / sum), acc + w), 0)
  const random = mulberry32(options.seed * 7919 + 17)
  const now = Date.parse('2026-11-01T00:00:00Z')
  const threeYears = 3 * 365 * 86_400_000
  let made = 0
  while (made < total) {
    const batch: BulkItem[] = []
    const end = Math.min(total, made + BATCH)
    for (let i = made; i < end; i++) {
      const r = random()
      const n =
        neighbourhoods[
          Math.min(
            neighbourhoods.length - 1,
            cumulative.findIndex((c) => c >= r),
          )
        ]!
      const [w, s, e, north] = n.bbox
      let lng: number
      let lat: number
      do {
        lng = w + (e - w) * random()
        lat = s + (north - s) * random()
      } while (!geometryContains(n.parsed, lng, lat))
      batch.push({
        kind: SAMPLE_KIND,
        itemId: i + 1,
        lng,
        lat,
        status: STATUSES[Math.floor(random() * STATUSES.length)]!,
        category: CATEGORIES[Math.floor(random() * CATEGORIES.length)]!,
        title: `Sample item ${i + 1} (benchmark data)`,
        createdAt: new Date(now - Math.floor(random() * threeYears)).toISOString(),
        areaIds: [city.id, n.parent_id!, n.id],
      })
    }
    await bulkInsertItems(db, batch)
    made = end
    progress(1)
  }
  await rebuildMapSummaries(db)
  progress(1)
  return total
}
