import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Widgets for city websites over real HTTP: the frame-ancestors CSP per route and as the allowed
 * list changes, the widget pages (and 404 for what is not public), oEmbed, the /embed admin page
 * and its refusals, and the report form widget filing a real report that reaches the council.
 */

let plaza: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
const PASSWORD = 'valmera-demo-2026'
const ids = { openPetition: 0, draftPetition: 0, hiddenPetition: 0, proposal: 0, hiddenProposal: 0 }

beforeAll(async () => {
  smtp = await startSmtpSink()
  plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
  const petition = async (state: string) => (await sql.get<{ id: number }>(`select id from petitions where state = ? order by id limit 1`, state))!.id
  ids.openPetition = await petition('open')
  ids.draftPetition = await petition('draft')
  const proposals = await sql.all<{ id: number }>(`select id from proposals where state = 'published' order by id limit 2`)
  ids.proposal = proposals[0]!.id
  ids.hiddenProposal = proposals[1]!.id
  // Moderated content: hidden by a moderator (the state the moderation module leaves it in).
  ids.hiddenPetition = await petition('closed')
  await sql.run(`update petitions set state = 'hidden' where id = ?`, ids.hiddenPetition)
  await sql.run(`update proposals set state = 'hidden' where id = ?`, ids.hiddenProposal)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
  await smtp?.stop()
})

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const frameAncestors = (res: Response) => /frame-ancestors ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]

describe('frame-ancestors per route', () => {
  it('widget pages may be framed by Plaza itself and send no X-Frame-Options; every other page by no one', async () => {
    const widget = await fetch(`${plaza.url}/embed/petitions/${ids.openPetition}`)
    expect(widget.status).toBe(200)
    expect(frameAncestors(widget)).toBe("'self'")
    expect(widget.headers.get('x-frame-options')).toBeNull()
    for (const path of ['/', `/petitions/${ids.openPetition}`, '/embed', '/oembed', '/reports', '/widget.js']) {
      const res = await fetch(`${plaza.url}${path}`, { redirect: 'manual' })
      expect(frameAncestors(res), path).toBe("'none'")
      expect(res.headers.get('x-frame-options'), path).toBe('DENY')
    }
    // A 404 widget page still has the widget policy (the frame shows the short message).
    const missing = await fetch(`${plaza.url}/embed/petitions/999999`)
    expect(missing.status).toBe(404)
    expect(frameAncestors(missing)).toBe("'self'")
  })

  it('follows the allowed list at once in the process that changes it, also for cached pages', async () => {
    const admin = await as('admin')
    const add = await admin.post('/embed', { intent: 'add', origin: 'HTTPS://News.Valmera.Example:443/', note: 'City news' })
    expect(add.status).toBe(200)
    expect(await add.text()).toContain('https://news.valmera.example may now embed widgets')
    // Cached page (Plaza-Page-Cache) and fresh one both carry the new list.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${plaza.url}/embed/reports?area=sant-roc`)
      expect(frameAncestors(res)).toBe("'self' https://news.valmera.example")
    }
    const add2 = await admin.post('/embed', { intent: 'add', origin: 'http://127.0.0.1:8081', note: '' })
    expect(add2.status).toBe(200)
    expect(frameAncestors(await fetch(`${plaza.url}/embed/map?area=sant-roc`))).toBe("'self' http://127.0.0.1:8081 https://news.valmera.example")
    const site = (await sql.get<{ id: number }>(`select id from embed_sites where origin = 'https://news.valmera.example'`))!
    const remove = await admin.post('/embed', { intent: 'remove', siteId: String(site.id) })
    expect(remove.status).toBe(200)
    expect(frameAncestors(await fetch(`${plaza.url}/embed/reports?area=sant-roc`))).toBe("'self' http://127.0.0.1:8081")
    // Audited: who, what, before/after.
    const audit = await sql.all<{
      action: string
      actor_id: number
      before: string | null
      after: string | null
    }>(`select action, actor_id, before, after from audit_log where target_kind = 'embed_site' order by id`)
    expect(audit.map((a) => a.action)).toEqual(['embed.site.add', 'embed.site.add', 'embed.site.remove'])
    expect(JSON.parse(audit[2]!.before!)).toMatchObject({ origin: 'https://news.valmera.example' })
    expect(audit.every((a) => a.actor_id > 0)).toBe(true)
  })
})

