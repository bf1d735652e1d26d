import { sql, type Kysely } from 'kysely'

/**
 * Issue 17 (ADR 139): reverse geocoding reads an in-memory grid of the address points
 * (app/modules/basemap/search.server.ts), so the R*Tree of address points (a plain table with a GiST
 * index on PostgreSQL) is no longer read; the import stopped writing it, and it goes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS basemap_address_rtree`.execute(db)
}
