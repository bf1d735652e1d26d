import { database } from '../../lib/db.server'
import { registerDataExporter } from '../accounts/accounts.server'
import { registerDiscussable } from '../deliberation/deliberation.server'
import { registerModeratedKind } from '../moderation/moderation.server'
import { registerFollowable } from '../notifications/notify.server'
import { hideProposal, proposalDataOf, restoreProposal } from './proposals.server'
import { isPublicState } from './states'

/**
 * Proposals take part in discussions (under each public proposal: the deliberation), in moderation
 * (flag → hide; restore returns the proposal to the state its dates say) and in a person's data
 * export (their proposals and supports).
 */
export function registerProposalKinds() {
  registerDiscussable('proposal', {
    async exists(id) {
      const row = await database().db.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirst()
      return Boolean(row && isPublicState(row.state))
    },
    url: async (id) => `/proposals/${id}`,
  })
  registerModeratedKind('proposal', {
    async describe(trx, id) {
      const row = await (trx ?? database().db).selectFrom('proposals').select(['author_id', 'title', 'summary', 'state']).where('id', '=', id).executeTakeFirst()
      // A draft is nobody's business but its author's: to moderation it does not exist.
      if (!row || row.state === 'draft') return null
      return { authorId: row.author_id, excerpt: `${row.title}\n\n${row.summary}`, url: `/proposals/${id}`, hidden: row.state === 'hidden' }
    },
    hide: hideProposal,
    restore: restoreProposal,
    async hideAllBy(trx, authorId) {
      const rows = await trx.selectFrom('proposals').select('id').where('author_id', '=', authorId).where('state', 'not in', ['hidden', 'draft']).execute()
      for (const row of rows) await hideProposal(trx, row.id)
      return rows.length
    },
  })
  registerDataExporter('proposals', proposalDataOf)
  registerFollowable('proposal', async (db, id) => {
    const row = await db.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirst()
    return row !== undefined && isPublicState(row.state)
  })
}
