import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Administering votes over real HTTP, as an administrator without JavaScript: every method created
 * from the form the page serves, repeated rows that grow, bad input answered with a 400 whose
 * messages sit next to their fields with everything typed kept, the lifecycle buttons (schedule,
 * close now, preview and publish, verify), the threshold setting — and nobody else getting in.
 */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const query = <T>(text: string, ...params: unknown[]) => sql.all<T>(text, ...params)
const one = async <T>(text: string, ...params: unknown[]) => (await sql.get<T>(text, ...params))!
/** The clock's step (advanceProcesses) is not wired into this server's jobs: tests move it by hand. */
async function setState(id: number, state: string) {
  await sql.run('update voting_processes set state = ? where id = ?', state, id)
}

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const DAY = 86_400_000
const local = (ms: number) => new Date(ms).toISOString().slice(0, 16)
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
/** Names of the form fields a page offers (inputs, selects, textareas). */
const fieldNames = (html: string) => new Set([...html.matchAll(/<(?:input|select|textarea)[^>]*\sname="([^"]+)"/g)].map((m) => decode(m[1]!)))
/** The error shown next to a field: the paragraph its input's aria-describedby names. */
function errorNextTo(html: string, name: string): string | null {
  const id = `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`
  const input = new RegExp(`<(?:input|select|textarea)[^>]*id="${id}"[^>]*>`).exec(html)?.[0]
  if (!input || !input.includes(`${id}-error`) || !/aria-invalid="true"/.test(input)) return null
  const p = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)
  return p ? decode(p[1]!) : null
}
const valueOf = (html: string, name: string) => {
  const input = new RegExp(`<input[^>]*name="${name.replace(/\./g, '\\.')}"[^>]*>`).exec(html)?.[0]
  return input ? decode(/value="([^"]*)"/.exec(input)?.[1] ?? '') : null
}

function base(method: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    intent: 'save',
    method,
    title: `Over HTTP: ${method}`,
    description: 'Decided by the residents.',
    area: '',
    category: '',
    requiredLevel: '2',
    delegation: 'on',
    opensAt: local(Date.now() + DAY),
    closesAt: local(Date.now() + 10 * DAY),
    policy: 'brief',
    ...extra,
  }
}

const PAGES = ['/admin/votes', '/admin/votes/new', '/admin/votes/new?method=budget', '/admin/votes/new?proposal=1']

describe('who may administer votes', () => {
  let id: number
  beforeAll(async () => {
    const admin = await as('admin')
    const res = await admin.post('/admin/votes/new?method=yesno', base('yesno'))
    expect(res.status).toBe(302)
    id = Number(/\/admin\/votes\/(\d+)/.exec(res.headers.get('location')!)![1])
  })

  it('sends logged-out visitors to log in, reading or posting', async () => {
    const anonymous = await as('anonymous')
    for (const path of [...PAGES, `/admin/votes/${id}`]) {
      const res = await anonymous.get(path)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toMatch(/^\/login\?redirectTo=/)
      expect((await anonymous.post(path, base('yesno'))).status, `POST ${path}`).toBe(302)
    }
  })

  it('refuses citizens, residents, staff and moderators with 403 on every page and every form', async () => {
    const before = await one<Record<string, unknown>>('select * from voting_processes where id = ?', id)
    const count = (await one<{ n: number }>('select count(*) as n from voting_processes')).n
    for (const who of ['citizen', 'resident', 'roads', 'moderator']) {
      const visitor = await as(who)
      for (const path of [...PAGES, `/admin/votes/${id}`, '/admin/votes/99999']) {
        expect((await visitor.get(path)).status, `${who} GET ${path}`).toBe(403)
      }
      const posts: Array<[string, Record<string, string>]> = [
        ['/admin/votes', { intent: 'onThreshold', onThreshold: 'auto' }],
        ['/admin/votes/new', base('yesno')],
        [`/admin/votes/${id}`, base('yesno', { title: 'Hijacked' })],
        ...['schedule', 'unschedule', 'close', 'publish', 'verify', 'cancel', 'rows'].map((intent): [string, Record<string, string>] => [`/admin/votes/${id}`, { intent }]),
      ]
      for (const [path, fields] of posts) expect((await visitor.post(path, fields)).status, `${who} POST ${path} ${fields.intent}`).toBe(403)
    }
    expect(await one('select * from voting_processes where id = ?', id)).toEqual(before)
    expect((await one<{ n: number }>('select count(*) as n from voting_processes')).n).toBe(count)
    expect(await query(`select value from settings where key = 'voting.onThreshold'`)).toEqual([])
  })
})

