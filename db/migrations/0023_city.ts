import { type Kysely, sql } from 'kysely'

// Issue 16: a real city makes Plaza its own — first run, identity and pages, the council's
// settings, staff invitations. Owned by app/modules/city (accounts owns users.deactivated_at).
export async function up(db: Kysely<unknown>): Promise<void> {
  // The settings a council decides (thresholds, durations, verification levels…), one row per key;
  // the value is JSON. A key without a row takes the environment variable, else the default.
  await db.schema
    .createTable('city_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  // The site's identity: one row (id = 1). Names and the home introduction are per language (JSON).
  await db.schema
    .createTable('site_identity')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('site_name', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('city_name', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('home_intro', 'text', (c) => c.notNull().defaultTo('{}'))
    // #rrggbb, or null for Plaza's own colour.
    .addColumn('primary_colour', 'text')
    .addColumn('contact_email', 'text')
    // JSON array of enabled languages (of en, es, fr) and the default one, which is among them.
    .addColumn('languages', 'text', (c) => c.notNull().defaultTo('["en","es","fr"]'))
    .addColumn('default_locale', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  // The logo and favicon, already sanitised (SVG) or re-encoded (raster) when stored.
  await db.schema
    .createTable('site_assets')
    .addColumn('kind', 'text', (c) => c.primaryKey().check(sql`kind in ('logo', 'favicon')`))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('body', 'blob', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  // Legal pages at /pages/:slug; title and Markdown body per language (JSON).
  await db.schema
    .createTable('site_pages')
    .addColumn('slug', 'text', (c) => c.primaryKey().check(sql`slug in ('terms', 'privacy', 'accessibility', 'cookies')`))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  // The first run's one-time link (only its hash), valid 24 hours, while no administrator exists.
  await db.schema
    .createTable('setup_tokens')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  // Staff invited by e-mail (link valid 7 days, only its hash kept), with the roles they get.
  await db.schema
    .createTable('staff_invitations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('email', 'text', (c) => c.notNull())
    // JSON: [{"role":"staff","departmentId":3},{"role":"moderator","departmentId":null}]
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('staff_invitations_email').on('staff_invitations').columns(['email']).execute()

  // A deactivated account cannot log in (accounts module).
  await db.schema.alterTable('users').addColumn('deactivated_at', 'text').execute()
}
