import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { openDatabase } from '../../app/lib/db.server'
import { placeItem, registerKind } from '../../app/modules/geo/map-index.server'
import { baseURL } from '../../playwright.config'
import { hydrated } from './support'

/**
 * The map in a browser (WebGL through SwiftShader). The server's database is the fresh one of
 * playwright.config.ts; these tests add a kind of item of their own ("e2e") with items in the city.
 */

test.beforeAll(async () => {
  const db = openDatabase({ path: path.resolve('.cache/e2e/plaza.sqlite'), synchronous: 'NORMAL' })
  await db.write(async (trx) => {
    await registerKind(trx, { kind: 'e2e', urlPattern: '/areas/{id}', labelKey: 'geo:kinds.sample' })
    for (let i = 0; i < 300; i++) {
      await placeItem(trx, {
        kind: 'e2e',
        itemId: i + 1,
        lat: 41.33 + (i % 15) * 0.003,
        lng: -1.55 + Math.floor(i / 15) * 0.004,
        status: i % 3 ? 'open' : 'fixed',
        title: `Browser test item ${i + 1}`,
      })
    }
  })
  await db.close()
  // Each server process remembers the registered kinds for up to five seconds: wait until the new
  // layer is answered ten times in a row on new connections (the webServer runs several processes).
  const url = `${baseURL}/api/map/features?bbox=-1.6,41.29,-1.44,41.41&zoom=12&layers=e2e`
  let inARow = 0
  await expect
    .poll(
      async () => {
        const res = await fetch(url, { headers: { connection: 'close' } })
        await res.arrayBuffer()
        inARow = res.status === 200 ? inARow + 1 : 0
        return inARow
      },
      { timeout: 15_000, intervals: [50] },
    )
    .toBeGreaterThanOrEqual(10)
})

/** Where [lng, lat] appears on a map that fitted `bounds` (padding 16) into `box` (Web Mercator). */
function pixelOf(box: { x: number; y: number; width: number; height: number }, [w, s, e, n]: number[], [lng, lat]: number[]): [number, number] {
  const mx = (l: number) => (l + 180) / 360
  const my = (p: number) => (1 - Math.log(Math.tan((p * Math.PI) / 180) + 1 / Math.cos((p * Math.PI) / 180)) / Math.PI) / 2
  const scale = Math.min((box.width - 32) / (mx(e!) - mx(w!)), (box.height - 32) / (my(s!) - my(n!)))
  const cx = (mx(w!) + mx(e!)) / 2
  const cy = (my(s!) + my(n!)) / 2
  return [box.x + box.width / 2 + (mx(lng!) - cx) * scale, box.y + box.height / 2 + (my(lat!) - cy) * scale]
}

async function mapReady(page: Page) {
  // A map with a still picture loads MapLibre when reached for: the mouse over it (issue 18).
  await page.locator('.map-frame').first().hover()
  await expect(page.locator('.map-frame[data-map-state="ready"]').first()).toBeVisible({ timeout: 20_000 })
}

