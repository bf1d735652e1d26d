import { type Kysely, sql } from 'kysely'

/**
 * Issue 22. Freedom-of-information requests (tables of app/modules/foi) and the holding pen of the
 * shared inbound mail endpoint (inbound_held_mail, written by app/lib/mail/inbound.server.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Public bodies: the city's own departments (department_id) and outside bodies.
  await db.schema
    .createTable('foi_bodies')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    // Localized JSON {"en":…,"es":…,"fr":…} (app/lib/localized.ts).
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('set null'))
    .addColumn('category', 'text')
    .addColumn('parent_id', 'integer', (c) => c.references('foi_bodies.id').onDelete('set null'))
    .addColumn('department_id', 'integer', (c) => c.unique().references('departments.id').onDelete('set null'))
    // The law requests to it are made under (app/modules/foi/laws.ts).
    .addColumn('law', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  // Public holidays the city sets: not working days for statutory deadlines.
  await db.schema
    .createTable('foi_holidays')
    .addColumn('date', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('foi_requests')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // The secret part of request-<token>@INBOUND_MAIL_DOMAIN.
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('body_id', 'integer', (c) => c.notNull().references('foi_bodies.id'))
    .addColumn('law', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('awaiting')
        .check(sql`status in ('awaiting', 'successful', 'partially_successful', 'refused', 'not_held', 'internal_review', 'withdrawn')`),
    )
    // An answer came and the requester has not said what it was yet.
    .addColumn('awaiting_classification', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', 'text', (c) => c.notNull())
    // YYYY-MM-DD: the statutory deadline and the day it becomes long overdue (working days, holidays).
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('long_overdue_on', 'text', (c) => c.notNull())
    .addColumn('last_message_at', 'text', (c) => c.notNull())
    // Takedown: the request is hidden, a public note says why.
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('takedown_note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index foi_requests_body on foi_requests (body_id, sent_at)`.execute(db)
  await sql`create index foi_requests_user on foi_requests (user_id, created_at)`.execute(db)
  await sql`create index foi_requests_sent on foi_requests (sent_at)`.execute(db)
  // Letters out (the request, reminders, internal review) and answers in.
  await db.schema
    .createTable('foi_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('foi_requests.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('out', 'in')`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    // What the public reads when personal data was redacted; the original stays in text.
    .addColumn('redacted_text', 'text')
    .addColumn('from_address', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index foi_messages_request on foi_messages (request_id, created_at)`.execute(db)
  await db.schema
    .createTable('foi_attachments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('foi_messages.id').onDelete('cascade'))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('foi_requests.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    // Text extracted from a PDF (or a text file), for search and display.
    .addColumn('text', 'text')
    .addColumn('redacted_text', 'text')
    // Redacted (or taken down) files are served only to administrators.
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index foi_attachments_message on foi_attachments (message_id)`.execute(db)
  await sql`create index foi_attachments_request on foi_attachments (request_id)`.execute(db)
  // The words of a request's public text (title, letters, answers, documents): a plain inverted
  // index in an ordinary table, so search is the same SQL on SQLite and PostgreSQL (ADR 125).
  await db.schema
    .createTable('foi_search_terms')
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('foi_requests.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('foi_search_terms_pk', ['term', 'request_id'])
    .execute()
  await sql`create index foi_search_terms_request on foi_search_terms (request_id)`.execute(db)
  // Classifications anyone suggests; the requester's own classification changes the status.
  await db.schema
    .createTable('foi_suggestions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('foi_requests.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index foi_suggestions_request on foi_suggestions (request_id)`.execute(db)

  // --- the shared inbound endpoint's holding pen (app/lib/mail/inbound.server.ts): mail to an
  // unknown or closed address, kept for an administrator.
  await db.schema
    .createTable('inbound_held_mail')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('attachments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute()
  await sql`create index inbound_held_mail_open on inbound_held_mail (resolved_at, received_at)`.execute(db)
}
