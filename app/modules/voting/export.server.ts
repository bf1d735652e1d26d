import type { VotingMethod } from '../../../db/schema'
import { csvHeader, csvRows } from '../../lib/csv'
import { database } from '../../lib/db.server'
import { pagedExport } from '../../lib/paged-export'
import { processForVoter } from './voter-view.server'

/**
 * What leaves the module as data: the anonymised ballot list (CSV or JSON, streamed) once a
 * process is closed, and a person's own ballots and delegations for their data export.
 */

export interface PublishedBallot {
  receipt: string
  castAt: string
  /** Milli-weight: 1000 is one full vote. */
  weight: number
  choices: string
  counted: boolean
  prevHash: string
  hash: string
}

/** Pages of the anonymised ballot list in chain order (no voter ids, ever). */
export async function publishedBallots(processId: number, afterId: number, limit: number): Promise<{ rows: PublishedBallot[]; lastId: number }> {
  const rows = await database()
    .db.selectFrom('ballots')
    .select(['id', 'receipt', 'cast_at', 'weight', 'choices', 'replaced_at', 'prev_hash', 'hash'])
    .where('process_id', '=', processId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute()
  return {
    rows: rows.map((r) => ({ receipt: r.receipt, castAt: r.cast_at, weight: r.weight, choices: r.choices, counted: r.replaced_at === null, prevHash: r.prev_hash, hash: r.hash })),
    lastId: rows.length ? rows[rows.length - 1]!.id : afterId,
  }
}

const LIST_PAGE = 5000

/** The ballot list's CSV columns, in file order (LF line ends, no byte-order mark: read by programs). */
export const BALLOT_CSV_COLUMNS = ['receipt', 'cast_at', 'weight', 'choices', 'counted', 'prev_hash', 'hash'] as const
const CSV_FORMAT = { bom: false, newline: '\n' } as const

const csvValues = (r: PublishedBallot) => [r.receipt, r.castAt, r.weight, r.choices, r.counted, r.prevHash, r.hash]

function jsonBallot(r: PublishedBallot): string {
  let choices: unknown
  try {
    choices = JSON.parse(r.choices)
  } catch {
    choices = r.choices
  }
  return JSON.stringify({ receipt: r.receipt, castAt: r.castAt, weight: r.weight, choices, counted: r.counted, prevHash: r.prevHash, hash: r.hash })
}

function jsonHead(process: { id: number; title: string; method: VotingMethod; chainHead: string }): string {
  return (
    `{"process":${process.id},"title":${JSON.stringify(process.title)},"method":${JSON.stringify(process.method)},"chainHead":${JSON.stringify(process.chainHead)},` +
    `"weightUnit":"thousandths: 1000 is one full vote",` +
    `"hash":"SHA-256 (hex) of prev_hash, a newline and the canonical JSON (keys sorted, no spaces) of {castAt, choices, process, receipt, weight}; the first prev_hash is 64 zeros",` +
    `"ballots":[`
  )
}

/**
 * The published ballot list as a stream (app/lib/paged-export.ts), in chain order, a page of rows
 * at a time: CSV (app/lib/csv.ts), or JSON with what a person needs to recompute every hash.
 * Anonymised: receipt, choices, weight (thousandths, as hashed), time, whether it counts (false:
 * replaced by the same voter's later ballot) and the two hashes — never who cast it.
 */
export function ballotListStream(process: { id: number; title: string; method: VotingMethod; chainHead: string }, format: 'csv' | 'json', pageSize = LIST_PAGE): ReadableStream<Uint8Array> {
  if (format === 'csv') {
    return pagedExport({
      name: `votes:${process.id}:ballots.csv`,
      start: 0,
      head: () => csvHeader(BALLOT_CSV_COLUMNS, CSV_FORMAT),
      page: async (after) => {
        const { rows, lastId } = await publishedBallots(process.id, after, pageSize)
        return { text: csvRows(rows.map(csvValues), CSV_FORMAT.newline), next: lastId, last: rows.length < pageSize }
      },
    })
  }
  let wrote = false
  return pagedExport({
    name: `votes:${process.id}:ballots.json`,
    start: 0,
    head: () => jsonHead(process),
    page: async (after) => {
      const { rows, lastId } = await publishedBallots(process.id, after, pageSize)
      let text = ''
      for (const r of rows) {
        text += `${wrote ? ',' : ''}\n${jsonBallot(r)}`
        wrote = true
      }
      return { text, next: lastId, last: rows.length < pageSize }
    },
    tail: () => '\n]}\n',
  })
}

export type BallotList = { kind: 'notFound' } | { kind: 'notYet' } | { kind: 'ok'; stream: ReadableStream<Uint8Array> }

/**
 * The ballot list of a visible process: not found, not yet (ballots are published only once nobody
 * can vote any more), or the stream. The HTTP answer is app/http/votes.server.ts's.
 */
export async function ballotList(id: number, format: 'csv' | 'json'): Promise<BallotList> {
  const view = await processForVoter(id, null)
  if (!view) return { kind: 'notFound' }
  if (view.phase !== 'closed' && view.phase !== 'published') return { kind: 'notYet' }
  const process = view.process
  return { kind: 'ok', stream: ballotListStream({ id, title: process.title, method: process.method, chainHead: process.chainHead }, format) }
}

/** What the person's data export holds of voting: their ballots and the delegations they gave. */
export async function votingDataOf(userId: number) {
  const { db } = database()
  const [ballots, delegations] = await Promise.all([
    db.selectFrom('ballots').select(['process_id', 'receipt', 'choices', 'weight', 'cast_at', 'replaced_at']).where('voter_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('delegations').select(['to_id', 'scope', 'created_at', 'revoked_at']).where('from_id', '=', userId).orderBy('id').execute(),
  ])
  return {
    ballots: ballots.map((b) => ({ processId: b.process_id, receipt: b.receipt, choices: JSON.parse(b.choices) as unknown, weight: b.weight / 1000, castAt: b.cast_at, replacedAt: b.replaced_at })),
    delegations: delegations.map((d) => ({ toUserId: d.to_id, scope: d.scope, createdAt: d.created_at, revokedAt: d.revoked_at })),
  }
}
