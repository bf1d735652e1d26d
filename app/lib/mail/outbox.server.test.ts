import { Writable } from 'node:stream'
import { pino } from 'pino'
import { ZodError } from 'zod'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { config } from '../config.server'
import { database, migrateOrThrow, openDatabase, type PlazaDatabase } from '../db.server'
import { statements } from '../db/statements'
import { claimDueMail, composeMail, deliverDueMail, MAX_ATTEMPTS, mailStatus, nextAttemptAfter, onMailOutcome, queueMail, queueMailPrepared, type MailOutcome, type QueuedMail } from './outbox.server'
import { classifyFailure, createSmtpTransport } from './transport.server'
import { startMailWorker } from './worker.server'
import { startSmtpTestServer, type SmtpTestServer, type SmtpTestServerOptions } from './smtp-test-server'

// Tests move a clock of their own; it starts a day ahead so that every mail queued for real is due.
const t0 = new Date(Math.ceil(Date.now() / 1000) * 1000 + 24 * 3600_000)
const at = (ms: number) => new Date(t0.getTime() + ms)
const fixed = (ms: number) => () => at(ms)
const MINUTE = 60_000

const servers: SmtpTestServer[] = []
async function smtp(options: SmtpTestServerOptions = {}) {
  const server = await startSmtpTestServer(options)
  servers.push(server)
  return { server, transport: createSmtpTransport(server.url) }
}

const mail = (overrides: Partial<QueuedMail> = {}): QueuedMail => ({
  kind: 'account.confirm',
  to: 'ana@example.org',
  subject: 'Confirm your e-mail address',
  text: 'Open https://plaza.example.org/confirm?token=abc to confirm.',
  ...overrides,
})
const queue = (m: QueuedMail = mail()) => database().write((trx) => queueMail(trx, m))
const row = (id: number) => database().db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

beforeAll(async () => {
  await migrateOrThrow(database())
})
beforeEach(async () => {
  await database().write((trx) => trx.deleteFrom('outbox').execute())
})
afterEach(async () => {
  while (servers.length) await servers.pop()!.close()
})

describe('queueMail', () => {
  it('writes a pending mail through the given transaction', async () => {
    const id = await queue(mail({ replyTo: 'bo@example.org', headers: { 'List-Unsubscribe': '<https://plaza.example.org/u/1>' } }))
    const stored = await row(id)
    expect(stored).toMatchObject({
      kind: 'account.confirm',
      to_address: 'ana@example.org',
      reply_to: 'bo@example.org',
      status: 'pending',
      attempts: 0,
      headers: '{"List-Unsubscribe":"<https://plaza.example.org/u/1>"}',
    })
    expect(await mailStatus(id)).toMatchObject({ id, status: 'pending', attempts: 0, lastError: null, sentAt: null })
  })

  it('leaves no mail when the write that queued it fails (same transaction)', async () => {
    await expect(
      database().write(async (trx) => {
        await queueMail(trx, mail())
        throw new Error('the signature could not be saved')
      }),
    ).rejects.toThrow('the signature could not be saved')
    const count = await database()
      .db.selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(0)
  })

  it.each([
    ['an address that is not one', { to: 'not-an-address' }],
    ['a Reply-To that is not an address', { replyTo: 'bo at example' }],
    ['a subject that would inject a header', { subject: 'Hello\r\nBcc: everyone@example.org' }],
    ['an empty text', { text: '' }],
    ['a kind that is not a dotted name', { kind: 'Account Confirm!' }],
    ['a header Plaza sets itself', { headers: { Bcc: 'spy@example.org' } }],
    ['a header value with a line break', { headers: { 'List-Unsubscribe': '<https://x>\r\nBcc: spy@example.org' } }],
    ['a header name that is not one', { headers: { 'X Bad: name': 'v' } }],
  ])('refuses %s with a ZodError and writes nothing', async (_name, overrides) => {
    await expect(queue(mail(overrides as Partial<QueuedMail>))).rejects.toBeInstanceOf(ZodError)
    expect(await database().db.selectFrom('outbox').select('id').execute()).toEqual([])
  })

  it("writes the same row through the prepared statement, in the caller's write, and refuses the same bad mail", async () => {
    const id = await queue(mail({ headers: { 'List-Unsubscribe': '<https://plaza.example.org/u/1>' } }))
    await database().write(async (trx) => {
      await queueMailPrepared(statements(database(), trx), mail({ headers: { 'List-Unsubscribe': '<https://plaza.example.org/u/1>' } }))
      // The same shape again: only the address (and the rest's sizes) are checked now.
      await queueMailPrepared(statements(database(), trx), mail({ to: 'eva@example.org', headers: { 'List-Unsubscribe': '<https://plaza.example.org/u/1>' } }))
    })
    const rows = await database().db.selectFrom('outbox').selectAll().orderBy('id').execute()
    expect(rows).toHaveLength(3)
    const pick = (r: (typeof rows)[number]) => [r.kind, r.to_address, r.reply_to, r.subject, r.text_body, r.html_body, r.headers, r.status, r.attempts]
    expect(pick(rows[1]!)).toEqual(pick(await row(id)))
    expect(rows[2]!.to_address).toBe('eva@example.org')
    await expect(
      database().write(async (trx) => queueMailPrepared(statements(database(), trx), mail({ to: 'not-an-address', headers: { 'List-Unsubscribe': '<https://plaza.example.org/u/1>' } }))),
    ).rejects.toBeInstanceOf(ZodError)
    await expect(database().write(async (trx) => queueMailPrepared(statements(database(), trx), mail({ subject: 'Hello\r\nBcc: everyone@example.org' })))).rejects.toBeInstanceOf(ZodError)
    await expect(
      database().write(async (trx) => {
        await queueMailPrepared(statements(database(), trx), mail())
        throw new Error('the signature could not be saved')
      }),
    ).rejects.toThrow('the signature could not be saved')
    expect(await database().db.selectFrom('outbox').select('id').execute()).toHaveLength(3)
  })

  it('answers null for a mail that does not exist', async () => {
    expect(await mailStatus(987654)).toBeNull()
  })
})

