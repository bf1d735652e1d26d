import type { Kysely } from 'kysely'

// Hot scores read the last week's supports; the percentage threshold counts the census by age.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('proposal_supports_time').on('proposal_supports').columns(['created_at']).execute()
  await db.schema.createIndex('census_records_birth').on('census_records').columns(['birth_date']).execute()
}
