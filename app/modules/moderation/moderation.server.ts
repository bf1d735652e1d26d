import { sql, type Transaction } from 'kysely'
import type { Database, FlagReason } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { isUniqueViolation } from '../../lib/db/dialect'
import { translator } from '../../lib/i18n.server'
import { isLocale } from '../../lib/i18n'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'

/**
 * Moderation, shared by every kind of content: flags, the queue, hide/restore, blocking users,
 * and the audit log (used by staff actions too). A content kind takes part by registering how to
 * describe, hide and restore its items; moderation never writes another capability's tables.
 */

/**
 * How many flags hide an item until a moderator looks: the council's setting (/admin/settings),
 * handed in by the city module at start (app/modules/city/register.server.ts) so that moderation,
 * which every capability imports for recordAudit, imports none of them. Until then: the
 * environment's value.
 */
let autoHideThreshold: () => Promise<number> = async () => config().MODERATION_AUTO_HIDE

export function registerAutoHideThreshold(read: () => Promise<number>) {
  autoHideThreshold = read
}

export interface ModeratedKind {
  /** Author, a short excerpt and the item's URL; null when the item does not exist. */
  describe(trx: Transaction<Database> | null, id: number): Promise<{ authorId: number | null; excerpt: string; url: string; hidden: boolean } | null>
  hide(trx: Transaction<Database>, id: number): Promise<void>
  restore(trx: Transaction<Database>, id: number): Promise<void>
  /** Hides everything by one author (a blocked user's content); returns how many. */
  hideAllBy(trx: Transaction<Database>, authorId: number): Promise<number>
}

const kinds = new Map<string, ModeratedKind>()
export function registerModeratedKind(kind: string, handlers: ModeratedKind) {
  kinds.set(kind, handlers)
}
export const isModeratedKind = (kind: string) => kinds.has(kind)

export const flagReasons: readonly FlagReason[] = ['spam', 'offensive', 'off_topic', 'personal_data', 'other']
const now = () => new Date().toISOString()

export async function recordAudit(
  trx: Transaction<Database>,
  entry: { actorId: number | null; action: string; targetKind: string; targetId: number; before?: unknown; after?: unknown; reason?: string | null },
) {
  await trx
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      target_kind: entry.targetKind,
      target_id: entry.targetId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      reason: entry.reason ?? null,
      created_at: now(),
    })
    .execute()
}

// ---------------------------------------------------------------- blocks

export async function activeBlock(userId: number): Promise<{ reason: string; since: string } | null> {
  const row = await database().db.selectFrom('user_blocks').select(['reason', 'created_at']).where('user_id', '=', userId).where('lifted_at', 'is', null).orderBy('id', 'desc').executeTakeFirst()
  return row ? { reason: row.reason, since: row.created_at } : null
}

