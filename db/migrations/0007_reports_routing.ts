import { type Kysely, sql } from 'kysely'

// Groundwork for street-issue reports (issue 6): categories, routing rules and states as data.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('report_categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // Open311 service_code: a string, stable across renames.
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('group_name', 'text')
    .addColumn('keywords', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  // Which department handles a category where: area null = the whole city. The most specific rule
  // whose area contains the point wins (neighbourhood, then district, then city-wide).
  await db.schema
    .createTable('category_routes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('category_id', 'integer', (c) => c.notNull().references('report_categories.id').onDelete('cascade'))
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id').onDelete('cascade'))
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('cascade'))
    .execute()
  await sql`create unique index category_routes_unique on category_routes (category_id, coalesce(area_id, 0))`.execute(db)

  // States are data an administrator may rename; the code reasons only about their kind.
  await db.schema
    .createTable('report_states')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('unconfirmed', 'open', 'fixed', 'closed', 'hidden')`))
    .addColumn('label', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute()
}
