import fc from 'fast-check'
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpTestServer, type SmtpTestServer } from '../../app/lib/mail/smtp-test-server'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Letters to representatives over real HTTP and real SMTP on 127.0.0.1, as people without
 * JavaScript use them: find, write, preview, send, confirm from the mail, delivery with the right
 * Reply-To, the status page; a 5xx refusal; the abuse checks; review; bounces; fuzzed forms.
 */

const SECRET = 'bounce-secret-for-tests-0123456789'
const PASSWORD = 'valmera-demo-2026'
let plaza: RunningPlaza
let smtp: SmtpTestServer
let sql: TestSql
/** Addresses the mail server refuses for good. */
const refused = new Set<string>()
let reps: Array<{ id: number; name: string; email: string }>

beforeAll(async () => {
  smtp = await startSmtpTestServer({ rcpt: (address) => (refused.has(address.toLowerCase()) ? { code: 550, message: '5.1.1 Mailbox unavailable: no such councillor' } : undefined) })
  plaza = await startPlaza({
    MAIL_URL: smtp.url,
    DEV_MAIL: 'false',
    RATE_LIMIT_WRITE: 'off',
    BOUNCE_SECRET: SECRET,
    TRUST_PROXY: '1',
    LETTER_LIMIT_SENDER: '3/86400',
    LETTER_LIMIT_IP: '4/86400',
  })
  sql = sqlOf(plaza)
  reps = await sql.all(
    `select r.id, r.name, r.email from representatives r join areas a on a.id = r.area_id
     where a.slug = 'ribera-nord' and r.email_bounced_at is null and (r.active_until is null or r.active_until >= ?) order by r.id`,
    new Date().toISOString().slice(0, 10),
  )
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
  await smtp?.close()
})

let ipCounter = 10
/** A visitor from an address of its own (TRUST_PROXY=1: the proxy's X-Forwarded-For is believed). */
const visitor = (ip = `198.51.100.${++ipCounter}`) => new Visitor(plaza.url, { 'accept-language': 'en', 'x-forwarded-for': ip })
const unique = () => Math.random().toString(36).slice(2, 9)
const letterBody = (n: string) => `The bus stop at the corner of my street (${n}) has had no shelter for a year. Older neighbours wait in the rain. Could the council put it back, and tell us when?`