describe('the /embed admin page', () => {
  it('refuses anonymous visitors, citizens, staff and moderators (page and actions)', async () => {
    const anonymous = await fetch(`${plaza.url}/embed`, { redirect: 'manual' })
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toContain('/login')
    const anonPost = await new Visitor(plaza.url).post('/embed', { intent: 'add', origin: 'https://evil.example' })
    expect(anonPost.status).toBe(302)
    for (const who of ['citizen', 'resident', 'roads', 'moderator']) {
      const v = await as(who)
      expect((await v.get('/embed')).status, who).toBe(403)
      expect((await v.post('/embed', { intent: 'add', origin: 'https://evil.example' })).status, who).toBe(403)
      expect((await v.post('/embed', { intent: 'remove', siteId: '1' })).status, who).toBe(403)
    }
    expect(await sql.get(`select count(*) n from embed_sites where origin = 'https://evil.example'`)).toEqual({ n: 0 })
  })

  it('builds a widget without JavaScript: preview frame, two-line snippet and iframe', async () => {
    const admin = await as('admin')
    const res = await admin.get(`/embed?widget=reports&area=sant-roc&limit=3&lang=fr`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`src="/embed/reports?area=sant-roc&amp;limit=3&amp;lang=fr"`)
    expect(html).toContain(`&lt;script src=&quot;${plaza.url}/widget.js&quot; async&gt;&lt;/script&gt;`)
    expect(html).toContain('data-plaza-widget=&quot;reports&quot; data-area=&quot;sant-roc&quot; data-limit=&quot;3&quot; data-lang=&quot;fr&quot;')
    expect(html).toContain(`&lt;iframe src=&quot;${plaza.url}/embed/reports?area=sant-roc&amp;amp;limit=3&amp;amp;lang=fr&quot;`)
    const hidden = await (await admin.get(`/embed?widget=petition&petition=${ids.hiddenPetition}`)).text()
    expect(hidden).toContain('not public')
    expect(hidden).not.toContain('data-testid="builder-preview"')
    // The admin hub links here.
    expect(await (await admin.get('/admin')).text()).toContain('href="/embed"')
  })

  it('refuses what is not a web origin, with the reason next to the field, keeping what was typed', async () => {
    const admin = await as('admin')
    const cases: Array<[string, RegExp, number]> = [
      ['', /Type the address/, 400],
      ['www.valmera.example', /Start with https:\/\//, 400],
      ['https://www.valmera.example/news/page', /no path/, 400],
      ['https://*.valmera.example', /no wildcards/, 400],
      ["https://a.example 'unsafe-inline'", /not a web address/, 400],
      ['http://127.0.0.1:8081', /already in the list/, 409],
    ]
    for (const [origin, message, status] of cases) {
      const res = await admin.post('/embed', { intent: 'add', origin, note: 'kept note' })
      expect(res.status, origin).toBe(status)
      const html = await res.text()
      expect(html, origin).toMatch(message)
      expect(html).toContain('value="kept note"')
    }
    expect((await admin.post('/embed', { intent: 'add', origin: 'https://ok.example', note: 'x'.repeat(201) })).status).toBe(400)
    expect((await admin.post('/embed', { intent: 'remove', siteId: '999999' })).status).toBe(404)
    expect((await admin.post('/embed', { intent: 'remove', siteId: 'abc' })).status).toBe(400)
    expect((await admin.post('/embed', { intent: 'other' })).status).toBe(400)
  })

  it('never answers 500 and never stores a bad origin, whatever is posted (fuzzed)', async () => {
    const admin = await as('admin')
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 80 }), fc.webUrl(), fc.constantFrom('https://', 'http://[::1', 'https://a..b', 'https://x.example;a', 'data:text/html,x')),
        fc.string({ maxLength: 50 }),
        async (origin, note) => {
          const res = await admin.post('/embed', { intent: 'add', origin, note })
          expect([200, 400, 409]).toContain(res.status)
        },
      ),
      { numRuns: 60 },
    )
    const stored = await sql.all<{ origin: string }>(`select origin from embed_sites`)
    for (const { origin } of stored) expect(origin).toMatch(/^https?:\/\/[a-z0-9.[\]:-]+$/)
    // The CSP stays one well-formed header whatever was stored.
    const csp = (await fetch(`${plaza.url}/embed/reports`)).headers.get('content-security-policy')!
    expect(
      frameAncestors(new Response(null, { headers: { 'content-security-policy': csp } }))!
        .split(' ')
        .slice(1)
        .every((s) => /^https?:\/\/[^\s;,']+$/.test(s)),
    ).toBe(true)
  })
})

