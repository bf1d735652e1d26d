import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../app/lib/db.server'
import { composeMail, queueMail, type QueuedMail } from '../../app/lib/mail/outbox.server'
import { startSmtpTestServer } from '../../app/lib/mail/smtp-test-server'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf } from '../support/sql'

/** /dev/mail over HTTP, against a real server with its own database. */

let plaza: RunningPlaza
let hidden: RunningPlaza
const ids: Record<string, number> = {}

/** Queues mails in a running server's outbox, through the outbox's own code, on either engine. */
async function queue(server: RunningPlaza, mails: QueuedMail[]) {
  const database = openDatabase({ path: server.databasePath, url: server.databaseUrl, poolSize: 1, synchronous: 'NORMAL' })
  try {
    const out: number[] = []
    for (const mail of mails) out.push(await database.write((trx) => queueMail(trx, mail)))
    return out
  } finally {
    await database.close()
  }
}

beforeAll(async () => {
  ;[plaza, hidden] = await Promise.all([startPlaza({ DEV_MAIL: 'true' }), startPlaza({ DEV_MAIL: 'false' })])
  const confirm = composeMail({
    locale: 'en',
    subject: 'Confirm your e-mail address',
    greeting: 'Hello Ana,',
    paragraphs: ['Confirm your address to take part.'],
    // A link back to this server, so following it lands on a page we know.
    action: { label: 'Confirm my address', url: `${plaza.url}/dev/mail?page=1&from=mail` },
  })
  const [confirmId, letterId] = await queue(plaza, [
    { kind: 'account.confirm', to: 'ana@example.org', ...confirm },
    {
      kind: 'letters.deliver',
      to: 'ruiz@council.example.org',
      replyTo: 'ana@example.org',
      subject: 'About <script>alert(1)</script> the streetlight',
      text: 'Dear Councillor,\n<b>not bold</b> javascript:alert(1)\nSee https://plaza.example.org/letters/7.',
      html: '<div id="hostile-html"><script>alert(1)</script></div>',
      headers: { 'List-Unsubscribe': '<https://plaza.example.org/unsubscribe/xyz>' },
    },
  ])
  ids.confirm = confirmId!
  ids.letter = letterId!
})
afterAll(() => Promise.all([plaza?.stop(), hidden?.stop()]))

const get = (base: RunningPlaza, path: string, headers: Record<string, string> = {}) => fetch(base.url + path, { headers: { 'accept-language': 'en', ...headers }, redirect: 'manual' })

