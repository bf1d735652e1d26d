import { type Kysely, sql } from 'kysely'
import { engineOf } from '../../app/lib/db/dialect'
import { createPostgresSearchIndex } from '../postgres-ddl'

// Petitions (issue 8): petitions and their lifecycle, signatures (every one kept with its status
// and reason), counts per area and per hour kept exact in the signing writes, and staff's bulk
// invalidations.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('petitions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('author_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    // draft → sponsoring → pending (moderation) → open → closed; or rejected; hidden by moderation.
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'sponsoring', 'pending', 'open', 'closed', 'rejected', 'hidden')`))
    .addColumn('title', 'text', (c) => c.notNull())
    // What action it asks for (one or two sentences), and the background in Markdown.
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('background_md', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('background_html', 'text', (c) => c.notNull().defaultTo(''))
    // Who it asks: 'council', a 'department' or a 'representative'.
    .addColumn('target_kind', 'text', (c) => c.notNull().check(sql`target_kind in ('council', 'department', 'representative')`))
    .addColumn('target_department_id', 'integer', (c) => c.references('departments.id'))
    .addColumn('target_representative_id', 'integer', (c) => c.references('representatives.id'))
    // Only people living in this area may sign (null: anyone).
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    // Where it is shown on the map (a chosen point, else the area's centre; null: not on the map).
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('sponsor_token_hash', 'text')
    .addColumn('sponsors_required', 'integer', (c) => c.notNull())
    .addColumn('sponsor_count', 'integer', (c) => c.notNull().defaultTo(0))
    // Counted signatures (confirmed and accepted, including sponsors), and the others by status.
    .addColumn('signature_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('held_count', 'integer', (c) => c.notNull().defaultTo(0))
    // Thresholds fixed when the petition opens (config at that time).
    .addColumn('response_threshold', 'integer', (c) => c.notNull())
    .addColumn('debate_threshold', 'integer', (c) => c.notNull())
    .addColumn('duration_days', 'integer', (c) => c.notNull())
    // Moderation: a standard reason code and optional words, seen by the creator.
    .addColumn('rejection_reason', 'text')
    .addColumn('rejection_details', 'text')
    .addColumn('moderated_by', 'integer', (c) => c.references('users.id'))
    .addColumn('moderated_at', 'text')
    .addColumn('locale', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    .addColumn('opened_at', 'text')
    .addColumn('closes_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('last_signed_at', 'text')
    .addColumn('response_threshold_reached_at', 'text')
    .addColumn('debate_threshold_reached_at', 'text')
    // The council's response and the debate, published on the page and mailed to signers.
    .addColumn('response_md', 'text')
    .addColumn('response_html', 'text')
    .addColumn('responded_at', 'text')
    .addColumn('responded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('debate_scheduled_for', 'text')
    .addColumn('debate_outcome_md', 'text')
    .addColumn('debate_outcome_html', 'text')
    .addColumn('debated_at', 'text')
    .execute()
  await db.schema.createIndex('petitions_state').on('petitions').columns(['state', 'opened_at']).execute()
  await db.schema.createIndex('petitions_count').on('petitions').columns(['state', 'signature_count']).execute()
  await db.schema.createIndex('petitions_closes').on('petitions').columns(['state', 'closes_at']).execute()
  await db.schema.createIndex('petitions_author').on('petitions').columns(['author_id']).execute()
  await sql`create index petitions_awaiting on petitions (response_threshold_reached_at) where response_threshold_reached_at is not null and responded_at is null`.execute(db)
  await sql`create unique index petitions_sponsor_token on petitions (sponsor_token_hash) where sponsor_token_hash is not null`.execute(db)

  if (engineOf(db) === 'postgres')
    await createPostgresSearchIndex(db, 'petitions_fts', 'petitions', [
      { column: 'title', weight: 'A' },
      { column: 'action', weight: 'B' },
      { column: 'background_md', weight: 'C' },
    ])
  else {
    await sql`create virtual table petitions_fts using fts5(title, action, background, content='', tokenize='unicode61 remove_diacritics 2')`.execute(db)
    await sql`create trigger petitions_fts_insert after insert on petitions begin
    insert into petitions_fts (rowid, title, action, background) values (new.id, new.title, new.action, new.background_md);
  end`.execute(db)
    await sql`create trigger petitions_fts_delete after delete on petitions begin
    insert into petitions_fts (petitions_fts, rowid, title, action, background) values ('delete', old.id, old.title, old.action, old.background_md);
  end`.execute(db)
    await sql`create trigger petitions_fts_update after update of title, action, background_md on petitions begin
    insert into petitions_fts (petitions_fts, rowid, title, action, background) values ('delete', old.id, old.title, old.action, old.background_md);
    insert into petitions_fts (rowid, title, action, background) values (new.id, new.title, new.action, new.background_md);
  end`.execute(db)
  }

  // Staff's bulk invalidations: the criteria, who, why and how many.
  await db.schema
    .createTable('petition_invalidations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('petition_id', 'integer', (c) => c.notNull().references('petitions.id'))
    // JSON: { ip?: CIDR or address, domain?: string, from?: ISO, to?: ISO, status?: [...] }
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('signatures', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  // Every signature ever given, whatever became of it.
  await db.schema
    .createTable('petition_signatures')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('petition_id', 'integer', (c) => c.notNull().references('petitions.id'))
    // 'pending' (e-mail not confirmed yet) 'counted' 'held' (not counted until reviewed)
    // 'blocked' (block list) 'invalidated' (by staff)
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'counted', 'held', 'blocked', 'invalidated')`))
    // Why (app/modules/petitions/fraud.ts reasons: ok, ip-burst, domain-blocked, …, or staff's words).
    .addColumn('reason', 'text', (c) => c.notNull())
    // What the fraud rules decided when it was given: 'accept' 'hold' 'block' (applied on confirmation).
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('sponsor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    // normaliseSignatureEmail: one signature per key per petition.
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('email_domain', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    // Where the signer lives: the neighbourhood and its district (null: not in the city's areas).
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('district_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('ip', 'text')
    // rateLimitKey(ip): the IPv4 address or the IPv6 /64.
    .addColumn('ip_key', 'text')
    .addColumn('notify_updates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirm_token_hash', 'text')
    .addColumn('locale', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('invalidated_at', 'text')
    .addColumn('invalidation_id', 'integer', (c) => c.references('petition_invalidations.id'))
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .execute()
  await db.schema.createIndex('petition_signatures_email').on('petition_signatures').columns(['petition_id', 'email_key']).unique().execute()
  await sql`create unique index petition_signatures_confirm_token on petition_signatures (confirm_token_hash) where confirm_token_hash is not null`.execute(db)
  await db.schema.createIndex('petition_signatures_ip').on('petition_signatures').columns(['petition_id', 'ip_key', 'created_at']).execute()
  await db.schema.createIndex('petition_signatures_status').on('petition_signatures').columns(['petition_id', 'status', 'created_at']).execute()
  await db.schema.createIndex('petition_signatures_domain').on('petition_signatures').columns(['petition_id', 'email_domain']).execute()
  await db.schema.createIndex('petition_signatures_time').on('petition_signatures').columns(['petition_id', 'created_at']).execute()
  await db.schema.createIndex('petition_signatures_user').on('petition_signatures').columns(['user_id']).execute()
  await sql`create index petition_signatures_pending on petition_signatures (created_at) where status = 'pending'`.execute(db)

  // Counted signatures per area (neighbourhoods and districts), for the choropleth and the JSON.
  await db.schema
    .createTable('petition_area_counts')
    .addColumn('petition_id', 'integer', (c) => c.notNull().references('petitions.id'))
    .addColumn('area_id', 'integer', (c) => c.notNull().references('areas.id'))
    .addColumn('signatures', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('petition_area_counts_pk', ['petition_id', 'area_id'])
    .execute()

  // Counted signatures per hour (UTC, "2026-11-22T10"), for the chart over time.
  await db.schema
    .createTable('petition_hourly_counts')
    .addColumn('petition_id', 'integer', (c) => c.notNull().references('petitions.id'))
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('signatures', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('petition_hourly_counts_pk', ['petition_id', 'hour'])
    .execute()
}
