import { database } from '../../lib/db.server'
import { registerDataExporter } from '../accounts/accounts.server'
import { registerDiscussable } from '../deliberation/deliberation.server'
import { registerModeratedKind } from '../moderation/moderation.server'
import { registerFollowable } from '../notifications/notify.server'
import { hidePetition, petitionDataOf, petitionUrl, restorePetition } from './petitions.server'
import { isPublicState } from './states'

/**
 * Petitions take part in discussions (under each published petition), in moderation (flag → hide;
 * restore returns it to open or closed as its dates say) and in a person's data export. The map
 * layer 'petitions' is registered by migration 0017.
 */
export function registerPetitionKinds() {
  registerDiscussable('petition', {
    async exists(id) {
      const row = await database().db.selectFrom('petitions').select('state').where('id', '=', id).executeTakeFirst()
      return Boolean(row && isPublicState(row.state))
    },
    url: async (id) => petitionUrl(id),
  })
  registerModeratedKind('petition', {
    async describe(trx, id) {
      const row = await (trx ?? database().db).selectFrom('petitions').select(['author_id', 'title', 'action', 'state']).where('id', '=', id).executeTakeFirst()
      // Only published petitions (and hidden ones) are moderation's: drafts and the queue are not flags' business.
      if (!row || !(isPublicState(row.state) || row.state === 'hidden')) return null
      return { authorId: row.author_id, excerpt: `${row.title}\n\n${row.action}`, url: petitionUrl(id), hidden: row.state === 'hidden' }
    },
    hide: hidePetition,
    restore: restorePetition,
    async hideAllBy(trx, authorId) {
      const rows = await trx.selectFrom('petitions').select('id').where('author_id', '=', authorId).where('state', 'in', ['open', 'closed']).execute()
      for (const row of rows) await hidePetition(trx, row.id)
      return rows.length
    },
  })
  registerDataExporter('petitions', petitionDataOf)
  registerFollowable('petition', async (db, id) => {
    const row = await db.selectFrom('petitions').select('state').where('id', '=', id).executeTakeFirst()
    return row !== undefined && isPublicState(row.state)
  })
}
