import type { Transaction } from 'kysely'
import { attemptCounter } from '../../lib/rate-limit.server'
import type { CommentStatus, Database, Stance } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import { countLinks, renderMarkdown } from '../../lib/markdown.server'
import { requiredLevel } from '../accounts/policy'
import { activeBlock, holdForReview, registerModeratedKind } from '../moderation/moderation.server'
import { wilsonLowerBound } from './wilson'
import { citySettings, citySettingsNow } from '../city/settings.server'

/**
 * Deliberation: a threaded discussion under any content item, attached by (kind, id). The only
 * code that writes `comments` and `comment_votes`. A content kind takes part by registering how to
 * check that an item exists and where it lives.
 */

export interface Discussable {
  exists(id: number): Promise<boolean>
  url(id: number): Promise<string>
}
const discussables = new Map<string, Discussable>()
export function registerDiscussable(kind: string, handlers: Discussable) {
  discussables.set(kind, handlers)
}
export const isDiscussable = (kind: string) => discussables.has(kind)
export const discussableExists = async (kind: string, id: number) => Boolean(await discussables.get(kind)?.exists(id))

export const MAX_DEPTH = 20 // replies nest this deep at most; pages show fewer levels and link on
export const PAGE_SIZE = 20
export const SHOWN_DEPTH = 2
export const SHOWN_REPLIES = 3
const NEW_ACCOUNT_DAYS = 7
const NEW_ACCOUNT_LINKS = 2
const now = () => new Date().toISOString()

// Ten comments a minute per person: a conversation, not a flood.
const posts = attemptCounter('comment:user', 10, 60)

export type PostResult =
  | { kind: 'ok'; commentId: number; status: CommentStatus }
  | { kind: 'blocked'; reason: string }
  | { kind: 'needsLevel'; level: number }
  | { kind: 'noTarget' }
  | { kind: 'noParent' }
  | { kind: 'tooDeep' }
  | { kind: 'tooManyLinks'; max: number }
  | { kind: 'throttled'; retryAfterSeconds: number }

export { mayTakePart }

export interface Author {
  id: number
  verificationLevel: number
}

async function accountAgeDays(userId: number) {
  const row = await database().db.selectFrom('users').select('created_at').where('id', '=', userId).executeTakeFirstOrThrow()
  return (Date.now() - Date.parse(row.created_at)) / 86_400_000
}

/** Taking part (posting, rating, reporting) needs the comment level and no active block. */
async function mayTakePart(author: Author): Promise<{ kind: 'blocked'; reason: string } | { kind: 'needsLevel'; level: number } | null> {
  const block = await activeBlock(author.id)
  if (block) return { kind: 'blocked', reason: block.reason }
  const needed = requiredLevel('comment', (await citySettings()).VERIFICATION_LEVELS)
  if (author.verificationLevel < needed) return { kind: 'needsLevel', level: needed }
  return null
}

