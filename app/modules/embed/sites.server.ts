import { database, nowIso } from '../../lib/db.server'
import { forgetEmbedOrigins } from './allowed-origins.server'
import { recordAudit } from '../moderation/moderation.server'
import { normaliseOrigin, type OriginProblem } from './origins'

/**
 * The sites allowed to embed widgets: the only code that writes `embed_sites`. The HTTP layer
 * lists exactly these origins (plus Plaza's own) in the frame-ancestors CSP of /embed/* pages.
 * Reading the list for the CSP: allowed-origins.server.ts.
 */

export const NOTE_MAX = 200

export interface EmbedSite {
  id: number
  origin: string
  note: string
  createdAt: string
  createdBy: string | null
}

export async function listEmbedSites(): Promise<EmbedSite[]> {
  const rows = await database()
    .db.selectFrom('embed_sites as s')
    .leftJoin('users as u', 'u.id', 's.created_by')
    .select(['s.id', 's.origin', 's.note', 's.created_at as createdAt', 'u.display_name as createdBy'])
    .orderBy('s.origin')
    .execute()
  return rows
}

export type AddSiteResult = { kind: 'added'; site: { id: number; origin: string } } | { kind: 'invalid'; problem: OriginProblem } | { kind: 'duplicate'; origin: string } | { kind: 'noteTooLong' }

/** Adds an allowed site (audited as embed.site.add). */
export async function addEmbedSite(actorId: number, input: { origin: string; note?: string }): Promise<AddSiteResult> {
  const parsed = normaliseOrigin(input.origin)
  if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem }
  const note = (input.note ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  if (note.length > NOTE_MAX) return { kind: 'noteTooLong' }
  const result = await database().write(async (trx) => {
    const existing = await trx.selectFrom('embed_sites').select('id').where('origin', '=', parsed.origin).executeTakeFirst()
    if (existing) return { kind: 'duplicate' as const, origin: parsed.origin }
    const row = await trx.insertInto('embed_sites').values({ origin: parsed.origin, note, created_by: actorId, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow()
    await recordAudit(trx, { actorId, action: 'embed.site.add', targetKind: 'embed_site', targetId: row.id, after: { origin: parsed.origin, note } })
    return { kind: 'added' as const, site: { id: row.id, origin: parsed.origin } }
  })
  if (result.kind === 'added') forgetEmbedOrigins()
  return result
}

export type RemoveSiteResult = { kind: 'removed'; origin: string } | { kind: 'notFound' }

/** Removes an allowed site (audited as embed.site.remove): its pages stop showing widgets. */
export async function removeEmbedSite(actorId: number, id: number): Promise<RemoveSiteResult> {
  const result = await database().write(async (trx) => {
    const site = await trx.selectFrom('embed_sites').select(['id', 'origin', 'note']).where('id', '=', id).executeTakeFirst()
    if (!site) return { kind: 'notFound' as const }
    await trx.deleteFrom('embed_sites').where('id', '=', id).execute()
    await recordAudit(trx, { actorId, action: 'embed.site.remove', targetKind: 'embed_site', targetId: id, before: { origin: site.origin, note: site.note } })
    return { kind: 'removed' as const, origin: site.origin }
  })
  if (result.kind === 'removed') forgetEmbedOrigins()
  return result
}

export { embedOrigins, forgetEmbedOrigins } from './allowed-origins.server'
