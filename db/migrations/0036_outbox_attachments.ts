import type { Kysely } from 'kysely'

/**
 * Issue 19: a mail may carry inline attachments (the map picture of a report sent to a body by
 * e-mail, shown in the HTML part through `cid:`). JSON list of {filename, contentType, cid,
 * content (base64)}; null for a mail without. Written by app/lib/mail/outbox.server.ts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('attachments', 'text').execute()
}