describe('deliverDueMail over SMTP', () => {
  it('delivers From, To, Reply-To, subject, text, HTML and extra headers, and records the message id', async () => {
    const { server, transport } = await smtp()
    const composed = composeMail({
      locale: 'en',
      subject: 'A letter from a constituent',
      greeting: 'Dear Councillor Ruiz,',
      paragraphs: ['The streetlight on Calle Mayor has been out for a week.'],
      action: { label: 'Reply on Plaza', url: '/letters/7' },
    })
    const id = await queue({
      kind: 'letters.deliver',
      to: 'ruiz@council.example.org',
      replyTo: 'ana@example.org',
      ...composed,
      headers: { 'List-Unsubscribe': '<https://plaza.example.org/unsubscribe/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    })

    expect(await deliverDueMail({ transport, limit: 10 })).toEqual({ sent: 1, retried: 0, failed: 0 })

    const [received] = await server.waitFor(1)
    expect(server.received).toHaveLength(1)
    // MAIL_FROM defaults to "Plaza <no-reply@host of PUBLIC_URL>".
    expect(received!.from?.value).toEqual([{ name: 'Plaza', address: config().MAIL_FROM.replace(/^.*<(.*)>$/, '$1') }])
    expect(config().MAIL_FROM).toMatch(/^Plaza <no-reply@.+>$/)
    expect(received!.to && !Array.isArray(received!.to) ? received!.to.value[0]?.address : null).toBe('ruiz@council.example.org')
    expect(received!.replyTo?.value[0]?.address).toBe('ana@example.org')
    expect(received!.subject).toBe('A letter from a constituent')
    expect(received!.text).toContain('The streetlight on Calle Mayor has been out for a week.')
    expect(received!.text).toContain(`${config().PUBLIC_URL}/letters/7`)
    expect(received!.html).toContain(`href="${config().PUBLIC_URL}/letters/7"`)
    const raw = received!.headerLines.map((h) => h.line).join('\n')
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/plaza\.example\.org\/unsubscribe\/abc>$/m)
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m)

    const status = await mailStatus(id)
    expect(status).toMatchObject({ status: 'sent', attempts: 1, lastError: null, nextAttemptAt: null })
    expect(status!.sentAt).not.toBeNull()
    expect(status!.messageId).toBe(received!.messageId)
    // Sent mail is never claimed again.
    expect(await deliverDueMail({ transport, limit: 10 })).toEqual({ sent: 0, retried: 0, failed: 0 })
    expect(server.received).toHaveLength(1)
  })

  it('retries a temporary refusal (4xx) after the backoff, then delivers', async () => {
    let refusals = 1
    const { server, transport } = await smtp({
      rcpt: () => (refusals-- > 0 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : undefined),
    })
    const id = await queue()

    expect(await deliverDueMail({ transport, now: fixed(0) })).toEqual({ sent: 0, retried: 1, failed: 0 })
    expect(await mailStatus(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(MINUTE).toISOString() })
    expect((await mailStatus(id))!.lastError).toMatch(/451.*Greylisted/)

    // Not due before its time.
    expect(await deliverDueMail({ transport, now: fixed(MINUTE - 1) })).toEqual({ sent: 0, retried: 0, failed: 0 })
    expect(server.received).toHaveLength(0)

    expect(await deliverDueMail({ transport, now: fixed(MINUTE) })).toEqual({ sent: 1, retried: 0, failed: 0 })
    expect(await mailStatus(id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null })
    expect(server.received).toHaveLength(1)
  })

  it('gives up after six temporary failures, waiting 1 min, 5 min, 30 min, 2 h and 12 h between them', async () => {
    const { server, transport } = await smtp({ rcpt: () => ({ code: 452, message: '4.2.2 Mailbox full' }) })
    const id = await queue()
    let now = 0
    const waits: number[] = []
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(await deliverDueMail({ transport, now: fixed(now) })).toEqual({ sent: 0, retried: 1, failed: 0 })
      const next = Date.parse((await mailStatus(id))!.nextAttemptAt!) - t0.getTime()
      waits.push(next - now)
      now = next
    }
    expect(waits).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 720 * MINUTE])
    expect(await deliverDueMail({ transport, now: fixed(now) })).toEqual({ sent: 0, retried: 0, failed: 1 })
    expect(await mailStatus(id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: null })
    expect((await mailStatus(id))!.lastError).toMatch(/452.*Mailbox full/)
    expect(server.received).toHaveLength(0)
    // A failed mail is not claimed again, however late.
    expect(await deliverDueMail({ transport, now: fixed(now + 365 * 24 * 60 * MINUTE) })).toEqual({ sent: 0, retried: 0, failed: 0 })
  })

  it.each([
    ['a recipient refused with 550', { rcpt: () => ({ code: 550, message: '5.1.1 No such user here' }) }, /550.*No such user here/],
    ['a message refused after DATA with 554', { data: () => ({ code: 554, message: '5.7.1 Message rejected as spam' }) }, /554.*rejected as spam/],
  ])('fails %s at once, recording the server’s reply', async (_name, options, reason) => {
    const { server, transport } = await smtp(options)
    const id = await queue(mail({ kind: 'letters.deliver' }))
    expect(await deliverDueMail({ transport, now: fixed(0) })).toEqual({ sent: 0, retried: 0, failed: 1 })
    const status = await mailStatus(id)
    expect(status).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null, sentAt: null })
    expect(status!.lastError).toMatch(reason)
    expect(server.received).toHaveLength(0)
    expect(await deliverDueMail({ transport, now: fixed(24 * 60 * MINUTE) })).toEqual({ sent: 0, retried: 0, failed: 0 })
  })

  it('treats a server that cannot be reached as temporary', async () => {
    const { server } = await smtp()
    const closedPort = server.port
    await servers.pop()!.close()
    const id = await queue()
    const report = await deliverDueMail({ transport: createSmtpTransport(`smtp://127.0.0.1:${closedPort}`), now: fixed(0) })
    expect(report).toEqual({ sent: 0, retried: 1, failed: 0 })
    expect(await mailStatus(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(MINUTE).toISOString() })
    expect((await mailStatus(id))!.lastError).toMatch(/ECONNREFUSED|connect/i)
  })

  it('sends each mail due in the order it was written, one claim at a time', async () => {
    const { server, transport } = await smtp()
    for (let i = 1; i <= 5; i++) await queue(mail({ subject: `Mail ${i}` }))
    expect(await deliverDueMail({ transport, limit: 3 })).toEqual({ sent: 3, retried: 0, failed: 0 })
    expect(await deliverDueMail({ transport, limit: 3 })).toEqual({ sent: 2, retried: 0, failed: 0 })
    expect(server.received.map((m) => m.subject)).toEqual(['Mail 1', 'Mail 2', 'Mail 3', 'Mail 4', 'Mail 5'])
  })
})

