import { database, databaseFault } from '../../lib/db.server'
import { writeQueue } from '../../lib/write-queue'
import { statements, type Statements } from '../../lib/db/statements'
import type { MilliWeight } from './arithmetic'
import { ballotHash, canonicalJson, hashedBallot, receiptCode, type ChainValue } from './chain'
import { validateBallot, type Choices, type Refusal } from './methods'
import { areaChain, areaIndex, castingRow, eligibility, isOpen, time, toInfo, voterFacts, type EligibilityRefusal, type ProcessInfo } from './process-info.server'
import { addContributions, tallyContributions, type TallyMap } from './tally.server'

/**
 * Casting a ballot: one write marks the voter's previous ballot replaced, appends the new one to
 * the hash chain, moves the chain head and updates the running tallies. The HTTP side (the form
 * post answered before Remix) is app/http/votes.server.ts.
 */

// ---------------------------------------------------------------------------------------------
// Casting
// ---------------------------------------------------------------------------------------------

export type CastRefusal = { code: 'notOpen'; when: 'before' | 'after'; opensAt: string; closesAt: string } | EligibilityRefusal | { code: 'unknownVoter' } | Refusal

export type CastResult = { kind: 'cast'; receipt: string; ballotId: number; weight: MilliWeight; replaced: boolean } | { kind: 'refused'; refusals: CastRefusal[] } | { kind: 'notFound' }

/**
 * The cast's five statements, through the statements adapter (app/lib/db/statements.ts): on SQLite
 * prepared once per connection and run on the write connection inside write(fn), so inside its
 * transaction (and savepoint), exactly as `trx` would run them — Kysely prepares every statement
 * anew, which at a thousand casts a second costs more than the statements themselves; on PostgreSQL
 * the same SQL runs on the write's transaction.
 */
const TALLY_UPSERT = 'on conflict (process_id, key) do update set weight = tallies.weight + excluded.weight, ballots = tallies.ballots + excluded.ballots'
const CAST_SQL = {
  // First a write, so the transaction holds the write lock (PostgreSQL: the row lock) before it
  // reads the chain head; it also re-checks the state an administrator may have just changed.
  open: `update voting_processes set ballots = ballots + 1 where id = ? and state in ('open', 'scheduled') returning chain_head`,
  replace: `update ballots set replaced_at = ? where process_id = ? and voter_id = ? and replaced_at is null returning choices, weight`,
  insert: `insert into ballots (process_id, voter_id, receipt, choices, weight, level, resides_inside, cast_at, prev_hash, hash, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null) returning id`,
  head: `update voting_processes set chain_head = ? where id = ?`,
  tally: `insert into tallies (process_id, key, weight, ballots) values (?, ?, ?, ?) ${TALLY_UPSERT}`,
  // The batch (castTogether): the voters' active ballots; the process row is taken by the chain's statement (chainPart).
  openState: `state in ('open', 'scheduled')`,
  activeOf: `select id, voter_id, choices, weight from ballots where process_id = ? and voter_id in LIST and replaced_at is null`,
}

/**
 * Casts (or re-casts) a ballot. Everything that can be known before the write is computed before
 * it: the process, the voter's level and residence now, the weight, the validated choices, the
 * receipt, the canonical ballot and the tally contributions. The write then, in one transaction:
 * checks the process is still open (and counts the ballot in the chain's length), marks the
 * voter's previous active ballot replaced, appends the new ballot to the chain, moves the chain
 * head and adds to the tallies what the new ballot brings minus what the replaced one had brought.
 *
 * `user` may carry the level and home area read for this request (getUser); otherwise they are read.
 */
