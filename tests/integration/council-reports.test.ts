import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Council triage over real HTTP, as staff without JavaScript use it: who may see what, the triage
 * form, bulk changes, the CSV export, and bad input answered with a 400 next to the field and
 * nothing changed. Works on the demo city's own reports (the seed files and triages ~60).
 */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const query = <T>(text: string, ...params: unknown[]) => sql.all<T>(text, ...params)
const one = async <T>(text: string, ...params: unknown[]) => (await query<T>(text, ...params))[0]!

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const department = async (slug: string) => (await one<{ id: number }>('select id from departments where slug = ?', slug)).id
const userId = async (email: string) => (await one<{ id: number }>('select id from users where email = ?', email)).id
/** Open reports of a department, oldest first. */
const openReports = async (slug: string) => (await query<{ id: number }>(`select id from reports where department_id = ? and state_kind = 'open' order by id`, await department(slug))).map((r) => r.id)
// Without questionnaire_due_at: the questionnaire worker clears it in the background once it is
// due (seeded reports' dates pass as the calendar moves), whatever the test does.
const reportRow = async (id: number) => {
  const { questionnaire_due_at: _due, ...row } = await one<Record<string, unknown>>('select * from reports where id = ?', id)
  return row
}
const updateCount = async (id: number) => (await one<{ n: number }>('select count(*) as n from report_updates where report_id = ?', id)).n
const idsOnPage = (html: string) => [...html.matchAll(/id="select-(\d+)"/g)].map((m) => Number(m[1]))

describe('who may use the council pages', () => {
  const pages = ['/council/reports', '/council/reports?status=all', '/council/reports/1', '/council/reports.csv', '/council/templates', '/council/dashboard']

  it('sends logged-out visitors to log in, on every page and every form', async () => {
    const anonymous = await as('anonymous')
    for (const path of pages) {
      const res = await anonymous.get(path)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toMatch(/^\/login\?redirectTo=/)
    }
    for (const path of ['/council/reports', '/council/reports/1', '/council/templates']) {
      const res = await anonymous.post(path, { state: 'fixed', id: '1', intent: 'delete' })
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toMatch(/^\/login/)
    }
  })

  it('refuses citizens and moderators with 403, reading or posting', async () => {
    const [citizen, moderator] = await Promise.all([as('citizen'), as('moderator')])
    const report = (await openReports('roads'))[0]!
    for (const who of [citizen, moderator]) {
      for (const path of [...pages, `/council/reports/${report}`]) expect((await who.get(path)).status, path).toBe(403)
      for (const path of ['/council/reports', `/council/reports/${report}`, '/council/templates']) {
        expect((await who.post(path, { id: String(report), state: 'fixed', intent: 'create', title: 'x', text: 'y', department: 'all', autoState: '' })).status, path).toBe(403)
      }
    }
    expect((await reportRow(report)).state_kind).toBe('open')
  })

  it('shows roads staff only roads reports, and refuses another department’s report with a clear page', async () => {
    const roads = await as('roads')
    const html = await (await roads.get('/council/reports?status=all')).text()
    const listed = idsOnPage(html)
    expect(listed.length).toBeGreaterThan(0)
    const departments = await query<{ department_id: number }>(`select distinct department_id from reports where id in (${listed.join(',')})`)
    expect(departments).toEqual([{ department_id: await department('roads') }])
    const lightingReport = (await query<{ id: number }>('select id from reports where department_id = ? order by id', await department('street-lighting')))[0]!.id
    expect(listed).not.toContain(lightingReport)
    const refused = await roads.get(`/council/reports/${lightingReport}`)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('This report is handled by Street lighting.')
    expect((await roads.get('/council/reports?department=street-lighting')).status).toBe(400)
    expect((await roads.get('/council/reports/99999999')).status).toBe(404)
    // The administrator sees every department.
    const admin = await as('admin')
    const all = idsOnPage(await (await admin.get(`/council/reports?status=all&department=street-lighting`)).text())
    expect(all).toContain(lightingReport)
  })
})

