import { database } from '../../lib/db.server'
import { registerDiscussable } from './deliberation.server'

// Districts and neighbourhoods have a discussion of their own (a neighbourhood forum).
export const registerAreaDiscussions = () =>
  registerDiscussable('area', {
    async exists(id) {
      return Boolean(await database().db.selectFrom('areas').select('id').where('id', '=', id).where('level', '!=', 'city').executeTakeFirst())
    },
    async url(id) {
      const row = await database().db.selectFrom('areas').select('slug').where('id', '=', id).executeTakeFirst()
      return row ? `/areas/${row.slug}` : '/'
    },
  })