export async function postComment(author: Author, input: { targetKind: string; targetId: number; parentId?: number | null; body: string; stance: Stance }): Promise<PostResult> {
  const refusal = await mayTakePart(author)
  if (refusal) return refusal
  const target = discussables.get(input.targetKind)
  if (!target || !(await target.exists(input.targetId))) return { kind: 'noTarget' }
  let parent: { id: number; depth: number; root_id: number | null } | undefined
  if (input.parentId) {
    parent = await database()
      .db.selectFrom('comments')
      .select(['id', 'depth', 'root_id'])
      .where('id', '=', input.parentId)
      .where((eb) => eb.or([eb('status', '=', 'visible'), eb('author_id', '=', author.id)]))
      .where('target_kind', '=', input.targetKind)
      .where('target_id', '=', input.targetId)
      .executeTakeFirst()
    if (!parent) return { kind: 'noParent' }
    if (parent.depth + 1 > MAX_DEPTH) return { kind: 'tooDeep' }
  }
  if (countLinks(input.body) > NEW_ACCOUNT_LINKS && (await accountAgeDays(author.id)) < NEW_ACCOUNT_DAYS) return { kind: 'tooManyLinks', max: NEW_ACCOUNT_LINKS }
  const counted = await posts.count(String(author.id))
  if (counted.over) return { kind: 'throttled', retryAfterSeconds: counted.retryAfterSeconds }

  const html = renderMarkdown(input.body)
  // Pre-moderation: someone with no visible comment yet waits for a moderator.
  const held =
    (await citySettings()).PREMODERATION && !(await database().db.selectFrom('comments').select('id').where('author_id', '=', author.id).where('status', '=', 'visible').limit(1).executeTakeFirst())
  const url = await target.url(input.targetId)
  const commentId = await database().write(async (trx) => {
    const row = await trx
      .insertInto('comments')
      .values({
        target_kind: input.targetKind,
        target_id: input.targetId,
        parent_id: parent?.id ?? null,
        root_id: parent ? (parent.root_id ?? parent.id) : null,
        depth: parent ? parent.depth + 1 : 0,
        author_id: author.id,
        body_md: input.body,
        body_html: html,
        stance: input.stance,
        status: held ? 'pending' : 'visible',
        created_at: now(),
        edited_at: null,
        deleted_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (parent) {
      await trx
        .updateTable('comments')
        .set((eb) => ({ replies: eb('replies', '+', 1) }))
        .where('id', '=', parent.id)
        .execute()
      // Every ancestor counts one more descendant ("most discussed").
      let ancestor: number | null = parent.id
      while (ancestor !== null) {
        await trx
          .updateTable('comments')
          .set((eb) => ({ descendants: eb('descendants', '+', 1) }))
          .where('id', '=', ancestor)
          .execute()
        const up: { parent_id: number | null } | undefined = await trx.selectFrom('comments').select('parent_id').where('id', '=', ancestor).executeTakeFirst()
        ancestor = up?.parent_id ?? null
      }
    }
    if (held) await holdForReview(trx, 'comment', row.id, { authorId: author.id, excerpt: input.body, url: `${url}#comment-${row.id}` })
    return row.id
  })
  return { kind: 'ok', commentId, status: held ? 'pending' : 'visible' }
}

async function ownComment(userId: number, commentId: number) {
  return database().db.selectFrom('comments').selectAll().where('id', '=', commentId).where('author_id', '=', userId).executeTakeFirst()
}

export function editable(comment: { created_at: string; deleted_at: string | null }, at = Date.now()) {
  return !comment.deleted_at && at - Date.parse(comment.created_at) <= citySettingsNow().COMMENT_EDIT_MINUTES * 60_000
}

export async function editComment(
  userId: number,
  commentId: number,
  input: { body: string; stance: Stance },
): Promise<{ kind: 'ok' } | { kind: 'notFound' } | { kind: 'tooLate' } | { kind: 'blocked'; reason: string } | { kind: 'pending' } | { kind: 'tooManyLinks'; max: number }> {
  const comment = await ownComment(userId, commentId)
  if (!comment || comment.deleted_at) return { kind: 'notFound' }
  const block = await activeBlock(userId)
  if (block) return { kind: 'blocked', reason: block.reason }
  // What a moderator is reviewing must not change under them.
  if (comment.status === 'pending') return { kind: 'pending' }
  if (!editable(comment)) return { kind: 'tooLate' }
  if (countLinks(input.body) > NEW_ACCOUNT_LINKS && (await accountAgeDays(userId)) < NEW_ACCOUNT_DAYS) return { kind: 'tooManyLinks', max: NEW_ACCOUNT_LINKS }
  await database().write((trx) =>
    trx
      .updateTable('comments')
      .set({ body_md: input.body, body_html: renderMarkdown(input.body), stance: input.stance, edited_at: now() })
      .where('id', '=', commentId)
      .execute(),
  )
  return { kind: 'ok' }
}

/** Shown as deleted; its replies stay in place. */
export async function deleteComment(userId: number, commentId: number): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const comment = await ownComment(userId, commentId)
  if (!comment || comment.deleted_at) return { kind: 'notFound' }
  await database().write((trx) => trx.updateTable('comments').set({ body_md: '', body_html: '', deleted_at: now() }).where('id', '=', commentId).execute())
  return { kind: 'ok' }
}

export async function voteComment(
  voter: Author,
  commentId: number,
  value: 1 | -1 | 0,
): Promise<{ kind: 'ok'; helpful: number; unhelpful: number } | { kind: 'notFound' } | { kind: 'own' } | { kind: 'blocked'; reason: string } | { kind: 'needsLevel'; level: number }> {
  const refusal = await mayTakePart(voter)
  if (refusal) return refusal
  const userId = voter.id
  const comment = await database().db.selectFrom('comments').select(['id', 'author_id', 'status', 'deleted_at']).where('id', '=', commentId).executeTakeFirst()
  if (!comment || comment.status !== 'visible' || comment.deleted_at) return { kind: 'notFound' }
  if (comment.author_id === userId) return { kind: 'own' }
  const counts = await database().write(async (trx) => {
    if (value === 0) await trx.deleteFrom('comment_votes').where('comment_id', '=', commentId).where('user_id', '=', userId).execute()
    else {
      await trx
        .insertInto('comment_votes')
        .values({ comment_id: commentId, user_id: userId, value, created_at: now() })
        .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doUpdateSet({ value }))
        .execute()
    }
    const tally = await trx
      .selectFrom('comment_votes')
      .select((eb) => [eb.fn.sum<number>(eb.case().when('value', '=', 1).then(1).else(0).end()).as('up'), eb.fn.sum<number>(eb.case().when('value', '=', -1).then(1).else(0).end()).as('down')])
      .where('comment_id', '=', commentId)
      .executeTakeFirstOrThrow()
    const helpful = Number(tally.up ?? 0)
    const unhelpful = Number(tally.down ?? 0)
    await trx
      .updateTable('comments')
      .set({ helpful, unhelpful, score: wilsonLowerBound(helpful, unhelpful) })
      .where('id', '=', commentId)
      .execute()
    return { helpful, unhelpful }
  })
  return { kind: 'ok', ...counts }
}

