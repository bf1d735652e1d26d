import type pg from 'pg'

/**
 * PostgreSQL's write connection with BEGIN and COMMIT sent beside the statements next to them (ADR 151):
 * a write transaction of a read and a write is two round trips instead of four.
 *
 * node-postgres in pipeline mode writes a query to the socket without waiting for the answers of the
 * ones before it; each keeps its own Sync, so a failing statement fails alone and the rest of the
 * transaction sees it aborted, as usual. On that client:
 *
 * - **BEGIN waits for the first statement.** Kysely's `begin` is answered at once and sent in the same
 *   write as the transaction's first statement; its answer is awaited with that statement's.
 * - **COMMIT with the last statement, when the caller says so.** A statement whose text starts with
 *   `COMMIT_AFTER` (`Statements.together(parts, { commit: true })`) is followed at once by COMMIT;
 *   Kysely's `commit` then gets that COMMIT's answer (`ROLLBACK` when the statement failed: nothing of
 *   the transaction is written, and Kysely reports the abort), and a `rollback` after it is answered by
 *   it as well (an error 08007, a fault, if that COMMIT had succeeded: the caller must not write it again). Only honoured in a transaction without savepoints (a batch of one `write`): in the group
 *   commit's batches of several writes the mark is ignored and COMMIT waits for the batch's end.
 *
 * Durability is unchanged: the transaction is acknowledged when its COMMIT has been answered, with
 * synchronous_commit as the server has it. What the lock of a row written by the last statement costs
 * other writers is now the statement, the COMMIT and its fsync, not also a round trip through this
 * process's event loop (the count row of a petition, the process row of a vote).
 */
export const COMMIT_AFTER = '/* plaza:commit-after */ '

/**
 * `Statements.inTurn` (casting's process row and the voters' active ballots, issue 20): a query whose text is
 * this mark carries, as its one parameter, several statements that the pipelined client writes to the socket
 * at once (BEGIN before them when it waits): ONE round trip. Each keeps its own Sync, so the server runs
 * them one after the other, each on a snapshot of its own (READ COMMITTED): a read sent behind a write that
 * waited for a row lock sees what the lock's holder committed. The answer's `rows` are each statement's
 * rows, in order; when one fails, the first failure is thrown (the ones after it fail as "transaction
 * aborted"). Only the write connection understands the mark (statements.ts runs them in turn elsewhere). When
 * the last statement starts with `COMMIT_AFTER`, COMMIT is written behind it as for a single statement (ADR 158).
 */
export const IN_TURN = '/* plaza:in-turn */'
export interface InTurn {
  statements: Array<{ text: string; params: unknown[] }>
}

interface Result {
  command: string
  rowCount: number | null
  rows: unknown[]
}

type Query = (text: string, params?: unknown[]) => Promise<Result>

/** A pg.Pool-like object for Kysely's PostgresDialect whose clients pipeline BEGIN and COMMIT (the pool's clients must be made with `pipeline: true`). */
export function pipelinedPool(pool: pg.Pool): { connect(): Promise<pg.PoolClient>; end(): Promise<void> } {
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>()
  return {
    async connect() {
      const client = await pool.connect()
      let wrapper = wrapped.get(client)
      if (!wrapper) {
        wrapper = pipelinedClient(client)
        wrapped.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}

/** The answers of an `IN_TURN` query: each statement's rows, or the first failure (every answer awaited). */
async function inTurnAnswer(sent: Array<Promise<Result>>, began: boolean): Promise<Result> {
  const settled = await Promise.allSettled(sent)
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  const answers = (settled as Array<PromiseFulfilledResult<Result>>).slice(began ? 1 : 0).map((r) => r.value.rows)
  return { command: 'SELECT', rowCount: answers.length, rows: answers }
}

/** Kysely's `rollback` of a transaction whose COMMIT went with its last statement: that COMMIT's outcome. */
async function rollbackAfterCommitted(sent: Promise<Result>): Promise<Result> {
  const outcome = await sent.then(
    (r) => r.command,
    () => 'ROLLBACK',
  )
  if (outcome === 'COMMIT') {
    // The write failed in JavaScript after its last statement had committed: it is written, and
    // must not be written again. Reported as a fault with the code of a transaction whose outcome is
    // unknown (08007), so that the caller fails it instead of retrying it.
    throw Object.assign(new Error('the transaction was committed with its last statement before the write failed'), { code: '08007' })
  }
  return { command: 'ROLLBACK', rowCount: null, rows: [] }
}

function pipelinedClient(client: pg.PoolClient): pg.PoolClient {
  const send: Query = (text, params) => client.query(text, params) as unknown as Promise<Result>
  let begin: string | null = null
  let savepoints = false
  let committed: Promise<Result> | null = null
  const done = (command: string): Result => ({ command, rowCount: null, rows: [] })

  const commitBehind = (text: string) => {
    if (!text.startsWith(COMMIT_AFTER) || savepoints || committed !== null) return
    const sent = send('commit')
    // Answered to Kysely's `commit` (or `rollback`) later; never an unheard rejection meanwhile.
    sent.catch(() => undefined)
    committed = sent
  }

  const query: Query = async (text, params = []) => {
    const plain = params.length === 0 ? text.trim().toLowerCase() : ''
    if (plain === 'begin' || plain.startsWith('start transaction')) {
      begin = text
      savepoints = false
      committed = null
      return done('BEGIN')
    }
    if (begin !== null && (plain === 'commit' || plain === 'rollback')) {
      // A transaction without statements: nothing was sent.
      begin = null
      return done(plain === 'commit' ? 'COMMIT' : 'ROLLBACK')
    }
    if (committed && (plain === 'commit' || plain === 'rollback')) {
      // The COMMIT already went with the last statement: its answer is the transaction's.
      const sent = committed
      committed = null
      return plain === 'commit' ? sent : rollbackAfterCommitted(sent)
    }
    // The transaction was committed with its last statement: nothing may follow it.
    if (committed) throw new Error('A statement after the one that COMMIT was sent with (Statements.together commit: true)')
    if (plain.startsWith('savepoint')) savepoints = true
    const opening = begin
    begin = null
    const first = opening ? send(opening) : null
    if (text === IN_TURN) {
      // Every statement written at once; every answer awaited (none left to reject unheard).
      const { statements } = params[0] as InTurn
      const sent = [...(first ? [first] : []), ...statements.map((s) => send(s.text, s.params))]
      // The last statement marked: COMMIT right behind it, in the same write (as for a single statement below).
      commitBehind(statements.at(-1)?.text ?? '')
      return inTurnAnswer(sent, first !== null)
    }
    const main = send(text, params)
    commitBehind(text)
    // Every answer is awaited (none left to reject unheard): BEGIN's error first, then the statement's.
    if (first) {
      const [began, result] = await Promise.allSettled([first, main])
      if (began.status === 'rejected') {
        // commitBehind may have set it (TypeScript's narrowing does not see that call).
        const commit = committed as Promise<Result> | null
        if (commit) await commit.catch(() => undefined)
        throw began.reason
      }
      if (result.status === 'rejected') throw result.reason
      return result.value
    }
    return main
  }
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'query') return query
      const value = Reflect.get(target, key, receiver) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