describe('several senders on one database', () => {
  let second: PlazaDatabase
  beforeAll(() => {
    second = openDatabase({ path: config().DATABASE_PATH, url: config().DATABASE_URL, synchronous: 'NORMAL' })
  })
  afterAll(() => second.close())

  it('never claim the same mail twice', async () => {
    const ids: number[] = []
    for (let i = 0; i < 20; i++) ids.push(await queue(mail({ subject: `Claim ${i}` })))
    const [a, b] = await Promise.all([claimDueMail(12, new Date()), claimDueMail(12, new Date(), { database: second })])
    const claimed = [...a, ...b].map((m) => m.id)
    expect(new Set(claimed).size).toBe(claimed.length)
    expect(claimed.sort((x, y) => x - y)).toEqual(ids)
    // Everything is leased now: a third look finds nothing.
    expect(await claimDueMail(50, new Date(), { database: second })).toEqual([])
  })

  it('take back a mail whose sender’s lease ran out (the sender died)', async () => {
    const id = await queue()
    const [first] = await claimDueMail(1, at(0), { leaseMs: 10 * MINUTE })
    expect(first!.id).toBe(id)
    expect(await claimDueMail(1, at(9 * MINUTE), { database: second })).toEqual([])
    const [again] = await claimDueMail(1, at(10 * MINUTE), { database: second })
    expect(again).toMatchObject({ id, status: 'sending', attempts: 2 })
    expect(again!.claim_token).not.toBe(first!.claim_token)
  })

  it('deliver every mail exactly once when two senders run at the same time', async () => {
    const { server, transport } = await smtp()
    const other = createSmtpTransport(server.url)
    const total = 30
    for (let i = 0; i < total; i++) await queue(mail({ subject: `Newsletter ${i}`, to: `reader${i}@example.org` }))
    const run = async (db?: PlazaDatabase) => {
      let sent = 0
      for (;;) {
        const report = await deliverDueMail({ transport: db ? other : transport, limit: 4, ...(db ? { database: db } : {}) })
        if (report.sent === 0) return sent
        sent += report.sent
      }
    }
    const [one, two] = await Promise.all([run(), run(second)])
    expect(one + two).toBe(total)
    await server.waitFor(total)
    expect(server.received).toHaveLength(total)
    expect(new Set(server.received.map((m) => m.subject)).size).toBe(total)
    expect(new Set(server.received.map((m) => m.messageId)).size).toBe(total)
    const statuses = await database().db.selectFrom('outbox').select('status').distinct().execute()
    expect(statuses).toEqual([{ status: 'sent' }])
  })
})

