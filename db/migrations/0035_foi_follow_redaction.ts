import { type Kysely, sql } from 'kysely'

/**
 * Issue 22, the remainders (app/modules/foi): the redacted public copy of an answer's PDF (the
 * original stays in `data`, for administrators), and people following a request or a body.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('foi_attachments').addColumn('redacted_data', 'blob').execute()
  // JSON {"pages":[…],"words":[…],"areas":[…]} (app/modules/foi/pdf-redact.server.ts): what was redacted, to edit it again.
  await db.schema.alterTable('foi_attachments').addColumn('redaction', 'text').execute()

  // A person following a request (every answer and status change) or a body (its new requests and answers).
  await db.schema
    .createTable('foi_follows')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_kind', 'text', (c) => c.notNull().check(sql`target_kind in ('request', 'body')`))
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('foi_follows_pk', ['user_id', 'target_kind', 'target_id'])
    .execute()
  await sql`create index foi_follows_target on foi_follows (target_kind, target_id)`.execute(db)
}