export async function castBallot(user: { id: number; verificationLevel?: number; homeAreaId?: number | null }, processId: number, input: unknown, options: { at?: Date } = {}): Promise<CastResult> {
  const at = options.at ?? new Date()
  const { db } = database()
  const known = user.verificationLevel !== undefined && user.homeAreaId !== undefined
  const [row, areas, facts] = await Promise.all([castingRow(processId), areaIndex(), known ? { id: user.id, level: user.verificationLevel!, homeAreaId: user.homeAreaId! } : voterFacts(db, user.id)])
  if (!row || row.state === 'draft' || row.state === 'cancelled') return { kind: 'notFound' }
  const process = toInfo(row, areas)
  if (!isOpen(process, at)) {
    return { kind: 'refused', refusals: [{ code: 'notOpen', when: at.getTime() < time(process.opensAt) ? 'before' : 'after', opensAt: process.opensAt, closesAt: process.closesAt }] }
  }
  if (!facts) return { kind: 'refused', refusals: [{ code: 'unknownVoter' }] }
  const who = eligibility(process, facts, areas)
  if (who.refusal) return { kind: 'refused', refusals: [who.refusal] }
  const checked = validateBallot(process.spec, input, { voterAreaIds: areaChain(areas, facts.homeAreaId) })
  if (!checked.ok) return { kind: 'refused', refusals: checked.refusals }

  const choices = checked.choices as Choices
  const castAt = at.toISOString()
  const receipt = receiptCode()
  return new Promise<CastResult>((resolve, reject) =>
    casting.add({
      processId,
      voterId: user.id,
      receipt,
      choicesText: canonicalJson(choices as unknown as ChainValue),
      weight: who.weight,
      level: who.level,
      residesInside: who.residesInside,
      castAt,
      hashed: hashedBallot(processId, receipt, choices as unknown as ChainValue, who.weight, castAt),
      added: tallyContributions(process.spec, choices),
      spec: process.spec,
      notOpen: { code: 'notOpen', when: 'after', opensAt: process.opensAt, closesAt: process.closesAt },
      resolve,
      reject,
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// The casting queue: the casts that arrive while a batch commits are written by the next batch, in
// ONE write and a few statements per process whatever the number of ballots (ADR 138: on
// PostgreSQL a statement is a round trip, 2–3 ms on a loaded machine; a cast's seven statements
// each were its ceiling). Each cast resolves after the commit.
// ---------------------------------------------------------------------------------------------

interface QueuedCast {
  processId: number
  voterId: number
  receipt: string
  choicesText: string
  weight: number
  level: number
  residesInside: boolean
  castAt: string
  hashed: ChainValue
  added: ReturnType<typeof tallyContributions>
  spec: ProcessInfo['spec']
  notOpen: Extract<CastRefusal, { code: 'notOpen' }>
  resolve: (result: CastResult) => void
  reject: (error: unknown) => void
}

/** The batch could not be written together (one row failed): written again one cast per savepoint. */
class NotTogether extends Error {
  override name = 'NotTogether'
}

const casting = writeQueue<CastResult, QueuedCast>(async (batch) => {
  const plaza = database()
  // The queue gathered the batch: written at once (no second wait for the event loop, ADR 151). When it fails
  // together, it is tried together once more (its voters' ballots read again: a ballot cast meanwhile on
  // another app server, ADR 158), then one cast per savepoint.
  for (let tries = 0; tries < 2; tries++) {
    try {
      return await plaza.write((trx) => writeCasts(statements(plaza, trx), batch, true), { now: true })
    } catch (error) {
      if (!(error instanceof NotTogether)) throw error
    }
  }
  return plaza.write((trx) => writeCasts(statements(plaza, trx), batch, false), { now: true })
})
/** Batches written and ballots in them (benchmarks, tests). */
export const castingStats = () => {
  const { batches, items } = casting.stats()
  return { batches, ballots: items }
}

/**
 * A batch of casts: all together first; when that fails for anything but a fault of the database
 * (one bad row), its transaction is rolled back whole (NotTogether) and the batch is written again
 * in a new one, one cast per savepoint, so that one failing cast takes back only itself and every
 * other is written (and acknowledged) once. (No savepoint around the batch: on PostgreSQL each is a
 * round trip, ADR 146.)
 */
async function writeCasts(run: Statements, batch: QueuedCast[], together: boolean): Promise<Array<CastResult | Error>> {
  if (together) {
    try {
      return await castTogether(run, batch)
    } catch (error) {
      if (databaseFault(error)) throw error
      throw new NotTogether(error instanceof Error ? error.message : String(error), { cause: error })
    }
  }
  const results: Array<CastResult | Error> = []
  for (const item of batch) {
    await run.run('savepoint one_cast')
    try {
      results.push(await castOne(run, item))
      await run.run('release savepoint one_cast')
    } catch (error) {
      if (databaseFault(error)) throw error
      await run.run('rollback to savepoint one_cast')
      await run.run('release savepoint one_cast')
      results.push(error instanceof Error ? error : new Error(String(error)))
    }
  }
  return results
}

const BALLOT_COLUMNS = {
  process_id: 'integer',
  voter_id: 'integer',
  receipt: 'text',
  choices: 'text',
  weight: 'integer',
  level: 'integer',
  resides_inside: 'integer',
  cast_at: 'text',
  replaced_at: 'text',
} as const
const TALLY_COLUMNS = { process_id: 'integer', key: 'text', weight: 'integer', ballots: 'integer' } as const

/**
 * The casts of a batch, process by process (ADR 158):
 *
 * 1. the voters' active ballots are read, WITHOUT the process row's lock (on PostgreSQL with the transaction's BEGIN);
 * 2. in memory: each cast's canonical ballot, the ballots it replaces (a voter casting twice in the batch replaces
 *    their own earlier ballot) and the tallies' changes;
 * 3. the write, in ONE round trip on PostgreSQL (with the batch's COMMIT for its last process): the stored ballots
 *    marked replaced, each only if still active (`every`), then one statement that takes the process row
 *    (`for update`: it orders the chain across app servers, and is held from there to the COMMIT only), chains the
 *    ballots from its head (`chainPart`: in SQL on PostgreSQL), inserts them and moves the head and the ballot
 *    count, then the tallies' changes (after the lock: the same lock order on every server).
 *
 * The read in 1 may be stale when the same voter's ballot was cast meanwhile on another app server: then the
 * replaced ballot is no longer active (the `every` update fails) or the new one meets the other server's active
 * ballot in the unique index ballots_one_active; either fails the write, nothing of it is written, and the batch
 * is written again (writeCasts).
 */
async function castTogether(run: Statements, batch: QueuedCast[]): Promise<CastResult[]> {
  const results: CastResult[] = new Array(batch.length)
  const processIds = [...new Set(batch.map((b) => b.processId))]
  for (const [k, processId] of processIds.entries()) {
    const casts = batch.flatMap((item, index) => (item.processId === processId ? [{ item, index }] : []))
    const voters = JSON.stringify([...new Set(casts.map((c) => c.item.voterId))])
    const stored = await run.all<{ id: number; voter_id: number; choices: string; weight: number }>(CAST_SQL.activeOf.replace('LIST', run.list('integer')), processId, voters)
    const active = new Map<number, { choices: unknown; weight: number; storedId?: number; row?: unknown[] }>(
      stored.map((b) => [Number(b.voter_id), { choices: JSON.parse(b.choices), weight: Number(b.weight), storedId: Number(b.id) }]),
    )
    const replacedStored: unknown[][] = []
    const rows: unknown[][] = []
    const bodies: string[] = []
    const delta: TallyMap = new Map()
    for (const { item } of casts) {
      const previous = active.get(item.voterId)
      if (previous) {
        if (previous.storedId !== undefined) replacedStored.push([previous.storedId, item.castAt])
        // A ballot of this batch: inserted already marked replaced, by this cast's time.
        else previous.row![8] = item.castAt
        addContributions(delta, tallyContributions(item.spec, previous.choices), previous.weight, 1, -1)
      }
      const row = [processId, item.voterId, item.receipt, item.choicesText, item.weight, item.level, item.residesInside ? 1 : 0, item.castAt, null]
      rows.push(row)
      bodies.push(canonicalJson(item.hashed))
      addContributions(delta, item.added, item.weight, 1, 1)
      active.set(item.voterId, { choices: JSON.parse(item.choicesText), weight: item.weight, row })
    }
    const tallies = [...delta].filter(([, d]) => d.weight !== 0 || d.ballots !== 0).map(([key, d]) => [processId, key, d.weight, d.ballots])
    const chained = run.chainPart(
      'ballots',
      BALLOT_COLUMNS,
      rows,
      {
        bodies,
        previous: 'prev_hash',
        hash: 'hash',
        head: { table: 'voting_processes', key: 'id', id: processId, column: 'chain_head', where: CAST_SQL.openState, set: 'ballots = ballots + ?', params: [casts.length] },
      },
      'returning id',
    )
    // Three statements in ONE round trip, run in this order (`inTurn`): the stored ballots replaced first (the new
    // active ballots' unique index, ballots_one_active, must not see them active); then the chain, which takes
    // the process row; then the tallies — after that lock, never before it: two app servers taking the tally rows
    // and the process row in different orders would deadlock (measured: 1 s waits, deadlock_timeout).
    const replaced = run.updatePart('ballots', 'id', { replaced_at: 'text' }, replacedStored, { where: 'replaced_at is null', every: true })
    const answers = await run.inTurn(
      [
        ...(replacedStored.length ? [{ together: [replaced] }] : []),
        { together: [chained] },
        // writes: tallies
        ...(tallies.length ? [{ together: [run.insertPart('tallies', TALLY_COLUMNS, tallies, TALLY_UPSERT)] }] : []),
      ],
      { commit: k === processIds.length - 1 },
    )
    const [ids] = answers[replacedStored.length ? 1 : 0] as [Array<{ id: number }>]
    // Which casts replaced a ballot (stored or of this batch), in order.
    const seen = new Set(stored.map((b) => Number(b.voter_id)))
    casts.forEach(({ item, index }, k) => {
      results[index] = { kind: 'cast', receipt: item.receipt, ballotId: Number(ids[k]!.id), weight: item.weight, replaced: seen.has(item.voterId) }
      seen.add(item.voterId)
    })
  }
  return results
}

/** One cast alone (the fallback of a batch that failed together): the five statements of a cast. */
async function castOne(run: Statements, item: QueuedCast): Promise<CastResult> {
  const { processId, castAt } = item
  const head = await run.get<{ chain_head: string }>(CAST_SQL.open, processId)
  if (!head) return { kind: 'refused', refusals: [item.notOpen] }
  const previous = await run.all<{ choices: string; weight: number }>(CAST_SQL.replace, castAt, processId, item.voterId)
  const hash = ballotHash(head.chain_head, item.hashed)
  const inserted = (await run.get<{ id: number }>(
    CAST_SQL.insert,
    processId,
    item.voterId,
    item.receipt,
    item.choicesText,
    item.weight,
    item.level,
    item.residesInside ? 1 : 0,
    castAt,
    head.chain_head,
    hash,
  ))!
  await run.run(CAST_SQL.head, hash, processId)
  const delta: TallyMap = new Map()
  addContributions(delta, item.added, item.weight, 1, 1)
  for (const old of previous) addContributions(delta, tallyContributions(item.spec, JSON.parse(old.choices)), old.weight, 1, -1)
  for (const [key, d] of delta) if (d.weight !== 0 || d.ballots !== 0) await run.run(CAST_SQL.tally, processId, key, d.weight, d.ballots)
  return { kind: 'cast', receipt: item.receipt, ballotId: Number(inserted.id), weight: item.weight, replaced: previous.length > 0 }
}
