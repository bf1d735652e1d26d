import { type Kysely, sql } from 'kysely'

/**
 * The mail outbox (app/lib/mail/outbox.server.ts). A mail is a row written in the same transaction
 * as what caused it; senders claim due rows with a lease, so any number of them can share the table.
 * See docs/decisions/030-mail-outbox.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // What the mail is about, e.g. "account.confirm", "letters.deliver" (for people reading /dev/mail and logs).
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    // JSON object of extra headers (List-Unsubscribe, …).
    .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // When the row may next be claimed: a retry's time, or the end of a sender's lease.
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    // Which claim holds the row: a sender whose lease ran out cannot overwrite a newer claim's result.
    .addColumn('claim_token', 'text')
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute()
  // Claiming reads only the rows still to send, oldest due first (a partial index; PostgreSQL has them too).
  await sql`create index outbox_due on outbox (next_attempt_at) where status in ('pending', 'sending')`.execute(db)
}
