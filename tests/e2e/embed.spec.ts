import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { expect, test, type Frame, type Page } from '@playwright/test'
import { baseURL } from '../../playwright.config'
import { ORIGINS_CACHE_MS } from '../../app/modules/embed/allowed-origins.server'
import { expectAccessible, loggedIn } from './support'

/**
 * Widgets on another site: a city page served from a SECOND origin on 127.0.0.1 (a tiny node:http
 * server started here, allowed through the /embed admin page) embeds every widget with the
 * two-line snippet; each renders, takes its content's height (no scroll bar), the report form
 * files a report; a page from an origin NOT on the list is refused by the browser.
 */

test.use({ locale: 'en-GB' })
test.describe.configure({ mode: 'serial' })

const servers: http.Server[] = []
let allowed = ''
let refused = ''
const ids = { petition: 0, proposal: 0 }

function cityPage(): string {
  const snippet = (attrs: string) => `<script src="${baseURL}/widget.js" async></script>\n<div ${attrs}></div>`
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Ville de Valmera</title></head>
<body>
<h1>Valmera city news</h1>
<section id="petition">${snippet(`data-plaza-widget="petition" data-petition="${ids.petition}" data-lang="auto"`)}</section>
<section id="proposal">${snippet(`data-plaza-widget="proposal" data-proposal="${ids.proposal}" data-lang="en"`)}</section>
<section id="reports">${snippet('data-plaza-widget="reports" data-area="sant-roc" data-limit="3" data-lang="en"')}</section>
<section id="map">${snippet('data-plaza-widget="map" data-area="sant-roc" data-layers="reports,proposals" data-lang="en"')}</section>
<section id="form">${snippet('data-plaza-widget="report-form" data-area="sant-roc" data-lang="en"')}</section>
</body></html>`
}

async function serve(): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(cityPage())
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test.beforeAll(async ({ browser }) => {
  const db = new SQLite(path.resolve('.cache/e2e/plaza.sqlite'), { readonly: true, fileMustExist: true })
  ids.petition = (db.prepare(`select id from petitions where state = 'open' order by id limit 1`).get() as { id: number }).id
  ids.proposal = (db.prepare(`select id from proposals where state = 'published' order by id limit 1`).get() as { id: number }).id
  db.close()
  allowed = await serve()
  refused = await serve()
  // The administrator allows the second origin on /embed.
  const admin = await loggedIn(browser, 'admin')
  await admin.goto('/embed')
  await admin.getByLabel('Site address').fill(`${allowed}/`)
  await admin.getByLabel('Note', { exact: true }).fill('Playwright city page')
  const changedAt = Date.now()
  await admin.getByRole('button', { name: 'Allow this site' }).click()
  await expect(admin.getByText(`${allowed} may now embed widgets.`)).toBeVisible()
  await admin.context().close()
  // Several server processes: each re-reads the list when its cache of a few seconds expires. A
  // probe on one kept-alive connection reaches one process only, so each probe opens its own
  // connection, and the test waits out the cache first: then every process answers with the site.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, changedAt + ORIGINS_CACHE_MS + 250 - Date.now())))
  await expect
    .poll(
      async () => {
        for (let i = 0; i < 8; i++) if (!(await freshCsp(`${baseURL}/embed/reports?area=sant-roc&probe=${i}`)).includes(allowed)) return false
        return true
      },
      { timeout: 15_000 },
    )
    .toBe(true)
})

/** The Content-Security-Policy of a page fetched on a new connection (so that any server process may answer). */
function freshCsp(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume()
      resolve(String(res.headers['content-security-policy'] ?? ''))
    })
    req.on('error', reject)
  })
}

test.afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()))
})

async function widgetFrame(page: Page, section: string): Promise<Frame> {
  const handle = await page.locator(`#${section} iframe`).elementHandle({ timeout: 15_000 })
  const frame = await handle!.contentFrame()
  expect(frame).not.toBeNull()
  return frame!
}

/** The frame's height follows its content: equal within a pixel, and nothing to scroll. */
async function expectFitted(page: Page, section: string) {
  const frame = await widgetFrame(page, section)
  // Chromium defers layout of frames out of view: look at it as a reader would.
  await page.locator(`#${section} iframe`).scrollIntoViewIfNeeded()
  await expect
    .poll(
      async () => {
        const outer = await page.locator(`#${section} iframe`).evaluate((f) => Math.round(f.getBoundingClientRect().height))
        const inner = await frame.evaluate(() => ({
          content: Math.ceil(document.getElementById('main')!.getBoundingClientRect().height),
          scroll: document.documentElement.scrollHeight,
          client: document.documentElement.clientHeight,
        }))
        return Math.abs(outer - inner.content) <= 1 && inner.scroll <= inner.client + 1 ? 'fitted' : `frame ${outer} px, content ${inner.content} px, scroll ${inner.scroll}/${inner.client}`
      },
      { timeout: 15_000, message: `the ${section} frame takes its content's height` },
    )
    .toBe('fitted')
  await expect(page.locator(`#${section} iframe`)).toHaveAttribute('scrolling', 'no')
}

