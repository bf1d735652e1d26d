import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { secretKey } from '../../lib/secrets.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { DIGEST_INTERVAL_MS, sendDigests } from './digest.server'
import { itemPublished, proposalEvent, reportUpdated } from './events.server'
import { changeOwnSubscription, confirmFollow, follow, followTarget, subscriptionsOf, unfollowByToken, unsubscribeView, type FollowInput } from './follow.server'
import { digestUnsubscribeToken, notify, readUnsubscribeToken, unsubscribeToken } from './notify.server'

let n = 0
const address = (label: string) => `${label}-${++n}@follow.example.org`
const db = () => database().db

const mailsTo = (email: string, kind?: string) => {
  let q = db().selectFrom('outbox').selectAll().where('to_address', '=', email)
  if (kind) q = q.where('kind', '=', kind)
  return q.orderBy('id').execute()
}

async function confirmTokenFor(email: string) {
  const mail = (await mailsTo(email, 'follow.confirm')).at(-1)
  const m = /\/follow\/confirm\/([a-z2-7]+)/.exec(mail?.text_body ?? '')
  if (!m) throw new Error(`no confirmation mailed to ${email}`)
  return m[1]!
}

async function activeFollow(input: Omit<FollowInput, 'locale'>) {
  const result = await follow({ locale: 'en', ...input })
  expect(result.kind).toBe('pending')
  const confirmed = await confirmFollow(await confirmTokenFor(input.email))
  expect(confirmed.kind).toBe('ok')
  return confirmed.kind === 'ok' ? confirmed.subscription.id : 0
}

async function account(level = 1) {
  const u = await makeUser(level)
  const row = await db().selectFrom('users').select(['id', 'email']).where('id', '=', u.id).executeTakeFirstOrThrow()
  return { id: row.id, email: row.email!, emailConfirmed: level >= 1 }
}

let report: number
let proposal: number
let hiddenProposal: number
let draftProposal: number
let petition: number
let vote: number
let district: { id: number; slug: string }
let neighbourhood: { id: number; slug: string }

