import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { areaId, makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { blockUser } from '../moderation/moderation.server'
import { commentThread, deleteComment, editComment, loadDiscussion, postComment, SHOWN_REPLIES, voteComment } from './deliberation.server'

let area: number
beforeAll(async () => {
  await seededDatabase()
  area = await areaId('ribera-nord')
})

const post = async (author: { id: number; verificationLevel: number }, body: string, extra: { parentId?: number; stance?: 'for' | 'neutral' | 'against'; target?: number } = {}) => {
  const result = await postComment(author, { targetKind: 'area', targetId: extra.target ?? area, parentId: extra.parentId ?? null, body, stance: extra.stance ?? 'neutral' })
  if (result.kind !== 'ok') throw new Error(result.kind)
  return result.commentId
}

describe('threads', () => {
  it('nests replies, counts replies and descendants, and keeps stances', async () => {
    const target = await areaId('ribera-sud')
    const [a, b] = [await makeUser(), await makeUser()]
    const root = await post(a, 'We need more benches in the square.', { stance: 'for', target })
    const reply = await post(b, 'They would block the market.', { parentId: root, stance: 'against', target })
    await post(a, 'Not if they go along the edge.', { parentId: reply, target })
    const page = await loadDiscussion('area', target, { viewerId: a.id })
    expect(page.total).toBe(3)
    expect(page.counts).toEqual({ for: 1, against: 1, neutral: 1 })
    const top = page.comments[0]!
    expect(top).toMatchObject({ id: root, replies: 1, descendants: 2, stance: 'for', mine: true })
    expect(top.children[0]).toMatchObject({ id: reply, stance: 'against', depth: 1, mine: false })
    expect(top.children[0]!.children[0]!.depth).toBe(2)
  })

  it('refuses a reply to a comment of another discussion, and posting where nothing can be discussed', async () => {
    const a = await makeUser()
    const elsewhere = await post(a, 'Elsewhere.', { target: await areaId('sant-roc') })
    expect((await postComment(a, { targetKind: 'area', targetId: area, parentId: elsewhere, body: 'x', stance: 'neutral' })).kind).toBe('noParent')
    expect((await postComment(a, { targetKind: 'area', targetId: 999_999, body: 'x', stance: 'neutral' })).kind).toBe('noTarget')
    expect((await postComment(a, { targetKind: 'nothing', targetId: 1, body: 'x', stance: 'neutral' })).kind).toBe('noTarget')
  })

  it('shows a few replies per comment and offers to continue the thread', async () => {
    const target = await areaId('puigverd')
    const a = await makeUser()
    const root = await post(a, 'A busy thread.', { target })
    const repliers = await Promise.all(Array.from({ length: SHOWN_REPLIES + 3 }, () => makeUser()))
    for (const r of repliers) await post(r, 'Me too.', { parentId: root, target })
    const page = await loadDiscussion('area', target)
    expect(page.comments[0]!.children).toHaveLength(SHOWN_REPLIES)
    expect(page.comments[0]!.moreReplies).toBe(3)
    const thread = await commentThread(root)
    expect(thread?.comment.children).toHaveLength(SHOWN_REPLIES)
    expect(thread?.targetUrl).toBe('/areas/puigverd')
  })

  it('needs the comment level (1) and refuses blocked people with the reason', async () => {
    const unconfirmed = await makeUser(0)
    expect(await postComment(unconfirmed, { targetKind: 'area', targetId: area, body: 'hi', stance: 'neutral' })).toEqual({ kind: 'needsLevel', level: 1 })
    const troll = await makeUser()
    const moderator = await makeUser()
    await blockUser(moderator.id, troll.id, 'Repeated insults')
    expect(await postComment(troll, { targetKind: 'area', targetId: area, body: 'hi', stance: 'neutral' })).toEqual({ kind: 'blocked', reason: 'Repeated insults' })
  })

  it('caps links in new accounts’ comments', async () => {
    const fresh = await makeUser(1, 0)
    const body = 'https://a.example https://b.example https://c.example'
    expect(await postComment(fresh, { targetKind: 'area', targetId: area, body, stance: 'neutral' })).toEqual({ kind: 'tooManyLinks', max: 2 })
    const old = await makeUser(1, 60)
    expect((await postComment(old, { targetKind: 'area', targetId: area, body, stance: 'neutral' })).kind).toBe('ok')
  })

  it('rate-limits a flood of comments from one person', async () => {
    const flooder = await makeUser()
    const results = []
    for (let i = 0; i < 11; i++) results.push((await postComment(flooder, { targetKind: 'area', targetId: area, body: `n${i}`, stance: 'neutral' })).kind)
    expect(results.slice(0, 10).every((k) => k === 'ok')).toBe(true)
    expect(results[10]).toBe('throttled')
  })
})

describe('refusals found in review', () => {
  it('refuses votes from unconfirmed and blocked people', async () => {
    const author = await makeUser()
    const id = await post(author, 'Rate me.')
    expect(await voteComment(await makeUser(0), id, 1)).toEqual({ kind: 'needsLevel', level: 1 })
    const blocked = await makeUser()
    await blockUser((await makeUser()).id, blocked.id, 'Spam')
    expect(await voteComment(blocked, id, 1)).toEqual({ kind: 'blocked', reason: 'Spam' })
  })

  it('refuses a reply under a hidden comment', async () => {
    const a = await makeUser()
    const id = await post(a, 'Soon hidden.')
    await database().write((trx) => trx.updateTable('comments').set({ status: 'hidden' }).where('id', '=', id).execute())
    expect((await postComment(await makeUser(), { targetKind: 'area', targetId: area, parentId: id, body: 'reply', stance: 'neutral' })).kind).toBe('noParent')
  })

  it('refuses to edit a comment waiting for a moderator, and re-checks the link cap on edit', async () => {
    const a = await makeUser()
    const id = await post(a, 'Lovely park.')
    await database().write((trx) => trx.updateTable('comments').set({ status: 'pending' }).where('id', '=', id).execute())
    expect(await editComment(a.id, id, { body: 'spam', stance: 'neutral' })).toEqual({ kind: 'pending' })
    const fresh = await makeUser(1, 0)
    const other = await post(fresh, 'No links yet.')
    expect(await editComment(fresh.id, other, { body: 'https://a.example https://b.example https://c.example', stance: 'neutral' })).toEqual({ kind: 'tooManyLinks', max: 2 })
  })
})

describe('sorting', () => {
  it('orders by best (Wilson), newest, oldest and most discussed', async () => {
    const target = await areaId('montclar')
    const author = await makeUser()
    const first = await post(author, 'first', { target })
    const second = await post(author, 'second', { target })
    const third = await post(author, 'third', { target })
    const voters = await Promise.all(Array.from({ length: 6 }, () => makeUser()))
    // second: 5 helpful, 1 not; third: 1 helpful.
    for (const v of voters.slice(0, 5)) await voteComment(v, second, 1)
    await voteComment(voters[5]!, second, -1)
    await voteComment(voters[0]!, third, 1)
    await post(voters[1]!, 'a reply', { parentId: first, target })
    await post(voters[2]!, 'another', { parentId: first, target })
    const ids = async (sort: 'best' | 'newest' | 'oldest' | 'discussed') => (await loadDiscussion('area', target, { sort })).comments.map((c) => c.id)
    expect(await ids('best')).toEqual([second, third, first])
    expect(await ids('newest')).toEqual([third, second, first])
    expect(await ids('oldest')).toEqual([first, second, third])
    expect((await ids('discussed'))[0]).toBe(first)
  })

  it('shows arguments for and against in two columns', async () => {
    const target = await areaId('el-sargal')
    const a = await makeUser()
    await post(a, 'yes', { stance: 'for', target })
    await post(a, 'no', { stance: 'against', target })
    await post(a, 'hmm', { stance: 'neutral', target })
    const page = await loadDiscussion('area', target, { view: 'arguments' })
    expect(page.arguments.for.map((c) => c.stance)).toEqual(['for'])
    expect(page.arguments.against.map((c) => c.stance)).toEqual(['against'])
  })
})

describe('votes, edits and deletion', () => {
  it('counts one vote per person, lets it change or go, and refuses one’s own', async () => {
    const a = await makeUser()
    const b = await makeUser()
    const id = await post(a, 'Vote on me.')
    expect(await voteComment(a, id, 1)).toEqual({ kind: 'own' })
    expect(await voteComment(b, id, 1)).toMatchObject({ helpful: 1, unhelpful: 0 })
    expect(await voteComment(b, id, 1)).toMatchObject({ helpful: 1, unhelpful: 0 })
    expect(await voteComment(b, id, -1)).toMatchObject({ helpful: 0, unhelpful: 1 })
    expect(await voteComment(b, id, 0)).toMatchObject({ helpful: 0, unhelpful: 0 })
  })

  it('allows editing within the window, marks the edit, and refuses it afterwards', async () => {
    const a = await makeUser()
    const id = await post(a, 'Typo hre.')
    expect(await editComment(a.id, id, { body: 'Typo here.', stance: 'for' })).toEqual({ kind: 'ok' })
    const row = await database().db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.body_html).toBe('<p>Typo here.</p>')
    expect(row.edited_at).not.toBeNull()
    expect(row.stance).toBe('for')
    const other = await makeUser()
    expect((await editComment(other.id, id, { body: 'mine now', stance: 'neutral' })).kind).toBe('notFound')
    await database().write((trx) =>
      trx
        .updateTable('comments')
        .set({ created_at: new Date(Date.now() - 16 * 60_000).toISOString() })
        .where('id', '=', id)
        .execute(),
    )
    expect(await editComment(a.id, id, { body: 'late', stance: 'neutral' })).toEqual({ kind: 'tooLate' })
  })

  it('deletes a comment but keeps its replies', async () => {
    const target = await areaId('les-planes')
    const a = await makeUser()
    const b = await makeUser()
    const root = await post(a, 'Regrettable.', { target })
    await post(b, 'A good answer.', { parentId: root, target })
    expect(await deleteComment(b.id, root)).toEqual({ kind: 'notFound' })
    expect(await deleteComment(a.id, root)).toEqual({ kind: 'ok' })
    const page = await loadDiscussion('area', target)
    expect(page.comments[0]).toMatchObject({ id: root, deleted: true, html: '' })
    expect(page.comments[0]!.children[0]!.html).toBe('<p>A good answer.</p>')
  })
})
