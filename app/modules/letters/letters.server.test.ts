import { beforeAll, describe, expect, it } from 'vitest'
import { areaId, seededDatabase } from '../../../tests/support/fixtures'
import { database } from '../../lib/db.server'
import { deliverDueMail, type MailTransport } from '../../lib/mail/outbox.server'
import { hashToken } from '../accounts/sessions.server'
import { parseDeliveryStatus, parseJsonBounces, recordBounces } from './bounces.server'
import { applyRetention, chosenRecipients, confirmLetter, letterByToken, rejectLetter, releaseLetter, writeLetter, type Recipient, type WriteLetterInput } from './letters.server'
import { answerLetterQuestionnaire, letterQuestionnaireByToken, sendDueLetterQuestionnaires } from './questionnaire.server'
import { representativesFor, responseRates } from './representatives.server'
import { letterSimilarity } from './abuse.server'

const DAY = 86_400_000
let recipients: Recipient[]
let areaOf: number
let ipCounter = 0
const nextIp = () => `203.0.113.${++ipCounter}`

beforeAll(async () => {
  await seededDatabase()
  areaOf = await areaId('ribera-nord')
  const groups = await representativesFor({ areaId: areaOf })
  const ids = groups.flatMap((g) => g.members.filter((m) => !m.bounced).map((m) => m.id))
  const picked = await chosenRecipients({ areaId: areaOf }, ids.slice(0, 2))
  if (!picked.ok) throw new Error('no representatives in the seed')
  recipients = picked.recipients
})

const body = (n: number) =>
  `Dear councillor, the pavement on street number ${n} has been broken for months and people in wheelchairs cannot pass; ` +
  `please have it repaired before winter, and tell us when the works will start. Letter ${n} ${'lorem ipsum dolor '.repeat(n % 7)}`
const campaignText =
  'We the residents ask the council to stop the demolition of the old market hall on the river bank, which is part of our history, ' +
  'and to restore it as a covered market and a meeting place for the neighbourhood, as promised in the last election programme.'

function input(overrides: Partial<WriteLetterInput> = {}): WriteLetterInput {
  return {
    name: 'Ana Ruiz',
    email: `ana${Math.random().toString(36).slice(2, 8)}@example.org`,
    address: 'Carrer Major 12\n08001 Valmera',
    subject: 'Broken pavement',
    body: body(Math.floor(Math.random() * 1e6)),
    recipients: [recipients[0]!],
    place: { areaId: areaOf },
    locale: 'en',
    userId: null,
    ip: nextIp(),
    ...overrides,
  }
}

const outbox = (kind: string) => database().db.selectFrom('outbox').selectAll().where('kind', '=', kind).orderBy('id').execute()
const deliveries = (letterId: number) => database().db.selectFrom('letter_deliveries').selectAll().where('letter_id', '=', letterId).orderBy('id').execute()
const confirmTokenOf = async (letterId: number) => {
  const mails = await outbox('letters.confirm')
  const letter = await database().db.selectFrom('letters').select(['sender_email']).where('id', '=', letterId).executeTakeFirstOrThrow()
  const mail = mails.reverse().find((m) => m.to_address === letter.sender_email)!
  return /\/letters\/confirm\/([a-z2-7]{32})/.exec(mail.text_body)![1]!
}
async function written(overrides: Partial<WriteLetterInput> = {}) {
  const r = await writeLetter(input(overrides))
  if (r.kind !== 'written') throw new Error(`not written: ${r.kind}`)
  return r
}

/** Sends every due mail through a transport that accepts all but `refuse` addresses. */
function transport(refuse: (to: string) => { code: number; message: string } | undefined = () => undefined): MailTransport {
  return {
    async sendMail(mail) {
      const r = refuse(mail.to)
      if (r) throw Object.assign(new Error(r.message), { responseCode: r.code, response: `${r.code} ${r.message}` })
      return { messageId: mail.messageId }
    },
  }
}