// ---------------------------------------------------------------- reading

export type SortOrder = 'best' | 'newest' | 'oldest' | 'discussed'
export const sortOrders: readonly SortOrder[] = ['best', 'newest', 'oldest', 'discussed']

export interface CommentView {
  id: number
  parentId: number | null
  depth: number
  author: string | null
  authorId: number
  authorDeleted: boolean
  html: string
  stance: Stance
  status: CommentStatus
  helpful: number
  unhelpful: number
  replies: number
  descendants: number
  createdAt: string
  editedAt: string | null
  deleted: boolean
  mine: boolean
  myVote: number
  canEdit: boolean
  /** The Markdown, for its author's edit box while it may be edited; null otherwise. */
  source: string | null
  children: CommentView[]
  moreReplies: number
}

type Row = {
  id: number
  parent_id: number | null
  depth: number
  author_id: number
  display_name: string | null
  user_deleted: string | null
  body_html: string
  body_md: string
  stance: Stance
  status: CommentStatus
  helpful: number
  unhelpful: number
  replies: number
  descendants: number
  created_at: string
  edited_at: string | null
  deleted_at: string | null
}

const ORDER_SQL: Record<SortOrder, string> = {
  best: 'score desc, id asc',
  newest: 'id desc',
  oldest: 'id asc',
  discussed: 'descendants desc, id asc',
}

function toView(r: Row, viewerId: number | null, votes: Map<number, number>): CommentView {
  // Hidden and pending comments show only to their author (and moderators, in the queue).
  const concealed = r.status !== 'visible' && r.author_id !== viewerId
  const canEdit = viewerId === r.author_id && editable(r)
  return {
    id: r.id,
    parentId: r.parent_id,
    depth: r.depth,
    author: r.user_deleted ? null : r.display_name,
    authorId: r.author_id,
    authorDeleted: r.user_deleted !== null,
    html: concealed || r.deleted_at ? '' : r.body_html,
    stance: r.stance,
    status: r.status,
    helpful: r.helpful,
    unhelpful: r.unhelpful,
    replies: r.replies,
    descendants: r.descendants,
    createdAt: r.created_at,
    editedAt: r.edited_at,
    deleted: r.deleted_at !== null,
    mine: viewerId === r.author_id,
    myVote: votes.get(r.id) ?? 0,
    canEdit,
    source: canEdit ? r.body_md : null,
    children: [],
    moreReplies: 0,
  }
}

