import { type Kysely, sql } from 'kysely'

/**
 * The council list's speed for every view, not only a department's default page (docs/council.md,
 * "Speed"; figures on 100,000 reports, SQL of one page in process):
 *
 * - `report_state_counts`: how many reports each department has in each state, kept exact by
 *   reports.server.ts in the same transaction as every insert of a report and every change of its
 *   state or department. The counts of a list without narrowing filters (a department's, or every
 *   department's for an administrator) are read from here instead of from 100,000 rows (an
 *   administrator's default page: 15 ms → 0.03 ms).
 * - `reports_department_counts` replaces 0011's (department_id, state, created_at) with the same
 *   columns first and every column the list filters on after them, so that counts per state under
 *   any filter are read from the index alone, in its order, without a table lookup or a sort
 *   (a department under a category, priority or assignee filter: 13–45 ms → 1–2 ms).
 * - Priority as a number (urgent 3, high 2, normal 1, low 0) in two expression indexes, so that "by
 *   priority" walks an index instead of sorting every open report (one department 23 ms, every
 *   department 90 ms → 0.1 ms) and a priority filter is an index range. The queries use the very
 *   same expression (council.server.ts `urgency`): SQLite matches an expression index only so.
 * - Supports and last update per kind, for the other two orders: every department's open reports
 *   by last update took 150 ms, one department's by supports 30 ms.
 */
const URGENCY = sql.raw(`(case priority when 'urgent' then 3 when 'high' then 2 when 'normal' then 1 else 0 end)`)

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_state_counts')
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id'))
    .addColumn('state', 'text', (c) => c.notNull().references('report_states.code'))
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('report_state_counts_pk', ['department_id', 'state'])
    .execute()
  await sql`insert into report_state_counts (department_id, state, n) select department_id, state, count(*) from reports group by department_id, state`.execute(db)

  await sql`create index reports_department_counts on reports (department_id, state, created_at, ${URGENCY}, assignee_id, category_id, district_id, area_id)`.execute(db)
  await db.schema.dropIndex('reports_department_state_code').ifExists().execute()
  await sql`create index reports_department_urgency on reports (department_id, state_kind, ${URGENCY}, created_at, assignee_id)`.execute(db)
  await sql`create index reports_urgency on reports (state_kind, ${URGENCY}, created_at, assignee_id)`.execute(db)
  await db.schema.createIndex('reports_department_supports').on('reports').columns(['department_id', 'state_kind', 'supports', 'created_at']).execute()
  await db.schema.createIndex('reports_supports').on('reports').columns(['state_kind', 'supports', 'created_at']).execute()
  await db.schema.createIndex('reports_kind_updated').on('reports').columns(['state_kind', 'updated_at']).execute()
}
