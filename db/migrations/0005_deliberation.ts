import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('comments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // What the discussion is about: any content kind, e.g. ('area', 12), ('proposal', 7).
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('root_id', 'integer')
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('body_md', 'text', (c) => c.notNull())
    // Rendered once on write by renderMarkdown (sanitised); pages never render user Markdown again.
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('stance', 'text', (c) =>
      c
        .notNull()
        .defaultTo('neutral')
        .check(sql`stance in ('for', 'neutral', 'against')`),
    )
    // visible | pending (pre-moderation) | hidden (moderation)
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('visible')
        .check(sql`status in ('visible', 'pending', 'hidden')`),
    )
    .addColumn('helpful', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unhelpful', 'integer', (c) => c.notNull().defaultTo(0))
    // Wilson score lower bound of helpful / (helpful + unhelpful) at 95%: the "best" order.
    .addColumn('score', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('replies', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('descendants', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('edited_at', 'text')
    .addColumn('deleted_at', 'text')
    .execute()
  await db.schema.createIndex('comments_thread_best').on('comments').columns(['target_kind', 'target_id', 'parent_id', 'score', 'id']).execute()
  await db.schema.createIndex('comments_thread_time').on('comments').columns(['target_kind', 'target_id', 'parent_id', 'id']).execute()
  await db.schema.createIndex('comments_parent').on('comments').columns(['parent_id', 'score']).execute()
  // Covers the counts shown above a discussion (total, top-level, by stance) without reading rows.
  await db.schema.createIndex('comments_counts').on('comments').columns(['target_kind', 'target_id', 'status', 'parent_id', 'stance']).execute()
  await db.schema.createIndex('comments_author').on('comments').columns(['author_id', 'created_at']).execute()

  await db.schema
    .createTable('comment_votes')
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('value', 'integer', (c) => c.notNull().check(sql`value in (-1, 1)`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('comment_votes_pk', ['comment_id', 'user_id'])
    .execute()
}