describe('nextAttemptAfter and classifyFailure', () => {
  it('follow the published schedule and stop after the last attempt', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => nextAttemptAfter(n, t0)?.getTime() ?? null)).toEqual([
      t0.getTime() + MINUTE,
      t0.getTime() + 5 * MINUTE,
      t0.getTime() + 30 * MINUTE,
      t0.getTime() + 2 * 60 * MINUTE,
      t0.getTime() + 12 * 60 * MINUTE,
      null,
    ])
  })

  it.each([
    [{ responseCode: 421, response: '421 Service not available' }, false],
    [{ responseCode: 550, response: '550 No such user' }, true],
    [{ code: 'ECONNECTION', message: 'Connection closed' }, false],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, false],
    [{ code: 'EAUTH', responseCode: 535, response: '535 Authentication failed' }, false],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, true],
    ['a string thrown by mistake', false],
  ])('%j is permanent: %s', (error, permanent) => {
    expect(classifyFailure(error).permanent).toBe(permanent)
  })
})

describe('startMailWorker', () => {
  it('wakes when mail is queued in this process, delivers it, and stops cleanly', async () => {
    const { server, transport } = await smtp()
    const worker = startMailWorker({ intervalMs: 60 * MINUTE, transport, logger: pino({ level: 'silent' }) })
    try {
      const id = await queue(mail({ subject: 'Woken up' }))
      const [received] = await server.waitFor(1)
      expect(received!.subject).toBe('Woken up')
      await worker.stop()
      expect((await mailStatus(id))!.status).toBe('sent')
    } finally {
      await worker.stop()
    }
  })

  it('logs a failing round and keeps going', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }))
    const broken = {
      ...database(),
      db: database().db,
      write: () => Promise.reject(new Error('disk I/O error')),
    } satisfies PlazaDatabase
    await queue()
    const { transport } = await smtp()
    const worker = startMailWorker({ intervalMs: 5, transport, database: broken, logger })
    // Several rounds fail; the worker keeps polling and the process stays up.
    for (let i = 0; i < 200 && lines.filter((l) => l.includes('mail worker round failed')).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10))
    }
    await worker.stop()
    const failures = lines.filter((l) => l.includes('mail worker round failed'))
    expect(failures.length).toBeGreaterThanOrEqual(2)
    expect(failures[0]).toContain('disk I/O error')
  })

  it('refuses to start without MAIL_URL or a transport', () => {
    expect(config().MAIL_URL).toBeUndefined()
    expect(() => startMailWorker({ intervalMs: 1000 })).toThrow(/MAIL_URL/)
  })
})