const SELECT = `c.id, c.parent_id, c.depth, c.author_id, u.display_name, u.deleted_at as user_deleted, c.body_html, c.body_md, c.stance, c.status,
  c.helpful, c.unhelpful, c.replies, c.descendants, c.created_at, c.edited_at, c.deleted_at`

// Hand-written SQL through the adapter (app/lib/db/statements.ts): on SQLite prepared once per
// connection and SQL text (preparing costs more than running these queries), on PostgreSQL `$n`.
const run = () => statements(database(), database().db)

/** Replies under the given comments, SHOWN_REPLIES per parent, SHOWN_DEPTH levels deep (one query per level). */
async function attachReplies(roots: CommentView[], sort: SortOrder, viewerId: number | null, votes: (ids: number[]) => Promise<Map<number, number>>, levels: number) {
  let frontier = roots
  for (let level = 0; level < levels && frontier.length; level++) {
    const ids = frontier.filter((c) => c.replies > 0).map((c) => c.id)
    if (!ids.length) break
    // A window function keeps the first SHOWN_REPLIES children of each parent in the chosen order.
    const rows = await run().all<Row>(
      `select * from (select ${SELECT}, row_number() over (partition by c.parent_id order by ${ORDER_SQL[sort].replace(/(\w+) (asc|desc)/g, 'c.$1 $2')}) as rank
         from comments c join users u on u.id = c.author_id where c.parent_id in (${ids.map(() => '?').join(',')})
         and (c.status = 'visible' or c.author_id = ?)) as ranked where rank <= ? order by rank`,
      ...ids,
      viewerId ?? -1,
      SHOWN_REPLIES,
    )
    const myVotes = await votes(rows.map((r) => r.id))
    const byId = new Map(frontier.map((c) => [c.id, c]))
    const next: CommentView[] = []
    for (const r of rows) {
      const view = toView(r, viewerId, myVotes)
      byId.get(r.parent_id!)?.children.push(view)
      next.push(view)
    }
    for (const parent of frontier) parent.moreReplies = Math.max(0, parent.replies - parent.children.length)
    frontier = next
  }
}

function votesOf(viewerId: number | null) {
  return async (ids: number[]) => {
    if (!viewerId || !ids.length) return new Map<number, number>()
    const rows = await database().db.selectFrom('comment_votes').select(['comment_id', 'value']).where('user_id', '=', viewerId).where('comment_id', 'in', ids).execute()
    return new Map(rows.map((r) => [r.comment_id, r.value]))
  }
}

export interface DiscussionPage {
  total: number
  counts: Record<Stance, number>
  comments: CommentView[]
  page: number
  pages: number
  sort: SortOrder
  view: 'threads' | 'arguments'
  arguments: { for: CommentView[]; against: CommentView[] }
}

