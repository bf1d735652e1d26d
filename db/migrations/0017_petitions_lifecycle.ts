import { type Kysely, sql } from 'kysely'

// Petitions' lifecycle (issue 8): the map layer, and the mailings that tell signers about the
// council's response and the debate. A mailing row is written in the same transaction as the
// response (or debate) it announces; a job then queues its e-mails in batches, each batch in one
// write that also moves the cursor, so every signer gets the mail exactly once even if the process
// stops half-way (the next run carries on from the cursor).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`insert into map_kinds (kind, url_pattern, label_key, position) values ('petitions', '/petitions/{id}', 'petitions:layer', 30)
    on conflict (kind) do update set url_pattern = excluded.url_pattern, label_key = excluded.label_key`.execute(db)
  await db.schema
    .createTable('petition_mailings')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('petition_id', 'integer', (c) => c.notNull().references('petitions.id'))
    // 'response' 'debate_scheduled' 'debate_outcome'
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('response', 'debate_scheduled', 'debate_outcome')`))
    // Signatures with an id above this one are still to be mailed.
    .addColumn('last_signature_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('queued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute()
  await sql`create index petition_mailings_unfinished on petition_mailings (id) where finished_at is null`.execute(db)
  // The council's list and the moderation queue read petitions by state and submission.
  await db.schema.createIndex('petitions_submitted').on('petitions').columns(['state', 'submitted_at']).execute()
}
