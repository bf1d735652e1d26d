import { type Kysely, sql } from 'kysely'

// Issue 10: following anything by e-mail (immediate or daily digest) and the sites allowed to
// embed Plaza's widgets.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One person (an e-mail address) following one thing: a report, proposal, petition, voting
  // process or area. Confirmed by e-mail unless the follower is logged in with that address confirmed.
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('email', 'text', (c) => c.notNull())
    // Lower-cased address: one subscription per address and target.
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('target_kind', 'text', (c) => c.notNull().check(sql`target_kind in ('report', 'proposal', 'petition', 'vote', 'area')`))
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('immediate', 'daily')`))
    .addColumn('locale', 'text')
    .addColumn('confirm_token_hash', 'text')
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .addColumn('last_digest_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('subscriptions_unique').on('subscriptions').columns(['email_key', 'target_kind', 'target_id']).unique().execute()
  await sql`create index subscriptions_target on subscriptions (target_kind, target_id) where confirmed_at is not null and unsubscribed_at is null`.execute(db)
  await sql`create unique index subscriptions_confirm_token on subscriptions (confirm_token_hash) where confirm_token_hash is not null`.execute(db)
  await db.schema.createIndex('subscriptions_user').on('subscriptions').columns(['user_id']).execute()

  // Events waiting for a daily digest (immediate ones are mailed in the event's own write).
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('subscription_id', 'integer', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    // What happened, e.g. 'report.state', 'proposal.answered', 'petition.response', 'vote.published', 'area.report'.
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute()
  await sql`create index notifications_unsent on notifications (subscription_id, id) where sent_at is null`.execute(db)

  // Sites allowed to embed widgets: the frame-ancestors CSP of widget pages lists exactly these.
  await db.schema
    .createTable('embed_sites')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // A web origin: scheme, host and port, e.g. https://www.valmera.example
    .addColumn('origin', 'text', (c) => c.notNull().unique())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
}