/** Distinct colours in a screenshot of the map's canvas (decoded in the page). */
async function canvasColours(page: Page): Promise<number> {
  const png = await page.locator('canvas.maplibregl-canvas').first().screenshot()
  return page.evaluate(async (b64) => {
    const img = new Image()
    img.src = `data:image/png;base64,${b64}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = img.width
    canvas.height = img.height
    const ctx = canvas.getContext('2d')!
    ctx.drawImage(img, 0, 0)
    const data = ctx.getImageData(0, 0, img.width, img.height).data
    const colours = new Set<number>()
    for (let i = 0; i < data.length; i += 16) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
    return colours.size
  }, png.toString('base64'))
}

test.describe('the map page', () => {
  test.use({ locale: 'en-GB' })

  test('draws the city with WebGL and clusters of items, and axe finds no violations', async ({ page }) => {
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto('/map')
    await mapReady(page)
    await expect(page.locator('.map-cluster').first()).toBeVisible({ timeout: 15_000 })
    // Districts in several colours, outlines, background: far from a blank canvas.
    await expect.poll(() => canvasColours(page), { timeout: 10_000 }).toBeGreaterThan(20)
    // The 300 sample items and the demo city's reports (and any filed by other tests).
    await expect(page.getByTestId('in-view-summary')).toContainText(/^3[6-9]\d items in view/)
    // .demo-banner belongs to the accounts capability (outside any landmark): checked by its own tests.
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).exclude('.demo-banner').analyze()
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
    expect(errors).toEqual([])
  })

  test('zooms in when a cluster is clicked', async ({ page }) => {
    await page.goto('/map')
    await mapReady(page)
    const canvas = page.locator('.map-canvas').first()
    await expect(canvas).toHaveAttribute('data-zoom', /\d/, { timeout: 15_000 })
    const before = Number(await canvas.getAttribute('data-zoom'))
    const cluster = page.locator('.map-cluster').first()
    await expect(cluster).toBeVisible({ timeout: 15_000 })
    await cluster.click()
    await expect.poll(async () => Number(await canvas.getAttribute('data-zoom')), { timeout: 10_000 }).toBeGreaterThan(before + 0.5)
  })

  test('zooms in from the accessible list with the keyboard', async ({ page }) => {
    await page.goto('/map')
    await mapReady(page)
    const canvas = page.locator('.map-canvas').first()
    await expect(canvas).toHaveAttribute('data-zoom', /\d/, { timeout: 15_000 })
    const before = Number(await canvas.getAttribute('data-zoom'))
    const button = page.getByRole('button', { name: /items here: zoom in/ }).first()
    await button.focus()
    await page.keyboard.press('Enter')
    await expect.poll(async () => Number(await canvas.getAttribute('data-zoom')), { timeout: 10_000 }).toBeGreaterThan(before + 0.5)
  })

  test('filters with the form, without JavaScript too', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto('/map')
    await expect(page.getByRole('img', { name: /districts and neighbourhoods/ })).toBeVisible()
    await page.getByLabel('Fixed').check()
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect(page).toHaveURL(/status=fixed/)
    const items = page.locator('.map-list li')
    await expect(items.first()).toBeVisible()
    for (const meta of await page.locator('.map-list__meta').allTextContents()) expect(meta).toContain('Fixed')
    await context.close()
  })
})

test.describe('the location picker', () => {
  test.use({ locale: 'en-GB' })

  test('fills the hidden fields from a click on the map and finds the area', async ({ page }) => {
    await page.goto('/areas/locate')
    await mapReady(page)
    await expect(page.locator('input[type="hidden"][name="lat"]')).toHaveValue('')
    // A point in the district of Ribera Nord, placed on screen as the map fitted the city's box.
    const box = (await page.locator('.picker .map-canvas').boundingBox())!
    const [x, y] = pixelOf(box, [-1.5886, 41.3009, -1.4503, 41.3964], [-1.52, 41.37])
    await page.mouse.click(x, y)
    await expect(page.locator('input[type="hidden"][name="lat"]')).toHaveValue(/^41\.\d+/)
    await expect(page.locator('input[type="hidden"][name="lng"]')).toHaveValue(/^-1\.\d+/)
    await expect(page.getByTestId('picker-status')).toContainText('Chosen point: 41.')
    await expect(page.locator('.map-pin')).toBeVisible()
    await page.getByRole('button', { name: 'Find the area' }).click()
    await expect(page.getByTestId('locate-result')).toContainText('District')
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(results.violations.map((v) => v.id)).toEqual([])
  })

  test('a tap on the still picture picks the point at once; MapLibre loads only when reached for (issue 18)', async ({ page }) => {
    const maplibre: string[] = []
    page.on('request', (r) => {
      if (/maplibre-gl-[A-Z0-9]+\.js/.test(r.url())) maplibre.push(r.url())
    })
    await page.goto('/areas/locate')
    // The server sends the picker as it looks once interactive (still picture, status line), so a tap
    // before React has hydrated would reach no handler: wait for hydration, not for the picture.
    await hydrated(page)
    // The city's picture, no MapLibre yet.
    const frame = page.locator('.picker .map-frame')
    await expect(frame).toHaveAttribute('data-map-state', 'still')
    await expect(frame.locator('svg.map-still')).toBeVisible()
    expect(maplibre).toEqual([])
    const [x, y] = pixelOf((await frame.boundingBox())!, [-1.5886, 41.3009, -1.4503, 41.3964], [-1.52, 41.37])
    await page.mouse.click(x, y)
    await expect(page.locator('input[type="hidden"][name="lat"]')).toHaveValue(/^41\.3[67]\d*/)
    await expect(page.locator('input[type="hidden"][name="lng"]')).toHaveValue(/^-1\.5[12]\d*/)
    await expect(page.getByTestId('picker-status')).toContainText('Chosen point: 41.')
    // Reaching for the map brought MapLibre, which then shows the same point as its pin.
    await expect(frame).toHaveAttribute('data-map-state', 'ready', { timeout: 20_000 })
    expect(maplibre.length).toBe(1)
    await expect(page.locator('.map-pin')).toBeVisible()
  })

  test('works without JavaScript: choose an area, or type coordinates', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto('/areas/locate')
    await page.getByLabel('District or neighbourhood').selectOption('l-estany')
    await page.getByRole('button', { name: 'Find the area' }).click()
    await expect(page.getByTestId('locate-result')).toContainText('L’Estany'.replace('’', "'"))
    await page.getByLabel('District or neighbourhood').selectOption('')
    await page.getByLabel('Latitude').fill('40.1')
    await page.getByLabel('Longitude').fill('-1.52')
    const response = page.waitForResponse((r) => r.url().includes('/areas/locate?'))
    await page.getByRole('button', { name: 'Find the area' }).click()
    expect((await response).status()).toBe(400)
    await expect(page.getByRole('alert')).toContainText('This place is outside Valmera')
    await context.close()
  })
})
