import path from 'node:path'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import SQLite from 'better-sqlite3'
import { hydrated } from './support'

/**
 * Citizens on phones (issue 18): every page, anonymous and for each role, at 320, 360 and 390 px
 * wide. A page fails on a horizontal scroll, a header taller than 64 px, an axe violation, a React
 * hydration error, or a raw identifier (a category or state code such as `threshold_reached` or
 * `blocked-drain`) shown as text in English, Spanish or French.
 */

// axe on some 25 pages takes minutes on a busy shared machine (over 5 at a load of 25).
test.setTimeout(480_000)

const WIDTHS = [320, 360, 390]
const LANGUAGES = ['en-GB', 'es-ES', 'fr-FR']

const PUBLIC = [
  '/',
  '/map',
  '/reports',
  '/reports/new',
  '/proposals',
  '/petitions',
  '/votes',
  '/representatives',
  '/letters/new',
  '/areas',
  '/data',
  '/language',
  '/login',
  '/signup',
  '/forgot-password',
  '/alerts',
  '/embed',
]

const ROLES: Array<{ role: string; email: string; pages: string[] }> = [
  {
    role: 'citizen',
    email: 'citizen@valmera.example',
    pages: [
      '/account',
      '/account/activity',
      '/account/activity?show=signatures',
      '/account/subscriptions',
      '/account/email',
      '/account/password',
      '/account/verify',
      '/account/delete',
      '/petitions/new',
      '/proposals/new',
      '/reports/new',
    ],
  },
  { role: 'resident', email: 'resident@valmera.example', pages: ['/account', '/account/activity', '/account/activity?show=letters', '/account/delegations', '/votes', '/letters/new'] },
  {
    role: 'staff',
    email: 'roads@valmera.example',
    pages: ['/council', '/council/reports', '/council/petitions', '/council/proposals', '/council/dashboard', '/council/templates'],
  },
  { role: 'moderator', email: 'moderator@valmera.example', pages: ['/moderation', '/moderation/log', '/moderation/blocks', '/moderation/petitions'] },
  {
    role: 'admin',
    email: 'admin@valmera.example',
    pages: [
      '/admin',
      '/admin/areas',
      '/admin/users',
      '/admin/votes',
      '/admin/settings',
      '/admin/identity',
      '/admin/census',
      '/admin/api-keys',
      '/admin/representatives',
      '/admin/letters',
      '/admin/services',
      '/admin/services/routing',
      '/admin/configuration',
      '/admin/processes',
      '/admin/delivery',
      '/admin/bodies',
      '/account/activity',
    ],
  },
]

/** The codes people must never read: categories, states and departments as the database names them. */
function rawCodes(): RegExp {
  const db = new SQLite(path.resolve('.cache/e2e/plaza.sqlite'), { readonly: true, fileMustExist: true })
  const codes = [
    ...db.prepare('select code from report_categories').pluck().all(),
    ...db.prepare('select code from report_states').pluck().all(),
    ...db.prepare('select code from petition_categories').pluck().all(),
    ...db.prepare('select code from proposal_categories').pluck().all(),
    ...db.prepare('select slug from departments').pluck().all(),
  ] as string[]
  db.close()
  // Codes of two words or more (`blocked-drain`, `in_progress`): a one-word code is also an English word. Any snake_case word is a code.
  const compound = codes.filter((c) => /[-_]/.test(c)).map((c) => c.replace(/[-_]/g, '[-_]'))
  return new RegExp(`(?<![\\w/.@-])(?:${[...compound, '[a-z]+_[a-z_]+'].join('|')})(?![\\w/.@-])`)
}

/** The first link on an index page to one of its items, e.g. /petitions/3. */
async function firstItem(request: APIRequestContext, index: string, pattern: RegExp): Promise<string | null> {
  const html = await (await request.get(index)).text()
  return html.match(pattern)?.[0].slice(6, -1) ?? null
}

async function login(page: Page, email: string) {
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page).not.toHaveURL(/\/login/)
}

/** Text shown to people (visible text nodes outside code samples and form values) that matches a raw code. */
async function rawIdentifiers(page: Page, pattern: RegExp): Promise<string[]> {
  return page.evaluate((source) => {
    const re = new RegExp(source)
    const found: string[] = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement
      if (!parent || parent.closest('code, pre, script, style, textarea, kbd, samp, [data-code]')) continue
      if (!parent.checkVisibility()) continue
      const m = node.textContent?.match(re)
      if (m) found.push(`${m[0]} in “${node.textContent!.trim().slice(0, 60)}”`)
    }
    return found
  }, pattern.source)
}

