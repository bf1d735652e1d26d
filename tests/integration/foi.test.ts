import nodemailer from 'nodemailer'
import { strToU8, zipSync } from 'fflate'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { pdfPages } from '../../app/modules/foi/pdf-text.server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startPlaza, type RunningPlaza } from '../support/server'
import { startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Issue 22 with real parts on 127.0.0.1: a citizen asks a body for information; Plaza mails the
 * body (an SMTP server here) from the request's own address; the body's answer, with a real PDF
 * made by pdf-lib, is sent to Plaza's inbound SMTP endpoint and appears on the request with the
 * PDF's text; deadlines, classification, redaction and the holding pen.
 */

let city: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
let inboundPort: number
const PASSWORD = 'valmera-demo-2026'
const DOMAIN = 'requests.valmera.example'
const BODY_EMAIL = 'foi@water-company.example'

async function as(who: string) {
  const v = new Visitor(city.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
const write = (text: string, ...args: unknown[]) => sql.run(text, ...args)
const one = async <T>(text: string, ...args: unknown[]) => (await sql.get<T>(text, ...args)) as T
async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
async function pdfWith(lines: string[], more: string[][] = []): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const pageLines of [lines, ...more]) {
    const page = doc.addPage()
    pageLines.forEach((line, i) => page.drawText(line, { x: 50, y: 750 - i * 20, size: 12, font }))
  }
  return Buffer.from(await doc.save())
}
const inbound = () => nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true })

let bodyId: number
async function ask(title: string, text: string, who = 'citizen') {
  const citizen = await as(who)
  const res = await citizen.post('/information-requests/new', { intent: 'send', bodyId: String(bodyId), title, text })
  expect(res.status, await res.clone().text()).toBe(302)
  const id = Number(/\/information-requests\/(\d+)/.exec(res.headers.get('location')!)![1])
  const mail = await smtp.waitFor(BODY_EMAIL, { subject: new RegExp(title) })
  return { id, mail, replyTo: mail.replyTo!.value[0]!.address!, citizen }
}

beforeAll(async () => {
  smtp = await startSmtpSink()
  inboundPort = await freePort()
  city = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off', INBOUND_SMTP_PORT: String(inboundPort), INBOUND_MAIL_DOMAIN: DOMAIN, FOI_DAILY_LIMIT: '4' })
  sql = sqlOf(city)
})
afterAll(async () => {
  await sql?.close()
  await city?.stop()
  await smtp?.stop()
})

describe('bodies', () => {
  it('are edited by administrators only, with errors next to the fields and the values kept', async () => {
    expect((await new Visitor(city.url).get('/admin/bodies')).status).toBe(302)
    const citizen = await as('citizen')
    expect((await citizen.get('/admin/bodies')).status).toBe(403)
    expect((await citizen.post('/admin/bodies/new', { slug: 'x', name_en: 'X', law: 'uk_foia' })).status).toBe(403)
    expect((await citizen.get('/admin/information-requests')).status).toBe(403)
    const admin = await as('admin')
    const bad = await admin.post('/admin/bodies/new', { slug: 'Water Company!', name_en: 'Water Company', email: 'not-an-address', law: 'uk_foia', active: 'on' })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('Enter an e-mail address like name@example.org.')
    expect(html).toContain('value="Water Company"')
    const ok = await admin.post('/admin/bodies/new', {
      slug: 'water-company',
      name_en: 'Water Company',
      name_es: 'Compañía de Aguas',
      email: BODY_EMAIL,
      category: 'utility',
      law: 'uk_foia',
      active: 'on',
    })
    expect(ok.status).toBe(302)
    bodyId = Number(/\/admin\/bodies\/(\d+)/.exec(ok.headers.get('location')!)![1])
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'foi.body.create' and target_id = ?", bodyId)).n).toBe(1)
    const es = await (await fetch(`${city.url}/bodies`, { headers: { 'accept-language': 'es' } })).text()
    expect(es).toContain('Compañía de Aguas')
  })

  it('are imported from CSV with a dry run that names each bad line', async () => {
    const admin = await as('admin')
    const csv =
      'slug,name_en,name_es,email,category,parent,law\nharbour-board,Harbour Board,Junta del Puerto,foi@harbour.example,port,,uk_foia\nbad slug,Nameless,,nope,,,xx_law\nharbour-pilots,Pilots,,,port,harbour-board,uk_foia\n'
    const form = () => {
      const f = new FormData()
      f.set('file', new Blob([csv], { type: 'text/csv' }), 'bodies.csv')
      return f
    }
    const checkForm = form()
    checkForm.set('intent', 'check')
    const check = await (await admin.post('/admin/bodies/import', checkForm)).text()
    expect(check).toContain('2 to create, 0 to update, 1 with errors.')
    expect(check).toMatch(/data-testid="line-3"[\s\S]*?slug: Use lower-case letters/)
    expect((await one<{ n: number }>("select count(*) as n from foi_bodies where slug like 'harbour%'")).n).toBe(0)
    const applyForm = form()
    applyForm.set('intent', 'apply')
    const applied = await (await admin.post('/admin/bodies/import', applyForm)).text()
    expect(applied).toContain('2 created, 0 updated.')
    expect((await one<{ parent: string }>("select p.slug as parent from foi_bodies b join foi_bodies p on p.id = b.parent_id where b.slug = 'harbour-pilots'")).parent).toBe('harbour-board')
  })

  it("include the city's own departments", async () => {
    const admin = await as('admin')
    const res = await admin.post('/admin/bodies', { intent: 'departments' })
    expect(res.status).toBe(200)
    const departments = (await one<{ n: number }>('select count(*) as n from departments where active = 1')).n
    expect(departments).toBeGreaterThan(0)
    expect((await one<{ n: number }>('select count(*) as n from foi_bodies where department_id is not null')).n).toBe(departments)
  })
})