describe('widget pages', () => {
  it('render in the bare layout, follow ?lang=, opt into the page cache, and open Plaza in a new tab', async () => {
    const res = await fetch(`${plaza.url}/embed/petitions/${ids.openPetition}?lang=es`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<html lang="es"')
    expect(html).toMatch(/\d+ firmas/)
    expect(html).toContain('Firma esta petición')
    expect(html).not.toContain('class="site-header"')
    expect(html).not.toContain('class="site-footer"')
    expect(html).toContain(`href="/petitions/${ids.openPetition}#sign" target="_blank" rel="noopener"`)
    expect(html).toContain("type: 'plaza:resize'")
    const again = await fetch(`${plaza.url}/embed/petitions/${ids.openPetition}?lang=es`)
    expect(again.headers.get('x-plaza-cache')).toBe('hit')
    expect(await (await fetch(`${plaza.url}/embed/petitions/${ids.openPetition}?lang=fr`)).text()).toContain('Signer cette pétition')
  })

  it('shows a proposal with its supports, the latest reports of an area and the map with its picture', async () => {
    const proposal = await (await fetch(`${plaza.url}/embed/proposals/${ids.proposal}`, { headers: { 'accept-language': 'en' } })).text()
    expect(proposal).toMatch(/data-testid="proposal-supports">\d+ supports?</)
    expect(proposal).toContain('Support on Plaza')
    const reports = await (await fetch(`${plaza.url}/embed/reports?area=sant-roc&limit=2`, { headers: { 'accept-language': 'en' } })).text()
    expect(reports).toContain('Latest reports in Sant Roc')
    expect((reports.match(/<li>/g) ?? []).length).toBeLessThanOrEqual(2)
    const map = (await (await fetch(`${plaza.url}/embed/map?area=sant-roc&layers=reports`, { headers: { 'accept-language': 'en' } })).text()).replace(/<!-- -->/g, '')
    expect(map).toContain('data-testid="map-fallback"')
    expect(map).toContain('Showing: Reports')
    expect(map).not.toContain('Showing: Reports, ')
  })

  it('answers 404 with a short message for hidden, draft, unknown or malformed content', async () => {
    for (const path of [
      `/embed/petitions/${ids.hiddenPetition}`,
      `/embed/petitions/${ids.draftPetition}`,
      `/embed/petitions/999999`,
      `/embed/petitions/abc`,
      `/embed/proposals/${ids.hiddenProposal}`,
      `/embed/reports?area=nowhere`,
      `/embed/reports?area=../../etc`,
      `/embed/map?area=nowhere`,
      `/embed/map`,
      `/embed/report-form`,
      `/embed/report-form?lat=10&lng=10`,
    ]) {
      const res = await fetch(`${plaza.url}${path}`, { headers: { 'accept-language': 'en' } })
      expect(res.status, path).toBe(404)
      const html = await res.text()
      expect(html, path).toContain('Not available')
      expect(html).not.toContain('class="site-header"')
    }
  })
})

describe('oEmbed', () => {
  const oembed = (url: string, extra = '') => fetch(`${plaza.url}/oembed?url=${encodeURIComponent(url)}${extra}`, { headers: { 'accept-language': 'en' } })

  it('answers a rich type with the widget frame for each kind of page', async () => {
    const cases: Array<[string, string, string]> = [
      [`/petitions/${ids.openPetition}`, `/embed/petitions/${ids.openPetition}`, 'Petition: '],
      [`/proposals/${ids.proposal}`, `/embed/proposals/${ids.proposal}`, 'Proposal: '],
      ['/areas/sant-roc', '/embed/reports?area=sant-roc&amp;limit=5', 'Latest reports in Sant Roc'],
      ['/reports?area=sant-roc', '/embed/reports?area=sant-roc&amp;limit=5', 'Latest reports in Sant Roc'],
      ['/map?area=sant-roc&layers=reports', '/embed/map?area=sant-roc&amp;layers=reports', 'Map of Sant Roc'],
      ['/reports/new?area=sant-roc', '/embed/report-form?area=sant-roc', 'Report a problem in Sant Roc'],
    ]
    for (const [page, widget, title] of cases) {
      const res = await oembed(`${plaza.url}${page}`, '&format=json')
      expect(res.status, page).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect(res.headers.get('content-type')).toContain('application/json')
      const body = (await res.json()) as Record<string, unknown>
      expect(body).toMatchObject({ version: '1.0', type: 'rich', provider_name: 'Plaza Valmera', provider_url: `${plaza.url}/` })
      expect(body.title, page).toContain(title)
      expect(typeof body.cache_age).toBe('number')
      expect(body.width).toBe(600)
      expect(body.html, page).toContain(`<iframe src="${plaza.url}${widget}"`)
      expect(body.html).toContain('scrolling="no"')
      // The frame's page itself answers.
      expect((await fetch(`${plaza.url}${widget.replace(/&amp;/g, '&')}`)).status, widget).toBe(200)
    }
  })

  it('keeps within maxwidth and maxheight', async () => {
    const body = (await (await oembed(`${plaza.url}/petitions/${ids.openPetition}`, '&maxwidth=320&maxheight=200')).json()) as { width: number; height: number; html: string }
    expect(body.width).toBe(320)
    expect(body.height).toBe(200)
    expect(body.html).toContain('width="320" height="200"')
  })

  it('refuses: 400 without or with a foreign url, 404 without a widget or for hidden content, 501 for XML', async () => {
    expect((await fetch(`${plaza.url}/oembed`)).status).toBe(400)
    expect((await oembed('https://evil.example/petitions/1')).status).toBe(400)
    expect((await oembed('not a url')).status).toBe(400)
    expect((await oembed(`${plaza.url}/login`)).status).toBe(404)
    expect((await oembed(`${plaza.url}/areas/nowhere`)).status).toBe(404)
    expect((await oembed(`${plaza.url}/petitions/${ids.hiddenPetition}`)).status).toBe(404)
    expect((await oembed(`${plaza.url}/petitions/${ids.draftPetition}`)).status).toBe(404)
    expect((await oembed(`${plaza.url}/proposals/${ids.hiddenProposal}`)).status).toBe(404)
    const xml = await oembed(`${plaza.url}/petitions/${ids.openPetition}`, '&format=xml')
    expect(xml.status).toBe(501)
    expect(xml.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('is discovered from the pages that have a widget, and only those', async () => {
    const page = await (await fetch(`${plaza.url}/petitions/${ids.openPetition}`)).text()
    const link = /<link rel="alternate" type="application\/json\+oembed" href="([^"]+)" title="([^"]+)"/.exec(page)
    expect(link).not.toBeNull()
    const href = link![1]!.replace(/&amp;/g, '&')
    expect(href).toBe(`${plaza.url}/oembed?url=${encodeURIComponent(`${plaza.url}/petitions/${ids.openPetition}`)}&format=json`)
    expect((await fetch(href)).status).toBe(200)
    expect(await (await fetch(`${plaza.url}/areas/sant-roc`)).text()).toContain('application/json+oembed')
    expect(await (await fetch(`${plaza.url}/proposals/${ids.proposal}`)).text()).toContain('application/json+oembed')
    expect(await (await fetch(`${plaza.url}/`)).text()).not.toContain('application/json+oembed')
  })
})

describe('the report form widget', () => {
  it('files a real guest report, confirmed by the e-mailed link, that reaches the council list', async () => {
    const path = '/embed/report-form?area=sant-roc&lang=en'
    const page = await (await fetch(`${plaza.url}${path}`)).text()
    expect(page).toContain('value="pothole"')
    expect(page).toContain('name="email"')
    const visitor = new Visitor(plaza.url, { 'accept-language': 'en' })
    const form = () => {
      const f = new FormData()
      for (const [k, v] of Object.entries({
        category: 'pothole',
        title: 'Widget pothole at the corner',
        description: 'Reported from the city website widget.',
        name: 'Widget Person',
        email: 'widget.person@example.org',
      }))
        f.append(k, v)
      return f
    }
    // The category asks a question: the form comes back with it, everything typed kept.
    const first = await visitor.post(path, form())
    let status = first.status
    if (first.status === 400) {
      const html = await first.text()
      expect(html).toContain('attribute[depth]')
      expect(html).toContain('value="Widget pothole at the corner"')
      const f = form()
      f.append('attribute[depth]', /<option value="([^"]+)">/.exec(html.slice(html.indexOf('attribute[depth]')))![1]!)
      const second = await visitor.post(path, f)
      status = second.status
      expect(second.headers.get('location')).toBe('/embed/report-form?area=sant-roc&lang=en&sent=1')
    } else {
      expect(first.headers.get('location')).toBe('/embed/report-form?area=sant-roc&lang=en&sent=1')
    }
    expect(status).toBe(302)
    const sent = await (await fetch(`${plaza.url}/embed/report-form?area=sant-roc&lang=en&sent=1`)).text()
    expect(sent).toContain('Check your e-mail')
    const row = (await sql.get<{ id: number; state_kind: string; reporter_email: string; source: string }>(
      `select id, state_kind, reporter_email, source from reports where title = ?`,
      'Widget pothole at the corner',
    ))!
    expect(row).toMatchObject({ state_kind: 'unconfirmed', reporter_email: 'widget.person@example.org', source: 'web' })
    const mail = await smtp.waitFor('widget.person@example.org')
    // The link shows a button; the button POSTs (issue 18).
    const confirm = await fetch(`${plaza.url}${linkIn(mail, '/reports/confirm/')}`, { method: 'POST', body: new URLSearchParams(), headers: { origin: plaza.url }, redirect: 'manual' })
    expect([200, 302, 303]).toContain(confirm.status)
    expect((await sql.get<{ state_kind: string }>(`select state_kind from reports where id = ?`, row.id))?.state_kind).toBe('open')
    const roads = await as('roads')
    expect(await (await roads.get('/council/reports')).text()).toContain('Widget pothole at the corner')
  })

  it('passes the CSRF check only from Plaza itself (the frame document), and keeps bad input as a 400', async () => {
    const foreign = await fetch(`${plaza.url}/embed/report-form?area=sant-roc`, { method: 'POST', body: new URLSearchParams({ title: 'x' }), headers: { origin: 'https://news.valmera.example' } })
    expect(foreign.status).toBe(403)
    const bad = await new Visitor(plaza.url, { 'accept-language': 'en' }).post('/embed/report-form?area=sant-roc', {
      category: 'pothole',
      title: 'ab',
      description: 'short',
      name: '',
      email: 'not-an-email',
    })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('field-email-error')
    expect(html).toContain('value="ab"')
    const spam = await new Visitor(plaza.url).post('/embed/report-form?area=sant-roc', {
      category: 'pothole',
      title: 'Spam title',
      description: 'Spam description here',
      name: 'Bot',
      email: 'bot@example.org',
      website_url: 'http://spam',
    })
    expect(spam.status).toBe(400)
  })

  it('never answers 500 to any input (fuzzed)', async () => {
    const v = new Visitor(plaza.url)
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('category', 'title', 'description', 'name', 'email', 'address', 'photoRef', 'attribute[depth]'), fc.string({ maxLength: 300 })),
        async (fields) => {
          const res = await v.post('/embed/report-form?area=sant-roc', fields)
          expect(res.status).toBeLessThan(500)
        },
      ),
      { numRuns: 40 },
    )
  })
})
