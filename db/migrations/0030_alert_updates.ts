import type { Kysely } from 'kysely'

/**
 * Issue 19 part 3 (FixMyStreet issue 766): an area or radius alert may also ask for the updates to
 * the reports it covers, not only new reports. Written by app/modules/reports (alerts.server.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('report_alerts')
    .addColumn('include_updates', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}
