import { type Kysely, sql } from 'kysely'

/**
 * The council list's speed for every view (docs/council.md, "Speed"):
 *
 * - `report_state_counts`: how many reports each department has in each state, kept exact by
 *   reports.server.ts in the same transaction as every change of a report's state or department.
 *   The counts of a list without narrowing filters (a department's, or every department's for an
 *   administrator) are read from here instead of counting 100,000 rows (an administrator's page:
 *   15 ms of SQL → 0.1 ms).
 * - Priority as a number (urgent 3, high 2, normal 1, low 0) in two expression indexes, so that
 *   "by priority" walks an index instead of sorting every open report (one department 23 ms,
 *   every department 90 ms → under 0.1 ms), and a priority filter is an index range. The queries
 *   must use the very same expression (council.server.ts `urgency`). The department's index also
 *   carries the assignee and the state, so counts per state under priority, age or assignee
 *   filters are read from the index alone (the bench's filtered page: 7 ms → 0.2 ms).
 */
const URGENCY_SQL = `(case priority when 'urgent' then 3 when 'high' then 2 when 'normal' then 1 else 0 end)`

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_state_counts')
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id'))
    .addColumn('state', 'text', (c) => c.notNull().references('report_states.code'))
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('report_state_counts_pk', ['department_id', 'state'])
    .execute()
  await sql`insert into report_state_counts (department_id, state, n) select department_id, state, count(*) from reports group by department_id, state`.execute(db)

  const urgency = sql.raw(URGENCY_SQL)
  await sql`create index reports_department_urgency on reports (department_id, state_kind, ${urgency}, created_at, assignee_id, state)`.execute(db)
  await sql`create index reports_urgency on reports (state_kind, ${urgency}, created_at)`.execute(db)
}
