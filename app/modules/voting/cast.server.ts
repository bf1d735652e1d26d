import { database } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import type { MilliWeight } from './arithmetic'
import { ballotHash, canonicalJson, hashedBallot, receiptCode, type ChainValue } from './chain'
import { validateBallot, type Choices, type Refusal } from './methods'
import { areaChain, areaIndex, castingRow, eligibility, isOpen, time, toInfo, voterFacts, type EligibilityRefusal } from './process-info.server'
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
const CAST_SQL = {
  // First a write, so the transaction holds the write lock (PostgreSQL: the row lock) before it
  // reads the chain head; it also re-checks the state an administrator may have just changed.
  open: `update voting_processes set ballots = ballots + 1 where id = ? and state in ('open', 'scheduled') returning chain_head`,
  replace: `update ballots set replaced_at = ? where process_id = ? and voter_id = ? and replaced_at is null returning choices, weight`,
  insert: `insert into ballots (process_id, voter_id, receipt, choices, weight, level, resides_inside, cast_at, prev_hash, hash, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null) returning id`,
  head: `update voting_processes set chain_head = ? where id = ?`,
  tally: `insert into tallies (process_id, key, weight, ballots) values (?, ?, ?, ?) on conflict (process_id, key) do update set weight = tallies.weight + excluded.weight, ballots = tallies.ballots + excluded.ballots`,
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
  const plaza = database()
  const { db, write } = plaza
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
  const choicesText = canonicalJson(choices as unknown as ChainValue)
  const receipt = receiptCode()
  const castAt = at.toISOString()
  const weight = who.weight
  const hashed = hashedBallot(processId, receipt, choices as unknown as ChainValue, weight, castAt)
  const added = tallyContributions(process.spec, choices)
  return write(async (trx) => {
    const run = statements(plaza, trx)
    const head = await run.get<{ chain_head: string }>(CAST_SQL.open, processId)
    if (!head) return { kind: 'refused' as const, refusals: [{ code: 'notOpen' as const, when: 'after' as const, opensAt: process.opensAt, closesAt: process.closesAt }] }
    const previous = await run.all<{ choices: string; weight: number }>(CAST_SQL.replace, castAt, processId, user.id)
    const hash = ballotHash(head.chain_head, hashed)
    const inserted = (await run.get<{ id: number }>(CAST_SQL.insert, processId, user.id, receipt, choicesText, weight, who.level, who.residesInside ? 1 : 0, castAt, head.chain_head, hash))!
    await run.run(CAST_SQL.head, hash, processId)
    const delta: TallyMap = new Map()
    addContributions(delta, added, weight, 1, 1)
    for (const old of previous) addContributions(delta, tallyContributions(process.spec, JSON.parse(old.choices)), old.weight, 1, -1)
    for (const [key, d] of delta) if (d.weight !== 0 || d.ballots !== 0) await run.run(CAST_SQL.tally, processId, key, d.weight, d.ballots)
    return { kind: 'cast' as const, receipt, ballotId: inserted.id, weight, replaced: previous.length > 0 }
  })
}