describe('a request and its answer by e-mail', () => {
  let id: number
  let replyTo: string
  it('is mailed to the body from its own address, public, without the requester’s e-mail', async () => {
    const anonymous = await new Visitor(city.url).get('/information-requests/new')
    expect(anonymous.status).toBe(302)
    const sent = await ask('Streetlight budget 2026', 'Please send the budget for streetlight maintenance in 2026.')
    id = sent.id
    replyTo = sent.replyTo
    expect(replyTo).toMatch(new RegExp(`^request-[a-z2-7]{32}@${DOMAIN.replace(/\./g, '\\.')}$`))
    expect(sent.mail.text).toContain('Freedom of Information Act 2000')
    expect(sent.mail.text).toContain('Please send the budget for streetlight maintenance in 2026.')
    expect(sent.mail.text).not.toContain('citizen@valmera.example')
    const page = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toContain('Streetlight budget 2026')
    expect(page).toContain('Awaiting response')
    expect(page).not.toContain('citizen@valmera.example')
  })

  it('refuses a request without a body or a title, keeping what was typed', async () => {
    const citizen = await as('citizen')
    const res = await citizen.post('/information-requests/new', { intent: 'preview', bodyId: '', title: '', text: 'Kept words' })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('Choose the body to ask.')
    expect(html).toContain('Kept words')
  })

  it('shows the answer with its PDF’s text, and tells the requester', async () => {
    const pdf = await pdfWith(['Streetlight maintenance budget', 'Total: 42000 euros for luminaires'])
    await inbound().sendMail({
      from: 'records@water-company.example',
      to: replyTo,
      subject: 'Re: Freedom of Information request - Streetlight budget 2026',
      text: 'Dear requester, please find the budget attached. Contact: Jane Officer, 0123 456789.',
      attachments: [{ filename: 'budget.pdf', content: pdf, contentType: 'application/pdf' }],
    })
    const page = await until('the answer on the page', async () => {
      const html = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
      return html.includes('luminaires') ? html : null
    })
    expect(page).toContain('Total: 42000 euros for luminaires')
    expect(page).toContain('budget.pdf')
    const told = await smtp.waitFor('citizen@valmera.example', { subject: /An answer to your request/ })
    expect(told.text).toContain(`/information-requests/${id}`)
    const file = await fetch(`${city.url}/information-requests/${id}/files/${(await one<{ id: number }>('select id from foi_attachments where request_id = ?', id)).id}`)
    expect(file.headers.get('content-type')).toBe('application/pdf')
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-')
  })

  it('is found by a word of the PDF', async () => {
    const html = await (await fetch(`${city.url}/information-requests?q=luminaires`, { headers: { 'accept-language': 'en' } })).text()
    expect(html).toContain('Streetlight budget 2026')
    const none = await (await fetch(`${city.url}/information-requests?q=zeppelin`, { headers: { 'accept-language': 'en' } })).text()
    expect(none).not.toContain('Streetlight budget 2026')
  })

  it('redaction hides the text publicly and keeps the original for administrators', async () => {
    const messageId = (await one<{ id: number }>("select id from foi_messages where request_id = ? and direction = 'in'", id)).id
    const other = await as('roads')
    expect((await other.post(`/information-requests/${id}`, { intent: 'redact', target: 'message', id: String(messageId), text: 'x' })).status).toBe(403)
    const admin = await as('admin')
    const res = await admin.post(`/information-requests/${id}`, {
      intent: 'redact',
      target: 'message',
      id: String(messageId),
      text: 'Dear requester, please find the budget attached. Contact: [redacted].',
    })
    expect(res.status).toBe(200)
    const publicPage = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(publicPage).toContain('Contact: [redacted].')
    expect(publicPage).not.toContain('Jane Officer')
    const adminPage = await (await admin.get(`/information-requests/${id}`)).text()
    expect(adminPage).toMatch(/data-testid="foi-original"[^>]*>[^<]*Jane Officer/)
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'foi.message.redact' and target_id = ?", messageId)).n).toBe(1)
    // The removed words no longer find it; the others still do.
    expect(await (await fetch(`${city.url}/information-requests?q=officer`)).text()).not.toContain('Streetlight budget 2026')
    expect(await (await fetch(`${city.url}/information-requests?q=luminaires`)).text()).toContain('Streetlight budget 2026')
  })

  it('only its requester classifies it', async () => {
    const other = await as('roads')
    expect((await other.post(`/information-requests/${id}`, { intent: 'classify', status: 'successful' })).status).toBe(403)
    expect((await other.post(`/information-requests/${id}`, { intent: 'suggest', status: 'refused' })).status).toBe(200)
    const citizen = await as('citizen')
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'classify', status: 'nonsense' })).status).toBe(400)
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'classify', status: 'successful' })).status).toBe(302)
    expect((await one<{ status: string }>('select status from foi_requests where id = ?', id)).status).toBe('successful')
  })
})

