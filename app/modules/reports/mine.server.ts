import { database } from '../../lib/db.server'
import { offsetOf, PAGE_SIZE, type Page } from '../../lib/paging'

export interface MyReport {
  id: number
  title: string
  state: string
  stateKind: string
  createdAt: string
}

/** The reports a person filed while logged in, newest first (their account's "my reports"). */
export async function reportsFiledBy(userId: number, page: number): Promise<Page<MyReport>> {
  const { db } = database()
  // One filter for the page and its count.
  const mine = db.selectFrom('reports').where('reporter_id', '=', userId)
  const [rows, count] = await Promise.all([
    mine.select(['id', 'title', 'state', 'state_kind', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(PAGE_SIZE).offset(offsetOf(page)).execute(),
    mine.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ])
  return { items: rows.map((r) => ({ id: r.id, title: r.title, state: r.state, stateKind: r.state_kind, createdAt: r.created_at })), total: Number(count.n) }
}
