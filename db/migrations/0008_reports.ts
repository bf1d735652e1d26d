import { type Kysely, sql } from 'kysely'

// Street-issue reports (issue 6): reports, their timeline, supports ("me too"), photos, staff
// response templates, Open311 API keys, local alerts and the four-week questionnaire.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('category_id', 'integer', (c) => c.notNull().references('report_categories.id'))
    .addColumn('department_id', 'integer', (c) => c.notNull().references('departments.id'))
    .addColumn('state', 'text', (c) => c.notNull().references('report_states.code'))
    // The state's kind, kept beside it so lists filter on an index without a join.
    .addColumn('state_kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('lat', 'real', (c) => c.notNull())
    .addColumn('lng', 'real', (c) => c.notNull())
    .addColumn('address', 'text')
    // The most specific area containing the point (a neighbourhood) and its district.
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('district_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('reporter_id', 'integer', (c) => c.references('users.id'))
    // Logged-out reporters (and Open311 clients) give a name and e-mail instead of an account.
    .addColumn('reporter_email', 'text')
    .addColumn('reporter_name', 'text', (c) => c.notNull())
    .addColumn('anonymous', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('priority', 'text', (c) =>
      c
        .notNull()
        .defaultTo('normal')
        .check(sql`priority in ('low', 'normal', 'high', 'urgent')`),
    )
    .addColumn('assignee_id', 'integer', (c) => c.references('users.id'))
    .addColumn('duplicate_of', 'integer', (c) => c.references('reports.id'))
    .addColumn('supports', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('photo_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('web'))
    .addColumn('api_key_id', 'integer')
    // JSON object of Open311 attribute answers (service definitions).
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('confirm_token_hash', 'text')
    // Open311 token flow: a client polls tokens/:token until the request has an id it may show.
    .addColumn('open311_token', 'text', (c) => c.unique())
    .addColumn('locale', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('first_response_at', 'text')
    .addColumn('fixed_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('questionnaire_due_at', 'text')
    .execute()
  await db.schema.createIndex('reports_department_state').on('reports').columns(['department_id', 'state_kind', 'created_at']).execute()
  await db.schema.createIndex('reports_public').on('reports').columns(['state_kind', 'created_at']).execute()
  await db.schema.createIndex('reports_category').on('reports').columns(['category_id', 'state_kind']).execute()
  await db.schema.createIndex('reports_area').on('reports').columns(['area_id', 'created_at']).execute()
  await db.schema.createIndex('reports_district').on('reports').columns(['district_id', 'created_at']).execute()
  await db.schema.createIndex('reports_reporter').on('reports').columns(['reporter_id']).execute()
  await db.schema.createIndex('reports_updated').on('reports').columns(['updated_at']).execute()
  await sql`create index reports_questionnaire on reports (questionnaire_due_at) where questionnaire_due_at is not null`.execute(db)
  await sql`create unique index reports_confirm_token on reports (confirm_token_hash) where confirm_token_hash is not null`.execute(db)

  // The timeline: every change to a report. Public rows are shown on the report's page and served
  // as Open311 service request updates; private rows are staff notes.
  await db.schema
    .createTable('report_updates')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.references('users.id'))
    // 'created' 'confirmed' 'state' 'update' 'note' 'category' 'priority' 'assign' 'location'
    // 'duplicate' 'questionnaire' 'photo'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    // JSON of other facts (old/new category, priority, assignee, location).
    .addColumn('details', 'text')
    // Who pushed it: 'web', 'open311' (servicerequestupdates), 'system'.
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('web'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('report_updates_report').on('report_updates').columns(['report_id', 'id']).execute()
  await db.schema.createIndex('report_updates_public_time').on('report_updates').columns(['public', 'created_at']).execute()

  await db.schema
    .createTable('report_supports')
    .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_supports_pk', ['report_id', 'user_id'])
    .execute()

  // Photos are stored as re-encoded, metadata-free variants (never the uploaded bytes).
  await db.schema
    .createTable('report_photos')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('report_id', 'integer', (c) => c.references('reports.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    // A photo is uploaded before its report exists; the form carries "id.key" so nobody else can
    // attach it. Unattached photos are deleted after a day.
    .addColumn('upload_key', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('report_photos_report').on('report_photos').columns(['report_id', 'position']).execute()
  await db.schema
    .createTable('report_photo_variants')
    .addColumn('photo_id', 'integer', (c) => c.notNull().references('report_photos.id').onDelete('cascade'))
    .addColumn('size', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_photo_variants_pk', ['photo_id', 'size'])
    .execute()

  await db.schema
    .createTable('response_templates')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // null: every department may use it.
    .addColumn('department_id', 'integer', (c) => c.references('departments.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    // Applied automatically when a report moves to this state (unless staff write their own update).
    .addColumn('auto_state', 'text', (c) => c.references('report_states.code'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256 (hex) of the key; the key itself is shown once.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    // A back office may push updates (servicerequestupdates) for its department's reports.
    .addColumn('department_id', 'integer', (c) => c.references('departments.id').onDelete('set null'))
    .addColumn('may_update', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute()

  // Local alerts: new reports within a radius of a point, or in an area.
  await db.schema
    .createTable('report_alerts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('radius_m', 'integer')
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('locale', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('cancelled_at', 'text')
    .execute()
  await db.schema.createIndex('report_alerts_area').on('report_alerts').columns(['area_id']).execute()

  // The questionnaire sent four weeks after a report was sent to its department.
  await db.schema
    .createTable('report_questionnaires')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    // 'fixed' | 'not_fixed'
    .addColumn('answer', 'text')
    .addColumn('comment', 'text')
    .execute()

  await sql`insert into map_kinds (kind, url_pattern, label_key, position) values ('reports', '/reports/{id}', 'reports:layer', 10)
    on conflict (kind) do update set url_pattern = excluded.url_pattern, label_key = excluded.label_key, position = excluded.position`.execute(db)
}
