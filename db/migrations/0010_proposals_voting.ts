import { type Kysely, sql } from 'kysely'
import { engineOf } from '../../app/lib/db/dialect'
import { createPostgresSearchIndex } from '../postgres-ddl'

// Proposals with supports, and the weighted voting engine (issue 7).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proposal_categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('proposals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('author_id', 'integer', (c) => c.references('users.id'))
    // draft → published (collecting supports) → threshold_reached → voting → answered; or archived
    // (time ran out), or hidden (moderation).
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'published', 'threshold_reached', 'voting', 'answered', 'archived', 'hidden')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('category_id', 'integer', (c) => c.references('proposal_categories.id'))
    // Normalised tags, space-separated (also in proposal_tags for filtering).
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('district_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('image_id', 'integer')
    .addColumn('supports', 'integer', (c) => c.notNull().defaultTo(0))
    // "Hot": recent supports over age, kept up to date on each support (and by a periodic job).
    .addColumn('hot_score', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('threshold_reached_at', 'text')
    .addColumn('archived_at', 'text')
    .addColumn('process_id', 'integer')
    .addColumn('answer_md', 'text')
    .addColumn('answer_html', 'text')
    .addColumn('answered_at', 'text')
    .addColumn('answered_by', 'integer', (c) => c.references('users.id'))
    .execute()
  await db.schema.createIndex('proposals_state_published').on('proposals').columns(['state', 'published_at']).execute()
  await db.schema.createIndex('proposals_state_supports').on('proposals').columns(['state', 'supports']).execute()
  await db.schema.createIndex('proposals_state_hot').on('proposals').columns(['state', 'hot_score']).execute()
  await db.schema.createIndex('proposals_author').on('proposals').columns(['author_id']).execute()
  await db.schema.createIndex('proposals_area').on('proposals').columns(['area_id', 'state']).execute()
  await db.schema.createIndex('proposals_district').on('proposals').columns(['district_id', 'state']).execute()
  await db.schema.createIndex('proposals_category').on('proposals').columns(['category_id', 'state']).execute()
  await sql`create index proposals_expiry on proposals (expires_at) where state = 'published'`.execute(db)

  await db.schema
    .createTable('proposal_tags')
    .addColumn('proposal_id', 'integer', (c) => c.notNull().references('proposals.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('proposal_tags_pk', ['proposal_id', 'tag'])
    .execute()
  await db.schema.createIndex('proposal_tags_tag').on('proposal_tags').columns(['tag', 'proposal_id']).execute()

  await db.schema
    .createTable('proposal_supports')
    .addColumn('proposal_id', 'integer', (c) => c.notNull().references('proposals.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('proposal_supports_pk', ['proposal_id', 'user_id'])
    .execute()
  await db.schema.createIndex('proposal_supports_recent').on('proposal_supports').columns(['proposal_id', 'created_at']).execute()

  // A proposal's image: re-encoded, metadata-free variants (as report photos).
  await db.schema
    .createTable('proposal_images')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('proposal_id', 'integer', (c) => c.references('proposals.id').onDelete('cascade'))
    .addColumn('upload_key', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('proposal_image_variants')
    .addColumn('image_id', 'integer', (c) => c.notNull().references('proposal_images.id').onDelete('cascade'))
    .addColumn('size', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('proposal_image_variants_pk', ['image_id', 'size'])
    .execute()

  // Full-text search over proposals (SQLite FTS5, external content kept in step by triggers).
  if (engineOf(db) === 'postgres')
    await createPostgresSearchIndex(db, 'proposals_fts', 'proposals', [
      { column: 'title', weight: 'A' },
      { column: 'summary', weight: 'C' },
      { column: 'body_md', weight: 'D' },
      { column: 'tags', weight: 'B' },
    ])
  else {
    await sql`create virtual table proposals_fts using fts5(title, summary, body, tags, content='', tokenize='unicode61 remove_diacritics 2')`.execute(db)
    await sql`create trigger proposals_fts_insert after insert on proposals begin
    insert into proposals_fts (rowid, title, summary, body, tags) values (new.id, new.title, new.summary, new.body_md, new.tags);
  end`.execute(db)
    await sql`create trigger proposals_fts_delete after delete on proposals begin
    insert into proposals_fts (proposals_fts, rowid, title, summary, body, tags) values ('delete', old.id, old.title, old.summary, old.body_md, old.tags);
  end`.execute(db)
    await sql`create trigger proposals_fts_update after update of title, summary, body_md, tags on proposals begin
    insert into proposals_fts (proposals_fts, rowid, title, summary, body, tags) values ('delete', old.id, old.title, old.summary, old.body_md, old.tags);
    insert into proposals_fts (rowid, title, summary, body, tags) values (new.id, new.title, new.summary, new.body_md, new.tags);
  end`.execute(db)
  }

  await db.schema
    .createTable('voting_processes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description_md', 'text', (c) => c.notNull())
    .addColumn('description_html', 'text', (c) => c.notNull())
    .addColumn('proposal_id', 'integer', (c) => c.references('proposals.id'))
    // null: the whole city (anyone may vote, residence decides the weight).
    .addColumn('eligible_area_id', 'integer', (c) => c.references('areas.id'))
    // Refuse voters who do not live in the eligible area (else they vote with the policy's weight).
    .addColumn('residents_only', 'integer', (c) => c.notNull().defaultTo(0))
    // A category code for delegation scopes (LiquidFeedback's "unit/area"); null: none.
    .addColumn('category', 'text')
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('yesno', 'approval', 'quadratic', 'budget', 'ranked')`))
    // The method's settings (app/modules/voting/methods.ts methodSpecSchema), JSON.
    .addColumn('spec', 'text', (c) => c.notNull())
    // The weight policy (app/modules/voting/weights.ts), JSON.
    .addColumn('weight_policy', 'text', (c) => c.notNull())
    .addColumn('required_level', 'integer', (c) => c.notNull().defaultTo(2))
    .addColumn('delegation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'scheduled', 'open', 'closed', 'published', 'cancelled')`))
    .addColumn('opens_at', 'text', (c) => c.notNull())
    .addColumn('closes_at', 'text', (c) => c.notNull())
    // The hash of the newest ballot (the chain's head), kept with the tally.
    .addColumn('chain_head', 'text', (c) => c.notNull().defaultTo('0'.repeat(64)))
    .addColumn('ballots', 'integer', (c) => c.notNull().defaultTo(0))
    // The published result (counting output and the weight policy that produced it), JSON.
    .addColumn('results', 'text')
    .addColumn('published_at', 'text')
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('voting_processes_state').on('voting_processes').columns(['state', 'closes_at']).execute()

  // Every ballot ever cast, chained: each stores the previous ballot's hash (of the same process).
  // A re-cast ballot stays in the chain and is marked replaced (the mark is not hashed).
  await db.schema
    .createTable('ballots')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.notNull().references('voting_processes.id'))
    .addColumn('voter_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('receipt', 'text', (c) => c.notNull().unique())
    // JSON of the validated choices.
    .addColumn('choices', 'text', (c) => c.notNull())
    // Milli-weight (1000 = 1) from the policy, the voter's level and residence when cast.
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('resides_inside', 'integer', (c) => c.notNull())
    .addColumn('cast_at', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('replaced_at', 'text')
    .execute()
  // One active ballot per voter per process, enforced by the database.
  await sql`create unique index ballots_one_active on ballots (process_id, voter_id) where replaced_at is null`.execute(db)
  await db.schema.createIndex('ballots_process').on('ballots').columns(['process_id', 'id']).execute()

  // Running tallies, kept in the ballot's transaction: one row per counted key of a process (an
  // option, an answer, a pairwise pair "a>b", …) with weighted and head counts.
  await db.schema
    .createTable('tallies')
    .addColumn('process_id', 'integer', (c) => c.notNull().references('voting_processes.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ballots', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('tallies_pk', ['process_id', 'key'])
    .execute()

  // LiquidFeedback-style delegation; scope 'all', 'area:<id>' or 'category:<code>'.
  await db.schema
    .createTable('delegations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('from_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('to_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await sql`create unique index delegations_one_active on delegations (from_id, scope) where revoked_at is null`.execute(db)
  await sql`create index delegations_to on delegations (to_id) where revoked_at is null`.execute(db)

  // The delegators' weights as they stood when a process closed, so a recount matches the result.
  await db.schema
    .createTable('delegation_weights')
    .addColumn('process_id', 'integer', (c) => c.notNull().references('voting_processes.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('delegate_id', 'integer')
    .addPrimaryKeyConstraint('delegation_weights_pk', ['process_id', 'user_id'])
    .execute()

  await sql`insert into map_kinds (kind, url_pattern, label_key, position) values ('proposals', '/proposals/{id}', 'proposals:layer', 20)
    on conflict (kind) do update set url_pattern = excluded.url_pattern, label_key = excluded.label_key, position = excluded.position`.execute(db)
}