describe('writing and confirming', () => {
  it('stores the letter unconfirmed with a confirmation mail and sends nothing to the representative', async () => {
    const before = (await outbox('letters.deliver')).length
    const r = await written({ recipients })
    const letter = await database().db.selectFrom('letters').selectAll().where('id', '=', r.letterId).executeTakeFirstOrThrow()
    expect(letter.status).toBe('unconfirmed')
    expect(letter.token_hash).toBe(hashToken(r.statusToken))
    expect(letter.fingerprint).not.toBeNull()
    expect((await deliveries(r.letterId)).map((d) => d.status)).toEqual(['waiting', 'waiting'])
    const confirm = (await outbox('letters.confirm')).find((m) => m.to_address === letter.sender_email)!
    expect(confirm.text_body).toContain(`/letters/confirm/`)
    expect(confirm.text_body).toContain(`/letters/${r.statusToken}`)
    expect((await outbox('letters.deliver')).length).toBe(before)
    const view = await letterByToken(r.statusToken)
    expect(view?.deliveries.map((d) => d.status)).toEqual(['waiting', 'waiting'])
  })

  it('confirms once: each delivery queued with a mail Reply-To the sender, signed with their address', async () => {
    const r = await written({ name: 'Ana "the" Ruiz, Jr', recipients })
    const token = await confirmTokenOf(r.letterId)
    const result = await confirmLetter(token)
    expect(result).toEqual({ kind: 'queued', statusToken: r.statusToken })
    expect(await confirmLetter(token)).toEqual({ kind: 'invalid' })
    const ds = await deliveries(r.letterId)
    expect(ds.map((d) => d.status)).toEqual(['queued', 'queued'])
    const mails = await database()
      .db.selectFrom('outbox')
      .selectAll()
      .where(
        'id',
        'in',
        ds.map((d) => d.outbox_id!),
      )
      .execute()
    expect(mails.map((m) => m.to_address).sort()).toEqual(recipients.map((x) => x.email).sort())
    const letter = await database().db.selectFrom('letters').selectAll().where('id', '=', r.letterId).executeTakeFirstOrThrow()
    for (const m of mails) {
      expect(m.kind).toBe('letters.deliver')
      expect(m.reply_to).toBe(`"Ana the Ruiz, Jr" <${letter.sender_email}>`)
      expect(m.text_body).toContain('Carrer Major 12\n08001 Valmera')
      expect(m.text_body).toContain(letter.body!.trim())
      expect(m.text_body).toMatch(/sent through Plaza/)
      expect(m.text_body).toMatch(/goes straight to/)
    }
  })

  it('refuses a letter to oneself and one to a representative not of this place', async () => {
    const self = await writeLetter(input({ email: recipients[0]!.email.toUpperCase() }))
    expect(self).toEqual({ kind: 'self', names: [recipients[0]!.name] })
    const mine = new Set((await representativesFor({ areaId: areaOf })).flatMap((g) => g.members.map((m) => m.id)))
    const other = await database().db.selectFrom('representatives').select('id').where('level', '=', 'neighbourhood').execute()
    const stranger = other.find((r) => !mine.has(r.id))!
    const checked = await chosenRecipients({ areaId: areaOf }, [stranger.id])
    expect(checked).toEqual({ ok: false, reason: 'unavailable', ids: [stranger.id] })
    expect(await chosenRecipients({ areaId: areaOf }, [])).toEqual({ ok: false, reason: 'none', ids: [] })
  })

  it('limits letters per sender (normalised address) and per IP', async () => {
    const ip = nextIp()
    for (let i = 0; i < 5; i++) await written({ email: i % 2 ? 'Mar.Tinez+x@gmail.com' : 'martinez@googlemail.com', ip: nextIp() })
    const sixth = await writeLetter(input({ email: 'm.a.r.t.i.n.e.z@gmail.com', ip }))
    expect(sixth.kind === 'limited' && sixth.which).toBe('sender')
    expect(sixth.kind === 'limited' && sixth.retryAfterSeconds).toBeGreaterThan(86_000)
    for (let i = 0; i < 20; i++) await written({ ip: '2001:db8:1:2::' + (i + 1).toString(16) })
    const next = await writeLetter(input({ ip: '2001:db8:1:2:ffff::9' }))
    expect(next.kind === 'limited' && next.which).toBe('ip')
    // Another /64 is another client.
    expect((await writeLetter(input({ ip: '2001:db8:1:3::1' }))).kind).toBe('written')
  })
})

