import type { AreaRelocation } from './relocation'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, type PlazaDatabase } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import { mercatorX, mercatorY } from './geometry'
import { areasContainingIn, type AreaHit } from './lookup.server'

/**
 * The one spatial index of located items, shared by every capability.
 *
 * A capability calls these functions inside its own write, with the transaction that
 * `database().write(fn)` gives it, so the map never disagrees with the item:
 *
 *   await database().write(async (trx) => {
 *     const report = await insertReport(trx, …)
 *     await placeItem(trx, { kind: 'reports', itemId: report.id, lat, lng, status: 'open', title })
 *   })
 *
 * Besides the item row (and its R*Tree entry, kept by triggers) each write keeps two summaries in
 * step: `map_cells` (visible items per grid cell at every clustering level, which answers the
 * whole-city view in a few hundred rows) and `map_area_counts` (visible items per area). Hidden
 * items (moderation) stay indexed but count nowhere. SQLite-specific SQL stays in this module.
 */

type Executor = Kysely<Database> | Transaction<Database>

/** Deepest clustering level; level L has 2^(L+3) cells per axis (64-pixel cells at zoom L). */
export const MAX_LEVEL = 18
/** map_cells' status or category of the rows that total every status or category (rollups). */
export const ALL = '*'
/** Right shift from the 2^24 Mercator coordinates to level L's cell numbers. */
export const shiftOf = (level: number) => 21 - level

export interface MapKind {
  kind: string
  /** The item's page with `{id}` for its id, e.g. "/reports/{id}"; null when items have no page. */
  urlPattern: string | null
  /** i18n key of the layer's name, "namespace:key". */
  labelKey: string
  position?: number
}

const KIND_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/

/** Registers (or updates) a kind of item. Capabilities call it from their migration or seed. */
export async function registerKind(executor: Executor, kind: MapKind): Promise<void> {
  if (!KIND_PATTERN.test(kind.kind)) throw new Error(`registerKind: invalid kind "${kind.kind}"`)
  await executor
    .insertInto('map_kinds')
    .values({ kind: kind.kind, url_pattern: kind.urlPattern, label_key: kind.labelKey, position: kind.position ?? 0 })
    .onConflict((oc) => oc.column('kind').doUpdateSet({ url_pattern: kind.urlPattern, label_key: kind.labelKey, position: kind.position ?? 0 }))
    .execute()
  forgetKinds()
}

let kindsCache: { at: number; kinds: MapKind[] } | null = null
export function forgetKinds() {
  kindsCache = null
}

/** The registered kinds in layer order (cached for a few seconds per process). */
export async function listKinds(executor: Executor = database().db): Promise<MapKind[]> {
  if (kindsCache && Date.now() - kindsCache.at < 5_000) return kindsCache.kinds
  const rows = await executor.selectFrom('map_kinds').selectAll().orderBy('position').orderBy('kind').execute()
  const kinds = rows.map((r) => ({ kind: r.kind, urlPattern: r.url_pattern, labelKey: r.label_key, position: r.position }))
  kindsCache = { at: Date.now(), kinds }
  return kinds
}

export const itemUrl = (kind: MapKind | undefined, itemId: number) => (kind?.urlPattern ? kind.urlPattern.replace('{id}', String(itemId)) : null)

export interface PlaceItemInput {
  kind: string
  itemId: number
  lat: number
  lng: number
  status: string
  category?: string | null
  title: string
  /** ISO-8601 UTC; defaults to now. */
  createdAt?: string
  visible?: boolean
}

export interface PlacedItem {
  id: number
  kind: string
  itemId: number
  lat: number
  lng: number
  areas: AreaHit[]
}

interface Contribution {
  mx: number
  my: number
  lng: number
  lat: number
  kind: string
  status: string
  category: string | null
  visible: number
  areaIds: number[]
}

