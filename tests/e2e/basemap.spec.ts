import { expect, test } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'

/** Plaza's own base map in a browser (issue 17): streets drawn from /tiles, and no request to another site. */

test('the map draws the demo streets from Plaza alone', async ({ page, baseURL }) => {
  const hosts = new Set<string>()
  const tiles: number[] = []
  page.on('request', (r) => {
    const url = new URL(r.url())
    if (url.protocol.startsWith('http')) hosts.add(url.host)
  })
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/tiles/')) tiles.push(r.status())
  })
  await page.goto('/map')
  await page.locator('.map-frame').first().hover()
  await expect(page.locator('.map-frame[data-map-state="ready"]').first()).toBeVisible({ timeout: 20_000 })
  await expect.poll(() => tiles.length).toBeGreaterThan(0)
  expect(tiles.every((s) => s === 200)).toBe(true)
  await expect(page.locator('.maplibregl-ctrl-attrib')).toContainText('OpenStreetMap')
  expect([...hosts]).toEqual([new URL(baseURL!).host])
})

test('address search works without JavaScript, fits 320 px and passes axe', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } })
  const page = await context.newPage()
  await page.goto('/search/address?return=/reports/new')
  await page.getByLabel('Street and number, or a place').fill('c/ major 12')
  await page.getByRole('button', { name: 'Search' }).click()
  const first = page.getByTestId('address-results').getByRole('link').first()
  await expect(first).toHaveText('Carrer Major 12')
  await first.click()
  await expect(page).toHaveURL(/\/reports\/new\?lat=41\.\d+&lng=-1\.\d+/)
  await context.close()
})

test('the address search page fits 320 px and passes axe', async ({ page }) => {
  // axe runs as a script: this page has JavaScript (the flow above has none).
  await page.setViewportSize({ width: 320, height: 640 })
  await page.goto('/search/address?q=carrer+major')
  await expect(page.getByTestId('address-results').getByRole('link').first()).toHaveText('Carrer Major')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  const axe = await new AxeBuilder({ page }).analyze()
  expect(axe.violations).toEqual([])
})
