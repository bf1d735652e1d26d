import { database } from '../../lib/db.server'

/** An area's name by id (a person's home area, a verified residence), or null. */
export async function areaNameById(id: number): Promise<string | null> {
  return (await database().db.selectFrom('areas').select('name').where('id', '=', id).executeTakeFirst())?.name ?? null
}

/** An area's id by its slug (a filter in an address), or null. */
export async function areaIdBySlug(slug: string): Promise<number | null> {
  return (await database().db.selectFrom('areas').select('id').where('slug', '=', slug).executeTakeFirst())?.id ?? null
}