async function notifyAuthor(trx: Transaction<Database>, userId: number | null, kind: 'hidden' | 'blocked', reason: string | { key: string }, url?: string) {
  if (!userId) return
  const user = await trx.selectFrom('users').select(['email', 'display_name', 'locale', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  if (!user?.email || user.deleted_at) return
  const locale = isLocale(user.locale) ? user.locale : config().DEFAULT_LOCALE
  const t = translator(locale)
  const mail = composeMail({
    locale,
    subject: t(`moderation:mail.${kind}.subject`),
    greeting: t('accounts:mail.greeting', { name: user.display_name }),
    paragraphs: [t(`moderation:mail.${kind}.body`), t('moderation:mail.reason', { reason: typeof reason === 'string' ? reason : t(reason.key) })],
    action: url ? { label: t('moderation:mail.see'), url: `${config().PUBLIC_URL}${url}` } : undefined,
  })
  await queueMail(trx, { kind: `moderation.${kind}`, to: user.email, ...mail })
}

export async function blockUser(
  moderatorId: number,
  userId: number,
  reason: string,
): Promise<{ kind: 'ok'; hidden: number } | { kind: 'alreadyBlocked' } | { kind: 'noSuchUser' } | { kind: 'self' } | { kind: 'hasRole' }> {
  if (moderatorId === userId) return { kind: 'self' }
  const user = await database().db.selectFrom('users').select(['id', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  if (!user || user.deleted_at) return { kind: 'noSuchUser' }
  // Staff, moderators and administrators lose their role through an administrator, not a block.
  if (await database().db.selectFrom('user_roles').select('id').where('user_id', '=', userId).executeTakeFirst()) return { kind: 'hasRole' }
  if (await activeBlock(userId)) return { kind: 'alreadyBlocked' }
  const hidden = await database().write(async (trx) => {
    await trx.insertInto('user_blocks').values({ user_id: userId, blocked_by: moderatorId, reason, created_at: now(), lifted_at: null }).execute()
    let count = 0
    for (const handlers of kinds.values()) count += await handlers.hideAllBy(trx, userId)
    await recordAudit(trx, { actorId: moderatorId, action: 'block_user', targetKind: 'user', targetId: userId, before: { blocked: false }, after: { blocked: true, hidden: count }, reason })
    await notifyAuthor(trx, userId, 'blocked', reason)
    return count
  })
  return { kind: 'ok', hidden }
}

export async function unblockUser(moderatorId: number, userId: number, reason: string): Promise<{ kind: 'ok' } | { kind: 'notBlocked' }> {
  if (!(await activeBlock(userId))) return { kind: 'notBlocked' }
  await database().write(async (trx) => {
    await trx.updateTable('user_blocks').set({ lifted_at: now() }).where('user_id', '=', userId).where('lifted_at', 'is', null).execute()
    await recordAudit(trx, { actorId: moderatorId, action: 'unblock_user', targetKind: 'user', targetId: userId, before: { blocked: true }, after: { blocked: false }, reason })
  })
  return { kind: 'ok' }
}

export async function listBlocks() {
  return database()
    .db.selectFrom('user_blocks')
    .innerJoin('users', 'users.id', 'user_blocks.user_id')
    .select(['user_blocks.user_id', 'users.display_name', 'users.email', 'user_blocks.reason', 'user_blocks.created_at'])
    .where('user_blocks.lifted_at', 'is', null)
    .orderBy('user_blocks.id', 'desc')
    .limit(200)
    .execute()
}

// ---------------------------------------------------------------- flags and the queue

export type FlagResult = { kind: 'ok'; autoHidden: boolean } | { kind: 'alreadyFlagged' } | { kind: 'notFound' } | { kind: 'ownContent' }

async function upsertQueue(
  trx: Transaction<Database>,
  targetKind: string,
  targetId: number,
  item: { authorId: number | null; excerpt: string; url: string },
  why: 'flags' | 'premoderation',
  reason?: FlagReason,
) {
  const existing = await trx.selectFrom('moderation_queue').selectAll().where('target_kind', '=', targetKind).where('target_id', '=', targetId).executeTakeFirst()
  const reasons = existing ? (JSON.parse(existing.reasons) as Record<string, number>) : {}
  if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1
  if (!existing) {
    await trx
      .insertInto('moderation_queue')
      .values({
        target_kind: targetKind,
        target_id: targetId,
        author_id: item.authorId,
        excerpt: item.excerpt.slice(0, 500),
        url: item.url,
        flags: reason ? 1 : 0,
        reasons: JSON.stringify(reasons),
        state: 'open',
        why,
        created_at: now(),
        updated_at: now(),
      })
      .execute()
    return reason ? 1 : 0
  }
  const flags = existing.flags + (reason ? 1 : 0)
  // A closed item that is flagged again comes back to the queue.
  await trx
    .updateTable('moderation_queue')
    .set({ flags, reasons: JSON.stringify(reasons), state: 'open', updated_at: now() })
    .where('id', '=', existing.id)
    .execute()
  return flags
}

export async function flagContent(reporterId: number, input: { targetKind: string; targetId: number; reason: FlagReason; note?: string }): Promise<FlagResult> {
  const handlers = kinds.get(input.targetKind)
  if (!handlers) return { kind: 'notFound' }
  const item = await handlers.describe(null, input.targetId)
  // Hidden or held items cannot be reported (and answer as if they did not exist).
  if (!item || item.hidden) return { kind: 'notFound' }
  if (item.authorId === reporterId) return { kind: 'ownContent' }
  const threshold = await autoHideThreshold()
  try {
    return await database().write(async (trx) => {
      await trx
        .insertInto('flags')
        .values({
          target_kind: input.targetKind,
          target_id: input.targetId,
          reporter_id: reporterId,
          reason: input.reason,
          note: input.note?.slice(0, 1000) ?? null,
          created_at: now(),
          resolved_at: null,
        })
        .execute()
      // Flags since the last decision count (a restored item needs fresh flags to hide again).
      const open = await trx
        .selectFrom('flags')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('target_kind', '=', input.targetKind)
        .where('target_id', '=', input.targetId)
        .where('resolved_at', 'is', null)
        .executeTakeFirstOrThrow()
      await upsertQueue(trx, input.targetKind, input.targetId, item, 'flags', input.reason)
      let autoHidden = false
      if (threshold > 0 && Number(open.n) >= threshold && !item.hidden) {
        await handlers.hide(trx, input.targetId)
        await trx.updateTable('moderation_queue').set({ why: 'auto_hidden' }).where('target_kind', '=', input.targetKind).where('target_id', '=', input.targetId).execute()
        await recordAudit(trx, {
          actorId: null,
          action: 'auto_hide',
          targetKind: input.targetKind,
          targetId: input.targetId,
          before: { hidden: false },
          after: { hidden: true },
          reason: `${open.n} flags`,
        })
        // The author hears of it at once, in their language; a moderator will review it.
        await notifyAuthor(trx, item.authorId, 'hidden', { key: 'moderation:mail.autoHiddenReason' }, item.url)
        autoHidden = true
      }
      return { kind: 'ok' as const, autoHidden }
    })
  } catch (error) {
    if (isUniqueViolation(error, 'flags')) return { kind: 'alreadyFlagged' }
    throw error
  }
}

/** Pre-moderation: a new user's first post waits in the queue (called inside the post's write). */
export async function holdForReview(trx: Transaction<Database>, targetKind: string, targetId: number, item: { authorId: number; excerpt: string; url: string }) {
  await upsertQueue(trx, targetKind, targetId, item, 'premoderation')
}

export async function moderationQueue(options: { state?: 'open' | 'closed'; limit?: number; offset?: number } = {}) {
  const rows = await database()
    .db.selectFrom('moderation_queue')
    .leftJoin('users', 'users.id', 'moderation_queue.author_id')
    .select([
      'moderation_queue.id',
      'moderation_queue.target_kind',
      'moderation_queue.target_id',
      'moderation_queue.author_id',
      'users.display_name as author',
      'moderation_queue.excerpt',
      'moderation_queue.url',
      'moderation_queue.flags',
      'moderation_queue.reasons',
      'moderation_queue.why',
      'moderation_queue.state',
      'moderation_queue.created_at',
    ])
    .where('moderation_queue.state', '=', options.state ?? 'open')
    // Most flagged first, then oldest first.
    .orderBy('moderation_queue.flags', 'desc')
    .orderBy('moderation_queue.created_at', 'asc')
    .limit(options.limit ?? 50)
    .offset(options.offset ?? 0)
    .execute()
  const live = new Map<number, { hidden: boolean; excerpt: string }>()
  for (const r of rows) {
    const item = await kinds.get(r.target_kind)?.describe(null, r.target_id)
    if (item) live.set(r.id, { hidden: item.hidden, excerpt: item.excerpt })
  }
  // The item as it is now (it may have been edited since it was flagged).
  return rows.map((r) => ({ ...r, excerpt: live.get(r.id)?.excerpt ?? r.excerpt, reasons: JSON.parse(r.reasons) as Record<string, number>, hidden: live.get(r.id)?.hidden ?? false }))
}

export type Decision = 'hide' | 'restore' | 'dismiss' | 'approve'

export async function decide(moderatorId: number, queueId: number, decision: Decision, reason: string): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const row = await database().db.selectFrom('moderation_queue').selectAll().where('id', '=', queueId).executeTakeFirst()
  const handlers = row ? kinds.get(row.target_kind) : undefined
  if (!row || !handlers) return { kind: 'notFound' }
  const item = await handlers.describe(null, row.target_id)
  if (!item) return { kind: 'notFound' }
  await database().write(async (trx) => {
    const before = { hidden: item.hidden }
    if (decision === 'hide') {
      await handlers.hide(trx, row.target_id)
      await notifyAuthor(trx, item.authorId, 'hidden', reason, item.url)
    } else {
      // restore, dismiss (the flags were unfounded) and approve (pre-moderation) all show the item.
      await handlers.restore(trx, row.target_id)
    }
    await trx.updateTable('flags').set({ resolved_at: now() }).where('target_kind', '=', row.target_kind).where('target_id', '=', row.target_id).where('resolved_at', 'is', null).execute()
    await trx.updateTable('moderation_queue').set({ state: 'closed', updated_at: now() }).where('id', '=', queueId).execute()
    await recordAudit(trx, { actorId: moderatorId, action: decision, targetKind: row.target_kind, targetId: row.target_id, before, after: { hidden: decision === 'hide' }, reason })
  })
  return { kind: 'ok' }
}

export async function auditLog(options: { limit?: number; offset?: number; targetKind?: string; targetId?: number } = {}) {
  let query = database()
    .db.selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_id')
    .select([
      'audit_log.id',
      'audit_log.action',
      'audit_log.target_kind',
      'audit_log.target_id',
      'audit_log.before',
      'audit_log.after',
      'audit_log.reason',
      'audit_log.created_at',
      'users.display_name as actor',
    ])
    .orderBy('audit_log.id', 'desc')
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
  if (options.targetKind) query = query.where('audit_log.target_kind', '=', options.targetKind)
  if (options.targetId !== undefined) query = query.where('audit_log.target_id', '=', options.targetId)
  return query.execute()
}

export async function queueItemAuthor(queueId: number): Promise<number | null> {
  const row = await database().db.selectFrom('moderation_queue').select('author_id').where('id', '=', queueId).executeTakeFirst()
  return row?.author_id ?? null
}

export async function openQueueCount(): Promise<number> {
  const row = await sql<{ n: number }>`select count(*) as n from moderation_queue where state = 'open'`.execute(database().db)
  return Number(row.rows[0]?.n ?? 0)
}