describe('creating every method without JavaScript', () => {
  it('offers the method choice, then each method’s own form; each posts and creates a draft', async () => {
    const admin = await as('admin')
    const chooser = await (await admin.get('/admin/votes/new')).text()
    for (const method of ['yesno', 'approval', 'quadratic', 'budget', 'ranked']) expect(chooser).toContain(`href="/admin/votes/new?method=${method}"`)

    const cases: Record<string, Record<string, string>> = {
      yesno: {},
      approval: { 'option.0': 'Library hours', 'option.1': 'Pool hours', 'option.2': 'Sports hall hours', maxChoices: '2' },
      quadratic: { 'option.0': 'Shade trees', 'option.1': 'Benches', 'option.2': 'Lighting', credits: '9' },
      budget: {
        'pot.city.budget': '500000',
        'pot.city.limit': '200000',
        'pot.ribera-nord.budget': '100000',
        'project.0.title': 'Playground',
        'project.0.cost': '150000',
        'project.0.pot': 'city',
        'project.1.title': 'River steps',
        'project.1.cost': '80000',
        'project.1.pot': 'ribera-nord',
        currency: 'EUR',
        maxDistricts: '1',
      },
      ranked: { 'option.0': 'North route', 'option.1': 'South route', 'option.2': 'No tram', maxChoices: '', minChoices: '' },
    }
    for (const [method, extra] of Object.entries(cases)) {
      const page = await admin.get(`/admin/votes/new?method=${method}`)
      expect(page.status).toBe(200)
      const offered = fieldNames(await page.text())
      const fields = base(method, extra)
      for (const name of Object.keys(fields)) if (name !== 'intent') expect(offered.has(name), `${method}: the form has ${name}`).toBe(true)
      const res = await admin.post(`/admin/votes/new?method=${method}`, fields)
      expect(res.status, method).toBe(302)
      const id = Number(/^\/admin\/votes\/(\d+)\?done=created$/.exec(res.headers.get('location')!)![1])
      const row = await one<{ method: string; state: string; spec: string; title: string }>('select method, state, spec, title from voting_processes where id = ?', id)
      expect(row).toMatchObject({ method, state: 'draft', title: `Over HTTP: ${method}` })
      const spec = JSON.parse(row.spec)
      if (method === 'budget') {
        expect(spec.pots.map((p: { id: string; budget: number }) => [p.id, p.budget])).toEqual([
          ['city', 50_000_000],
          ['ribera-nord', 10_000_000],
        ])
        expect(spec.labels.playground).toBe('Playground')
      }
      if (method === 'ranked') expect(spec.maxChoices).toBe(3)
      const shown = await (await admin.get(`/admin/votes/${id}?done=created`)).text()
      expect(shown).toContain('The process is saved as a draft.')
      // The edit form shows what was saved.
      if (method !== 'yesno' && method !== 'budget') expect(valueOf(shown, 'option.1')).toBe(extra['option.1'])
      if (method === 'budget') expect(valueOf(shown, 'project.1.cost')).toBe('80000')
    }
  })

  it('grows the repeated rows with "Add more rows", keeping what was typed', async () => {
    const admin = await as('admin')
    const first = await (await admin.get('/admin/votes/new?method=approval')).text()
    expect(fieldNames(first).has('option.9')).toBe(true)
    expect(fieldNames(first).has('option.10')).toBe(false)
    const res = await admin.post('/admin/votes/new?method=approval', base('approval', { intent: 'rows', optionRows: '10', 'option.0': 'Kept option', title: 'Typed title' }))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(fieldNames(html).has('option.19')).toBe(true)
    expect(valueOf(html, 'option.0')).toBe('Kept option')
    expect(valueOf(html, 'title')).toBe('Typed title')
  })

  it('switches the form to another method without losing the common fields', async () => {
    const admin = await as('admin')
    const res = await admin.post('/admin/votes/new?method=yesno', base('budget', { intent: 'method', title: 'Switched to a budget' }))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(fieldNames(html).has('project.0.cost')).toBe(true)
    expect(valueOf(html, 'title')).toBe('Switched to a budget')
  })
})

