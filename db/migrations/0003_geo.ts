import { type Kysely, sql } from 'kysely'
import { engineOf } from '../../app/lib/db/dialect'
import { createPostgresBoxView } from '../postgres-ddl'

/**
 * The one map: a spatial index of every located item of every capability (reports, proposals,
 * petitions, votes, …), kept by app/modules/geo/map-index.server.ts in the same transaction as the
 * capability's own write. See docs/geo.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The kinds of item the map knows: a capability registers its kind when it ships.
  await db.schema
    .createTable('map_kinds')
    .addColumn('kind', 'text', (c) => c.primaryKey())
    // e.g. "/reports/{id}"; null when items have no page of their own (benchmark data).
    .addColumn('url_pattern', 'text')
    .addColumn('label_key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('map_items')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull().references('map_kinds.kind').onDelete('restrict'))
    .addColumn('item_id', 'integer', (c) => c.notNull())
    .addColumn('lng', 'real', (c) => c.notNull())
    .addColumn('lat', 'real', (c) => c.notNull())
    // Web Mercator integer coordinates (2^24 per axis): clusters are cells of mx >> k, my >> k.
    .addColumn('mx', 'integer', (c) => c.notNull())
    .addColumn('my', 'integer', (c) => c.notNull())
    // JSON array of the ids of the areas containing the point (city, district, neighbourhood).
    .addColumn('area_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // 0 when moderation hides the item: it stays indexed but is never shown or counted.
    .addColumn('visible', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('map_items_kind_item', ['kind', 'item_id'])
    .execute()

  await db.schema.createIndex('map_items_category').on('map_items').columns(['category']).execute()
  await db.schema.createIndex('map_items_created').on('map_items').columns(['created_at']).execute()

  // SQLite-specific: an R*Tree of the points (PostgreSQL: a GiST index), kept in step by triggers.
  if (engineOf(db) === 'postgres') await createPostgresBoxView(db, 'map_items_rtree', 'map_items', { minLng: 'lng', maxLng: 'lng', minLat: 'lat', maxLat: 'lat' })
  else {
    await sql`create virtual table map_items_rtree using rtree(id, min_lng, max_lng, min_lat, max_lat)`.execute(db)
    await sql`create trigger map_items_rtree_insert after insert on map_items begin
    insert into map_items_rtree values (new.id, new.lng, new.lng, new.lat, new.lat); end`.execute(db)
    await sql`create trigger map_items_rtree_update after update of lng, lat on map_items begin
    update map_items_rtree set min_lng = new.lng, max_lng = new.lng, min_lat = new.lat, max_lat = new.lat
    where id = new.id; end`.execute(db)
    await sql`create trigger map_items_rtree_delete after delete on map_items begin
    delete from map_items_rtree where id = old.id; end`.execute(db)
  }

  // Which items each area contains (newest first by id), for area pages.
  await db.schema
    .createTable('map_item_areas')
    .addColumn('area_id', 'integer', (c) => c.notNull().references('areas.id').onDelete('cascade'))
    .addColumn('map_item_id', 'integer', (c) => c.notNull().references('map_items.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('map_item_areas_pk', ['area_id', 'map_item_id'])
    .modifyEnd(sql`without rowid`)
    .execute()
  await db.schema.createIndex('map_item_areas_item').on('map_item_areas').columns(['map_item_id']).execute()

  // Visible items per area, kind and status: area pages' counts without counting rows.
  await db.schema
    .createTable('map_area_counts')
    .addColumn('area_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('map_area_counts_pk', ['area_id', 'kind', 'status'])
    .modifyEnd(sql`without rowid`)
    .execute()

  // Pre-aggregated clusters: visible items per grid cell at every clustering level, kind, status and category.
  // Level L has 2^(L+3) cells per axis (64-pixel cells at zoom L), so the whole-city view reads a
  // few hundred rows whatever the number of items.
  await db.schema
    .createTable('map_cells')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('cx', 'integer', (c) => c.notNull())
    .addColumn('cy', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // '' for items without a category. Rows with status and/or category '*' are rollups: the total over
    // every status and/or category, so an unfiltered view reads one row per cell and kind.
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('sum_lng', 'real', (c) => c.notNull())
    .addColumn('sum_lat', 'real', (c) => c.notNull())
    // Key order for the reads: one index seek per (kind, status, category, column of cells in view).
    .addPrimaryKeyConstraint('map_cells_pk', ['level', 'kind', 'status', 'category', 'cx', 'cy'])
    .modifyEnd(sql`without rowid`)
    .execute()
}