describe('deadlines', () => {
  it('an answer after the deadline leaves the request overdue until it is classified', async () => {
    const { id, replyTo, citizen } = await ask('Hydrant inspections', 'How many hydrants were inspected in 2025?')
    const row = await one<{ due_on: string; sent_at: string }>('select due_on, sent_at from foi_requests where id = ?', id)
    // UK: 20 working days after the day it was sent.
    const days = (Date.parse(row.due_on) - Date.parse(row.sent_at.slice(0, 10))) / 86_400_000
    expect(days).toBeGreaterThanOrEqual(26)
    expect(days).toBeLessThanOrEqual(32)
    await write("update foi_requests set sent_at = '2025-01-02T09:00:00.000Z', due_on = '2025-01-30', long_overdue_on = '2025-02-27' where id = ?", id)
    await inbound().sendMail({ from: 'records@water-company.example', to: replyTo, subject: 'Re: hydrants', text: 'We received your request and will answer soon.' })
    await until('the late answer', async () => (await one<{ n: number }>("select count(*) as n from foi_messages where request_id = ? and direction = 'in'", id)).n === 1)
    const page = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toMatch(/data-testid="foi-status"[^>]*>Long overdue</)
    const overdueList = await (await fetch(`${city.url}/information-requests?status=long_overdue`, { headers: { 'accept-language': 'en' } })).text()
    expect(overdueList).toContain('Hydrant inspections')
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'classify', status: 'partially_successful' })).status).toBe(302)
    const after = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(after).toMatch(/data-testid="foi-status"[^>]*>Partially successful</)
  })

  it('working days skip the public holidays the city sets', async () => {
    const admin = await as('admin')
    expect((await admin.post('/admin/information-requests', { intent: 'addHoliday', date: 'not a date', name: 'X' })).status).toBe(400)
    const day = new Date(Date.now() + 7 * 86_400_000)
    while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1)
    const holiday = day.toISOString().slice(0, 10)
    expect((await admin.post('/admin/information-requests', { intent: 'addHoliday', date: holiday, name: 'City day' })).status).toBe(200)
    const { id } = await ask('Bus shelters', 'List the bus shelters.')
    const first = await one<{ due_on: string; sent_at: string }>("select due_on from foi_requests where title = 'Streetlight budget 2026'")
    const second = await one<{ due_on: string }>('select due_on from foi_requests where id = ?', id)
    // One working day later than without the holiday (both sent today).
    expect(second.due_on > first.due_on).toBe(true)
  })

  it('the body statistics count answers on time, with an interval', async () => {
    const html = await (await fetch(`${city.url}/bodies/${bodyId}`, { headers: { 'accept-language': 'en' } })).text()
    expect(html).toMatch(/data-testid="foi-stats"/)
    // Streetlight answered on time (1 of 2 due: the hydrants request was answered late).
    expect(html).toMatch(/50% \(\d+%–\d+%; 1 of 2\)/)
  })
})

