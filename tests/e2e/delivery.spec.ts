import { expect, test, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'

/**
 * Delivery of reports to bodies (issue 19) in a browser without JavaScript: an administrator sets
 * how the water company receives reports (its mistakes shown by the field, what was typed kept),
 * a report for it is filed, and the triage page says where it went. Each page passes axe and fits a
 * 320 px wide screen.
 */

test.use({ locale: 'en-GB' })
test.setTimeout(180_000)

/** axe runs in a page with JavaScript (its script is injected), logged in as the no-JS page is. */
async function expectAccessible(noJs: Page) {
  const context = await noJs
    .context()
    .browser()!
    .newContext({ locale: 'en-GB', storageState: await noJs.context().storageState() })
  const page = await context.newPage()
  await page.goto(noJs.url())
  // The no-JS page as it is (an action's answer cannot be fetched again), without its scripts.
  await page.setContent((await noJs.content()).replace(/<script\b[\s\S]*?<\/script>/gi, ''))
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  await context.close()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

async function fits320(page: Page) {
  await page.setViewportSize({ width: 320, height: 800 })
  const [scroll, client, wide] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 8)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}#${e.id}`)
      .join(' '),
  ])
  expect(scroll, `${page.url()} scrolls sideways at 320 px: ${wide}`).toBeLessThanOrEqual(client as number)
  await page.setViewportSize({ width: 1280, height: 800 })
}

async function login(page: Page, email: string) {
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page).not.toHaveURL(/\/login/)
}

test('an administrator sets a body to e-mail without JavaScript; the triage page shows where its report went', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false, baseURL })
  const page = await context.newPage()
  await login(page, 'admin@valmera.example')
  await page.goto('/admin/delivery')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expectAccessible(page)
  await fits320(page)

  const water = page.getByTestId('body-water')
  // Open311 without an endpoint: refused by the field, what was typed kept.
  await water.locator('select[name="method"]').selectOption('open311')
  await water.locator('input[name="jurisdictionId"]').fill('valmera-water')
  await water.getByRole('button').click()
  const refused = page.getByTestId('body-water')
  await expect(refused.locator('input[name="endpoint"]')).toHaveAttribute('aria-invalid', 'true')
  await expect(refused.locator('input[name="jurisdictionId"]')).toHaveValue('valmera-water')
  await expect(refused.locator('select[name="method"]')).toHaveValue('open311')
  await expectAccessible(page)

  // By e-mail, switched on.
  await refused.locator('select[name="method"]').selectOption('email')
  await refused.locator('input[name="email"]').fill('reports@water.example')
  await refused.locator('input[name="enabled"]').check()
  await refused.getByRole('button').click()
  await expect(page.getByRole('status').first()).toContainText('Saved how')
  await expect(page.getByTestId('body-water').locator('select[name="method"]')).toHaveValue('email')

  // A report for the water company, filed through Open311 by a trusted client (issued here).
  const issued = await page.request.post('/admin/api-keys', { form: { intent: 'issue', name: 'E2E delivery', trusted: 'on' }, headers: { origin: baseURL! } })
  const key = /value="(plz_[A-Za-z0-9_-]{43})"/.exec(await issued.text())![1]!
  const form = await (await page.request.get('/reports/new?area=sant-roc&category=blocked-drain')).text()
  const lat = /name="lat" value="([^"]+)"/.exec(form)![1]!
  const long = /name="lng" value="([^"]+)"/.exec(form)![1]!
  const filed = await page.request.post('/open311/v2/requests.json', {
    form: { api_key: key, service_code: 'blocked-drain', lat, long, description: 'E2E: the drain by the fountain is blocked with leaves.' },
  })
  expect(filed.status()).toBe(200)
  const id = ((await filed.json()) as Array<{ service_request_id: string }>)[0]!.service_request_id

  // The triage page says to whom, how and when (the job sends it within seconds).
  await expect(async () => {
    await page.goto(`/council/reports/${id}`)
    await expect(page.getByTestId('staff-delivery')).toContainText('reports@water.example')
    await expect(page.getByTestId('staff-delivery')).toContainText('Sent')
  }).toPass({ timeout: 60_000 })
  await expect(page.getByTestId('staff-delivery')).toContainText('By e-mail')
  await expectAccessible(page)
  await fits320(page)

  // Others may not see the delivery settings.
  await page.context().clearCookies()
  await login(page, 'roads@valmera.example')
  const refusedPage = await page.goto('/admin/delivery')
  expect(refusedPage?.status()).toBe(403)
  await context.close()
})