describe('bad input', () => {
  it('answers 400 with each message next to its field and everything typed kept', async () => {
    const admin = await as('admin')
    const count = (await one<{ n: number }>('select count(*) as n from voting_processes')).n
    const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
      [
        'yesno',
        { title: 'x', closesAt: local(Date.now() - DAY), opensAt: local(Date.now() - 2 * DAY) },
        { title: 'Enter a title of at least 3 characters.', closesAt: 'The closing time must be in the future.' },
      ],
      ['yesno', { opensAt: 'next week' }, { opensAt: 'Enter a date and time, e.g. 2027-03-01 09:00.' }],
      ['approval', { 'option.0': 'Only one', maxChoices: '1' }, { 'option.0': 'A vote needs at least two options.' }],
      ['approval', { 'option.0': 'Same', 'option.1': 'same', maxChoices: '1' }, { 'option.1': 'This name is already used above: give each item its own name.' }],
      ['quadratic', { 'option.0': 'A', 'option.1': 'B', credits: 'many' }, { credits: 'Enter a whole number of credits, at least 1.' }],
      [
        'budget',
        {
          'pot.city.budget': '100000',
          'pot.city.limit': '200000',
          'project.0.title': 'Too dear',
          'project.0.cost': '300000',
          'project.0.pot': 'city',
          'project.1.title': 'Nowhere',
          'project.1.cost': '10',
          'project.1.pot': 'sant-roc',
        },
        {
          'pot.city.limit': "A ballot cannot spend more than the pot's budget.",
          'project.0.cost': 'This project costs more than one ballot may spend in its pot: nobody could choose it.',
          'project.1.pot': 'Choose a pot with a budget.',
        },
      ],
      ['ranked', { 'option.0': 'A', 'option.1': 'B', minChoices: '3' }, { maxChoices: 'The most choices allowed must be at least 1, no more than the number of options and no less than the fewest.' }],
      [
        'yesno',
        { policy: 'custom', 'rule.0.weight': '0.0001', 'rule.1.weight': '1', 'rule.1.residence': 'underwater' },
        { 'rule.0.weight': 'A weight is a number from 0 to 100 with at most three decimals.', 'rule.1.residence': 'Choose inside the area, outside it, or anywhere.' },
      ],
    ]
    for (const [method, extra, expected] of cases) {
      const fields = base(method, { description: 'A long description that must survive the error.\n\nSecond paragraph.', ...extra })
      const res = await admin.post(`/admin/votes/new?method=${method}`, fields)
      expect(res.status, JSON.stringify(extra)).toBe(400)
      const html = await res.text()
      expect(html).toContain('Some fields need your attention')
      for (const [field, message] of Object.entries(expected)) expect(errorNextTo(html, field), `${method} ${field}`).toBe(message)
      // Everything typed is back in the form.
      for (const [name, value] of Object.entries(fields)) {
        if (
          ['intent', 'description', 'method', 'area', 'category', 'requiredLevel', 'policy', 'delegation'].includes(name) ||
          name.endsWith('.pot') ||
          name.endsWith('.residence') ||
          name.endsWith('.minLevel')
        )
          continue
        expect(valueOf(html, name), `${method}: ${name} kept`).toBe(value)
      }
      expect(decode(html)).toContain('A long description that must survive the error.\n\nSecond paragraph.')
      if (extra['project.1.pot']) expect(html).toMatch(/<option value="sant-roc" selected="">/)
    }
    expect((await one<{ n: number }>('select count(*) as n from voting_processes')).n).toBe(count)
  })

  it('never answers a 5xx to a fuzzed form, and creates only what is valid', async () => {
    const admin = await as('admin')
    const names = [
      'title',
      'description',
      'method',
      'area',
      'category',
      'requiredLevel',
      'opensAt',
      'closesAt',
      'policy',
      'credits',
      'maxChoices',
      'minChoices',
      'option.0',
      'option.1',
      'option.99999',
      'pot.city.budget',
      'pot.city.limit',
      'project.0.title',
      'project.0.cost',
      'project.0.pot',
      'rule.0.weight',
      'rule.0.minLevel',
      'rule.0.residence',
      'policyDefault',
      'optionRows',
      'projectRows',
      'ruleRows',
      'intent',
      'proposal',
      'currency',
      'maxDistricts',
      '__proto__',
      'constructor',
    ]
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '1e9',
        '9999999999999999',
        'yesno',
        'approval',
        'quadratic',
        'budget',
        'ranked',
        'custom',
        'brief',
        'city',
        'rows',
        'save',
        'method',
        '2030-01-01T10:00',
        '2000-02-30T10:00',
        'NaN',
        '1,5',
        '1.500.000',
        '\u0000',
        '<script>',
      ),
    )
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 14 }), async (fields) => {
        const res = await admin.post('/admin/votes/new', fields)
        expect([200, 302, 400, 409], JSON.stringify(fields)).toContain(res.status)
        await res.arrayBuffer()
      }),
      { numRuns: 120 },
    )
  })
})

