import { type Kysely } from 'kysely'

/**
 * The hourly sweep of stored files no row names (app/lib/attachment-files.server.ts,
 * sweepAttachmentFiles) asks which of a batch of SHA-256 names rows still use: by this index, not
 * by reading every answer's attachments.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('foi_attachments_sha256').on('foi_attachments').column('sha256').execute()
}
