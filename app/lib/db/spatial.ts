import { type Kysely, sql } from 'kysely'

/**
 * Spatial indexes per engine (ADR 119). SQLite keeps R*Tree virtual tables (`<name>_rtree` with
 * id, min_lng, max_lng, min_lat, max_lat), created by the migrations. On PostgreSQL the same names
 * answer the same queries:
 * - an R*Tree kept in step with a table by triggers becomes a VIEW over that table (nothing to keep
 *   in step), with a GiST index on the table's bounding box (PostGIS is not required);
 * - an R*Tree filled by the code itself becomes a plain table with the same columns and a GiST index.
 * Queries that only compare the five columns run unchanged on both; `boxOverlaps` below lets a query
 * use the GiST index on PostgreSQL.
 */

/** PostgreSQL: `view` over `table` whose box is (minLng, maxLng, minLat, maxLat) column expressions. */
export async function createPostgresBoxView(db: Kysely<unknown>, view: string, table: string, box: { minLng: string; maxLng: string; minLat: string; maxLat: string }): Promise<void> {
  const b = box
  await sql.raw(`create view ${view} as select id, ${b.minLng} as min_lng, ${b.maxLng} as max_lng, ${b.minLat} as min_lat, ${b.maxLat} as max_lat from ${table}`).execute(db)
  await sql.raw(`create index ${table}_box on ${table} using gist (box(point(${b.minLng}, ${b.minLat}), point(${b.maxLng}, ${b.maxLat})))`).execute(db)
}

/** PostgreSQL: a plain table standing for an R*Tree the code fills itself. */
export async function createPostgresBoxTable(db: Kysely<unknown>, name: string): Promise<void> {
  await sql
    .raw(`create table ${name} (id bigint primary key, min_lng double precision not null, max_lng double precision not null, min_lat double precision not null, max_lat double precision not null)`)
    .execute(db)
  await sql.raw(`create index ${name}_box on ${name} using gist (box(point(min_lng, min_lat), point(max_lng, max_lat)))`).execute(db)
}
