import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database, nowIso } from '../../lib/db.server'
import { FEED_SIZE, type Feed, type FeedEntry } from '../../lib/feed'
import { isLocale, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { queueMail } from '../../lib/mail/outbox.server'
import { registerDataset } from '../opendata/datasets.server'
import { keysetPage } from '../../lib/paged-export'
import { displayStatus } from './states'

/**
 * FOI in public beyond its pages (issue 22): following a request or a body (foi_follows; mail on
 * a new answer, a change of status, a new request to a followed body), the RSS/Atom feeds of the
 * newest requests (all, or one body's), and the open-data dataset `information-requests`.
 * Only public requests (not taken down) appear; never the requester's e-mail.
 */

const base = () => config().PUBLIC_URL.replace(/\/$/, '')
const today = () => new Date().toISOString().slice(0, 10)

// ---------------------------------------------------------------- following

export type FollowKind = 'request' | 'body'

export async function isFollowing(userId: number, kind: FollowKind, id: number): Promise<boolean> {
  const row = await database().db.selectFrom('foi_follows').select('user_id').where('user_id', '=', userId).where('target_kind', '=', kind).where('target_id', '=', id).executeTakeFirst()
  return row !== undefined
}

/** Follows (or stops following) a public request or an active body; false when there is none. */
export async function setFollowing(userId: number, kind: FollowKind, id: number, on: boolean): Promise<boolean> {
  return database().write(async (trx) => {
    const exists =
      kind === 'request'
        ? await trx.selectFrom('foi_requests').select('id').where('id', '=', id).where('hidden', '=', 0).executeTakeFirst()
        : await trx.selectFrom('foi_bodies').select('id').where('id', '=', id).where('active', '=', 1).executeTakeFirst()
    if (!exists) return false
    if (on)
      await trx
        .insertInto('foi_follows')
        .values({ user_id: userId, target_kind: kind, target_id: id, created_at: nowIso() })
        .onConflict((oc) => oc.doNothing())
        .execute()
    else await trx.deleteFrom('foi_follows').where('user_id', '=', userId).where('target_kind', '=', kind).where('target_id', '=', id).execute()
    return true
  })
}

export type FoiEvent = 'answer' | 'status' | 'request'

/**
 * Inside the write where it happened: one mail to each follower of the request or of its body
 * (each person once; not the one who did it). Returns how many were told.
 */
export async function notifyFoiFollowers(
  trx: Transaction<Database>,
  e: { requestId: number; bodyId: number; title: string; event: FoiEvent; status?: string; actorUserId?: number | null },
): Promise<number> {
  const followers = await trx
    .selectFrom('foi_follows as f')
    .innerJoin('users as u', 'u.id', 'f.user_id')
    .select(['u.id', 'u.email', 'u.locale'])
    .where((eb) => eb.or([eb.and([eb('f.target_kind', '=', 'request'), eb('f.target_id', '=', e.requestId)]), eb.and([eb('f.target_kind', '=', 'body'), eb('f.target_id', '=', e.bodyId)])]))
    .execute()
  const seen = new Set<number>()
  let told = 0
  for (const f of followers) {
    if (seen.has(f.id) || f.id === e.actorUserId || !f.email) continue
    seen.add(f.id)
    const locale: Locale = isLocale(f.locale) ? f.locale : (cityDefaultLocale() as Locale)
    const t = translator(locale)
    const status = e.status ? t(`foi:status.${e.status}`) : ''
    await queueMail(trx, {
      kind: 'foi.follow',
      to: f.email,
      subject: t(`foi:follow.mail.${e.event}Subject`, { title: e.title, status }).slice(0, 250),
      text: t(`foi:follow.mail.${e.event}Text`, { title: e.title, status, url: `${base()}/information-requests/${e.requestId}` }),
    })
    told++
  }
  return told
}

// ---------------------------------------------------------------- feeds

/** The newest public requests (of one body when `bodyId`), as a feed. Null when the body does not exist. */
export async function requestsFeed(locale: string, self: string, t: (key: string, values?: Record<string, unknown>) => string, bodyId?: number): Promise<Feed | null> {
  const { db } = database()
  let bodyName: string | null = null
  if (bodyId !== undefined) {
    const body = await db.selectFrom('foi_bodies').select('name').where('id', '=', bodyId).where('active', '=', 1).executeTakeFirst()
    if (!body) return null
    bodyName = localize(body.name, locale, cityDefaultLocale())
  }
  let q = db
    .selectFrom('foi_requests as r')
    .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
    .select(['r.id', 'r.title', 'r.status', 'r.due_on', 'r.long_overdue_on', 'r.sent_at', 'r.last_message_at', 'b.name'])
    .where('r.hidden', '=', 0)
  if (bodyId !== undefined) q = q.where('r.body_id', '=', bodyId)
  const rows = await q.orderBy('r.sent_at', 'desc').orderBy('r.id', 'desc').limit(FEED_SIZE).execute()
  const day = today()
  const entries: FeedEntry[] = rows.map((r) => {
    const status = displayStatus(r.status, r.due_on, r.long_overdue_on, day)
    return {
      link: `${base()}/information-requests/${r.id}`,
      title: r.title,
      text: t('foi:feed.entry', { body: localize(r.name, locale, cityDefaultLocale()), status: t(`foi:status.${status}`) }),
      published: r.sent_at,
      updated: r.last_message_at,
      categories: [status],
    }
  })
  return {
    title: bodyName ? t('foi:feed.bodyTitle', { body: bodyName }) : t('foi:feed.title'),
    description: t('foi:feed.description'),
    link: bodyId !== undefined ? `${base()}/bodies/${bodyId}` : `${base()}/information-requests`,
    self,
    language: locale,
    author: 'Plaza',
    entries,
  }
}

// ---------------------------------------------------------------- the open-data dataset

export function registerFoiDataset() {
  registerDataset({
    name: 'information-requests',
    geometry: 'none',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'string' },
      { name: 'body', type: 'string' },
      { name: 'body_id', type: 'integer' },
      { name: 'law', type: 'string' },
      { name: 'status', type: 'string' },
      { name: 'sent_at', type: 'datetime' },
      { name: 'due_on', type: 'date' },
      { name: 'answers', type: 'integer' },
      { name: 'last_message_at', type: 'datetime' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const rows = await database()
        .db.selectFrom('foi_requests as r')
        .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
        .select((eb) => [
          'r.id',
          'r.title',
          'b.slug',
          'r.body_id',
          'r.law',
          'r.status',
          'r.due_on',
          'r.long_overdue_on',
          'r.sent_at',
          'r.last_message_at',
          eb
            .selectFrom('foi_messages as m')
            .select((m) => m.fn.countAll().as('n'))
            .whereRef('m.request_id', '=', 'r.id')
            .where('m.direction', '=', 'in')
            .as('answers'),
        ])
        .where('r.hidden', '=', 0)
        .$call((q) => keysetPage(q, 'r.id', after, limit))
        .execute()
      const day = today()
      return rows.map((r) => ({
        key: r.id,
        point: null,
        row: {
          id: r.id,
          title: r.title,
          body: r.slug,
          body_id: r.body_id,
          law: r.law,
          status: displayStatus(r.status, r.due_on, r.long_overdue_on, day),
          sent_at: r.sent_at,
          due_on: r.due_on,
          answers: Number(r.answers ?? 0),
          last_message_at: r.last_message_at,
          url: `${base()}/information-requests/${r.id}`,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('foi_requests')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('hidden', '=', 0)
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })
}
