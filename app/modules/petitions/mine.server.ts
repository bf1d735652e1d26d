import type { PetitionState, SignatureStatus } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { offsetOf, PAGE_SIZE, type Page } from '../../lib/paging'

export interface MyPetition {
  id: number
  title: string
  state: PetitionState
  signatures: number
  createdAt: string
}

/** The petitions a person started, newest first, with where each stands. */
export async function petitionsStartedBy(userId: number, page: number): Promise<Page<MyPetition>> {
  const { db } = database()
  // One filter for the page and its count.
  const mine = db.selectFrom('petitions').where('author_id', '=', userId)
  const [rows, count] = await Promise.all([
    mine.select(['id', 'title', 'state', 'signature_count', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(PAGE_SIZE).offset(offsetOf(page)).execute(),
    mine.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ])
  return { items: rows.map((r) => ({ id: r.id, title: r.title, state: r.state, signatures: Number(r.signature_count), createdAt: r.created_at })), total: Number(count.n) }
}

/**
 * What the signer may know of a signature: the fraud rules' hold and block are never revealed to
 * them (the confirmation page answers the same), so both read as signed.
 */
export type MySignatureStatus = 'pending' | 'signed' | 'invalidated'
const shownStatus = (status: SignatureStatus): MySignatureStatus => (status === 'pending' ? 'pending' : status === 'invalidated' ? 'invalidated' : 'signed')

export interface MySignature {
  petitionId: number
  title: string
  petitionState: PetitionState
  status: MySignatureStatus
  sponsor: boolean
  createdAt: string
}

/** The petitions a person signed while logged in (sponsor signatures included), newest first. */
export async function signaturesBy(userId: number, page: number): Promise<Page<MySignature>> {
  const { db } = database()
  const [rows, count] = await Promise.all([
    db
      .selectFrom('petition_signatures as s')
      .innerJoin('petitions as p', 'p.id', 's.petition_id')
      .select(['s.petition_id', 'p.title', 'p.state', 's.status', 's.sponsor', 's.created_at'])
      .where('s.user_id', '=', userId)
      .orderBy('s.created_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(PAGE_SIZE)
      .offset(offsetOf(page))
      .execute(),
    db
      .selectFrom('petition_signatures')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
  ])
  return {
    items: rows.map((r) => ({ petitionId: r.petition_id, title: r.title, petitionState: r.state, status: shownStatus(r.status), sponsor: Number(r.sponsor) === 1, createdAt: r.created_at })),
    total: Number(count.n),
  }
}
