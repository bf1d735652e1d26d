import type { ProposalState } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { offsetOf, PAGE_SIZE, type Page } from '../../lib/paging'

export interface MyProposal {
  id: number
  title: string
  state: ProposalState
  supports: number
  createdAt: string
}

/** The proposals a person wrote, newest first, with where each stands. */
export async function proposalsWrittenBy(userId: number, page: number): Promise<Page<MyProposal>> {
  const { db } = database()
  // One filter for the page and its count.
  const mine = db.selectFrom('proposals').where('author_id', '=', userId)
  const [rows, count] = await Promise.all([
    mine.select(['id', 'title', 'state', 'supports', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(PAGE_SIZE).offset(offsetOf(page)).execute(),
    mine.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ])
  return { items: rows.map((r) => ({ id: r.id, title: r.title, state: r.state, supports: Number(r.supports), createdAt: r.created_at })), total: Number(count.n) }
}

/** The proposals a person supports, most recent support first. */
export async function supportsBy(userId: number, page: number): Promise<Page<MyProposal>> {
  const { db } = database()
  const [rows, count] = await Promise.all([
    db
      .selectFrom('proposal_supports as s')
      .innerJoin('proposals as p', 'p.id', 's.proposal_id')
      .select(['p.id', 'p.title', 'p.state', 'p.supports', 's.created_at'])
      .where('s.user_id', '=', userId)
      .orderBy('s.created_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(PAGE_SIZE)
      .offset(offsetOf(page))
      .execute(),
    db
      .selectFrom('proposal_supports')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
  ])
  return { items: rows.map((r) => ({ id: r.id, title: r.title, state: r.state, supports: Number(r.supports), createdAt: r.created_at })), total: Number(count.n) }
}
