import { type RawBuilder, sql } from 'kysely'
import type { Engine } from './dialect'

/**
 * Full-text search per engine (ADR 119). SQLite: FTS5 contentless tables `<name>_fts` (tokenizer
 * unicode61 remove_diacritics 2), kept by triggers, created by the migrations. PostgreSQL (DDL in
 * db/postgres-ddl.ts): a table
 * `<name>_fts (id, document tsvector)` with a GIN index, kept by a trigger function; words are
 * lower-cased and accent-folded (`plaza_fold`: unaccent where the extension can be created, else
 * lower()) on both sides, so "arboles" finds "árboles" on both engines.
 */

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