describe('the campaign check', () => {
  it('freezes a near-identical letter once three other senders sent it, and lets a different letter pass', async () => {
    const outcomes: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await written({ body: `${campaignText} ${i === 3 ? 'Thank you.' : ''}`, subject: 'Save the market hall' })
      const c = await confirmLetter(await confirmTokenOf(r.letterId))
      outcomes.push(c.kind)
      if (i === 3) {
        const letter = await database().db.selectFrom('letters').selectAll().where('id', '=', r.letterId).executeTakeFirstOrThrow()
        expect(letter.status).toBe('frozen')
        expect(letter.frozen_reason).toBe('similar')
        expect(JSON.parse(letter.frozen_details!).senders).toBe(3)
        expect((await deliveries(r.letterId)).map((d) => d.status)).toEqual(['frozen'])
        const told = (await outbox('letters.frozen')).find((m) => m.to_address === letter.sender_email)!
        expect(told.text_body).toContain('/petitions/new')
        expect((await letterByToken(r.statusToken))?.status).toBe('frozen')
      }
    }
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'frozen'])
    const different = await written({ body: body(424242) })
    expect((await confirmLetter(await confirmTokenOf(different.letterId))).kind).toBe('queued')
  })

  it('counts only other, confirmed senders: the same sender repeating himself is not a campaign', async () => {
    const text = `${campaignText.replace('market hall', 'cinema')} Signed by one person only.`
    const email = 'solo@example.org'
    const kinds: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await written({ email, body: text })
      kinds.push((await confirmLetter(await confirmTokenOf(r.letterId))).kind)
    }
    expect(kinds).toEqual(['queued', 'queued', 'queued', 'queued'])
    // Unconfirmed copies by others do not count either.
    for (let i = 0; i < 4; i++) await written({ body: text })
    const last = await written({ body: text })
    expect((await confirmLetter(await confirmTokenOf(last.letterId))).kind).toBe('queued')
  })

  it('release queues the deliveries; reject tells the sender; both audited, and only once', async () => {
    const text = `${campaignText.replace('market hall', 'public baths')}`
    const ids: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await written({ body: text })
      await confirmLetter(await confirmTokenOf(r.letterId))
      ids.push(r.letterId)
    }
    const [a, b] = ids.slice(3) as [number, number]
    expect((await database().db.selectFrom('letters').select('status').where('id', 'in', [a, b]).execute()).map((l) => l.status)).toEqual(['frozen', 'frozen'])
    expect(await releaseLetter(1, a, null)).toEqual({ kind: 'ok' })
    expect(await releaseLetter(1, a, null)).toEqual({ kind: 'notFrozen' })
    expect((await deliveries(a))[0]!.status).toBe('queued')
    expect(await rejectLetter(1, b, 'Please start a petition instead.')).toEqual({ kind: 'ok' })
    expect(await rejectLetter(1, b, 'again')).toEqual({ kind: 'notFrozen' })
    expect((await deliveries(b))[0]!.status).toBe('rejected')
    const sender = await database().db.selectFrom('letters').select('sender_email').where('id', '=', b).executeTakeFirstOrThrow()
    expect((await outbox('letters.rejected')).find((m) => m.to_address === sender.sender_email)!.text_body).toContain('Please start a petition instead.')
    const audits = await database().db.selectFrom('audit_log').select(['action', 'target_id']).where('target_kind', '=', 'letter').execute()
    expect(audits).toEqual(
      expect.arrayContaining([
        { action: 'letter.release', target_id: a },
        { action: 'letter.reject', target_id: b },
      ]),
    )
    expect(audits.filter((x) => x.target_id === a || x.target_id === b)).toHaveLength(2)
  })
})

