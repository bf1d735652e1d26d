import { type Kysely, sql } from 'kysely'

// Letters to representatives (issue 9): the levels a city configures, its representatives, the
// letters residents write (one letter, one delivery per representative chosen), the two-week
// questionnaire kept on each delivery, and bounces reported back for any mail.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Levels of representation: neighbourhood and district councillors, the mayor, or any other
  // level the city adds. Each is attached to one level of areas.
  await db.schema
    .createTable('representative_levels')
    .addColumn('code', 'text', (c) => c.primaryKey())
    // JSON object of names by locale: {"en": "District councillors", "es": …, "fr": …}.
    .addColumn('names', 'text', (c) => c.notNull())
    .addColumn('area_level', 'text', (c) => c.notNull().check(sql`area_level in ('city', 'district', 'neighbourhood')`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('representatives')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    // The office as the city words it ("Councillor", "Mayor").
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull().references('representative_levels.code'))
    .addColumn('area_id', 'integer', (c) => c.notNull().references('areas.id'))
    .addColumn('party', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    // Re-encoded JPEGs without metadata (null: no photo).
    .addColumn('photo', 'blob')
    .addColumn('photo_thumb', 'blob')
    .addColumn('photo_updated_at', 'text')
    // Dates (YYYY-MM-DD, inclusive); null: open-ended.
    .addColumn('active_from', 'text')
    .addColumn('active_until', 'text')
    // Set when mail to the address bounces (by an administrator or from a bounce); letters are
    // not sent to a bounced address until it is corrected.
    .addColumn('email_bounced_at', 'text')
    .addColumn('bounce_note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('representatives_area').on('representatives').columns(['area_id', 'level']).execute()
  await db.schema.createIndex('representatives_level').on('representatives').columns(['level', 'name']).execute()

  // One letter as written and confirmed by its sender; its text is deleted after the retention
  // period (body null, body_deleted_at set) while the deliveries and their answers stay.
  await db.schema
    .createTable('letters')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // The sender's private status page /letters/:token (SHA-256 of the token).
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('confirm_token_hash', 'text')
    // 'unconfirmed' 'frozen' 'confirmed' 'rejected' 'expired'
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('unconfirmed', 'frozen', 'confirmed', 'rejected', 'expired')`))
    .addColumn('sender_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('sender_name', 'text', (c) => c.notNull())
    .addColumn('sender_email', 'text', (c) => c.notNull())
    // Normalised key of the e-mail (rate limits per sender).
    .addColumn('sender_key', 'text', (c) => c.notNull())
    .addColumn('sender_address', 'text', (c) => c.notNull())
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    // MinHash signature of the body (app/modules/letters/similarity.ts signatureToBuffer).
    .addColumn('fingerprint', 'blob')
    // Why the abuse checks froze it ('similar', 'self', …) and what staff decided.
    .addColumn('frozen_reason', 'text')
    .addColumn('frozen_details', 'text')
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_at', 'text')
    .addColumn('review_note', 'text')
    .addColumn('ip', 'text')
    .addColumn('ip_key', 'text')
    .addColumn('locale', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('body_deleted_at', 'text')
    .execute()
  await sql`create unique index letters_confirm_token on letters (confirm_token_hash) where confirm_token_hash is not null`.execute(db)
  await db.schema.createIndex('letters_sender_time').on('letters').columns(['sender_key', 'created_at']).execute()
  await db.schema.createIndex('letters_ip_time').on('letters').columns(['ip_key', 'created_at']).execute()
  await db.schema.createIndex('letters_status').on('letters').columns(['status', 'created_at']).execute()
  await sql`create index letters_retention on letters (created_at) where body is not null`.execute(db)

  // One delivery per representative a letter goes to, with its questionnaire.
  await db.schema
    .createTable('letter_deliveries')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('letter_id', 'integer', (c) => c.notNull().references('letters.id').onDelete('cascade'))
    .addColumn('representative_id', 'integer', (c) => c.notNull().references('representatives.id'))
    // 'waiting' (for the sender's confirmation) 'frozen' 'queued' 'sent' 'failed' 'rejected'
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('waiting', 'frozen', 'queued', 'sent', 'failed', 'rejected')`))
    .addColumn('outbox_id', 'integer', (c) => c.references('outbox.id'))
    .addColumn('failure_reason', 'text')
    .addColumn('queued_at', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('failed_at', 'text')
    // The questionnaire: asked two weeks after delivery, reminded a week later.
    .addColumn('questionnaire_token_hash', 'text')
    .addColumn('questionnaire_due_at', 'text')
    .addColumn('questionnaire_sent_at', 'text')
    .addColumn('reminder_due_at', 'text')
    .addColumn('reminder_sent_at', 'text')
    // 'yes' 'no' 'not_yet' 'unsatisfactory' (app/modules/letters/stats.ts)
    .addColumn('answer', 'text', (c) => c.check(sql`answer in ('yes', 'no', 'not_yet', 'unsatisfactory')`))
    .addColumn('answered_at', 'text')
    .execute()
  await db.schema.createIndex('letter_deliveries_letter').on('letter_deliveries').columns(['letter_id']).execute()
  await db.schema.createIndex('letter_deliveries_representative').on('letter_deliveries').columns(['representative_id', 'answer']).execute()
  await sql`create unique index letter_deliveries_outbox on letter_deliveries (outbox_id) where outbox_id is not null`.execute(db)
  await sql`create unique index letter_deliveries_questionnaire_token on letter_deliveries (questionnaire_token_hash) where questionnaire_token_hash is not null`.execute(db)
  await sql`create index letter_deliveries_questionnaire_due on letter_deliveries (questionnaire_due_at) where questionnaire_due_at is not null and questionnaire_sent_at is null`.execute(db)
  await sql`create index letter_deliveries_reminder_due on letter_deliveries (reminder_due_at) where reminder_due_at is not null and reminder_sent_at is null and answer is null`.execute(db)

  // Delivery status notifications (RFC 3464) and other bounces, from a mailbox or the endpoint.
  await db.schema
    .createTable('mail_bounces')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('outbox_id', 'integer', (c) => c.references('outbox.id'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    // 'failed' (permanent) or 'delayed'.
    .addColumn('action', 'text', (c) => c.notNull())
    // Enhanced status code, e.g. 5.1.1.
    .addColumn('status', 'text')
    .addColumn('diagnostic', 'text')
    // 'endpoint' or 'mailbox'.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'integer', (c) => c.references('representatives.id'))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('mail_bounces_recipient').on('mail_bounces').columns(['recipient', 'received_at']).execute()
  await db.schema.createIndex('mail_bounces_outbox').on('mail_bounces').columns(['outbox_id']).execute()
}
