import { type Kysely, sql } from 'kysely'

/**
 * Issue 19. Open311 server fixes (tables of app/modules/open311) and delivery of reports to the
 * body that must act on them (tables of app/modules/delivery).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // --- open311: what a client key may do
  // trusted: the client checks its own users' e-mail, so a request with one gets its id at once.
  await db.schema
    .alterTable('api_keys')
    .addColumn('trusted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // A council-wide key (no department) posts its users' updates as citizens' updates; with
  // may_change_state its statuses change reports as staff would.
  await db.schema
    .alterTable('api_keys')
    .addColumn('may_change_state', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // --- reports: the photo a client linked to (Open311 media_url), kept and shown. Written by app/modules/reports.
  await db.schema.alterTable('reports').addColumn('media_url', 'text').execute()

  // A client's POST requests, remembered so a retry of the same request gets the same answer.
  await db.schema
    .createTable('open311_client_requests')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('api_key_id', 'integer', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('report_id', 'integer', (c) => c.references('reports.id').onDelete('cascade'))
    .addColumn('answer', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('open311_client_requests_key_hash', ['api_key_id', 'request_hash'])
    .execute()
  // A client's update_id → the timeline row it became: a repeat is answered, not stored twice.
  await db.schema
    .createTable('open311_client_updates')
    .addColumn('api_key_id', 'integer', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('client_update_id', 'text', (c) => c.notNull())
    .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('report_update_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('open311_client_updates_pk', ['api_key_id', 'client_update_id'])
    .execute()
  await sql`create index open311_client_updates_row on open311_client_updates (report_update_id)`.execute(db)

  // --- delivery: how each body (a department of the council or an outside body) receives reports.
  await db.schema
    .createTable('delivery_methods')
    .addColumn('department_id', 'integer', (c) => c.primaryKey().references('departments.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) =>
      c
        .notNull()
        .defaultTo('plaza')
        .check(sql`method in ('plaza', 'email', 'open311')`),
    )
    // Per-body switch: off keeps reports waiting (listed as unsent) until it is on again.
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('email', 'text')
    .addColumn('endpoint', 'text')
    .addColumn('api_key', 'text')
    .addColumn('jurisdiction_id', 'text')
    // JSON object: Plaza category code → the body's service_code (absent: the same code).
    .addColumn('service_codes', 'text', (c) => c.notNull().defaultTo('{}'))
    // The last updated_datetime read from the body's servicerequestupdates (the poll's cursor).
    .addColumn('polled_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  // One row per report sent outside Plaza: a job with retries and back-off, claimed with a lease.
  await db.schema
    .createTable('report_deliveries')
    .addColumn('report_id', 'integer', (c) => c.primaryKey().references('reports.id').onDelete('cascade'))
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('last_error', 'text')
    // The body's id for it (Open311 service_request_id) or the Message-ID of the mail.
    .addColumn('external_id', 'text')
    // The per-report reply address's secret part (e-mail delivery).
    .addColumn('reply_token', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute()
  await sql`create index report_deliveries_due on report_deliveries (next_attempt_at) where status in ('pending', 'sending')`.execute(db)
  await sql`create index report_deliveries_external on report_deliveries (department_id, external_id)`.execute(db)
  // Updates read from a body's back office, by the body's update_id: each appears once.
  await db.schema
    .createTable('delivery_seen_updates')
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id').onDelete('cascade'))
    .addColumn('external_update_id', 'text', (c) => c.notNull())
    .addColumn('report_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_seen_updates_pk', ['department_id', 'external_update_id'])
    .execute()
}