describe('delivery outcome', () => {
  it('marks deliveries sent (questionnaire due in 14 days) or failed with the server words, telling the sender', async () => {
    const ok = await written()
    const bad = await written({ recipients: [recipients[1]!] })
    await confirmLetter(await confirmTokenOf(ok.letterId))
    await confirmLetter(await confirmTokenOf(bad.letterId))
    const now = new Date(Date.now() + 60_000)
    const refused = recipients[1]!.email
    // Deliver everything due; the second representative's server refuses for good.
    for (let i = 0; i < 20; i++) {
      const r = await deliverDueMail({ transport: transport((to) => (to === refused ? { code: 550, message: '5.1.1 Mailbox unavailable' } : undefined)), now, limit: 200 })
      if (r.sent + r.failed + r.retried === 0) break
    }
    const [sent] = await deliveries(ok.letterId)
    expect(sent!.status).toBe('sent')
    expect(Date.parse(sent!.questionnaire_due_at!) - Date.parse(sent!.sent_at!)).toBe(14 * DAY)
    const [failed] = await deliveries(bad.letterId)
    expect(failed!.status).toBe('failed')
    expect(failed!.failure_reason).toContain('Mailbox unavailable')
    const sender = await database().db.selectFrom('letters').select('sender_email').where('id', '=', bad.letterId).executeTakeFirstOrThrow()
    const told = (await outbox('letters.failed')).filter((m) => m.to_address === sender.sender_email)
    expect(told).toHaveLength(1)
    expect(told[0]!.text_body).toContain('Mailbox unavailable')
    const view = await letterByToken(bad.statusToken)
    expect(view?.deliveries[0]).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('Mailbox unavailable') })
  })
})

describe('delivery retries', () => {
  it('retries a 4xx with backoff: the delivery stays queued, then becomes sent', async () => {
    const r = await written({ recipients: [recipients[0]!] })
    await confirmLetter(await confirmTokenOf(r.letterId))
    const start = new Date(Date.now() + 120_000)
    let busy = true
    const t = transport(() => (busy ? { code: 451, message: '4.3.0 Try again later' } : undefined))
    const drain = async (now: Date) => {
      for (let i = 0; i < 20; i++) {
        const x = await deliverDueMail({ transport: t, now, limit: 200 })
        if (x.sent + x.failed + x.retried === 0) break
      }
    }
    await drain(start)
    const [d] = await deliveries(r.letterId)
    expect(d!.status).toBe('queued')
    const mail = await database().db.selectFrom('outbox').selectAll().where('id', '=', d!.outbox_id!).executeTakeFirstOrThrow()
    expect(mail.status).toBe('pending')
    expect(mail.last_error).toContain('Try again later')
    busy = false
    await drain(new Date(start.getTime() + 59_000))
    expect((await deliveries(r.letterId))[0]!.status).toBe('queued')
    await drain(new Date(start.getTime() + 61_000))
    expect((await deliveries(r.letterId))[0]!.status).toBe('sent')
  })
})