describe('running a process from its page', () => {
  it('schedules, closes now, shows the count, publishes, verifies, and links the ballots', async () => {
    const admin = await as('admin')
    const res = await admin.post(
      '/admin/votes/new?method=approval',
      base('approval', { 'option.0': 'Morning market', 'option.1': 'Evening market', maxChoices: '1', policy: 'equal', opensAt: local(Date.now() + DAY) }),
    )
    const id = Number(/\/admin\/votes\/(\d+)/.exec(res.headers.get('location')!)![1])
    const scheduled = await admin.post(`/admin/votes/${id}`, { intent: 'schedule' })
    expect(scheduled.headers.get('location')).toBe(`/admin/votes/${id}?done=scheduled`)
    expect((await one<{ state: string }>('select state from voting_processes where id = ?', id)).state).toBe('scheduled')
    // Publishing before the close is refused.
    const early = await admin.post(`/admin/votes/${id}`, { intent: 'publish' })
    expect(early.status).toBe(409)
    expect(await early.text()).toContain('This cannot be done while the process is scheduled.')

    await setState(id, 'open')
    const open = await (await admin.get(`/admin/votes/${id}`)).text()
    expect(open).toContain('Close now')
    expect(fieldNames(open).has('title')).toBe(false)
    // An open process can no longer be edited.
    const edit = await admin.post(`/admin/votes/${id}`, base('approval', { 'option.0': 'X', 'option.1': 'Y', maxChoices: '1' }))
    expect(edit.status).toBe(409)

    const closed = await admin.post(`/admin/votes/${id}`, { intent: 'close' })
    expect(closed.headers.get('location')).toBe(`/admin/votes/${id}?done=closed`)
    const row = await one<{ state: string; closes_at: string }>('select state, closes_at from voting_processes where id = ?', id)
    expect(row.state).toBe('closed')
    expect(Date.now() - Date.parse(row.closes_at)).toBeLessThan(60_000)
    const preview = await (await admin.get(`/admin/votes/${id}?done=closed`)).text()
    expect(preview).toContain('The count, before publishing')
    expect(preview).toContain('Morning market')
    expect(preview).toContain(`href="/votes/${id}/ballots.csv"`)

    const verified = await admin.post(`/admin/votes/${id}`, { intent: 'verify' })
    expect(verified.status).toBe(200)
    expect(await verified.text()).toContain('The tally matches the ballots')

    const published = await admin.post(`/admin/votes/${id}`, { intent: 'publish' })
    expect(published.headers.get('location')).toBe(`/admin/votes/${id}?done=published`)
    const stored = await one<{ state: string; results: string }>('select state, results from voting_processes where id = ?', id)
    expect(stored.state).toBe('published')
    expect(JSON.parse(stored.results).count.result.method).toBe('approval')
    const after = await (await admin.get(`/admin/votes/${id}`)).text()
    expect(after).toContain('Published results')
    expect(after).not.toContain('Cancel the process')
    const audit = (await query<{ action: string }>(`select action from audit_log where target_kind = 'voting_process' and target_id = ? order by id`, id)).map((a) => a.action)
    expect(audit).toEqual(['voting.create', 'voting.schedule', 'voting.close', 'voting.publish'])
  })

  it('cancels with a reason, and answers unknown intents and processes plainly', async () => {
    const admin = await as('admin')
    const res = await admin.post('/admin/votes/new?method=yesno', base('yesno'))
    const id = Number(/\/admin\/votes\/(\d+)/.exec(res.headers.get('location')!)![1])
    expect((await admin.post(`/admin/votes/${id}`, { intent: 'explode' })).status).toBe(400)
    expect((await admin.get('/admin/votes/99999999')).status).toBe(404)
    expect((await admin.get('/admin/votes/abc')).status).toBe(404)
    expect((await admin.post('/admin/votes/99999999', { intent: 'schedule' })).status).toBe(404)
    const cancelled = await admin.post(`/admin/votes/${id}`, { intent: 'cancel', reason: 'Asked twice.' })
    expect(cancelled.headers.get('location')).toBe(`/admin/votes/${id}?done=cancelled`)
    expect(await one(`select reason from audit_log where target_kind = 'voting_process' and target_id = ? and action = 'voting.cancel'`, id)).toEqual({ reason: 'Asked twice.' })
    const list = await (await admin.get('/admin/votes')).text()
    expect(list).toContain(`href="/admin/votes/${id}"`)
    expect(list).toContain('Cancelled')
  })
})

describe('the threshold setting', () => {
  it('switches between manual and automatic, and refuses anything else', async () => {
    const admin = await as('admin')
    const checked = async () => /<input type="radio" name="onThreshold"[^>]*checked=""[^>]*value="(\w+)"/.exec(await (await admin.get('/admin/votes')).text())?.[1]
    expect(await checked()).toBe('manual')
    const saved = await admin.post('/admin/votes', { intent: 'onThreshold', onThreshold: 'auto' })
    expect(saved.status).toBe(200)
    expect(await saved.text()).toContain('Saved.')
    expect((await one<{ value: string }>(`select value from settings where key = 'voting.onThreshold'`)).value).toBe('"auto"')
    expect(await checked()).toBe('auto')
    expect((await admin.post('/admin/votes', { intent: 'onThreshold', onThreshold: 'always' })).status).toBe(400)
    expect((await admin.post('/admin/votes', { intent: 'onThreshold', onThreshold: 'manual' })).status).toBe(200)
    expect((await one<{ value: string }>(`select value from settings where key = 'voting.onThreshold'`)).value).toBe('"manual"')
  })
})
