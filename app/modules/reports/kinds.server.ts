import { database } from '../../lib/db.server'
import { registerDiscussable } from '../deliberation/deliberation.server'
import { registerModeratedKind } from '../moderation/moderation.server'
import { hideReport, restoreReport } from './reports.server'
import { isPublic } from './states'

/** Reports take part in discussions (under each public report) and in moderation (flag → hide). */
export function registerReportKinds() {
  registerDiscussable('report', {
    async exists(id) {
      const row = await database().db.selectFrom('reports').select('state_kind').where('id', '=', id).executeTakeFirst()
      return Boolean(row && isPublic(row.state_kind))
    },
    url: async (id) => `/reports/${id}`,
  })
  registerModeratedKind('report', {
    async describe(trx, id) {
      const row = await (trx ?? database().db).selectFrom('reports').select(['reporter_id', 'title', 'description', 'state_kind']).where('id', '=', id).executeTakeFirst()
      if (!row) return null
      return { authorId: row.reporter_id, excerpt: `${row.title}\n\n${row.description}`, url: `/reports/${id}`, hidden: row.state_kind === 'hidden' }
    },
    hide: hideReport,
    restore: restoreReport,
    async hideAllBy(trx, authorId) {
      const rows = await trx.selectFrom('reports').select('id').where('reporter_id', '=', authorId).where('state_kind', 'not in', ['hidden', 'unconfirmed']).execute()
      for (const row of rows) await hideReport(trx, row.id)
      return rows.length
    },
  })
}