describe('the questionnaire', () => {
  async function sentDelivery() {
    const r = await written()
    await confirmLetter(await confirmTokenOf(r.letterId))
    const sentAt = new Date(Date.now() - 1000)
    await database().write((trx) =>
      trx
        .updateTable('letter_deliveries')
        .set({ status: 'sent', sent_at: sentAt.toISOString(), questionnaire_due_at: new Date(sentAt.getTime() + 14 * DAY).toISOString() })
        .where('letter_id', '=', r.letterId)
        .execute(),
    )
    const [d] = await deliveries(r.letterId)
    return { letter: r, delivery: d!, sentAt }
  }
  const mailsTo = async (letterId: number) => {
    const l = await database().db.selectFrom('letters').select('sender_email').where('id', '=', letterId).executeTakeFirstOrThrow()
    return (await outbox('letters.questionnaire')).filter((m) => m.to_address === l.sender_email)
  }

  it('asks 14 days after delivery, reminds at 21 days, never twice, and not after an answer', async () => {
    const { letter, sentAt } = await sentDelivery()
    const at = (days: number, minutes = 0) => new Date(sentAt.getTime() + days * DAY + minutes * 60_000)
    await sendDueLetterQuestionnaires(at(14, -1))
    expect(await mailsTo(letter.letterId)).toHaveLength(0)
    await Promise.all([sendDueLetterQuestionnaires(at(14)), sendDueLetterQuestionnaires(at(14))])
    const first = await mailsTo(letter.letterId)
    expect(first).toHaveLength(1)
    expect(first[0]!.subject).toMatch(/^Did .+ reply to your letter\?$/)
    for (const a of ['yes', 'no', 'not_yet', 'unsatisfactory']) expect(first[0]!.text_body).toContain(`?answer=${a}`)
    await sendDueLetterQuestionnaires(at(20))
    expect(await mailsTo(letter.letterId)).toHaveLength(1)
    await Promise.all([sendDueLetterQuestionnaires(at(21)), sendDueLetterQuestionnaires(at(21))])
    const both = await mailsTo(letter.letterId)
    expect(both).toHaveLength(2)
    expect(both[1]!.subject).toMatch(/^Reminder/)
    // The reminder carries the same link as the first mail.
    const link = (m: { text_body: string }) => /\/letters\/questionnaire\/([a-z2-7]{32})/.exec(m.text_body)![1]
    expect(link(both[1]!)).toBe(link(both[0]!))
    await sendDueLetterQuestionnaires(at(40))
    expect(await mailsTo(letter.letterId)).toHaveLength(2)

    const answered = await sentDelivery()
    await sendDueLetterQuestionnaires(new Date(answered.sentAt.getTime() + 14 * DAY))
    const token = link((await mailsTo(answered.letter.letterId))[0]!)!
    expect((await answerLetterQuestionnaire(token, 'yes')).kind).toBe('ok')
    await sendDueLetterQuestionnaires(new Date(answered.sentAt.getTime() + 22 * DAY))
    expect(await mailsTo(answered.letter.letterId)).toHaveLength(1)
  })

  it('records an answer, lets it change until eight weeks after delivery, and feeds the response rates', async () => {
    const { letter, delivery, sentAt } = await sentDelivery()
    await sendDueLetterQuestionnaires(new Date(sentAt.getTime() + 14 * DAY))
    const token = /\/letters\/questionnaire\/([a-z2-7]{32})/.exec((await mailsTo(letter.letterId))[0]!.text_body)![1]!
    const before = (await responseRates([delivery.representative_id])).get(delivery.representative_id)
    expect(await answerLetterQuestionnaire(token, 'not_yet')).toMatchObject({ kind: 'ok', changed: true })
    expect(await answerLetterQuestionnaire(token, 'yes')).toMatchObject({ kind: 'ok', changed: true })
    expect(await answerLetterQuestionnaire(token, 'yes')).toMatchObject({ kind: 'ok', changed: false })
    const after = (await responseRates([delivery.representative_id])).get(delivery.representative_id)!
    expect(after.answers).toBe((before?.answers ?? 0) + 1)
    expect(after.responded).toBe((before?.responded ?? 0) + 1)
    expect((await letterQuestionnaireByToken(token))?.answer).toBe('yes')
    expect(await answerLetterQuestionnaire(token, 'no', new Date(sentAt.getTime() + 56 * DAY + 1))).toMatchObject({ kind: 'closed' })
    expect(await answerLetterQuestionnaire('a'.repeat(32), 'no')).toEqual({ kind: 'invalid' })
    expect((await letterByToken(letter.statusToken))?.deliveries[0]?.answer).toBe('yes')
  })
})