export async function loadDiscussion(
  targetKind: string,
  targetId: number,
  options: { sort?: SortOrder; page?: number; view?: 'threads' | 'arguments'; viewerId?: number | null } = {},
): Promise<DiscussionPage> {
  const sort = options.sort ?? 'best'
  const viewerId = options.viewerId ?? null
  const stats = (await run().get<{ total: number; f: number | null; a: number | null; n: number | null; top: number | null }>(
    // Stances of every visible comment, replies included (a reply "against" is an argument too).
    `select count(*) as total, sum(case when stance = 'for' then 1 else 0 end) as f, sum(case when stance = 'against' then 1 else 0 end) as a,
       sum(case when stance = 'neutral' then 1 else 0 end) as n, sum(case when parent_id is null then 1 else 0 end) as top
       from comments where target_kind = ? and target_id = ? and status = 'visible'`,
    targetKind,
    targetId,
  ))!
  const top = stats.top ?? 0
  const pages = Math.max(1, Math.ceil(top / PAGE_SIZE))
  const page = Math.min(Math.max(1, options.page ?? 1), pages)
  const votes = votesOf(viewerId)
  const topLevel = (where: string, params: unknown[], limit: number, offset: number) =>
    run().all<Row>(
      `select ${SELECT} from comments c join users u on u.id = c.author_id where c.target_kind = ? and c.target_id = ? and c.parent_id is null
         and (c.status = 'visible' or c.author_id = ?) ${where} order by ${ORDER_SQL[sort].replace(/(\w+) (asc|desc)/g, 'c.$1 $2')} limit ? offset ?`,
      targetKind,
      targetId,
      viewerId ?? -1,
      ...params,
      limit,
      offset,
    )

  let comments: CommentView[] = []
  let args = { for: [] as CommentView[], against: [] as CommentView[] }
  if (options.view === 'arguments') {
    // Your Priorities' two columns: the best arguments for and against, side by side.
    const forRows = await topLevel(`and c.stance = 'for'`, [], PAGE_SIZE, (page - 1) * PAGE_SIZE)
    const againstRows = await topLevel(`and c.stance = 'against'`, [], PAGE_SIZE, (page - 1) * PAGE_SIZE)
    const myVotes = await votes([...forRows, ...againstRows].map((r) => r.id))
    args = { for: forRows.map((r) => toView(r, viewerId, myVotes)), against: againstRows.map((r) => toView(r, viewerId, myVotes)) }
  } else {
    const rows = await topLevel('', [], PAGE_SIZE, (page - 1) * PAGE_SIZE)
    const myVotes = await votes(rows.map((r) => r.id))
    comments = rows.map((r) => toView(r, viewerId, myVotes))
    await attachReplies(comments, sort, viewerId, votes, SHOWN_DEPTH)
  }
  return {
    total: stats.total,
    counts: { for: stats.f ?? 0, against: stats.a ?? 0, neutral: stats.n ?? 0 },
    comments,
    page,
    pages,
    sort,
    view: options.view ?? 'threads',
    arguments: args,
  }
}

/** One comment and its replies ("continue this thread"), with where it belongs. */
export async function commentThread(commentId: number, options: { sort?: SortOrder; viewerId?: number | null } = {}) {
  const viewerId = options.viewerId ?? null
  const row = await run().get<Row & { target_kind: string; target_id: number }>(
    `select ${SELECT}, c.target_kind, c.target_id from comments c join users u on u.id = c.author_id where c.id = ?`,
    commentId,
  )
  if (!row || (row.status !== 'visible' && row.author_id !== viewerId)) return null
  const votes = votesOf(viewerId)
  const root = toView(row, viewerId, await votes([row.id]))
  await attachReplies([root], options.sort ?? 'best', viewerId, votes, SHOWN_DEPTH)
  const target = discussables.get(row.target_kind)
  return { comment: root, targetKind: row.target_kind, targetId: row.target_id, targetUrl: target ? await target.url(row.target_id) : '/' }
}

// ---------------------------------------------------------------- moderation of comments

export const registerCommentModeration = () =>
  registerModeratedKind('comment', {
    async describe(trx, id) {
      const db = trx ?? database().db
      const row = await db.selectFrom('comments').select(['author_id', 'body_md', 'status', 'target_kind', 'target_id']).where('id', '=', id).executeTakeFirst()
      if (!row) return null
      const target = discussables.get(row.target_kind)
      const base = target ? await target.url(row.target_id) : '/'
      // The whole current text: what a moderator approves is exactly what will be shown.
      return { authorId: row.author_id, excerpt: row.body_md, url: `${base}#comment-${id}`, hidden: row.status !== 'visible' }
    },
    async hide(trx: Transaction<Database>, id: number) {
      await trx.updateTable('comments').set({ status: 'hidden' }).where('id', '=', id).execute()
    },
    async restore(trx: Transaction<Database>, id: number) {
      await trx.updateTable('comments').set({ status: 'visible' }).where('id', '=', id).execute()
    },
    async hideAllBy(trx: Transaction<Database>, authorId: number) {
      const result = await trx.updateTable('comments').set({ status: 'hidden' }).where('author_id', '=', authorId).where('status', '=', 'visible').executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
  })