beforeAll(async () => {
  await seededDatabase()
  await secretKey()
  // The small demo has one fixed report: any public report can be followed.
  report = (await db().selectFrom('reports').select('id').where('state_kind', 'in', ['open', 'fixed', 'closed']).orderBy('id').executeTakeFirstOrThrow()).id
  const proposals = await db().selectFrom('proposals').select(['id', 'state']).orderBy('id').execute()
  proposal = proposals.find((p) => p.state === 'published')!.id
  petition = (await db().selectFrom('petitions').select('id').where('state', '=', 'open').orderBy('id').executeTakeFirstOrThrow()).id
  vote = (await db().selectFrom('voting_processes').select('id').where('state', 'in', ['open', 'scheduled', 'published']).orderBy('id').executeTakeFirstOrThrow()).id
  const areas = await db().selectFrom('areas').select(['id', 'slug', 'level', 'parent_id']).execute()
  const n1 = areas.find((a) => a.level === 'neighbourhood')!
  neighbourhood = { id: n1.id, slug: n1.slug }
  const d = areas.find((a) => a.id === n1.parent_id)!
  district = { id: d.id, slug: d.slug }
  // A hidden and a draft proposal of our own (the demo may have none).
  const author = await account(2)
  const at = new Date().toISOString()
  const made = await database().write(async (trx) => {
    const base = {
      author_id: author.id,
      title: 'Secret plan',
      summary: 's',
      body_md: 'b',
      body_html: '<p>b</p>',
      category_id: null,
      lat: null,
      lng: null,
      area_id: null,
      district_id: null,
      image_id: null,
      created_at: at,
      updated_at: at,
      published_at: null,
      expires_at: null,
      threshold_reached_at: null,
      archived_at: null,
      process_id: null,
      answer_md: null,
      answer_html: null,
      answered_at: null,
      answered_by: null,
    }
    const h = await trx
      .insertInto('proposals')
      .values({ ...base, state: 'hidden', published_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const dr = await trx
      .insertInto('proposals')
      .values({ ...base, state: 'draft' })
      .returning('id')
      .executeTakeFirstOrThrow()
    return [h.id, dr.id]
  })
  ;[hiddenProposal, draftProposal] = made as [number, number]
})

describe('following', () => {
  it('confirms by e-mail, mails each event with the unsubscribe link and headers, and stops after unsubscribing', async () => {
    const email = address('guest')
    const id = await activeFollow({ email, targetKind: 'report', targetId: report, mode: 'immediate' })
    // Its reporter follows it too, from when it was published (issue 19): each follower is told once.
    const others = await database()
      .db.selectFrom('subscriptions')
      .select('email_key')
      .where('target_kind', '=', 'report')
      .where('target_id', '=', report)
      .where('email_key', '!=', email)
      .where('confirmed_at', 'is not', null)
      .where('unsubscribed_at', 'is', null)
      .execute()
    const told = await database().write((trx) => reportUpdated(trx, { reportId: report, authorId: null, text: 'The crew comes on Monday.' }))
    expect(told).toBe(1 + others.length)
    const [mail] = await mailsTo(email, 'follow.event')
    expect(mail!.text_body).toContain('The crew comes on Monday.')
    const token = unsubscribeToken(await secretKey(), id)
    expect(mail!.text_body).toContain(`/follow/unsubscribe/${token}`)
    const headers = JSON.parse(mail!.headers) as Record<string, string>
    expect(headers['List-Unsubscribe']).toMatch(new RegExp(`^<http.*/follow/unsubscribe/${token.replace('.', '\\.')}>$`))
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')

    expect(await unsubscribeView(token)).toMatchObject({ scope: 'one', email, active: true })
    expect(await unfollowByToken(token)).toEqual({ kind: 'ok', stopped: 1 })
    expect(await unsubscribeView(token)).toMatchObject({ active: false })
    await database().write((trx) => reportUpdated(trx, { reportId: report, authorId: null, text: 'Done.' }))
    expect(await mailsTo(email, 'follow.event')).toHaveLength(1)
  })

  it('does not send the confirmation link twice for one use, and refuses forged or used tokens', async () => {
    const email = address('once')
    await follow({ email, targetKind: 'proposal', targetId: proposal, mode: 'daily', locale: 'es' })
    const token = await confirmTokenFor(email)
    expect((await confirmFollow(token)).kind).toBe('ok')
    expect((await confirmFollow(token)).kind).toBe('invalid')
    expect((await confirmFollow('nonsense')).kind).toBe('invalid')
    const key = await secretKey()
    expect(readUnsubscribeToken(key, 's1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull()
    expect(readUnsubscribeToken(key, unsubscribeToken(key, 5))).toEqual({ scope: 'one', subscriptionId: 5 })
    // A token for one subscription does not name another (the id is part of the MAC).
    const forged = unsubscribeToken(key, 5).replace(/^s5\./, 's6.')
    expect(readUnsubscribeToken(key, forged)).toBeNull()
    expect((await unfollowByToken(forged)).kind).toBe('invalid')
    // The Spanish confirmation is in Spanish.
    expect((await mailsTo(email, 'follow.confirm'))[0]!.subject).toMatch(/^Confirma/)
  })

  it('is active at once for a logged-in person with that address confirmed; following again changes the mode', async () => {
    const me = await account(1)
    const first = await follow({ email: me.email, user: me, targetKind: 'petition', targetId: petition, mode: 'immediate', locale: 'en' })
    expect(first).toMatchObject({ kind: 'active', changed: true })
    expect(await mailsTo(me.email, 'follow.confirm')).toHaveLength(0)
    const again = await follow({ email: me.email.toUpperCase(), user: me, targetKind: 'petition', targetId: petition, mode: 'daily', locale: 'en' })
    expect(again).toMatchObject({ kind: 'active', changed: true })
    const mine = await subscriptionsOf(me)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ targetKind: 'petition', targetId: petition, mode: 'daily', active: true })
  })

  it('tells a stranger nothing: following an active subscription again while logged out mails the owner instead', async () => {
    const me = await account(1)
    await follow({ email: me.email, user: me, targetKind: 'vote', targetId: vote, mode: 'immediate', locale: 'en' })
    const stranger = await follow({ email: me.email, targetKind: 'vote', targetId: vote, mode: 'daily', locale: 'en' })
    expect(stranger.kind).toBe('pending')
    const [changed] = await mailsTo(me.email, 'follow.changed')
    expect(changed!.text_body).toContain('/follow/unsubscribe/')
    expect(JSON.parse(changed!.headers)['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
  })

  it('follows each kind of public target and refuses hidden, draft and unknown ones', async () => {
    for (const [kind, id] of [
      ['report', report],
      ['proposal', proposal],
      ['petition', petition],
      ['vote', vote],
      ['area', district.id],
    ] as const) {
      expect(await followTarget(kind, id), kind).not.toBeNull()
      expect((await follow({ email: address(kind), targetKind: kind, targetId: id, mode: 'immediate', locale: 'en' })).kind, kind).toBe('pending')
    }
    for (const id of [hiddenProposal, draftProposal, 99_999_999]) {
      expect((await follow({ email: address('nope'), targetKind: 'proposal', targetId: id, mode: 'immediate', locale: 'en' })).kind).toBe('notFound')
    }
    expect((await follow({ email: address('nope'), targetKind: 'letter', targetId: 1, mode: 'immediate', locale: 'en' })).kind).toBe('notFound')
    const bad = await follow({ email: 'not an address', targetKind: 'report', targetId: report, mode: 'weekly', locale: 'en' })
    expect(bad).toEqual({ kind: 'invalid', errors: { email: ['notifications:errors.email'], mode: ['notifications:errors.mode'] } })
  })

  it('limits confirmation mails per address and follows per IP', async () => {
    const email = address('flood')
    const kinds = [
      ['report', report],
      ['proposal', proposal],
      ['petition', petition],
      ['vote', vote],
      ['area', district.id],
      ['area', neighbourhood.id],
    ] as const
    const results = []
    for (const [kind, id] of kinds) results.push((await follow({ email, targetKind: kind, targetId: id, mode: 'immediate', locale: 'en' })).kind)
    expect(results.slice(0, 5)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending'])
    expect(results[5]).toBe('rateLimited')
    const ip = `203.0.113.${n}`
    const byIp = []
    for (let i = 0; i < 61; i++) byIp.push((await follow({ email: address('ip'), targetKind: 'report', targetId: report, mode: 'immediate', locale: 'en', ip })).kind)
    expect(byIp.filter((k) => k === 'rateLimited')).toHaveLength(1)
    expect(byIp.at(-1)).toBe('rateLimited')
  })

  it('never tells people about their own action, nor about hidden content', async () => {
    const me = await account(1)
    await follow({ email: me.email, user: me, targetKind: 'proposal', targetId: proposal, mode: 'immediate', locale: 'en' })
    const other = address('other')
    await activeFollow({ email: other, targetKind: 'proposal', targetId: proposal, mode: 'immediate' })
    const told = await database().write((trx) => proposalEvent(trx, proposal, 'threshold', me.id))
    expect(told).toBeGreaterThanOrEqual(1)
    expect(await mailsTo(me.email, 'follow.event')).toHaveLength(0)
    expect(await mailsTo(other, 'follow.event')).toHaveLength(1)
    // Hidden since: nobody hears.
    await database().write((trx) => trx.updateTable('proposals').set({ state: 'hidden' }).where('id', '=', proposal).execute())
    expect(await database().write((trx) => proposalEvent(trx, proposal, 'answered'))).toBe(0)
    await database().write((trx) => trx.updateTable('proposals').set({ state: 'published' }).where('id', '=', proposal).execute())
  })

  it('tells the followers of an area, its district and the city about a new item, each address once', async () => {
    const ofDistrict = address('district')
    const ofBoth = address('both')
    await activeFollow({ email: ofDistrict, targetKind: 'area', targetId: district.id, mode: 'immediate' })
    await activeFollow({ email: ofBoth, targetKind: 'area', targetId: district.id, mode: 'immediate' })
    await activeFollow({ email: ofBoth, targetKind: 'area', targetId: neighbourhood.id, mode: 'immediate' })
    const elsewhere = address('elsewhere')
    const otherDistrict = (await db().selectFrom('areas').select('id').where('level', '=', 'district').where('id', '!=', district.id).executeTakeFirstOrThrow()).id
    await activeFollow({ email: elsewhere, targetKind: 'area', targetId: otherDistrict, mode: 'immediate' })
    // A public report placed in the neighbourhood.
    const id = await database().write(async (trx) => {
      await trx.updateTable('reports').set({ area_id: neighbourhood.id, district_id: district.id }).where('id', '=', report).execute()
      return report
    })
    await database().write((trx) => itemPublished(trx, 'report', id))
    expect((await mailsTo(ofDistrict, 'follow.event')).map((m) => m.subject)).toEqual([expect.stringContaining('New report in your area')])
    expect(await mailsTo(ofBoth, 'follow.event')).toHaveLength(1)
    expect(await mailsTo(elsewhere, 'follow.event')).toHaveLength(0)
  })

  it('lets people change and stop only their own subscriptions', async () => {
    const me = await account(1)
    const someone = await account(1)
    const result = await follow({ email: me.email, user: me, targetKind: 'area', targetId: neighbourhood.id, mode: 'immediate', locale: 'en' })
    const id = result.kind === 'active' ? result.subscriptionId : 0
    expect(await changeOwnSubscription(someone, id, { stop: true })).toEqual({ kind: 'notFound' })
    expect(await changeOwnSubscription(someone, id, { mode: 'daily' })).toEqual({ kind: 'notFound' })
    expect(await changeOwnSubscription(me, id, { mode: 'daily' })).toEqual({ kind: 'ok' })
    expect((await subscriptionsOf(me))[0]!.mode).toBe('daily')
    expect(await changeOwnSubscription(me, id, { stop: true })).toEqual({ kind: 'ok' })
    expect(await subscriptionsOf(me)).toEqual([])
    expect(await subscriptionsOf(someone)).toEqual([])
  })
})

describe('the daily digest', () => {
  it('sends nothing before a day, then one digest with every event, never twice; its link stops every daily subscription', async () => {
    const email = address('daily')
    const a = await activeFollow({ email, targetKind: 'petition', targetId: petition, mode: 'daily' })
    await activeFollow({ email, targetKind: 'vote', targetId: vote, mode: 'daily' })
    const start = Date.now()
    await database().write(async (trx) => {
      await notify(trx, { targetKind: 'petition', targetId: petition, event: 'petition.response', title: 'First thing', url: `/petitions/${petition}` })
      await notify(trx, { targetKind: 'vote', targetId: vote, event: 'vote.closed', title: 'Second thing', url: `/votes/${vote}` })
    })
    expect(await mailsTo(email, 'follow.event')).toHaveLength(0)
    const waiting = await db().selectFrom('notifications').select('id').where('subscription_id', '=', a).where('sent_at', 'is', null).execute()
    expect(waiting).toHaveLength(1)

    await sendDigests(new Date(start + DIGEST_INTERVAL_MS - 3600_000))
    expect(await mailsTo(email, 'follow.digest')).toHaveLength(0)
    await sendDigests(new Date(start + DIGEST_INTERVAL_MS + 60_000))
    // Two runs at once (two servers) still send one.
    await Promise.all([sendDigests(new Date(start + DIGEST_INTERVAL_MS + 120_000)), sendDigests(new Date(start + DIGEST_INTERVAL_MS + 120_000))])
    const digests = await mailsTo(email, 'follow.digest')
    expect(digests).toHaveLength(1)
    expect(digests[0]!.text_body).toContain('First thing')
    expect(digests[0]!.text_body).toContain('Second thing')
    expect(digests[0]!.subject).toContain('2 updates')
    const token = digestUnsubscribeToken(await secretKey(), a)
    expect(digests[0]!.text_body).toContain(`/follow/unsubscribe/${token}`)
    expect(JSON.parse(digests[0]!.headers)['List-Unsubscribe']).toContain(token)

    // A new event: not before a day after the last digest.
    await database().write((trx) => notify(trx, { targetKind: 'vote', targetId: vote, event: 'vote.published', title: 'Third thing', url: `/votes/${vote}` }))
    await sendDigests(new Date(start + DIGEST_INTERVAL_MS * 1.5))
    expect(await mailsTo(email, 'follow.digest')).toHaveLength(1)
    await sendDigests(new Date(start + DIGEST_INTERVAL_MS * 2 + 180_000))
    const after = await mailsTo(email, 'follow.digest')
    expect(after).toHaveLength(2)
    expect(after[1]!.text_body).toContain('Third thing')
    expect(after[1]!.text_body).not.toContain('First thing')

    expect(await unfollowByToken(token)).toEqual({ kind: 'ok', stopped: 2 })
    await database().write((trx) => notify(trx, { targetKind: 'vote', targetId: vote, event: 'vote.published', title: 'Fourth', url: `/votes/${vote}` }))
    await sendDigests(new Date(start + DIGEST_INTERVAL_MS * 5))
    expect(await mailsTo(email, 'follow.digest')).toHaveLength(2)
  })
})
