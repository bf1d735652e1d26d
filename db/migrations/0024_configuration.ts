import type { Kysely } from 'kysely'

/** Configuration documents uploaded at /admin/configuration, kept between the preview and the apply. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('configuration_imports')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text')
    .execute()
}
