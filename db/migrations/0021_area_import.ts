import { type Kysely, sql } from 'kysely'

// Issue 16 (part 2): a city imports its own geography. Areas get the code an import matches them
// by, a name per language, their depth (levels below neighbourhoods keep level 'neighbourhood'
// and a larger depth, so existing code keeps working), a simplified copy for drawing, and the old
// slugs of renamed areas redirect. Staged imports wait here between the preview and the commit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('areas').addColumn('code', 'text').execute()
  // {"en": "…", "es": "…"}; `name` stays the default language's value.
  await db.schema
    .alterTable('areas')
    .addColumn('names', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
  // 0 city (the boundary), 1 district, 2 neighbourhood, 3+ further levels.
  await db.schema
    .alterTable('areas')
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // The administrator's name of a level beyond the first three ('block', 'sector'…); null for the three.
  await db.schema.alterTable('areas').addColumn('level_name', 'text').execute()
  // A simplified copy for drawing (SVG, the map's outlines); point-in-area uses `geometry`.
  await db.schema.alterTable('areas').addColumn('geometry_simplified', 'text').execute()

  await sql`update areas set depth = case level when 'city' then 0 when 'district' then 1 else 2 end`.execute(db)
  await sql`update areas set code = slug where code is null`.execute(db)
  await sql`update areas set names = json_object('en', name) where names = '{}'`.execute(db)
  await db.schema.createIndex('areas_code').on('areas').column('code').unique().execute()

  await db.schema
    .createTable('area_slug_redirects')
    .addColumn('old_slug', 'text', (c) => c.primaryKey())
    .addColumn('area_id', 'integer', (c) => c.notNull().references('areas.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  // An uploaded file read and reprojected, waiting for its preview to be accepted.
  await db.schema
    .createTable('area_imports')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('crs', 'text', (c) => c.notNull())
    // JSON: the features in WGS84 ({ properties, geometry }).
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('committed_at', 'text')
    .execute()
}
