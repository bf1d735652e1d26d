import { type Kysely } from 'kysely'

/**
 * Issue 22, receiving 100 answers/s (ADR 150): on SQLite an answer's attachment is a file beside the
 * database named by its SHA-256 (app/lib/attachment-files.server.ts), written before the row; the
 * row keeps that name in `sha256` and an empty `data`. Rows without `sha256` (every row before, and
 * every row on PostgreSQL) keep their bytes in `data`, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('foi_attachments').addColumn('sha256', 'text').execute()
}