/** Adds (sign 1) or removes (sign -1) one visible item from the cluster cells and area counts. */
async function contribute(trx: Executor, c: Contribution, sign: 1 | -1) {
  if (!c.visible) return
  // One statement for every level: level L's cell is (mx >> (21 - L), my >> (21 - L)).
  await sql`insert into map_cells (level, cx, cy, kind, status, category, n, sum_lng, sum_lat)
    with recursive levels(l) as (select 0 union all select l + 1 from levels where l < ${MAX_LEVEL}),
      combos(s, c) as (values (${c.status}, ${c.category ?? ''}), (${c.status}, ${ALL}), (${ALL}, ${c.category ?? ''}), (${ALL}, ${ALL}))
    select l, cast(${c.mx} as bigint) >> (21 - l), cast(${c.my} as bigint) >> (21 - l), ${c.kind}, s, c, cast(${sign} as bigint), cast(${sign * c.lng} as double precision), cast(${sign * c.lat} as double precision)
    from levels, combos where true
    on conflict (level, cx, cy, kind, status, category) do update
    set n = map_cells.n + excluded.n, sum_lng = map_cells.sum_lng + excluded.sum_lng, sum_lat = map_cells.sum_lat + excluded.sum_lat`.execute(trx)
  if (c.areaIds.length === 0) return
  await trx
    .insertInto('map_area_counts')
    .values(c.areaIds.map((areaId) => ({ area_id: areaId, kind: c.kind, status: c.status, n: sign })))
    .onConflict((oc) => oc.columns(['area_id', 'kind', 'status']).doUpdateSet({ n: sql`map_area_counts.n + excluded.n` }))
    .execute()
}

async function currentRow(trx: Executor, kind: string, itemId: number) {
  return trx.selectFrom('map_items').select(['id', 'lng', 'lat', 'mx', 'my', 'status', 'category', 'visible', 'area_ids']).where('kind', '=', kind).where('item_id', '=', itemId).executeTakeFirst()
}

const contributionOf = (kind: string, row: { mx: number; my: number; lng: number; lat: number; status: string; category: string | null; visible: number; area_ids: string }) => ({
  kind,
  mx: row.mx,
  my: row.my,
  lng: row.lng,
  lat: row.lat,
  status: row.status,
  category: row.category,
  visible: row.visible,
  areaIds: JSON.parse(row.area_ids) as number[],
})

function checkPoint(lat: number, lng: number) {
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180) {
    throw new RangeError(`map index: invalid point (${lat}, ${lng})`)
  }
}

/**
 * Puts an item on the map (or replaces its place and facts if it is there already), computing
 * the areas containing it. Returns those areas: a capability may refuse a point outside the city
 * before calling this (see resolveLocation), and route by district or neighbourhood.
 */
export async function placeItem(trx: Transaction<Database>, input: PlaceItemInput): Promise<PlacedItem> {
  checkPoint(input.lat, input.lng)
  if (input.category === ALL || input.status === ALL) throw new RangeError('map index: "*" is not a status or category')
  const existing = await currentRow(trx, input.kind, input.itemId)
  if (existing) {
    await contribute(trx, contributionOf(input.kind, existing), -1)
    await trx.deleteFrom('map_items').where('id', '=', existing.id).execute()
  }
  const areas = await areasContainingIn(trx, input.lat, input.lng)
  const row = {
    kind: input.kind,
    item_id: input.itemId,
    lng: input.lng,
    lat: input.lat,
    mx: mercatorX(input.lng),
    my: mercatorY(input.lat),
    area_ids: JSON.stringify(areas.map((a) => a.id)),
    status: input.status,
    category: input.category ?? null,
    title: input.title,
    created_at: input.createdAt ?? new Date().toISOString(),
    visible: input.visible === false ? 0 : 1,
  }
  const inserted = await trx.insertInto('map_items').values(row).returning('id').executeTakeFirstOrThrow()
  if (areas.length) {
    await trx
      .insertInto('map_item_areas')
      .values(areas.map((a) => ({ area_id: a.id, map_item_id: inserted.id })))
      .execute()
  }
  await contribute(trx, contributionOf(input.kind, row), 1)
  return { id: inserted.id, kind: input.kind, itemId: input.itemId, lat: input.lat, lng: input.lng, areas }
}

export interface ItemChanges {
  status?: string
  category?: string | null
  title?: string
  /** false hides the item everywhere on the map (moderation); true shows it again. */
  visible?: boolean
}