test('a page of an allowed site shows every widget, each at its content height, in the language asked', async ({ page }) => {
  await page.goto(`${allowed}/news`)
  const petition = await widgetFrame(page, 'petition')
  // data-lang="auto" follows <html lang="fr"> of the city page.
  await expect(petition.getByRole('link', { name: 'Signer cette pétition' })).toBeVisible()
  await expect(petition.getByRole('link', { name: 'Signer cette pétition' })).toHaveAttribute('target', '_blank')
  await expect(petition.getByTestId('petition-count')).toContainText('signatures')
  await expect(page.locator('#petition iframe')).toHaveAttribute('title', /Pétition|Plaza/)

  const proposal = await widgetFrame(page, 'proposal')
  await expect(proposal.getByRole('link', { name: 'Support on Plaza' })).toHaveAttribute('target', '_blank')
  await expect(proposal.getByTestId('proposal-supports')).toContainText('support')

  const reports = await widgetFrame(page, 'reports')
  await expect(reports.getByRole('heading', { name: 'Latest reports in Sant Roc' })).toBeVisible()

  const map = await widgetFrame(page, 'map')
  await expect(map.getByRole('heading', { name: 'Map of Sant Roc' })).toBeVisible()
  await expect(map.getByRole('region', { name: 'Interactive map of Sant Roc' }).or(map.getByTestId('map-fallback')).first()).toBeVisible()

  const form = await widgetFrame(page, 'form')
  await expect(form.getByRole('heading', { name: 'Report a problem in Sant Roc' })).toBeVisible()

  for (const section of ['petition', 'proposal', 'reports', 'map', 'form']) await expectFitted(page, section)
})

test('the report form widget files a real report from inside the frame', async ({ page }) => {
  const title = `Broken bench in the widget ${Date.now()}`
  // A page whose browser render differs from the server's is rendered again: what was typed is lost.
  const hydrationErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' && /Minified React error #4(18|19|22|23|25)|hydrat/i.test(message.text())) hydrationErrors.push(message.text())
  })
  await page.goto(`${allowed}/news`)
  // A frame locator follows the frame through its navigations (the form posts inside the frame).
  const form = page.frameLocator('#form iframe')
  await form.getByLabel('What kind of problem?').selectOption({ index: 1 })
  await form.getByLabel('Short title').fill(title)
  await form.getByLabel('Describe the problem').fill('Filed through the widget on the city website.')
  await form.getByLabel('Your name').fill('Widget Tester')
  await form.getByLabel('Your e-mail address').fill('widget.tester@example.org')
  await form.getByRole('button', { name: 'Send the report' }).click()
  // A category with its own questions brings the form back with them, nothing typed lost.
  const question = form.locator('select[name^="attribute["]')
  await expect(form.getByTestId('report-sent').or(question)).toBeVisible()
  if (await question.count()) {
    await expect(form.getByLabel('Short title')).toHaveValue(title)
    await question.first().selectOption({ index: 1 })
    await form.getByRole('button', { name: 'Send the report' }).click()
  }
  await expect(form.getByTestId('report-sent')).toBeVisible()
  expect(hydrationErrors).toEqual([])
  await expectFitted(page, 'form')
  const db = new SQLite(path.resolve('.cache/e2e/plaza.sqlite'), { readonly: true })
  const row = db.prepare(`select state_kind, reporter_email from reports where title = ?`).get(title) as { state_kind: string; reporter_email: string } | undefined
  const mail = db.prepare(`select count(*) n from outbox where to_address = 'widget.tester@example.org'`).get() as { n: number }
  db.close()
  expect(row).toEqual({ state_kind: 'unconfirmed', reporter_email: 'widget.tester@example.org' })
  expect(mail.n).toBeGreaterThan(0)
})

test('a page of a site that is not on the list gets no widget: the browser refuses the frame', async ({ page }) => {
  const refusals: string[] = []
  page.on('console', (message) => {
    if (/frame-ancestors/i.test(message.text())) refusals.push(message.text())
  })
  await page.goto(`${refused}/news`)
  const handle = await page.locator('#petition iframe').elementHandle({ timeout: 15_000 })
  // The browser's refusal is the answer to wait for (it says so on the console).
  await expect.poll(() => refusals.join('\n'), { timeout: 15_000 }).toContain('frame-ancestors')
  const frame = await handle!.contentFrame()
  const text = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : ''
  expect(text).not.toContain('Signer cette pétition')
  expect(text).not.toContain('Plaza')
  expect(refusals.join('\n')).toContain('frame-ancestors')
})

test('the /embed page and a widget page pass axe; the builder previews the widget and gives both snippets', async ({ browser, page }) => {
  await page.goto(`/embed/petitions/${ids.petition}`)
  await expectAccessible(page)
  await page.goto('/embed/report-form?area=sant-roc')
  await expectAccessible(page)
  const admin = await loggedIn(browser, 'admin')
  await admin.goto('/embed')
  await expectAccessible(admin)
  await admin.getByLabel('Latest reports in an area').check()
  await admin.getByLabel('Area', { exact: true }).selectOption('sant-roc')
  await admin.getByRole('button', { name: 'Show the preview' }).click()
  const preview = admin.frameLocator('#builder-preview')
  await expect(preview.getByRole('heading', { name: 'Latest reports in Sant Roc' })).toBeVisible()
  await expect(admin.getByLabel('Snippet (script and placeholder)')).toHaveValue(/data-plaza-widget="reports" data-area="sant-roc"/)
  await expect(admin.getByLabel('Plain iframe')).toHaveValue(/<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\/reports\?area=sant-roc/)
  await expect(admin.getByRole('button', { name: 'Copy the snippet' })).toBeVisible()
  await expectAccessible(admin)
  await admin.context().close()
})
