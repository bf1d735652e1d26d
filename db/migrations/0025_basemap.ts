import { sql, type Kysely } from 'kysely'
import { engineOf } from '../../app/lib/db/dialect'
import { createPostgresBoxTable } from '../postgres-ddl'

/**
 * The self-hosted base map (issue 17, docs/basemap.md): imports of an OpenStreetMap extract, the
 * vector tiles built from one, and the streets, places and address points that address search and
 * reverse geocoding read. Every row carries the import's `version`; a new import writes a new
 * version beside the old one and the old is removed once the new is complete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('basemap_imports')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // running | done | failed
    .addColumn('stage', 'text')
    .addColumn('error', 'text')
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('bbox', 'text')
    .addColumn('min_zoom', 'integer', (c) => c.notNull())
    .addColumn('max_zoom', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute()

  await sql`CREATE TABLE basemap_tiles (
    version INTEGER NOT NULL,
    z INTEGER NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    data BLOB NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (version, z, x, y)
  ) WITHOUT ROWID`.execute(db)

  // Streets and named places (parks, squares): what a search matches first.
  await db.schema
    .createTable('basemap_streets')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // street | place
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('search', 'text', (c) => c.notNull())
    .addColumn('lat', 'real', (c) => c.notNull())
    .addColumn('lng', 'real', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('basemap_streets_version').on('basemap_streets').columns(['version', 'search']).execute()

  await db.schema
    .createTable('basemap_addresses')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('street_id', 'integer', (c) => c.notNull())
    .addColumn('housenumber', 'text', (c) => c.notNull())
    .addColumn('number', 'integer')
    .addColumn('lat', 'real', (c) => c.notNull())
    .addColumn('lng', 'real', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('basemap_addresses_street').on('basemap_addresses').columns(['street_id', 'number']).execute()
  await db.schema.createIndex('basemap_addresses_version').on('basemap_addresses').columns(['version']).execute()
  // Reverse geocoding: the address points in a small box around a point.
  if (engineOf(db) === 'postgres') await createPostgresBoxTable(db, 'basemap_address_rtree')
  else await sql`CREATE VIRTUAL TABLE basemap_address_rtree USING rtree(id, min_lng, max_lng, min_lat, max_lat)`.execute(db)
}