/** Changes an item's facts; returns false when the item is not on the map. */
export async function updateItem(trx: Transaction<Database>, kind: string, itemId: number, changes: ItemChanges): Promise<boolean> {
  const existing = await currentRow(trx, kind, itemId)
  if (!existing) return false
  const before = contributionOf(kind, existing)
  const after = {
    ...before,
    status: changes.status ?? before.status,
    category: changes.category === undefined ? before.category : changes.category,
    visible: changes.visible === undefined ? before.visible : changes.visible ? 1 : 0,
  }
  if (after.status !== before.status || after.visible !== before.visible || after.category !== before.category) {
    await contribute(trx, before, -1)
    await contribute(trx, after, 1)
  }
  await trx
    .updateTable('map_items')
    .set({
      status: after.status,
      visible: after.visible,
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.category !== undefined ? { category: changes.category } : {}),
    })
    .where('id', '=', existing.id)
    .execute()
  return true
}

/** Moves an item to another point (its areas are recomputed); null when it is not on the map. */
export async function moveItem(trx: Transaction<Database>, kind: string, itemId: number, point: { lat: number; lng: number }): Promise<AreaHit[] | null> {
  checkPoint(point.lat, point.lng)
  const existing = await currentRow(trx, kind, itemId)
  if (!existing) return null
  const before = contributionOf(kind, existing)
  const areas = await areasContainingIn(trx, point.lat, point.lng)
  const after = { ...before, lat: point.lat, lng: point.lng, mx: mercatorX(point.lng), my: mercatorY(point.lat), areaIds: areas.map((a) => a.id) }
  await contribute(trx, before, -1)
  await trx
    .updateTable('map_items')
    .set({ lat: after.lat, lng: after.lng, mx: after.mx, my: after.my, area_ids: JSON.stringify(after.areaIds) })
    .where('id', '=', existing.id)
    .execute()
  await trx.deleteFrom('map_item_areas').where('map_item_id', '=', existing.id).execute()
  if (areas.length)
    await trx
      .insertInto('map_item_areas')
      .values(areas.map((a) => ({ area_id: a.id, map_item_id: existing.id })))
      .execute()
  await contribute(trx, after, 1)
  return areas
}

/** Takes an item off the map; returns false when it was not on it. */
export async function removeItem(trx: Transaction<Database>, kind: string, itemId: number): Promise<boolean> {
  const existing = await currentRow(trx, kind, itemId)
  if (!existing) return false
  await contribute(trx, contributionOf(kind, existing), -1)
  await trx.deleteFrom('map_items').where('id', '=', existing.id).execute()
  return true
}

/** Hides (moderation) or shows an item; returns false when it is not on the map. */
export const setItemVisible = (trx: Transaction<Database>, kind: string, itemId: number, visible: boolean) => updateItem(trx, kind, itemId, { visible })

export interface BulkItem extends PlaceItemInput {
  /** Known areas (e.g. sampled inside a neighbourhood); computed when absent. */
  areaIds: number[]
  createdAt: string
}

/**
 * Loads many items fast (demo data at scale, benchmarks): prepared statements in one transaction
 * of the write path, summaries left stale; call rebuildMapSummaries afterwards.
 */