describe('the holding pen and limits', () => {
  it('keeps mail to an unknown request address for administrators, and refuses other addresses', async () => {
    await inbound().sendMail({ from: 'someone@elsewhere.example', to: `request-${'a'.repeat(32)}@${DOMAIN}`, subject: 'Lost answer', text: 'Where does this go?' })
    await expect(inbound().sendMail({ from: 'someone@elsewhere.example', to: `nobody@${DOMAIN}`, subject: 'Hi', text: 'Hello' })).rejects.toThrow(/550/)
    const admin = await as('admin')
    // Acknowledged once spooled; held when the spool is processed.
    const html = await until('the held mail', async () => {
      const page = await (await admin.get('/admin/information-requests')).text()
      return page.includes('Lost answer') ? page : null
    })
    expect(html).toContain('Lost answer')
    expect(html).toContain('unknown address')
  })

  it('limits the requests one person sends in a day', async () => {
    // Three sent above; the limit is four.
    await ask('Fourth request', 'Fourth.')
    const citizen = await as('citizen')
    const res = await citizen.post('/information-requests/new', { intent: 'send', bodyId: String(bodyId), title: 'Fifth', text: 'Fifth.' })
    expect(res.status).toBe(429)
    expect(await res.text()).toContain('the most allowed')
  })

  it('a takedown hides the request with a public note, audited', async () => {
    const id = (await one<{ id: number }>("select id from foi_requests where title = 'Fourth request'")).id
    const citizen = await as('citizen')
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'takedown', note: 'x' })).status).toBe(403)
    const admin = await as('admin')
    expect((await admin.post(`/information-requests/${id}`, { intent: 'takedown', note: 'Contained personal data of a third party.' })).status).toBe(200)
    const page = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toContain('Contained personal data of a third party.')
    expect(page).not.toContain('Fourth.')
    const list = await (await fetch(`${city.url}/information-requests`, { headers: { 'accept-language': 'en' } })).text()
    expect(list).not.toContain('Fourth request')
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'foi.request.takedown' and target_id = ?", id)).n).toBe(1)
  })
})

