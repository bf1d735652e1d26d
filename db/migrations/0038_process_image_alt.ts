import type { Kysely } from 'kysely'

/**
 * Issue 21: a process's own image (participatory_processes.image_id, an image of owner kind
 * 'process' in process_images, migration 0037) with its alt text per language, as its title and
 * description are kept: a JSON object language → text ('{}' for none). Written by
 * app/modules/processes/processes.server.ts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('participatory_processes')
    .addColumn('image_alt', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
}
