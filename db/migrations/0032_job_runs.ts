import type { Kysely } from 'kysely'

/**
 * Issue 20 (ADR 123): the runs of the periodic background jobs, shared by every app server. A server
 * runs a job only after claiming its row (a conditional update: the lease of the last run is over and
 * its interval has passed), so N servers run each job once per interval between them, not N times.
 * Written by app/lib/jobs.server.ts only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // Who runs it now (a random id per process), and until when that claim keeps others away.
    .addColumn('holder', 'text')
    .addColumn('lease_until', 'text', (c) => c.notNull())
    .addColumn('last_started_at', 'text', (c) => c.notNull())
    .addColumn('last_finished_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}
