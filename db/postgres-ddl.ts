import { type Kysely, sql } from 'kysely'

/**
 * PostgreSQL DDL for the migrations' engine branches (ADR 119): what has no mechanical translation of
 * SQLite's R*Tree and FTS5 tables and their triggers. Query side: app/lib/db/search.ts and spatial.ts.
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

/** PostgreSQL: the accent-folding function (immutable, so an index may use it). */
async function ensureFold(db: Kysely<unknown>): Promise<void> {
  let unaccent = true
  try {
    await sql`savepoint plaza_unaccent`.execute(db)
    await sql`create extension if not exists unaccent`.execute(db)
    await sql`release savepoint plaza_unaccent`.execute(db)
  } catch {
    await sql`rollback to savepoint plaza_unaccent`.execute(db)
    unaccent = false
  }
  const body = unaccent ? `select lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, '')))` : `select lower(coalesce($1, ''))`
  await sql.raw(`create or replace function plaza_fold(text) returns text language sql immutable parallel safe as $$ ${body} $$`).execute(db)
}

/**
 * PostgreSQL: a search index over `table` (`id` primary key) with weighted columns
 * (weights A–D: FTS5's bm25 column weights, strongest first).
 */
export async function createPostgresSearchIndex(db: Kysely<unknown>, name: string, table: string, columns: Array<{ column: string; weight: 'A' | 'B' | 'C' | 'D' }>): Promise<void> {
  await ensureFold(db)
  await sql.raw(`create table ${name} (id bigint primary key references ${table} (id) on delete cascade, document tsvector not null)`).execute(db)
  await sql.raw(`create index ${name}_document on ${name} using gin (document)`).execute(db)
  const document = columns.map((c) => `setweight(to_tsvector('simple', plaza_fold(new.${c.column})), '${c.weight}')`).join(' || ')
  await sql
    .raw(
      `create function ${name}_sync() returns trigger language plpgsql as $$ begin
        insert into ${name} (id, document) values (new.id, ${document})
        on conflict (id) do update set document = excluded.document;
        return null;
      end $$`,
    )
    .execute(db)
  const of = columns.map((c) => c.column).join(', ')
  await sql.raw(`create trigger ${name}_sync after insert or update of ${of} on ${table} for each row execute function ${name}_sync()`).execute(db)
}
