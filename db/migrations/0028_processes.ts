import { sql, type Kysely } from 'kysely'

/**
 * Issue 21: participatory processes (phases with dates, each turning on components), the budget
 * cycle's projects and supports, accountability results with milestones and their history, and
 * surveys. Every table here is written by app/modules/processes (docs/processes.md, ADR 124).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('participatory_processes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    // Localized JSON {"en":…,"es":…,"fr":…} (app/lib/localized.ts).
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('set null'))
    .addColumn('image_id', 'integer')
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    // The budget vote (voting_processes, written by app/modules/voting) this process's ballot is.
    .addColumn('budget_vote_id', 'integer', (c) => c.references('voting_processes.id').onDelete('set null'))
    // Money in cents: the city pot, and each district pot as JSON {"<areaId>": cents}.
    .addColumn('city_budget', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('district_budgets', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('EUR'))
    // The phase whose start followers were last told of (the phase-change job).
    .addColumn('announced_phase_id', 'integer')
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('process_phases')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.notNull().references('participatory_processes.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    // JSON: the components this phase turns on and their rules (app/modules/processes/phases.ts).
    .addColumn('components', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
  await sql`create index process_phases_process on process_phases (process_id, starts_at)`.execute(db)

  await db.schema
    .createTable('process_follows')
    .addColumn('process_id', 'integer', (c) => c.notNull().references('participatory_processes.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('process_follows_pk', ['process_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('process_projects')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.notNull().references('participatory_processes.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('estimated_cost', 'integer', (c) => c.notNull())
    // The district whose pot it asks money from (null: the city's pot).
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('set null'))
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('image_id', 'integer')
    // submitted → feasible | unfeasible; feasible → selected | not_selected once the vote is published.
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('submitted', 'feasible', 'unfeasible', 'selected', 'not_selected', 'withdrawn')`))
    .addColumn('supports', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('feasibility_reason', 'text')
    .addColumn('final_cost', 'integer')
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reviewed_at', 'text')
    .addColumn('votes', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  // The process page: projects by supports (keyset), and the count per state.
  await sql`create index process_projects_list on process_projects (process_id, supports desc, id)`.execute(db)
  await sql`create index process_projects_state on process_projects (process_id, state)`.execute(db)

  await db.schema
    .createTable('process_project_supports')
    .addColumn('project_id', 'integer', (c) => c.notNull().references('process_projects.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('process_project_supports_pk', ['project_id', 'user_id'])
    .execute()

  // Images of processes, projects and milestones: the variants app/lib/images.server.ts prepares.
  await db.schema
    .createTable('process_images')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_kind', 'text', (c) => c.notNull().check(sql`owner_kind in ('process', 'project', 'milestone')`))
    .addColumn('owner_id', 'integer')
    .addColumn('size', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index process_images_owner on process_images (owner_kind, owner_id)`.execute(db)

  await db.schema
    .createTable('results')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.references('participatory_processes.id').onDelete('set null'))
    .addColumn('source_kind', 'text', (c) => c.notNull().check(sql`source_kind in ('project', 'proposal', 'petition')`))
    .addColumn('source_id', 'integer', (c) => c.notNull())
    .addColumn('vote_id', 'integer')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('area_id', 'integer', (c) => c.references('areas.id').onDelete('set null'))
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('planned', 'in_progress', 'done', 'cancelled')`))
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('budget', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('spent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('results_source', ['source_kind', 'source_id'])
    .execute()
  // /results: newest change first (keyset), and by status.
  await sql`create index results_list on results (updated_at desc, id desc)`.execute(db)
  await sql`create index results_status on results (status, updated_at desc, id desc)`.execute(db)
  // Covers the summary per area.
  await sql`create index results_area on results (area_id, status, progress, budget, spent)`.execute(db)
  await sql`create index results_process on results (process_id, status)`.execute(db)

  await db.schema
    .createTable('result_milestones')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('result_id', 'integer', (c) => c.notNull().references('results.id').onDelete('cascade'))
    .addColumn('happened_on', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('image_id', 'integer')
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await sql`create index result_milestones_result on result_milestones (result_id, happened_on)`.execute(db)

  // Every change to a result, dated and kept: what changed, from what, to what, by whom.
  await db.schema
    .createTable('result_changes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('result_id', 'integer', (c) => c.notNull().references('results.id').onDelete('cascade'))
    .addColumn('changed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text', (c) => c.notNull())
    .execute()
  await sql`create index result_changes_result on result_changes (result_id, id)`.execute(db)

  // Surveys: questions as JSON (app/modules/processes/survey.ts); one answer per person.
  await db.schema
    .createTable('process_surveys')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.notNull().references('participatory_processes.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('questions', 'text', (c) => c.notNull())
    .addColumn('required_level', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('survey_responses')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('survey_id', 'integer', (c) => c.notNull().references('process_surveys.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('answers', 'text', (c) => c.notNull())
    // Free text is shown only once a moderator publishes it.
    .addColumn('text_state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`text_state in ('none', 'pending', 'published', 'rejected')`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('survey_responses_once', ['survey_id', 'user_id'])
    .execute()
}