describe('the remainders of issue 22', () => {
  let id: number
  let replyTo: string
  it('redacts pages and words of an answer’s PDF: the public copy has none of them, the original stays for administrators', async () => {
    // The citizen has used their daily limit above: another resident asks.
    const sent = await ask('Park contracts', 'Please send the park maintenance contracts.', 'resident')
    id = sent.id
    replyTo = sent.replyTo
    const pdf = await pdfWith(['Park maintenance contract', 'Signed by Oriol Contractor, phone 0611 223344', 'Annual fee 18000 euros'], [['Bank details of the contractor', 'IBAN ES00 1234']])
    await inbound().sendMail({
      from: 'records@water-company.example',
      to: replyTo,
      subject: 'Contracts',
      text: 'Attached.',
      attachments: [{ filename: 'contract.pdf', content: pdf, contentType: 'application/pdf' }],
    })
    const fileId = await until('the PDF', async () => (await one<{ id: number } | undefined>('select id from foi_attachments where request_id = ?', id))?.id)
    const url = `/information-requests/${id}/files/${fileId}`
    const roads = await as('roads')
    expect((await roads.post(`/information-requests/${id}`, { intent: 'redactPdf', id: String(fileId), pages: '2', words: 'Oriol Contractor', areas: '' })).status).toBe(403)
    const citizen = await as('resident')
    // Bad input: the error by its field, what was typed kept.
    const bad = await citizen.post(`/information-requests/${id}`, { intent: 'redactPdf', id: String(fileId), pages: 'two', words: 'Oriol Contractor', areas: '1 2 3' })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('Write page numbers like 2, 4-5.')
    expect(badHtml).toContain('Write each area on its own line')
    expect(badHtml).toContain('Oriol Contractor</textarea>')
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'redactPdf', id: String(fileId), pages: '5', words: '', areas: '' })).status).toBe(400)
    // The requester redacts: page 2 withheld, a name and a phone number blacked out.
    const ok = await citizen.post(`/information-requests/${id}`, { intent: 'redactPdf', id: String(fileId), pages: '2', words: 'Oriol Contractor\n0611 223344', areas: '' })
    expect(ok.status).toBe(200)
    const publicCopy = Buffer.from(await (await fetch(`${city.url}${url}`)).arrayBuffer())
    expect(publicCopy.subarray(0, 5).toString()).toBe('%PDF-')
    const text = (await pdfPages(publicCopy))!.join('\n')
    expect(text).toContain('Annual fee 18000 euros')
    for (const gone of ['Oriol', 'Contractor', '223344', 'IBAN']) expect(text).not.toContain(gone)
    // The page shows the redacted copy's text; search no longer finds the words.
    const page = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).not.toContain('Oriol')
    expect(await (await fetch(`${city.url}/information-requests?q=oriol`)).text()).not.toContain('Park contracts')
    expect(await (await fetch(`${city.url}/information-requests?q=annual`)).text()).toContain('Park contracts')
    // The original: administrators only.
    expect((await fetch(`${city.url}${url}?original=1`)).status).toBe(404)
    expect((await citizen.get(`${url}?original=1`)).status).toBe(404)
    const admin = await as('admin')
    const original = Buffer.from(await (await admin.get(`${url}?original=1`)).arrayBuffer())
    expect((await pdfPages(original))!.join('\n')).toContain('Oriol Contractor')
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'foi.attachment.redact_pdf' and target_id = ?", fileId)).n).toBe(1)
  })

  it('reads the text of office documents for search and display', async () => {
    const docx = Buffer.from(
      zipSync({
        '[Content_Types].xml': strToU8('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        'word/document.xml': strToU8(
          '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Mowing schedule for the riverside meadows</w:t></w:r></w:p></w:body></w:document>',
        ),
      }),
    )
    await inbound().sendMail({ from: 'records@water-company.example', to: replyTo, subject: 'Schedule', text: 'Also attached.', attachments: [{ filename: 'schedule.docx', content: docx }] })
    const page = await until('the document text', async () => {
      const html = await (await fetch(`${city.url}/information-requests/${id}`, { headers: { 'accept-language': 'en' } })).text()
      return html.includes('riverside meadows') ? html : null
    })
    expect(page).toContain('schedule.docx')
    expect(await (await fetch(`${city.url}/information-requests?q=meadows`)).text()).toContain('Park contracts')
  })

  it('tells those who follow a request or its body; only logged-in people follow', async () => {
    expect((await new Visitor(city.url).post(`/information-requests/${id}`, { intent: 'follow' })).status).toBe(302)
    const roads = await as('roads')
    expect((await roads.post(`/information-requests/${id}`, { intent: 'follow' })).status).toBe(200)
    expect((await roads.post(`/information-requests/999999`, { intent: 'follow' })).status).toBe(404)
    const admin = await as('admin')
    expect((await admin.post(`/bodies/${bodyId}`, { intent: 'follow' })).status).toBe(200)
    expect((await admin.post(`/bodies/${bodyId}`, { intent: 'dance' })).status).toBe(400)
    await inbound().sendMail({ from: 'records@water-company.example', to: replyTo, subject: 'More', text: 'One more document will follow.' })
    const toRoads = await smtp.waitFor('roads@valmera.example', { subject: /New answer: Park contracts/ })
    expect(toRoads.text).toContain(`/information-requests/${id}`)
    await smtp.waitFor('admin@valmera.example', { subject: /New answer: Park contracts/ })
    // Stopping: no mail for the next change of status.
    expect((await roads.post(`/information-requests/${id}`, { intent: 'unfollow' })).status).toBe(200)
    const citizen = await as('resident')
    expect((await citizen.post(`/information-requests/${id}`, { intent: 'classify', status: 'successful' })).status).toBe(302)
    await smtp.waitFor('admin@valmera.example', { subject: /Successful: Park contracts/ })
    expect(smtp.mails.some((m) => JSON.stringify(m.to ?? '').includes('roads@valmera.example') && /Successful: Park contracts/.test(m.subject ?? ''))).toBe(false)
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'foi.request.classify' and target_id = ?", id)).n).toBe(1)
  })

  it('publishes feeds and an open-data dataset of the public requests', async () => {
    const rss = await fetch(`${city.url}/feeds/information-requests.rss`)
    expect(rss.headers.get('content-type')).toContain('xml')
    const rssText = await rss.text()
    expect(rssText).toContain('<title>Park contracts</title>')
    expect(rssText).not.toContain('citizen@valmera.example')
    const atom = await (await fetch(`${city.url}/feeds/information-requests/body/${bodyId}.atom`)).text()
    expect(atom).toContain('Park contracts')
    expect((await fetch(`${city.url}/feeds/information-requests/body/999999.rss`)).status).toBe(404)
    const csv = await (await fetch(`${city.url}/data/information-requests.csv`)).text()
    expect(csv.split('\n')[0]).toContain('id,title,body,body_id,law,status')
    expect(csv).toContain('Park contracts')
    expect(csv).not.toContain('Fourth request')
    expect(csv).not.toContain('@valmera.example')
  })
})
