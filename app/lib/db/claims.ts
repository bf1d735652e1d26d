import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type Transaction } from 'kysely'
import { engineOf } from './dialect'

/**
 * Claiming rows of work across app servers (ADR 123): the SQL that differs between the engines when
 * several processes take rows from one queue (the outbox, report deliveries, a mailing's cursor).
 *
 * A claim is one `update … where id in (select … limit n) returning …` in a `write`. On SQLite the
 * whole write holds the database's one write lock, so two claims never overlap. On PostgreSQL two
 * servers' claims run at once: without a lock, both subqueries pick the same due rows, the second
 * update waits for the first and then updates them again (its `id in (…)` still matches), and both
 * servers send the same mail. `for update skip locked` on the candidates makes each server lock the
 * rows it picks and skip those another server holds, so the claims are disjoint and never wait.
 */

type Executor = Pick<Kysely<unknown>, 'getExecutor'> | Pick<Transaction<unknown>, 'getExecutor'>

/**
 * The candidate rows of a claim, locked on PostgreSQL (`for update skip locked`, only the rows of
 * `of` when the query joins other tables) and unchanged on SQLite.
 */
export function skipLocked<DB, TB extends keyof DB, O>(executor: Executor, candidates: SelectQueryBuilder<DB, TB, O>, of?: TB & string): SelectQueryBuilder<DB, TB, O> {
  if (engineOf(executor) !== 'postgres') return candidates
  return (of ? candidates.forUpdate(of) : candidates.forUpdate()).skipLocked()
}

/** The same for a claim written in SQL: `for update [of alias] skip locked` on PostgreSQL, nothing on SQLite. */
export function skipLockedSql(executor: Executor, of?: string): RawBuilder<unknown> {
  if (engineOf(executor) !== 'postgres') return sql``
  if (of !== undefined && !/^[a-z_][a-z0-9_]*$/i.test(of)) throw new Error(`not a table alias: ${of}`)
  return sql.raw(of ? 'for update of ' + of + ' skip locked' : 'for update skip locked')
}

/**
 * A row read in a write in order to change it from what was read (a cursor moved on, a counter):
 * on PostgreSQL `for update`, so a second server's write waits for this one and then reads the row
 * as this one left it; on SQLite the write lock does that already.
 */
export function lockedForUpdate<DB, TB extends keyof DB, O>(executor: Executor, query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return engineOf(executor) === 'postgres' ? query.forUpdate() : query
}