/** Elements that stick out to the right of the screen (for the failure message). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const out: string[] = []
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect()
      if (box.right > width + 1 && box.width > 0 && el.checkVisibility() && !el.closest('.table-scroll, .site-nav')) {
        const describe = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.classList.length ? `.${Array.from(e.classList).join('.')}` : ''}`
        // The outermost offender only.
        if (!out.some((o) => o.startsWith(describe(el.parentElement ?? el)))) out.push(`${describe(el)} (${Math.round(box.right)} px)`)
      }
    }
    return out.slice(0, 5)
  })
}

interface Check {
  axe: boolean
  codes: RegExp
}

async function checkPage(page: Page, url: string, { axe, codes }: Check): Promise<string[]> {
  const problems: string[] = []
  const errors: string[] = []
  const onConsole = (m: { type(): string; text(): string }) => {
    if (m.type() === 'error' && /Minified React error|Hydration|did not match/.test(m.text())) errors.push(m.text().slice(0, 160))
  }
  const onError = (e: Error) => errors.push(e.message.slice(0, 160))
  page.on('console', onConsole)
  page.on('pageerror', onError)
  await page.setViewportSize({ width: 390, height: 844 })
  const response = await page.goto(url)
  if (!response || response.status() >= 400) problems.push(`${url}: HTTP ${response?.status()}`)
  await hydrated(page)
  const header = await page.locator('header.site-header').boundingBox()
  if (header && header.height > 64) problems.push(`${url}: header ${Math.round(header.height)} px tall at 390 px`)
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 720 })
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    if (scroll > 0) problems.push(`${url}: scrolls ${scroll} px sideways at ${width} px: ${(await overflowing(page)).join(', ')}`)
  }
  for (const raw of await rawIdentifiers(page, codes)) problems.push(`${url}: raw identifier ${raw}`)
  if (axe) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    for (const v of results.violations) problems.push(`${url}: axe ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  }
  page.off('console', onConsole)
  page.off('pageerror', onError)
  for (const e of errors) problems.push(`${url}: console ${e}`)
  return problems
}

async function itemPages(request: APIRequestContext): Promise<string[]> {
  const items = await Promise.all([
    firstItem(request, '/reports', /href="\/reports\/\d+"/),
    firstItem(request, '/petitions', /href="\/petitions\/\d+"/),
    firstItem(request, '/proposals', /href="\/proposals\/\d+"/),
    firstItem(request, '/votes', /href="\/votes\/\d+"/),
    firstItem(request, '/representatives', /href="\/representatives\/\d+"/),
    firstItem(request, '/areas', /href="\/areas\/[a-z0-9-]+"/),
  ])
  return items.filter((p): p is string => Boolean(p))
}

// Each list in two halves, each half a test of its own: the two workers share the long lists
// instead of one of them finishing the run alone (issue 23).
const halves = <T>(list: T[]): [T[], T[]] => [list.slice(0, Math.ceil(list.length / 2)), list.slice(Math.ceil(list.length / 2))]

for (const locale of LANGUAGES) {
  for (const [half, part] of halves(PUBLIC).entries()) {
    test(`every public page fits a phone, in ${locale} (part ${half + 1} of 2)`, async ({ browser, request }) => {
      const context = await browser.newContext({ locale })
      const page = await context.newPage()
      const codes = rawCodes()
      // The second half also opens one item of each index (a report, a petition …).
      const items = half === 1 ? await itemPages(request) : []
      if (half === 1) expect(items.length).toBeGreaterThan(4)
      const pages = [...part, ...items]
      const problems: string[] = []
      // axe once (in English); fit, header, hydration and raw codes in every language.
      for (const url of pages) problems.push(...(await checkPage(page, url, { axe: locale === 'en-GB', codes })))
      expect(problems).toEqual([])
      await context.close()
    })
  }
}

// The administrator's long list in two tests (see halves); the other roles' in one.
const roleTests = ROLES.flatMap(({ role, email, pages }) =>
  pages.length > 12 ? halves(pages).map((part, i) => ({ role, email, pages: part, name: `${role} (part ${i + 1} of 2)` })) : [{ role, email, pages, name: role }],
)

for (const { role, email, pages, name } of roleTests) {
  test(`every page of a ${name} fits a phone`, async ({ browser }) => {
    const context = await browser.newContext({ locale: 'en-GB' })
    const page = await context.newPage()
    await login(page, email)
    const codes = rawCodes()
    const problems: string[] = []
    for (const url of pages) problems.push(...(await checkPage(page, url, { axe: true, codes })))
    // Staff also open one report of their queue; its title links to the council's page.
    if (role === 'staff') {
      const html = await page.content()
      const item = html.match(/href="(\/council\/reports\/\d+)"/)?.[1]
      if (item) problems.push(...(await checkPage(page, item, { axe: true, codes })))
    }
    expect(problems).toEqual([])
    await context.close()
  })
}

test('the menu opens and leads to a page without JavaScript, on a phone', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB', viewport: { width: 360, height: 740 } })
  const page = await context.newPage()
  await page.goto('/')
  const nav = page.getByRole('navigation', { name: 'Main' })
  await expect(nav.getByRole('link', { name: 'Petitions' })).toBeHidden()
  await page.getByText('Menu', { exact: true }).click()
  await nav.getByRole('link', { name: 'Petitions' }).click()
  await expect(page).toHaveURL(/\/petitions$/)
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await context.close()
})

test('on a desktop the navigation is one line and the home page leads with the tasks', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1366, height: 800 } })
  const page = await context.newPage()
  await login(page, 'admin@valmera.example')
  await page.goto('/')
  const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link')
  const tops = await links.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)))
  expect(tops.length).toBeGreaterThan(5)
  expect(new Set(tops).size).toBe(1)
  await expect(page.getByText('Menu', { exact: true })).toBeHidden()
  // The first thing under the heading is "Report a problem", leading to the report form.
  const tasks = page.getByRole('navigation', { name: 'What you can do' })
  await expect(tasks.getByRole('link').first()).toContainText('Report a problem')
  await expect(page.getByRole('heading', { name: 'Votes open now' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Open petitions' })).toBeVisible()
  await tasks.getByRole('link').first().click()
  await expect(page).toHaveURL(/\/reports\/new/)
  await context.close()
})

for (const javaScriptEnabled of [true, false]) {
  test(`reporting on a phone: the current step is marked and the pin shows after "Where" (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled, locale: 'en-GB', viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await page.goto('/reports/new')
    await expect(page.locator('.steps [aria-current="step"]')).toHaveText(/Where/)
    if (javaScriptEnabled) {
      // The picker's zoom buttons show MapLibre's icons on white, not the form buttons' dark fill.
      // MapLibre comes when the person reaches for the map (its still picture shows first). The button
      // is pressed without moving the mouse: a pointer passing over the map starts MapLibre too, which
      // replaces the button mid-click (the click then waited for it until the test's timeout).
      await hydrated(page)
      await page.getByRole('button', { name: 'Move and zoom the map' }).dispatchEvent('click')
      const zoom = page.locator('.maplibregl-ctrl-zoom-in')
      await expect(zoom).toBeVisible()
      expect(await zoom.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 255, 255)')
    }
    // A place in the city where a report was filed, typed as coordinates (the no-JavaScript way).
    await page.goto('/reports/new?lat=41.369075&lng=-1.492586')
    await expect(page.locator('.steps [aria-current="step"]')).toHaveText(/What/)
    await expect(page.getByRole('img', { name: /Map of the city with a pin at the chosen place/ })).toBeVisible()
    const size = await page.locator('svg.pin-map').boundingBox()
    expect(size!.width).toBeGreaterThan(200)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await context.close()
  })
}

for (const javaScriptEnabled of [true, false]) {
  test(`a budget ballot offers only the voter's districts and says what is wrong beside the pot concerned (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled, locale: 'en-GB', viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await login(page, 'resident@valmera.example')
    await page.goto('/votes')
    await page.getByRole('link', { name: 'Participatory budget 2027' }).first().click()
    await expect(page.getByRole('heading', { level: 1, name: 'Participatory budget 2027' })).toBeVisible()
    // The city-wide pot and the resident's own district, if it has a pot: not the other districts'.
    const pots = page.locator('.ballot-budget fieldset')
    await expect(pots.first()).toContainText('Night bus line N3')
    const districtPots = (await pots.count()) - 1
    expect(districtPots).toBeLessThanOrEqual(1)
    for (let i = 1; i <= districtPots; i++) await expect(pots.nth(i)).toContainText(/For people who live in .*: you do/)
    const districtProjects = [
      'Shade trees on the Passeig del Lume',
      'A covered skate park at El Molinar',
      'Step-free access to the river at La Riera',
      'A community garden at Can Miró',
      'Wider pavements on Carrer del Carme',
      'A playground for toddlers at La Marina',
      'Restore the clock tower of the old market',
      "Benches and lighting in Plaça de l'Illa",
    ]
    let shown = 0
    for (const project of districtProjects) shown += await page.getByLabel(project).count()
    expect(shown).toBe(2 * districtPots)
    // €450,000 + €600,000 is more than the €800,000 a ballot may spend city-wide.
    const city = pots.first()
    await city.getByLabel(/Night bus line N3/).check()
    await city.getByLabel(/Solar panels on ten school roofs/).check()
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/votes/'))
    await page.getByRole('button', { name: /Cast my ballot|Change my ballot/ }).click()
    expect((await answer).status()).toBe(400)
    // The refusal is inside the city pot's fieldset, in view, and the choices are kept.
    const message = city.locator('.field-error')
    await expect(message).toContainText('cost €1,050,000.00, more than the €800,000.00 you can spend there')
    await expect(message).toBeInViewport()
    await expect(city.getByLabel(/Night bus line N3/)).toBeChecked()
    await expect(city.getByLabel(/Solar panels on ten school roofs/)).toBeChecked()
    // The summary above the ballot links to it.
    await expect(page.locator('#ballot-errors a')).toHaveAttribute('href', '#ballot-pot-city')
    if (javaScriptEnabled) {
      // axe runs as a script in the page: only where scripts run.
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
      expect(results.violations.map((v) => v.id)).toEqual([])
    }
    await context.close()
  })
}

test('/reports looks like /proposals: filters on a tinted panel, reports as cards with a state badge, the map beside the list on a desktop', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1366, height: 800 } })
  const page = await context.newPage()
  const look = async (path: string) => {
    await page.goto(path)
    return page.evaluate(() => {
      const filters = document.querySelector('form.filters')!
      const grid = document.querySelector('[class$="-page__grid"]')!
      return {
        filters: getComputedStyle(filters).backgroundColor,
        columns: getComputedStyle(grid).gridTemplateColumns.split(' ').length,
        heading: getComputedStyle(document.querySelector('.page-heading')!).display,
      }
    })
  }
  const proposals = await look('/proposals')
  expect(await look('/reports')).toEqual(proposals)
  const card = page.locator('.report-card').first()
  await expect(card.getByRole('heading', { level: 3 }).getByRole('link')).toBeVisible()
  const badge = card.locator('.state-badge')
  await expect(badge).toBeVisible()
  expect(await badge.evaluate((el) => getComputedStyle(el).borderRadius)).not.toBe('0px')
  await context.close()
})

test('every state badge has the one shared look (.badge in app.css), the requests for information too', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } })
  const page = await context.newPage()
  const looks: Record<string, { badge: boolean; display: string; rounded: boolean; weight: string; size: string }> = {}
  for (const [path, selector] of <Array<[string, string]>>[
    ['/reports', '.state-badge'],
    ['/proposals', '.proposal-state'],
    ['/petitions', '.petition-state'],
    ['/votes', '.vote-status'],
    ['/information-requests', '.foi-status'],
  ]) {
    await page.goto(path)
    const badge = page.locator(selector).first()
    await expect(badge).toBeVisible()
    looks[path] = await badge.evaluate((el) => {
      const style = getComputedStyle(el)
      return { badge: el.classList.contains('badge'), display: style.display, rounded: style.borderRadius !== '0px', weight: style.fontWeight, size: style.fontSize }
    })
  }
  for (const look of Object.values(looks)) expect(look).toEqual({ badge: true, display: 'inline-block', rounded: true, weight: '600', size: looks['/reports']!.size })
  await context.close()
})

for (const { email, path, label } of [
  { email: 'roads@valmera.example', path: '/council/reports', label: 'Status' },
  { email: 'admin@valmera.example', path: '/admin/users', label: 'E-mail' },
  { email: 'admin@valmera.example', path: '/admin/votes', label: 'Method' },
  { email: 'admin@valmera.example', path: '/admin/services/routing', label: 'Whole city' },
]) {
  test(`the table on ${path} becomes cards on a phone, each value named`, async ({ browser }) => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } })
    const page = await context.newPage()
    await login(page, email)
    await page.goto(path)
    const row = page.locator('table.cards tbody tr').first()
    await expect(row).toBeVisible()
    expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe('block')
    const labels = await row.locator('td[data-label]').evaluateAll((cells) => cells.map((c) => getComputedStyle(c, '::before').content))
    expect(labels.some((l) => l.includes(label))).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    // Nor does the table scroll inside its own box.
    expect(await row.evaluate((el) => [...document.querySelectorAll('.table-scroll')].filter((box) => box.contains(el)).every((box) => box.scrollWidth <= box.clientWidth))).toBe(true)
    await context.close()
  })
}
