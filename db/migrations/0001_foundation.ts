import { type Kysely, sql } from 'kysely'
import { engineOf } from '../../app/lib/db/dialect'
import { createPostgresBoxView } from '../postgres-ddl'

// Forward-only: never edit a migration that has shipped; add the next number instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('areas')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('city', 'district', 'neighbourhood')`))
    .addColumn('parent_id', 'integer', (c) => c.references('areas.id').onDelete('restrict'))
    .addColumn('geometry', 'text', (c) => c.notNull())
    .addColumn('min_lng', 'real', (c) => c.notNull())
    .addColumn('min_lat', 'real', (c) => c.notNull())
    .addColumn('max_lng', 'real', (c) => c.notNull())
    .addColumn('max_lat', 'real', (c) => c.notNull())
    .addColumn('area_m2', 'real', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute()
  await db.schema.createIndex('areas_parent').on('areas').columns(['parent_id']).execute()
  await db.schema.createIndex('areas_level').on('areas').columns(['level', 'name']).execute()

  // SQLite-specific: an R*Tree over area bounding boxes, kept in step by triggers.
  // (On PostgreSQL this becomes a GiST index; see docs/architecture.md, "Growing past one machine".)
  if (engineOf(db) === 'postgres') await createPostgresBoxView(db, 'areas_rtree', 'areas', { minLng: 'min_lng', maxLng: 'max_lng', minLat: 'min_lat', maxLat: 'max_lat' })
  else {
    await sql`create virtual table areas_rtree using rtree(id, min_lng, max_lng, min_lat, max_lat)`.execute(db)
    await sql`create trigger areas_rtree_insert after insert on areas begin
    insert into areas_rtree values (new.id, new.min_lng, new.max_lng, new.min_lat, new.max_lat); end`.execute(db)
    await sql`create trigger areas_rtree_update after update of min_lng, max_lng, min_lat, max_lat on areas begin
    update areas_rtree set min_lng = new.min_lng, max_lng = new.max_lng, min_lat = new.min_lat, max_lat = new.max_lat
    where id = new.id; end`.execute(db)
    await sql`create trigger areas_rtree_delete after delete on areas begin
    delete from areas_rtree where id = old.id; end`.execute(db)
  }

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  // Layout required by rate-limiter-flexible (RateLimiterSQLite / RateLimiterPostgres).
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'integer')
    .execute()
}