describe('/dev/mail', () => {
  it('lists the outbox newest first, with a note that nothing is sent without MAIL_URL', async () => {
    const res = await get(plaza, '/dev/mail')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    expect(html).toContain('<h1>Outbox</h1>')
    expect(html).toContain('E-mails are not sent: this server has no MAIL_URL.')
    const letter = html.indexOf(`href="/dev/mail/${ids.letter}"`)
    const confirm = html.indexOf(`href="/dev/mail/${ids.confirm}"`)
    expect(letter).toBeGreaterThan(-1)
    expect(confirm).toBeGreaterThan(letter)
    expect(html).toContain('ruiz@council.example.org')
    expect(html).toContain('<code>account.confirm</code>')
    expect(html).toContain('Waiting to be sent')
    // The hostile subject is text, not markup.
    expect(html).toContain('About &lt;script&gt;alert(1)&lt;/script&gt; the streetlight')
    expect(html).not.toContain('<script>alert(1)</script>')
  })

  it('speaks the visitor’s language', async () => {
    const html = await (await get(plaza, '/dev/mail', { 'accept-language': 'es' })).text()
    expect(html).toContain('<h1>Bandeja de salida</h1>')
    expect(html).toContain('Pendiente de envío')
    const fr = await (await get(plaza, `/dev/mail/${ids.letter}`, { 'accept-language': 'fr' })).text()
    expect(fr).toContain('Répondre à')
  })

  it('shows a message with its headers and every http(s) address in the text as a link', async () => {
    const res = await get(plaza, `/dev/mail/${ids.confirm}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<h1>Confirm your e-mail address</h1>')
    expect(html).toContain('ana@example.org')
    expect(html).toContain(`<a href="${plaza.url}/dev/mail?page=1&amp;from=mail">${plaza.url}/dev/mail?page=1&amp;from=mail</a>`)
    // The HTML version is shown as source: the layout's markup appears escaped, never as elements.
    expect(html).toContain('&lt;div role=&quot;article&quot;')
    expect(html).not.toContain('<div role="article"')
  })

  it('never renders the stored HTML, and links only http(s) addresses', async () => {
    const html = await (await get(plaza, `/dev/mail/${ids.letter}`)).text()
    expect(html).toContain('&lt;div id=&quot;hostile-html&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('id="hostile-html"')
    expect(html).toContain('&lt;b&gt;not bold&lt;/b&gt; javascript:alert(1)')
    expect(html).not.toMatch(/href="javascript:/i)
    expect(html).toContain('<a href="https://plaza.example.org/letters/7">https://plaza.example.org/letters/7</a>.')
    expect(html).toContain('List-Unsubscribe')
    expect(html).toContain('&lt;https://plaza.example.org/unsubscribe/xyz&gt;')
    expect(html).toMatch(/Reply-To<\/dt><dd>ana@example.org<\/dd>/)
  })

  it.each(['999999', '0', 'abc', '1e3', '-1', '12345678901234567890'])('answers 404 for the message %s', async (id) => {
    const res = await get(plaza, `/dev/mail/${id}`)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('Page not found')
  })

  it.each(['0', 'two', '-3', '1.5'])('answers 400, not 500, for the page %s', async (page) => {
    const res = await get(plaza, `/dev/mail?page=${page}`)
    expect(res.status).toBe(400)
  })

  it('shows an empty page past the end, with a way back', async () => {
    const res = await get(plaza, '/dev/mail?page=9')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('No e-mails yet.')
    expect(html).toContain('href="/dev/mail?page=8"')
  })

  it('does not exist when DEV_MAIL is off', async () => {
    await queue(hidden, [{ kind: 'account.confirm', to: 'ana@example.org', subject: 'Secret link', text: 'https://x.example/reset' }])
    for (const path of ['/dev/mail', '/dev/mail/1', '/dev/mail?page=2']) {
      const res = await get(hidden, path)
      expect(res.status, path).toBe(404)
      expect(await res.text(), path).not.toContain('Secret link')
    }
  })
})

describe('a real installation (NODE_ENV=production, no demo) without MAIL_URL', () => {
  it('never serves /dev/mail, even with DEV_MAIL=true; says so at start-up and keeps mail in the outbox', async () => {
    const real = await startPlaza({ NODE_ENV: 'production', SEED_DEMO: 'false', DEV_MAIL: 'true' })
    try {
      const messages = real.logs.map((l) => String(l.msg))
      expect(messages).toContainEqual(expect.stringMatching(/^MAIL_URL is not set: no e-mail is sent; e-mails stay in the outbox until MAIL_URL is set .*cannot be read from the web/))
      expect(messages).toContainEqual(expect.stringMatching(/^DEV_MAIL=true is ignored/))
      // A sign-up queues a mail with a link that opens the account.
      const visitor = new Visitor(real.url, { 'accept-language': 'en' })
      expect((await visitor.post('/signup', { email: 'owner@example.org', displayName: 'Owner', password: 'a long enough passphrase' })).status).toBe(303)
      const sql = sqlOf(real)
      const queued = await sql.all<{ id: number; status: string }>(`select id, status from outbox where to_address = 'owner@example.org'`)
      await sql.close()
      expect(queued).toEqual([{ id: expect.any(Number), status: 'pending' }])
      for (const path of ['/dev/mail', `/dev/mail/${queued[0]!.id}`, '/dev/mail?page=1']) {
        const res = await get(real, path)
        expect(res.status, path).toBe(404)
        expect(await res.text(), path).not.toContain('owner@example.org')
      }
      // No banner leading to an outbox that is not there.
      expect(await (await get(real, '/signup')).text()).not.toContain('href="/dev/mail"')
    } finally {
      await real.stop()
    }
  }, 90_000) // starts a Plaza of its own: as long as a hook may take

  it('the demo site (production, the seeded demo city) shows it, with its banner, and says so at start-up', async () => {
    const demo = await startPlaza({ NODE_ENV: 'production' })
    try {
      expect(demo.logs.map((l) => String(l.msg))).toContainEqual(
        expect.stringMatching(/^This is the demo site: e-mails, with their confirmation and password-reset links, are shown to anyone at \/dev\/mail/),
      )
      expect((await get(demo, '/dev/mail')).status).toBe(200)
      expect(await (await get(demo, '/signup')).text()).toContain('href="/dev/mail"')
    } finally {
      await demo.stop()
    }
  }, 90_000) // starts a Plaza of its own: as long as a hook may take
})

describe('a server with MAIL_URL', () => {
  it('delivers the outbox over SMTP from its own worker, and /dev/mail says so', async () => {
    const smtp = await startSmtpTestServer()
    // No background jobs: the report questionnaires ("Has it been fixed?") they mail to the demo city's
    // reporters, as its seeded reports come due, would be the first mail to arrive.
    const sending = await startPlaza({ MAIL_URL: smtp.url, MAIL_FROM: 'Plaza Valmera <plaza@valmera.example>', DEV_MAIL: 'true', BACKGROUND_JOBS: 'false' })
    try {
      const [id] = await queue(sending, [{ kind: 'account.confirm', to: 'bo@example.org', subject: 'Delivered by the server', text: 'Hello https://valmera.example/x' }])
      // The worker polls the outbox (every 5 s) — the mail arrives at the SMTP server.
      const [received] = await smtp.waitFor(1, 30_000)
      expect(received!.subject).toBe('Delivered by the server')
      expect(received!.from?.value).toEqual([{ name: 'Plaza Valmera', address: 'plaza@valmera.example' }])
      expect(sending.logs.some((l) => l.msg === 'mail worker started')).toBe(true)
      let page = ''
      for (let i = 0; i < 50 && !page.includes('<dd>Sent</dd>'); i++) {
        page = await (await get(sending, `/dev/mail/${id}`)).text()
        if (!page.includes('<dd>Sent</dd>')) await new Promise((r) => setTimeout(r, 100))
      }
      expect(page).toContain('These e-mails are also sent via SMTP.')
      expect(page).toContain('<dd>Sent</dd>')
      expect(page).toContain(received!.messageId!.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')))
      expect(smtp.received).toHaveLength(1)
    } finally {
      await Promise.all([sending.stop(), smtp.close()])
    }
  }, 90_000) // starts a Plaza of its own: as long as a hook may take
})

describe('/dev/mail in a browser', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  })
  afterAll(() => browser?.close())

  it('lets a person open a mail and follow its link without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto(`${plaza.url}/dev/mail`)
    await page.getByRole('link', { name: 'Confirm your e-mail address' }).click()
    await page.waitForURL(`${plaza.url}/dev/mail/${ids.confirm}`)
    await page.getByTestId('mail-text').getByRole('link').click()
    await page.waitForURL(`${plaza.url}/dev/mail?page=1&from=mail`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Outbox')
    await context.close()
  })

  it.each([['/dev/mail'], ['/dev/mail/LETTER']])('%s passes axe', async (path) => {
    const context = await browser.newContext({ locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto(plaza.url + path.replace('LETTER', String(ids.letter)))
    // The layout's demo banner (app/root.tsx, not this page) is checked by the layout's own tests.
    const results = await new AxeBuilder({ page }).exclude('.demo-banner').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
    await context.close()
  })
})
