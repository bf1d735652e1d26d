import { type Kysely, sql } from 'kysely'

// Issue 16 part 3 and 7: a city's services from the admin, every name in every language.
// Names that administrators enter become JSON text `{"en":…,"es":…,"fr":…}` in the columns they
// already had (app/lib/localized.ts reads a plain string as the English value, so nothing breaks
// before this runs); departments gain a contact; categories a colour; the questions a category
// asks (its Open311 service definition) move from the `open311.attributes` setting into a table;
// petitions gain categories like proposals.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('departments').addColumn('email', 'text').execute()
  await db.schema.alterTable('departments').addColumn('phone', 'text').execute()
  await db.schema
    .alterTable('departments')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema.alterTable('report_categories').addColumn('colour', 'text').execute()
  await db.schema
    .alterTable('proposal_categories')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()

  // The questions a category asks when a report is filed (GeoReport v2 "attributes").
  await db.schema
    .createTable('category_questions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('category_id', 'integer', (c) => c.notNull().references('report_categories.id').onDelete('cascade'))
    // The attribute's code: the form field and the Open311 attribute[code] parameter.
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('datatype', 'text', (c) => c.notNull().check(sql`datatype in ('string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist')`))
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    // Localized JSON: the question, and a hint on what to type.
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull().defaultTo('{}'))
    // JSON array of {"key": "…", "name": {"en": …}} for the list types; [] otherwise.
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('category_questions_code').on('category_questions').columns(['category_id', 'code']).unique().execute()

  await db.schema
    .createTable('petition_categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema
    .alterTable('petitions')
    .addColumn('category_id', 'integer', (c) => c.references('petition_categories.id').onDelete('set null'))
    .execute()

  // Plain names become the English value of a localized one.
  const toJson = (table: string, column: string) =>
    sql`update ${sql.table(table)} set ${sql.ref(column)} = json_object('en', ${sql.ref(column)}) where ${sql.ref(column)} is not null and ${sql.ref(column)} != '' and substr(${sql.ref(column)}, 1, 1) != '{'`.execute(
      db,
    )
  await toJson('departments', 'name')
  await toJson('report_categories', 'name')
  await toJson('report_categories', 'description')
  await toJson('report_categories', 'group_name')
  await toJson('report_states', 'label')
  await toJson('proposal_categories', 'name')
  await toJson('representatives', 'role')

  // The service definitions kept so far in settings move into the table (English texts).
  const setting = await sql<{ value: string }>`select value from settings where key = 'open311.attributes'`.execute(db)
  const stored = setting.rows[0]?.value
  if (stored) {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(stored) as Record<string, unknown>
    } catch {
      parsed = {}
    }
    const at = new Date().toISOString()
    for (const [code, list] of Object.entries(parsed)) {
      if (!Array.isArray(list)) continue
      const category = await sql<{ id: number }>`select id from report_categories where code = ${code}`.execute(db)
      const categoryId = category.rows[0]?.id
      if (categoryId === undefined) continue
      for (const [i, raw] of list.entries()) {
        const a = raw as { code?: unknown; datatype?: unknown; required?: unknown; description?: unknown; datatype_description?: unknown; order?: unknown; values?: unknown }
        if (typeof a.code !== 'string' || typeof a.datatype !== 'string' || typeof a.description !== 'string') continue
        const options = Array.isArray(a.values)
          ? a.values.flatMap((v: { key?: unknown; name?: unknown }) => (typeof v.key === 'string' && typeof v.name === 'string' ? [{ key: v.key, name: { en: v.name } }] : []))
          : []
        await sql`insert into category_questions (category_id, code, datatype, required, description, hint, options, position, updated_at)
          values (${categoryId}, ${a.code}, ${a.datatype}, ${a.required ? 1 : 0}, ${JSON.stringify({ en: a.description })},
                  ${JSON.stringify(typeof a.datatype_description === 'string' ? { en: a.datatype_description } : {})}, ${JSON.stringify(options)},
                  ${typeof a.order === 'number' ? a.order : i + 1}, ${at})
          on conflict do nothing`.execute(db)
      }
    }
    await sql`delete from settings where key = 'open311.attributes'`.execute(db)
  }
}