function letterForm(fields: Record<string, string>, repIds: number[]) {
  const form = new URLSearchParams({
    area: 'ribera-nord',
    name: 'Ana Ruiz',
    email: `ana.${unique()}@example.org`,
    address: 'Carrer Major 12, 08001 Valmera',
    subject: 'Bus shelter',
    body: letterBody(unique()),
    intent: 'send',
    ...fields,
  })
  for (const id of repIds) form.append('rep', String(id))
  return form
}
async function post(v: Visitor, path: string, form: URLSearchParams) {
  return fetch(plaza.url + path, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { ...v.headers, origin: plaza.url, accept: 'text/html', ...(v.cookies.size ? { cookie: v.cookieHeader() } : {}) },
  })
}
const mailTo = (to: string, subject?: RegExp) => async () => {
  for (let i = 0; i < 200; i++) {
    const found = smtp.received.find((m) => addresses(m).includes(to.toLowerCase()) && (!subject || subject.test(m.subject ?? '')))
    if (found) return found
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no mail to ${to}; got ${smtp.received.map((m) => `${addresses(m)}: ${m.subject}`).join(' | ')}`)
}
const addresses = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase() ?? ''))
const pathIn = (m: ParsedMail, prefix: string) => new RegExp(`https?://[^\\s/]+(${prefix}[a-z2-7]{32})`).exec(m.text ?? '')![1]!

async function sendLetter(v: Visitor, fields: Record<string, string>, repIds: number[]) {
  const res = await post(v, '/letters/new', letterForm(fields, repIds))
  expect(res.status, await res.clone().text()).toBe(302)
  return res.headers.get('location')!.replace(/\?.*$/, '')
}
async function confirmFromMail(email: string) {
  const mail = await mailTo(email, /^Confirm your letter/)()
  const path = pathIn(mail, '/letters/confirm/')
  const page = await visitor().get(path)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('Send my letter')
  return post(visitor(), path, new URLSearchParams())
}
async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('the whole flow, without JavaScript', () => {
  it('find → choose → write → preview → send → confirm by mail → delivered with Reply-To → status page says delivered', async () => {
    const v = visitor()
    const where = await v.get('/letters/new')
    expect(where.status).toBe(200)
    expect(await where.text()).toContain('name="area"')
    const choose = await (await v.get('/letters/new?area=ribera-nord')).text()
    for (const r of reps) expect(choose).toContain(`name="rep" value="${r.id}"`)
    expect(choose).toContain('Mayor')
    const rep = reps[0]!
    const write = await v.get(`/letters/new?area=ribera-nord&rep=${rep.id}`)
    const writeHtml = await write.text()
    expect(writeHtml).toContain('name="address"')
    expect(writeHtml).toContain(rep.name)

    const email = `lucia.${unique()}@example.org`
    const fields = { name: 'Lucía Ferrer', email, address: 'Carrer del Riu 4, 2n\n08002 Valmera', subject: 'The bus shelter', body: letterBody('flow') }
    const preview = await post(v, '/letters/new', letterForm({ ...fields, intent: 'preview' }, [rep.id]))
    expect(preview.status).toBe(200)
    const previewHtml = await preview.text()
    expect(previewHtml).toContain('Check your letter')
    expect(previewHtml).toContain('&quot;Lucía Ferrer&quot; &lt;' + email + '&gt;')
    expect(previewHtml).toContain('Carrer del Riu 4, 2n\n08002 Valmera')
    expect(previewHtml).toContain(`Dear ${rep.name},`)
    // Nothing was stored by the preview.
    expect(await sql.get('select count(*) n from letters where sender_email = ?', email)).toEqual({ n: 0 })

    const status = await sendLetter(v, fields, [rep.id])
    expect(status).toMatch(/^\/letters\/[a-z2-7]{32}$/)
    const waiting = await (await v.get(status)).text()
    expect(waiting).toContain('Waiting for you to confirm by e-mail')
    expect(smtp.received.some((m) => addresses(m).includes(rep.email.toLowerCase()) && m.subject === 'The bus shelter')).toBe(false)

    const confirmed = await confirmFromMail(email)
    expect(confirmed.status).toBe(302)
    expect(confirmed.headers.get('location')).toBe(`${status}?confirmed=1`)

    const delivered = await mailTo(rep.email, /^The bus shelter$/)()
    expect(delivered.replyTo?.value[0]).toEqual({ name: 'Lucía Ferrer', address: email })
    expect(delivered.text).toContain(letterBody('flow'))
    expect(delivered.text).toContain('Carrer del Riu 4, 2n\n08002 Valmera')
    expect(delivered.text).toContain('sent through Plaza')
    expect(delivered.headers.get('x-plaza-outbox-id')).toMatch(/^\d+$/)

    await until(async () => (await (await v.get(status)).text()).includes('Delivered on'), 'the status page to say delivered')
    // A second confirmation changes nothing.
    const again = await post(visitor(), pathIn(await mailTo(email, /^Confirm/)(), '/letters/confirm/'), new URLSearchParams())
    expect(again.status).toBe(404)
  })

  it('starts with a representative chosen from /letters/new?representative=:id', async () => {
    const html = await (await visitor().get(`/letters/new?representative=${reps[0]!.id}`)).text()
    expect(html).toContain(`<input type="checkbox" name="rep" checked="" value="${reps[0]!.id}"/>`)
    expect(html).toContain(`<input type="checkbox" name="rep" value="${reps[1]!.id}"/>`)
  })

  it('keeps everything typed when a field is wrong, with the error next to it', async () => {
    const res = await post(visitor(), '/letters/new', letterForm({ address: '', body: 'too short', subject: 'Keep me', name: 'Ana Keep' }, [reps[0]!.id]))
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('id="field-address-error"')
    expect(html).toContain('id="field-body-error"')
    expect(html).toContain('value="Keep me"')
    expect(html).toContain('value="Ana Keep"')
    expect(html).toContain('>too short</textarea>')
  })

  it('a 5xx refusal fails the delivery with the server words and tells the sender', async () => {
    const rep = reps[1] ?? reps[0]!
    refused.add(rep.email.toLowerCase())
    try {
      const email = `bo.${unique()}@example.org`
      const status = await sendLetter(visitor(), { email }, [rep.id])
      await confirmFromMail(email)
      const told = await mailTo(email, /could not be delivered/)()
      expect(told.text).toContain('no such councillor')
      expect(told.text).toContain(status)
      const page = await (await visitor().get(status)).text()
      expect(page).toContain('Could not be delivered')
      expect(page).toContain('no such councillor')
    } finally {
      refused.delete(rep.email.toLowerCase())
    }
  })
})

describe('abuse checks over HTTP', () => {
  it('refuses the fourth letter of a sender and the fifth from one IP, saying why', async () => {
    const email = `many.${unique()}@example.org`
    for (let i = 0; i < 3; i++) await sendLetter(visitor(), { email }, [reps[0]!.id])
    const fourth = await post(visitor(), '/letters/new', letterForm({ email }, [reps[0]!.id]))
    expect(fourth.status).toBe(429)
    expect(await fourth.text()).toContain('You have sent as many letters as we allow for now')
    const ip = '192.0.2.77'
    for (let i = 0; i < 4; i++) await sendLetter(visitor(ip), {}, [reps[0]!.id])
    const fifth = await post(visitor(ip), '/letters/new', letterForm({}, [reps[0]!.id]))
    expect(fifth.status).toBe(429)
    expect(await fifth.text()).toContain('Too many letters were written from your connection')
  })

  it('refuses a letter to oneself', async () => {
    const res = await post(visitor(), '/letters/new', letterForm({ email: reps[0]!.email.toUpperCase() }, [reps[0]!.id]))
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('You cannot send a letter to yourself')
  })

  it('refuses a bounced representative and one from another place', async () => {
    const other = (await sql.get<{ id: number }>(
      `select r.id from representatives r join areas a on a.id = r.area_id where a.level = 'neighbourhood' and a.slug != 'ribera-nord' order by r.id limit 1`,
    ))!
    const res = await post(visitor(), '/letters/new', letterForm({}, [other.id]))
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('cannot be written to from this place')
  })

  it('holds a campaign letter (telling the sender, suggesting a petition), lets a different one pass; an administrator releases or rejects', async () => {
    const text =
      'Residents of Valmera demand that the council stop the felling of the plane trees on the river promenade immediately, commission an independent study of their health, and publish it before any decision is taken about them.'
    const statuses: string[] = []
    for (let i = 0; i < 5; i++) {
      const email = `tree.${i}.${unique()}@example.org`
      statuses.push(await sendLetter(visitor(), { email, body: text, subject: 'Save the plane trees' }, [reps[0]!.id]))
      const res = await confirmFromMail(email)
      expect(res.headers.get('location')).toMatch(i < 3 ? /\?confirmed=1$/ : /\?frozen=1$/)
    }
    const frozenPage = await (await visitor().get(statuses[3]!)).text()
    expect(frozenPage).toContain('Held for review')
    expect(frozenPage).toContain('href="/petitions/new"')
    const different = `diff.${unique()}@example.org`
    await sendLetter(visitor(), { email: different }, [reps[0]!.id])
    expect((await confirmFromMail(different)).headers.get('location')).toMatch(/\?confirmed=1$/)

    const frozen = await sql.all<{ id: number }>(`select id from letters where status = 'frozen' and subject = 'Save the plane trees' order by id`)
    expect(frozen).toHaveLength(2)

    // Refusals by role.
    expect((await visitor().get('/admin/letters')).status).toBe(302)
    for (const who of ['resident', 'moderator', 'roads']) {
      const v = visitor()
      expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
      expect((await v.get('/admin/letters')).status).toBe(403)
      expect((await v.post(`/admin/letters/${frozen[0]!.id}`, { intent: 'release', note: '' })).status).toBe(403)
    }
    const admin = visitor()
    expect((await admin.post('/login', { email: 'admin@valmera.example', password: PASSWORD })).status).toBe(302)
    const list = await (await admin.get('/admin/letters')).text()
    expect(list).toContain('Save the plane trees')
    const detail = await (await admin.get(`/admin/letters/${frozen[0]!.id}`)).text()
    expect(detail).toMatch(/Near-identical to letters of [34] other senders/)
    expect(detail).toContain('similar')

    expect((await admin.post(`/admin/letters/${frozen[0]!.id}`, { intent: 'release', note: '' })).status).toBe(200)
    expect((await admin.post(`/admin/letters/${frozen[0]!.id}`, { intent: 'release', note: '' })).status).toBe(409)
    expect((await admin.post(`/admin/letters/${frozen[1]!.id}`, { intent: 'reject', note: 'x'.repeat(1001) })).status).toBe(400)
    expect((await admin.post(`/admin/letters/${frozen[1]!.id}`, { intent: 'reject', note: 'A petition is the right tool for this.' })).status).toBe(200)
    await until(async () => (await (await visitor().get(statuses[3]!)).text()).includes('Delivered on'), 'the released letter to be delivered')
    const rejectedPage = await (await visitor().get(statuses[4]!)).text()
    expect(rejectedPage).toContain('A petition is the right tool for this.')
    const audits = await sql.all(`select action from audit_log where target_kind = 'letter' and target_id in (?, ?) order by id`, frozen[0]!.id, frozen[1]!.id)
    expect(audits).toEqual([{ action: 'letter.release' }, { action: 'letter.reject' }])
  })
})

describe('POST /mail/bounces', () => {
  const bounce = (body: string, headers: Record<string, string>) => fetch(`${plaza.url}/mail/bounces`, { method: 'POST', body, headers })

  it('refuses without the secret or with a wrong one', async () => {
    expect((await bounce('{}', { 'content-type': 'application/json' })).status).toBe(401)
    expect((await bounce('{}', { 'content-type': 'application/json', authorization: 'Bearer wrong-secret-wrong-secret' })).status).toBe(401)
  })

  it('records a JSON bounce and a DSN; a permanent one marks the representative and fails the delivery', async () => {
    const rep = reps[reps.length - 1]!
    const email = `dsn.${unique()}@example.org`
    const status = await sendLetter(visitor(), { email }, [rep.id])
    await confirmFromMail(email)
    await until(async () => (await (await visitor().get(status)).text()).includes('Delivered on'), 'delivery')
    const { outbox_id } = (await sql.get<{ outbox_id: number }>(`select d.outbox_id from letter_deliveries d join letters l on l.id = d.letter_id where l.sender_email = ?`, email))!
    const auth = { authorization: `Bearer ${SECRET}` }
    const bad = await bounce('{"recipient":"x"}', { ...auth, 'content-type': 'application/json' })
    expect(bad.status).toBe(400)
    const delayed = await bounce(JSON.stringify({ recipient: rep.email, status: '4.2.2', diagnostic: 'mailbox full', outbox_id }), { ...auth, 'content-type': 'application/json' })
    expect(await delayed.json()).toEqual({ recorded: 1, deliveriesFailed: 0, representativesMarked: 0 })
    const dsn = [
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.council.valmera.example',
      '',
      `Final-Recipient: rfc822; ${rep.email}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      `X-Plaza-Outbox-Id: ${outbox_id}`,
    ].join('\r\n')
    const res = await bounce(dsn, { ...auth, 'content-type': 'message/delivery-status' })
    expect(await res.json()).toEqual({ recorded: 1, deliveriesFailed: 1, representativesMarked: 1 })
    const page = await (await visitor().get(status)).text()
    expect(page).toContain('User unknown')
    await mailTo(email, /could not be delivered/)()
    expect(await sql.value('select email_bounced_at from representatives where id = ?', rep.id)).not.toBeNull()
    expect(await sql.all('select action, status from mail_bounces where outbox_id = ? order by id', outbox_id)).toEqual([
      { action: 'delayed', status: '4.2.2' },
      { action: 'failed', status: '5.1.1' },
    ])
    // Now shown as bouncing, not selectable.
    const choose = await (await visitor().get('/letters/new?area=ribera-nord')).text()
    expect(choose).not.toContain(`name="rep" value="${rep.id}"`)
    expect(choose).toContain('e-mail to this address is bouncing')
  })
})

describe('questionnaire page', () => {
  it('a GET shows the choice without recording it; the POST records it', async () => {
    const res = await visitor().get('/letters/questionnaire/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?answer=yes')
    expect(res.status).toBe(404)
  })
})

describe('fuzzed forms never give a 500', () => {
  it('survives random fields on every letters form', async () => {
    const paths = ['/letters/new', '/letters/confirm/abc', '/letters/questionnaire/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', '/letters/new?area=ribera-nord']
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.dictionary(fc.constantFrom('area', 'lat', 'lng', 'rep', 'all', 'name', 'email', 'address', 'subject', 'body', 'intent', 'answer', 'note', 'website_url'), fc.string({ maxLength: 300 })),
        async (path, fields) => {
          const res = await post(visitor(), path, new URLSearchParams(fields))
          expect(res.status).toBeLessThan(500)
        },
      ),
      { numRuns: 60 },
    )
  })
})