export async function bulkInsertItems(db: PlazaDatabase, items: BulkItem[]): Promise<void> {
  await db.write(async (trx) => {
    const run = statements(db, trx)
    for (const it of items) {
      const inserted = await run.get<{ id: number }>(
        `insert into map_items (kind, item_id, lng, lat, mx, my, area_ids, status, category, title, created_at, visible)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
        it.kind,
        it.itemId,
        it.lng,
        it.lat,
        mercatorX(it.lng),
        mercatorY(it.lat),
        JSON.stringify(it.areaIds),
        it.status,
        it.category ?? null,
        it.title,
        it.createdAt,
        it.visible === false ? 0 : 1,
      )
      for (const areaId of it.areaIds) await run.run('insert into map_item_areas (area_id, map_item_id) values (?, ?)', areaId, inserted!.id)
    }
  })
}

/** Recomputes map_cells and map_area_counts from the items (after a bulk load, or to repair). */
export async function rebuildMapSummaries(db: PlazaDatabase): Promise<void> {
  await db.write(async (trx) => {
    await sql`delete from map_cells`.execute(trx)
    await sql`insert into map_cells (level, cx, cy, kind, status, category, n, sum_lng, sum_lat)
      select ${MAX_LEVEL}, mx >> ${shiftOf(MAX_LEVEL)}, my >> ${shiftOf(MAX_LEVEL)}, kind, status, coalesce(category, ''), count(*), sum(lng), sum(lat)
      from map_items where visible = 1 group by 2, 3, 4, 5, 6`.execute(trx)
    // Each level from the one below it: a few hundred thousand rows at most, not the items.
    for (let level = MAX_LEVEL - 1; level >= 0; level--) {
      await sql`insert into map_cells (level, cx, cy, kind, status, category, n, sum_lng, sum_lat)
        select ${level}, cx >> 1, cy >> 1, kind, status, category, sum(n), sum(sum_lng), sum(sum_lat)
        from map_cells where level = ${level + 1} group by 2, 3, 4, 5, 6`.execute(trx)
    }
    // Rollups: every category of a status, every status of a category, and everything.
    await sql`insert into map_cells (level, cx, cy, kind, status, category, n, sum_lng, sum_lat)
      select level, cx, cy, kind, status, ${ALL}, sum(n), sum(sum_lng), sum(sum_lat) from map_cells group by 1, 2, 3, 4, 5
      union all
      select level, cx, cy, kind, ${ALL}, category, sum(n), sum(sum_lng), sum(sum_lat) from map_cells group by 1, 2, 3, 4, 6
      union all
      select level, cx, cy, kind, ${ALL}, ${ALL}, sum(n), sum(sum_lng), sum(sum_lat) from map_cells group by 1, 2, 3, 4`.execute(trx)
    await sql`delete from map_area_counts`.execute(trx)
    await sql`insert into map_area_counts (area_id, kind, status, n)
      select a.area_id, i.kind, i.status, count(*) from map_item_areas a join map_items i on i.id = a.map_item_id
      where i.visible = 1 group by 1, 2, 3`.execute(trx)
  })
}

export interface ListedItem {
  kind: string
  itemId: number
  title: string
  status: string
  category: string | null
  createdAt: string
  lat: number
  lng: number
  url: string | null
}

type ItemRow = { kind: string; item_id: number; title: string; status: string; category: string | null; created_at: string; lat: number; lng: number }
const listed = (kinds: MapKind[]) => {
  const byKind = new Map(kinds.map((k) => [k.kind, k]))
  return (r: ItemRow): ListedItem => ({
    kind: r.kind,
    itemId: r.item_id,
    title: r.title,
    status: r.status,
    category: r.category,
    createdAt: r.created_at,
    lat: r.lat,
    lng: r.lng,
    url: itemUrl(byKind.get(r.kind), r.item_id),
  })
}

/** Visible items per kind and status in an area (from the maintained counts). */
export async function areaCounts(areaId: number): Promise<Array<{ kind: string; status: string; n: number }>> {
  return database().db.selectFrom('map_area_counts').select(['kind', 'status', 'n']).where('area_id', '=', areaId).where('n', '>', 0).orderBy('kind').orderBy('status').execute()
}

/** The newest visible items placed in an area, of registered kinds. */
export async function itemsInArea(areaId: number, limit = 20): Promise<ListedItem[]> {
  const kinds = await listKinds()
  if (kinds.length === 0) return []
  const rows = await database()
    .db.selectFrom('map_item_areas as a')
    .innerJoin('map_items as i', 'i.id', 'a.map_item_id')
    .select(['i.kind', 'i.item_id', 'i.title', 'i.status', 'i.category', 'i.created_at', 'i.lat', 'i.lng'])
    .where('a.area_id', '=', areaId)
    .where('i.visible', '=', 1)
    .where(
      'i.kind',
      'in',
      kinds.map((k) => k.kind),
    )
    .orderBy('a.map_item_id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(listed(kinds))
}

export interface ItemFilter {
  kinds: string[]
  status?: string[]
  category?: string[]
  since?: string
  /** Only items inside this box [west, south, east, north] (the list near a searched address). */
  within?: [number, number, number, number]
}

/** The newest visible items matching a filter (the map page's list without JavaScript). */
export async function latestItems(filter: ItemFilter, limit = 50): Promise<ListedItem[]> {
  if (filter.kinds.length === 0) return []
  const kinds = await listKinds()
  let q = database()
    .db.selectFrom('map_items as i')
    .select(['i.kind', 'i.item_id', 'i.title', 'i.status', 'i.category', 'i.created_at', 'i.lat', 'i.lng'])
    .where('i.visible', '=', 1)
    .where('i.kind', 'in', filter.kinds)
  if (filter.status?.length) q = q.where('i.status', 'in', filter.status)
  if (filter.category?.length) q = q.where('i.category', 'in', filter.category)
  if (filter.since) q = q.where('i.created_at', '>=', `${filter.since}T00:00:00.000Z`)
  if (filter.within) {
    const [w, s, e, n] = filter.within
    q = q.where('i.lng', '>=', w).where('i.lng', '<=', e).where('i.lat', '>=', s).where('i.lat', '<=', n)
  }
  const rows = await q.orderBy('i.id', 'desc').limit(limit).execute()
  return rows.map(listed(kinds))
}

let facetsCache: { at: number; value: { statuses: string[]; categories: string[] } } | null = null
/** The statuses and categories present on the map (for the filters), cached for a minute. */
export async function mapFacets(): Promise<{ statuses: string[]; categories: string[] }> {
  if (facetsCache && Date.now() - facetsCache.at < 60_000) return facetsCache.value
  const { db } = database()
  const statuses = await db.selectFrom('map_area_counts').select('status').distinct().where('n', '>', 0).orderBy('status').execute()
  const categories = await db.selectFrom('map_items').select('category').distinct().where('category', 'is not', null).orderBy('category').limit(100).execute()
  const value = { statuses: statuses.map((r) => r.status), categories: categories.map((r) => r.category!).filter(Boolean) }
  facetsCache = { at: Date.now(), value }
  return value
}

/** Visible items per area id, of registered kinds (area lists). */
export async function itemTotalsByArea(): Promise<Map<number, number>> {
  const kinds = await listKinds()
  if (kinds.length === 0) return new Map()
  const rows = await database()
    .db.selectFrom('map_area_counts')
    .select(['area_id', sql<number>`sum(n)`.as('n')])
    .where(
      'kind',
      'in',
      kinds.map((k) => k.kind),
    )
    .groupBy('area_id')
    .execute()
  return new Map(rows.map((r) => [r.area_id, r.n]))
}

/**
 * A geography import: every item's areas recomputed under the new areas (inside the import's
 * transaction), map_item_areas rewritten for the items that moved and map_area_counts adjusted by
 * their difference. Returns how many items moved.
 */
export async function relocateMapItems(r: AreaRelocation): Promise<number> {
  const deltas = new Map<string, { areaId: number; kind: string; status: string; n: number }>()
  const count = (areaId: number, kind: string, status: string, n: number) => {
    const key = `${areaId}\u0000${kind}\u0000${status}`
    const d = deltas.get(key)
    if (d) d.n += n
    else deltas.set(key, { areaId, kind, status, n })
  }
  let moved = 0
  let after = 0
  for (;;) {
    const rows = await r.sql.all<{ id: number; kind: string; lng: number; lat: number; area_ids: string; status: string; visible: number }>(
      'select id, kind, lng, lat, area_ids, status, visible from map_items where id > ? order by id limit 5000',
      after,
    )
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    for (const row of rows) {
      const ids = r.locate(row.lat, row.lng).map((a) => a.id)
      const json = JSON.stringify(ids)
      if (json === row.area_ids) continue
      moved++
      await r.sql.run('update map_items set area_ids = ? where id = ?', json, row.id)
      await r.sql.run('delete from map_item_areas where map_item_id = ?', row.id)
      for (const id of ids) await r.sql.run('insert into map_item_areas (area_id, map_item_id) values (?, ?)', id, row.id)
      if (Number(row.visible) === 1) {
        for (const id of JSON.parse(row.area_ids) as number[]) count(id, row.kind, row.status, -1)
        for (const id of ids) count(id, row.kind, row.status, 1)
      }
    }
  }
  for (const d of deltas.values()) {
    if (d.n === 0) continue
    await r.sql.run(
      'insert into map_area_counts (area_id, kind, status, n) values (?, ?, ?, ?) on conflict (area_id, kind, status) do update set n = map_area_counts.n + excluded.n',
      d.areaId,
      d.kind,
      d.status,
      d.n,
    )
    await r.sql.run('delete from map_area_counts where area_id = ? and kind = ? and status = ? and n <= 0', d.areaId, d.kind, d.status)
  }
  for (const id of r.removed) await r.sql.run('delete from map_area_counts where area_id = ?', id)
  return moved
}
