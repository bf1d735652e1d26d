import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Engine } from './dialect'

/**
 * Full-text search per engine (ADR 119). SQLite: FTS5 contentless tables `<name>_fts` (tokenizer
 * unicode61 remove_diacritics 2), kept by triggers, created by the migrations. PostgreSQL: a table
 * `<name>_fts (id, document tsvector)` with a GIN index, kept by a trigger function; words are
 * lower-cased and accent-folded (`plaza_fold`: unaccent where the extension can be created, else
 * lower()) on both sides, so "arboles" finds "árboles" on both engines.
 */

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

/** Folds a word as plaza_fold does (for the query side). */
const fold = (word: string) => word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

/** PostgreSQL's tsquery for the terms of an FTS5 query (all terms; the last as a prefix when FTS5's is). */
function tsQuery(fts5Query: string, terms: string[]): string {
  const prefix = fts5Query.endsWith('*')
  return terms.map((t, i) => `'${fold(t).replace(/'/g, "''")}'${prefix && i === terms.length - 1 ? ':*' : ''}`).join(' & ')
}

/**
 * The ids matching `terms` (all of them; the last also as a prefix when `prefix`), with a rank
 * where smaller is better (as FTS5's bm25), as a subquery `(id, rank)`.
 */
export function searchMatches(engine: Engine, index: 'proposals_fts' | 'petitions_fts', fts5Query: string, terms: string[], bm25Weights: string): RawBuilder<{ id: number; rank: number }> {
  if (engine === 'sqlite') return sql`(select rowid as id, bm25(${sql.raw(index)}, ${sql.raw(bm25Weights)}) as rank from ${sql.raw(index)} where ${sql.raw(index)} match ${fts5Query})`
  const query = tsQuery(fts5Query, terms)
  return sql`(select id, -ts_rank(document, to_tsquery('simple', ${query})) as rank from ${sql.raw(index)} where document @@ to_tsquery('simple', ${query}))`
}

/** The ids matching, unranked, as a subquery `(id)`. */
export function searchIds(engine: Engine, index: 'proposals_fts' | 'petitions_fts', fts5Query: string, terms: string[]): RawBuilder<number> {
  if (engine === 'sqlite') return sql`(select rowid from ${sql.raw(index)} where ${sql.raw(index)} match ${fts5Query})`
  return sql`(select id from ${sql.raw(index)} where document @@ to_tsquery('simple', ${tsQuery(fts5Query, terms)}))`
}
