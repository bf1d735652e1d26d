import { sql, type Kysely } from 'kysely'

/**
 * Issue 21: images of projects and of result milestones, through the shared image pipeline
 * (app/lib/images.server.ts) as report photos and proposal images. 0028's process_images (one row
 * per size, no upload key, no alt text) was never written by any code, so it is replaced: an image
 * row (its owner once attached, the upload key its preview needs before that, the alt text) and its
 * variants (full, medium, thumb JPEGs without metadata). Results become a layer of the map index
 * (/map "Results"). Written by app/modules/processes (docs/processes.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('process_images').execute()
  await db.schema
    .createTable('process_images')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_kind', 'text', (c) => c.notNull().check(sql`owner_kind in ('process', 'project', 'milestone')`))
    // Null until the form that uploaded it is saved (a pending image; deleted after a day if never).
    .addColumn('owner_id', 'integer')
    .addColumn('upload_key', 'text', (c) => c.notNull())
    // What the image shows, for people who cannot see it (empty: the page names it by its owner).
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index process_images_owner on process_images (owner_kind, owner_id, id)`.execute(db)
  await db.schema
    .createTable('process_image_variants')
    .addColumn('image_id', 'integer', (c) => c.notNull().references('process_images.id').onDelete('cascade'))
    .addColumn('size', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('process_image_variants_pk', ['image_id', 'size'])
    .execute()

  // Located results on /map (app/modules/geo/map-index.server.ts); statuses are the results' own.
  await sql`insert into map_kinds (kind, url_pattern, label_key, position) values ('results', '/results/{id}', 'processes:layer', 40)`.execute(db)
}
