import { expect, test, type Browser } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'

/** The address box "Street and number, or a place" on /map, alerts, letters and petition signing (issue 17). */

const noScript = (browser: Browser) => browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 700 } })

test('without JavaScript, /map searches an address and shows the map and list around it', async ({ browser }) => {
  const context = await noScript(browser)
  const page = await context.newPage()
  await page.goto('/map')
  await page.getByLabel('Street and number, or a place').fill('c/ major 12')
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page).toHaveURL(/\/search\/address\?q=c%2F\+major\+12&return=%2Fmap/)
  const first = page.getByTestId('address-results').getByRole('link').first()
  await expect(first).toHaveText('Carrer Major 12')
  await first.click()
  await expect(page).toHaveURL(/\/map\?lat=41\.\d+&lng=-1\.\d+/)
  await expect(page.getByTestId('map-near')).toContainText('Near Carrer Major 12')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  // A point outside the city is ignored, not an error.
  const outside = await page.goto('/map?lat=10&lng=10')
  expect(outside?.status()).toBe(200)
  await expect(page.getByTestId('map-near')).toHaveCount(0)
  await context.close()
})

for (const [where, path, after] of [
  ['alerts', '/alerts', /\/alerts\?lat=41\.\d+&lng=-1\.\d+/],
  ['letters', '/letters/new', /\/letters\/new\?lat=41\.\d+&lng=-1\.\d+/],
] as const) {
  test(`without JavaScript, the place on ${where} is found by its address`, async ({ browser }) => {
    const context = await noScript(browser)
    const page = await context.newPage()
    await page.goto(path)
    await page.getByLabel('Street and number, or a place').fill('Carrer Mayor 12')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    // Only the query and the way back travel: none of the page's other fields.
    const url = new URL(page.url())
    expect(url.pathname).toBe('/search/address')
    expect([...url.searchParams.keys()].sort()).toEqual(['q', 'return'])
    const first = page.getByTestId('address-results').getByRole('link').first()
    await expect(first).toHaveText('Carrer Major 12')
    await first.click()
    await expect(page).toHaveURL(after)
    if (where === 'alerts') await expect(page.getByRole('radio').first()).toBeVisible()
    else await expect(page.getByTestId('letters-choose')).toBeVisible()
    await context.close()
  })
}

test('without JavaScript, a signer finds the place by address and the sign form keeps it', async ({ browser }) => {
  const context = await noScript(browser)
  const page = await context.newPage()
  await page.goto('/petitions')
  await page.getByRole('link', { name: 'More benches along the river walk' }).first().click()
  const box = page.getByLabel('Street and number, or a place')
  await box.fill('c/ major 12')
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  const petition = new URL(page.url()).searchParams.get('return')!
  const first = page.getByTestId('address-results').getByRole('link').first()
  await expect(first).toHaveText('Carrer Major 12')
  await first.click()
  expect(new URL(page.url()).pathname).toBe(petition)
  await expect(page.locator('input[name="lat"]')).toHaveValue(/^41\.\d+$/)
  await context.close()
})

test('with JavaScript, /map suggests addresses as one types and moves the map to the chosen one', async ({ page }) => {
  await page.goto('/map')
  await page.locator('.map-frame').first().hover()
  await expect(page.locator('.map-frame[data-map-state="ready"]').first()).toBeVisible({ timeout: 20_000 })
  const box = page.getByLabel('Street and number, or a place')
  await box.pressSequentially('carrer major 12', { delay: 30 })
  const suggestion = page.getByTestId('address-suggestions').getByRole('button').first()
  await expect(suggestion).toHaveText('Carrer Major 12')
  // Nothing was submitted: still /map.
  expect(new URL(page.url()).pathname).toBe('/map')
  await suggestion.click()
  await expect(page.getByTestId('address-box-status')).toHaveText('Map moved to Carrer Major 12.')
  await expect(page.getByTestId('address-suggestions')).toBeHidden()
  const axe = await new AxeBuilder({ page }).analyze()
  expect(axe.violations).toEqual([])
})

test('with JavaScript, the alerts picker suggests addresses and chooses the point', async ({ page }) => {
  await page.goto('/alerts')
  // The picker's map is drawn by an effect, so the page is hydrated: text typed before that would be
  // replaced by the box's state when React takes the page over.
  await page.locator('.picker .map-frame').first().hover()
  await page.locator('.maplibregl-canvas').first().waitFor({ timeout: 30_000 })
  await page.getByRole('searchbox').first().pressSequentially('c/ major 12', { delay: 30 })
  const suggestion = page.locator('.picker__results button').first()
  await expect(suggestion).toHaveText('Carrer Major 12')
  await suggestion.click()
  await expect(page.locator('input[type="hidden"][name="lat"]')).toHaveValue(/^41\.\d+$/)
  await expect(page.getByTestId('picker-near')).toContainText('Near Carrer Major 12')
})