describe('onMailOutcome', () => {
  it('tells the handler of a kind prefix the final outcome inside the finishing write, and nothing for other kinds or retries', async () => {
    const heard: Array<{ id: number; kind: string; outcome: MailOutcome }> = []
    const off = onMailOutcome('letters', async (trx, m, outcome) => {
      heard.push({ id: m.id, kind: m.kind, outcome })
      // A write through the same transaction commits with the outcome.
      await trx.updateTable('outbox').set({ headers: '{"X-Heard":"yes"}' }).where('id', '=', m.id).execute()
    })
    try {
      let refuse = true
      const { server, transport } = await smtp({
        rcpt: (address) =>
          address.startsWith('gone') ? { code: 550, message: '5.1.1 No such mailbox' } : refuse && address.startsWith('busy') ? { code: 451, message: '4.3.0 Try later' } : undefined,
      })
      const sent = await queue(mail({ kind: 'letters.deliver', to: 'rep@example.org' }))
      const gone = await queue(mail({ kind: 'letters.deliver', to: 'gone@example.org' }))
      const busy = await queue(mail({ kind: 'letters.deliver', to: 'busy@example.org' }))
      const other = await queue(mail({ kind: 'lettersx.other', to: 'x@example.org' }))
      expect(await deliverDueMail({ transport, now: fixed(0) })).toEqual({ sent: 2, retried: 1, failed: 1 })
      expect(heard.map((h) => [h.id, h.outcome.status]).sort()).toEqual(
        [
          [gone, 'failed'],
          [sent, 'sent'],
        ].sort(),
      )
      const failed = heard.find((h) => h.id === gone)!.outcome
      expect(failed.status === 'failed' && failed.reason).toContain('No such mailbox')
      expect((await row(sent)).headers).toBe('{"X-Heard":"yes"}')
      expect((await row(other)).headers).toBe('{}')
      // The retried one is heard only when it finally goes.
      refuse = false
      expect(await deliverDueMail({ transport, now: fixed(MINUTE) })).toEqual({ sent: 1, retried: 0, failed: 0 })
      expect(heard.map((h) => h.id)).toContain(busy)
      expect(heard).toHaveLength(3)
      // Every mail carries its outbox id, for bounces.
      const raw = server.received.map((r) => r.headers.get('x-plaza-outbox-id'))
      expect(raw).toContain(String(sent))
    } finally {
      off()
    }
  })

  it('records the outcome even when a handler throws, rolling back only what the handler wrote', async () => {
    const off = onMailOutcome('letters', async (trx, m) => {
      await trx.updateTable('outbox').set({ headers: '{"X-Half":"done"}' }).where('id', '=', m.id).execute()
      throw new Error('handler broke')
    })
    try {
      const { transport } = await smtp()
      const id = await queue(mail({ kind: 'letters.deliver' }))
      expect(await deliverDueMail({ transport, now: fixed(0) })).toEqual({ sent: 1, retried: 0, failed: 0 })
      const r = await row(id)
      expect(r.status).toBe('sent')
      expect(r.headers).toBe('{}')
    } finally {
      off()
    }
  })
})
