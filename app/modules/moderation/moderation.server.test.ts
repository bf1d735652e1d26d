import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { areaId, makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { citySettings, saveCitySettings } from '../city/settings.server'
import { loadDiscussion, postComment } from '../deliberation/deliberation.server'
import { activeBlock, auditLog, blockUser, decide, flagContent, moderationQueue, unblockUser } from './moderation.server'

let area: number
beforeAll(async () => {
  await seededDatabase()
  area = await areaId('sant-roc')
})

async function comment(body = 'A comment people may not like.') {
  const author = await makeUser()
  const result = await postComment(author, { targetKind: 'area', targetId: area, body, stance: 'neutral' })
  if (result.kind !== 'ok') throw new Error(result.kind)
  return { author, id: result.commentId }
}

const status = async (id: number) => (await database().db.selectFrom('comments').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

describe('flags', () => {
  it('hides at the threshold the council saved (handed in by the city module, which moderation does not import)', async () => {
    const admin = await makeUser(3)
    const before = await citySettings()
    await saveCitySettings(admin.id, { ...before, MODERATION_AUTO_HIDE: 1 })
    try {
      const { id } = await comment()
      expect(await flagContent((await makeUser()).id, { targetKind: 'comment', targetId: id, reason: 'spam' })).toEqual({ kind: 'ok', autoHidden: true })
      expect(await status(id)).toBe('hidden')
    } finally {
      await saveCitySettings(admin.id, before)
    }
  })

  it('counts one flag per person, refuses flagging one’s own, and hides at three flags pending review', async () => {
    const { author, id } = await comment()
    const [a, b, c] = [await makeUser(), await makeUser(), await makeUser()]
    expect(await flagContent(author.id, { targetKind: 'comment', targetId: id, reason: 'spam' })).toEqual({ kind: 'ownContent' })
    expect(await flagContent(a.id, { targetKind: 'comment', targetId: id, reason: 'spam' })).toEqual({ kind: 'ok', autoHidden: false })
    expect(await flagContent(a.id, { targetKind: 'comment', targetId: id, reason: 'offensive' })).toEqual({ kind: 'alreadyFlagged' })
    expect(await flagContent(b.id, { targetKind: 'comment', targetId: id, reason: 'offensive' })).toEqual({ kind: 'ok', autoHidden: false })
    expect(await status(id)).toBe('visible')
    expect(await flagContent(c.id, { targetKind: 'comment', targetId: id, reason: 'offensive' })).toEqual({ kind: 'ok', autoHidden: true })
    expect(await status(id)).toBe('hidden')
    const item = (await moderationQueue()).find((q) => q.target_id === id)!
    expect(item).toMatchObject({ flags: 3, why: 'auto_hidden', reasons: { spam: 1, offensive: 2 }, hidden: true })
    const audit = await auditLog({ targetKind: 'comment', targetId: id })
    expect(audit[0]).toMatchObject({ action: 'auto_hide', actor: null, reason: '3 flags' })
    const email = (await database().db.selectFrom('users').select('email').where('id', '=', author.id).executeTakeFirstOrThrow()).email!
    const mail = await database().db.selectFrom('outbox').select('text_body').where('to_address', '=', email).where('kind', '=', 'moderation.hidden').executeTakeFirst()
    expect(mail?.text_body).toContain('several people reported it')
    // Hidden from everyone but its author.
    const others = await loadDiscussion('area', area, { viewerId: a.id })
    expect(others.comments.find((x) => x.id === id)).toBeUndefined()
    const mine = await loadDiscussion('area', area, { viewerId: author.id })
    expect(mine.comments.find((x) => x.id === id)?.status).toBe('hidden')
    expect(await flagContent(a.id, { targetKind: 'comment', targetId: 999_999, reason: 'spam' })).toEqual({ kind: 'notFound' })
  })

  it('orders the queue by flags, then age', async () => {
    const one = await comment('one flag')
    const two = await comment('two flags')
    await flagContent((await makeUser()).id, { targetKind: 'comment', targetId: one.id, reason: 'other' })
    for (let i = 0; i < 2; i++) await flagContent((await makeUser()).id, { targetKind: 'comment', targetId: two.id, reason: 'other' })
    const order = (await moderationQueue()).map((q) => q.target_id)
    expect(order.indexOf(two.id)).toBeLessThan(order.indexOf(one.id))
  })
})

describe('decisions', () => {
  it('restores, hides with an e-mail to the author, dismisses — every action in the audit log', async () => {
    const moderator = await makeUser()
    const { author, id } = await comment('Borderline remark.')
    for (let i = 0; i < 3; i++) await flagContent((await makeUser()).id, { targetKind: 'comment', targetId: id, reason: 'offensive' })
    const queueId = (await moderationQueue()).find((q) => q.target_id === id)!.id
    expect(await decide(moderator.id, queueId, 'restore', 'Within the rules')).toEqual({ kind: 'ok' })
    expect(await status(id)).toBe('visible')
    expect((await moderationQueue()).find((q) => q.target_id === id)).toBeUndefined()
    // Flagged again later: back in the queue; this time it is hidden.
    await flagContent((await makeUser()).id, { targetKind: 'comment', targetId: id, reason: 'personal_data' })
    const again = (await moderationQueue()).find((q) => q.target_id === id)!
    expect(again.flags).toBe(4)
    expect(await decide(moderator.id, again.id, 'hide', 'Contains a phone number')).toEqual({ kind: 'ok' })
    expect(await status(id)).toBe('hidden')
    const email = (await database().db.selectFrom('users').select('email').where('id', '=', author.id).executeTakeFirstOrThrow()).email!
    // The latest: the first one told the author about the automatic hide.
    const mail = await database().db.selectFrom('outbox').selectAll().where('to_address', '=', email).where('kind', '=', 'moderation.hidden').orderBy('id', 'desc').executeTakeFirst()
    expect(mail?.text_body).toContain('Contains a phone number')
    const actions = (await auditLog({ targetKind: 'comment', targetId: id })).map((e) => [e.action, e.reason])
    expect(actions).toEqual([
      ['hide', 'Contains a phone number'],
      ['restore', 'Within the rules'],
      ['auto_hide', '3 flags'],
    ])
    expect(await decide(moderator.id, 999_999, 'hide', 'x')).toEqual({ kind: 'notFound' })
  })
})

describe('blocking', () => {
  it('hides a blocked person’s content, tells them why, stops their posts, and can be lifted', async () => {
    const moderator = await makeUser()
    const { author, id } = await comment('Something.')
    expect(await blockUser(moderator.id, moderator.id, 'x')).toEqual({ kind: 'self' })
    expect(await blockUser(moderator.id, author.id, 'Harassment')).toEqual({ kind: 'ok', hidden: 1 })
    expect(await blockUser(moderator.id, author.id, 'again')).toEqual({ kind: 'alreadyBlocked' })
    expect(await status(id)).toBe('hidden')
    expect(await activeBlock(author.id)).toMatchObject({ reason: 'Harassment' })
    expect((await postComment(author, { targetKind: 'area', targetId: area, body: 'x', stance: 'neutral' })).kind).toBe('blocked')
    const email = (await database().db.selectFrom('users').select('email').where('id', '=', author.id).executeTakeFirstOrThrow()).email!
    expect(await database().db.selectFrom('outbox').select('id').where('to_address', '=', email).where('kind', '=', 'moderation.blocked').executeTakeFirst()).toBeDefined()
    expect(await unblockUser(moderator.id, author.id, 'Apologised')).toEqual({ kind: 'ok' })
    expect((await postComment(author, { targetKind: 'area', targetId: area, body: 'Sorry.', stance: 'neutral' })).kind).toBe('ok')
    expect((await auditLog({ targetKind: 'user', targetId: author.id })).map((e) => e.action)).toEqual(['unblock_user', 'block_user'])
  })
})
