import type { LetterStatus } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { offsetOf, PAGE_SIZE, type Page } from '../../lib/paging'
import { areaSlugOf, letterToken, statusPath } from './letters.server'

export interface MyLetter {
  subject: string
  status: LetterStatus
  /** The letter's status page (the same link its mails carry). */
  href: string
  createdAt: string
}

/** The letters a person wrote while logged in, newest first, each with its status page. */
export async function lettersWrittenBy(userId: number, page: number): Promise<Page<MyLetter>> {
  const { db } = database()
  // One filter for the page and its count.
  const mine = db.selectFrom('letters').where('sender_user_id', '=', userId)
  const [rows, count] = await Promise.all([
    mine.select(['id', 'subject', 'status', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(PAGE_SIZE).offset(offsetOf(page)).execute(),
    mine.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ])
  const items = await Promise.all(rows.map(async (r) => ({ subject: r.subject, status: r.status, href: statusPath(await letterToken(r.id)), createdAt: r.created_at })))
  return { items, total: Number(count.n) }
}

/**
 * What Plaza already knows of a sender who is logged in: the postal address of their last letter
 * (if it was not erased) and the slug of their home district, to fill in a new letter (issue 18).
 */
export async function knownSender(userId: number, homeAreaId: number | null): Promise<{ address: string | null; areaSlug: string | null }> {
  const [last, areaSlug] = await Promise.all([
    database()
      .db.selectFrom('letters')
      .select('sender_address')
      .where('sender_user_id', '=', userId)
      .where('sender_address', '!=', '')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst(),
    homeAreaId ? areaSlugOf(homeAreaId) : Promise.resolve(null),
  ])
  return { address: last?.sender_address ?? null, areaSlug }
}