describe('the rendered list (docs/performance.md, fourth and fifth passes)', () => {
  it("shows each row's dates as its day in the page's language; HTML without React, the select-all box by an inline script", async () => {
    const roads = await as('roads')
    for (const [lng, locale, selectAll] of [
      ['en', 'en', 'Select every report on this page'],
      ['fr', 'fr', 'Sélectionner tous les signalements de cette page'],
    ]) {
      const res = await roads.get(`/council/reports?status=all&sort=oldest&lng=${lng}`)
      const html = await res.text()
      const times = [...html.matchAll(/<time dateTime="([^"]+)">([^<]+)<\/time>/g)]
      expect(times.length).toBeGreaterThan(10)
      const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
      for (const [, iso, shown] of times) expect(shown).toBe(format.format(new Date(iso!)))
      // ADR 154: no hydration, so no loader data; the select-all box's label waits in the header cell
      // for the page's one script, which carries the response's nonce.
      expect(html).not.toContain('__remixContext')
      expect(html).not.toContain('streamController')
      expect(html).toContain(`data-select-all="${selectAll}"`)
      const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1]
      expect(nonce).toBeTruthy()
      expect(html).toContain(`<script nonce="${nonce}">(function(){\nvar cell = document.querySelector('[data-select-all]');`)
      for (const id of idsOnPage(html)) expect(html).toContain(`<input type="checkbox" name="id" id="select-${id}"`)
      // The document is written whole: a length, not chunks (uncompressed; gzip streams its output).
      const plain = await roads.get(`/council/reports?status=all&sort=oldest&lng=${lng}`, { 'accept-encoding': 'identity' })
      expect(plain.headers.get('content-length')).toBe(String(Buffer.byteLength(await plain.text())))
    }
  })

  it('sends no loader data with a page that does not hydrate (/proposals, handle.hydrate = false)', async () => {
    const html = await (await (await as('roads')).get('/proposals')).text()
    expect(html).toContain('proposal-card')
    expect(html).not.toContain('__remixContext')
    expect(html).not.toContain('streamController')
  })
})