describe('bounces', () => {
  const dsn = (outboxId: number, recipient: string, status = '5.1.1', action = 'failed') =>
    [
      'From: MAILER-DAEMON@mx.example.org',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      'Arrival-Date: Sun, 22 Nov 2026 10:00:00 +0000',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      `Action: ${action}`,
      `Status: ${status}`,
      'Diagnostic-Code: smtp; 550 5.1.1 <' + recipient + '>:',
      '  Recipient address rejected: User unknown',
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <plaza.${outboxId}.abc@plaza.example.org>`,
      `X-Plaza-Outbox-Id: ${outboxId}`,
      'Subject: Broken pavement',
      '--B--',
      '',
    ].join('\r\n')

  it('parses the per-recipient fields and the original outbox id', () => {
    expect(parseDeliveryStatus(dsn(42, 'Rep@Council.example'))).toEqual([
      { recipient: 'rep@council.example', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <Rep@Council.example>: Recipient address rejected: User unknown', outboxId: 42 },
    ])
    expect(parseDeliveryStatus('nothing here')).toEqual([])
    expect(parseJsonBounces({ recipient: 'a@b.example', status: '5.2.2', diagnostic: 'full', outbox_id: 7 })).toEqual([
      { recipient: 'a@b.example', action: 'failed', status: '5.2.2', diagnostic: 'full', outboxId: 7 },
    ])
    expect(parseJsonBounces({ recipient: 'a@b.example', status: '4.2.2' })?.[0]?.action).toBe('delayed')
    expect(parseJsonBounces({ recipient: 'nope', status: '5.1.1' })).toBeNull()
    expect(parseJsonBounces({ recipient: 'a@b.example', status: 'failed' })).toBeNull()
  })

  it('a permanent bounce fails a sent delivery, tells the sender and marks the representative; a delay only records', async () => {
    const rep = recipients[1]!
    const r = await written({ recipients: [rep] })
    await confirmLetter(await confirmTokenOf(r.letterId))
    const [d] = await deliveries(r.letterId)
    await database().write((trx) => trx.updateTable('letter_deliveries').set({ status: 'sent', sent_at: new Date().toISOString() }).where('id', '=', d!.id).execute())
    const delayed = await recordBounces(parseDeliveryStatus(dsn(d!.outbox_id!, rep.email, '4.4.1', 'delayed')), 'endpoint')
    expect(delayed).toEqual({ recorded: 1, deliveriesFailed: 0, representativesMarked: 0 })
    const outcome = await recordBounces(parseDeliveryStatus(dsn(d!.outbox_id!, rep.email)), 'endpoint')
    expect(outcome).toEqual({ recorded: 1, deliveriesFailed: 1, representativesMarked: 1 })
    const after = (await deliveries(r.letterId))[0]!
    expect(after.status).toBe('failed')
    expect(after.failure_reason).toContain('User unknown')
    const marked = await database().db.selectFrom('representatives').select(['email_bounced_at', 'bounce_note']).where('id', '=', rep.id).executeTakeFirstOrThrow()
    expect(marked.email_bounced_at).not.toBeNull()
    const rows = await database().db.selectFrom('mail_bounces').selectAll().where('outbox_id', '=', d!.outbox_id!).execute()
    expect(rows.map((b) => [b.action, b.status, b.representative_id, b.source])).toEqual([
      ['delayed', '4.4.1', rep.id, 'endpoint'],
      ['failed', '5.1.1', rep.id, 'endpoint'],
    ])
    // A bounced representative is shown but cannot be chosen any more.
    expect(await chosenRecipients({ areaId: areaOf }, [rep.id])).toMatchObject({ ok: false, reason: 'unavailable' })
    await database().write((trx) => trx.updateTable('representatives').set({ email_bounced_at: null, bounce_note: null }).where('id', '=', rep.id).execute())
  })
})

describe('retention', () => {
  it('deletes old texts, addresses and fingerprints, expires unconfirmed letters, and keeps deliveries and answers', async () => {
    const kept = await written()
    await confirmLetter(await confirmTokenOf(kept.letterId))
    await database().write((trx) => trx.updateTable('letter_deliveries').set({ status: 'sent', answer: 'yes', answered_at: new Date().toISOString() }).where('letter_id', '=', kept.letterId).execute())
    const never = await written()
    const index = letterSimilarity()
    await index.ensureFresh()
    const sizeBefore = index.size
    const run = await applyRetention(new Date(Date.now() + 29 * DAY), 100_000)
    expect(run.deleted).toBeGreaterThan(0)
    expect(run.expired).toBeGreaterThan(0)
    expect(index.size).toBeLessThan(sizeBefore)
    const a = await database().db.selectFrom('letters').selectAll().where('id', '=', kept.letterId).executeTakeFirstOrThrow()
    expect([a.body, a.sender_address, a.fingerprint, a.status]).toEqual([null, '', null, 'confirmed'])
    expect(a.body_deleted_at).not.toBeNull()
    expect(a.subject).toBe('Broken pavement')
    expect((await deliveries(kept.letterId))[0]).toMatchObject({ status: 'sent', answer: 'yes' })
    const b = await database().db.selectFrom('letters').selectAll().where('id', '=', never.letterId).executeTakeFirstOrThrow()
    expect([b.status, b.body, b.confirm_token_hash]).toEqual(['expired', null, null])
    const view = await letterByToken(kept.statusToken)
    expect(view?.body).toBeNull()
    expect(view?.deliveries[0]?.answer).toBe('yes')
    expect(await applyRetention(new Date(Date.now() + 29 * DAY), 100_000)).toEqual({ deleted: 0, expired: 0 })
  })
})