describe('triage over HTTP', () => {
  it('changes status and posts a public update (public timeline, audit log); the private note stays private', async () => {
    const roads = await as('roads')
    const notInProgress = await query<{ id: number }>(
      `select id from reports where department_id = ? and state_kind = 'open' and state <> 'in_progress' order by id limit 1`,
      await department('roads'),
    )
    const id = notInProgress[0]!.id
    const res = await roads.post(`/council/reports/${id}`, { state: 'in_progress', priority: 'high', update: 'A crew is on its way.', note: 'Gate code 4321.' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(new RegExp(`^/council/reports/${id}\\?saved=`))
    expect(await reportRow(id)).toMatchObject({ state: 'in_progress', priority: 'high' })
    // reportTimeline's public rows: the update is there, the note is not.
    const publicRows = (await query<{ text: string }>('select text from report_updates where report_id = ? and public = 1', id)).map((r) => r.text)
    expect(publicRows).toContain('A crew is on its way.')
    expect(publicRows).not.toContain('Gate code 4321.')
    expect((await query<{ text: string }>('select text from report_updates where report_id = ? and public = 0', id)).map((r) => r.text)).toContain('Gate code 4321.')
    const audit = await query<{ action: string; after: string; actor_id: number }>(`select action, after, actor_id from audit_log where target_kind = 'report' and target_id = ?`, id)
    const roadsStaff = await userId('roads@valmera.example')
    expect(audit.some((a) => a.action === 'report.triage' && a.after.includes('in_progress') && a.actor_id === roadsStaff)).toBe(true)
    // The public page shows the update and never the note; staff see both on the triage page.
    const publicPage = await (await as('anonymous')).get(`/reports/${id}`)
    const publicHtml = await publicPage.text()
    expect(publicPage.status).toBe(200)
    expect(publicHtml).toContain('A crew is on its way.')
    expect(publicHtml).not.toContain('Gate code 4321.')
    const staffPage = await (await roads.get(`/council/reports/${id}?saved=state,update`)).text()
    expect(staffPage).toContain('Gate code 4321.')
    expect(staffPage).toContain('Saved: status, public update.')
  })

  it('answers bad input with 400 and the message next to the field, and changes nothing', async () => {
    const roads = await as('roads')
    const id = (await openReports('roads')).at(-1)!
    const before = await reportRow(id)
    const updates = await updateCount(id)
    const lightingStaff = await userId('lighting@valmera.example')
    const cases: Array<[Record<string, string>, string]> = [
      [{ state: 'melted' }, 'Choose a status from the list.'],
      [{ priority: 'whenever' }, 'Choose a priority from the list.'],
      [{ duplicateOf: String(id) }, 'A report cannot be a duplicate of itself.'],
      [{ lat: '0', lng: '0' }, 'This place is outside Valmera.'],
      [{ assignee: String(lightingStaff) }, 'This person does not work for the department that handles the report.'],
    ]
    for (const [fields, message] of cases) {
      const res = await roads.post(`/council/reports/${id}`, { update: 'Typed text that must not be lost.', note: 'A note.', ...fields })
      expect(res.status, JSON.stringify(fields)).toBe(400)
      const html = await res.text()
      expect(html, JSON.stringify(fields)).toContain(message)
      expect(html).toContain('Typed text that must not be lost.')
    }
    expect(await reportRow(id)).toEqual(before)
    expect(await updateCount(id)).toBe(updates)
  })

  it('changes several reports at once, keeps the filter, and says what it skipped', async () => {
    const roads = await as('roads')
    const [a, b] = (await openReports('roads')).slice(0, 2)
    const foreign = (await openReports('street-lighting'))[0] ?? (await query<{ id: number }>('select id from reports where department_id = ?', await department('street-lighting')))[0]!.id
    const body = new URLSearchParams([
      ['id', String(a)],
      ['id', String(b)],
      ['id', String(foreign)],
      ['priority', 'urgent'],
      ['state', ''],
      ['assignee', ''],
    ])
    const res = await fetch(`${plaza.url}/council/reports?index&status=all&sort=oldest`, {
      method: 'POST',
      body,
      headers: { origin: plaza.url, cookie: roads.cookieHeader(), 'accept-language': 'en' },
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/council\/reports\?/)
    const params = new URL(location, plaza.url).searchParams
    expect(params.get('status')).toBe('all')
    expect(params.get('sort')).toBe('oldest')
    expect(params.get('done')).toBe('2')
    expect(params.get('skipped')).toBe('forbidden.1')
    expect((await reportRow(a!)).priority).toBe('urgent')
    expect((await reportRow(foreign)).priority).not.toBe('urgent')
    const page = await (await roads.get(location)).text()
    expect(page).toContain('2 reports changed.')
    expect(page).toContain('1 not allowed (another department')
    // Nothing chosen: 400 with the message, and the ticked reports stay ticked.
    const empty = await roads.post('/council/reports?index', { id: String(a) })
    expect(empty.status).toBe(400)
    const refused = await empty.text()
    expect(refused).toContain('Choose a new status, priority or assignee.')
    // Without JavaScript too (the page does not hydrate): the row sent comes back ticked, no other.
    expect(refused).toMatch(new RegExp(`<input type="checkbox" name="id" id="select-${a}" aria-label="[^"]*" checked="" value="${a}"/>`))
    expect(refused.match(/ checked=""/g)).toHaveLength(1)
  })

  it('exports the filtered list as CSV', async () => {
    const roads = await as('roads')
    const res = await roads.get('/council/reports.csv?status=all')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="reports-council-all-\d{4}-\d{2}-\d{2}\.csv"$/)
    const text = await res.text()
    const lines = text
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n')
    expect(lines[0]).toBe('id,title,category,department,state,kind,priority,area,district,created,confirmed,first_response,fixed,closed,supports,lat,lng,url')
    const total = (await one<{ n: number }>('select count(*) as n from reports where department_id = ?', await department('roads'))).n
    // Titles have no line breaks in the demo city: one line per report.
    expect(lines.length - 1).toBe(total)
    expect(lines.slice(1).every((l) => l.includes('Roads and pavements'))).toBe(true)
    expect((await roads.get('/council/reports.csv?priority=whenever')).status).toBe(400)
  })

  it('keeps response templates per department', async () => {
    const roads = await as('roads')
    const created = await roads.post('/council/templates', {
      intent: 'create',
      title: 'Crew booked',
      text: 'A crew is booked for this repair.',
      department: String(await department('roads')),
      autoState: '',
    })
    expect(created.status).toBe(302)
    expect(created.headers.get('location')).toBe('/council/templates?saved=created')
    const foreign = await roads.post('/council/templates', { intent: 'create', title: 'Not mine', text: 'x', department: String(await department('street-lighting')), autoState: '' })
    expect(foreign.status).toBe(403)
    expect(await foreign.text()).toContain('You may only manage templates of your own departments.')
    const empty = await roads.post('/council/templates', { intent: 'create', title: '', text: 'Kept text', department: String(await department('roads')), autoState: '' })
    expect(empty.status).toBe(400)
    const html = await empty.text()
    expect(html).toContain('Give the template a title.')
    expect(html).toContain('Kept text')
    expect(await (await roads.get('/council/templates')).text()).toContain('Crew booked')
  })

  it('renders the dashboard and the hub', async () => {
    const roads = await as('roads')
    const dashboard = await roads.get('/council/dashboard')
    expect(dashboard.status).toBe(200)
    const html = await dashboard.text()
    expect(html).toContain('role="img"')
    expect(html).toContain('Reports filed per week, by category')
    expect(html).toContain('<details>')
    expect(await (await roads.get('/council')).text()).toMatch(/Reports to triage \(\d+ open\)/)
  })
})

describe('robustness', () => {
  it('never answers 500 to whatever the council forms and filters are sent', async () => {
    const roads = await as('roads')
    const id = (await openReports('roads'))[0]!
    const field = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom('', '0', '-1', '1e309', 'NaN', '99999999999999999999', 'fixed', 'duplicate', 'state.fixed', 'all', 'none', 'me', String(id), '41.35', '-1.52', 'x'.repeat(20_000)),
    )
    const names = ['state', 'priority', 'assignee', 'category', 'lat', 'lng', 'area', 'duplicateOf', 'update', 'templateId', 'note', 'id', 'intent', 'title', 'text', 'department', 'autoState']
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...names), field, { maxKeys: 7 }),
        fc.constantFrom(`/council/reports/${id}`, '/council/reports?index', '/council/templates', '/council/reports/abc', '/council/reports/0'),
        async (fields, path) => {
          const res = await roads.post(path, fields)
          expect(res.status, `${path} ${JSON.stringify(fields).slice(0, 300)}`).toBeLessThan(500)
        },
      ),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('status', 'category', 'area', 'age', 'priority', 'assignee', 'department', 'sort', 'page', 'done', 'skipped', 'back', 'saved', 'edit'), field, { maxKeys: 5 }),
        fc.constantFrom('/council/reports', '/council/reports.csv', `/council/reports/${id}`, '/council/templates', '/council/dashboard'),
        async (params, path) => {
          const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, v.slice(0, 2000)])).toString()
          const res = await roads.get(`${path}?${qs}`)
          expect(res.status, `${path}?${qs.slice(0, 300)}`).toBeLessThan(500)
          await res.arrayBuffer()
        },
      ),
      { numRuns: 100 },
    )
  })
})
