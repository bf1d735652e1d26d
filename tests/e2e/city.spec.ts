import { test, expect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { startPlaza, type RunningPlaza } from '../support/server'

/**
 * A city takes Plaza live in a browser (issue 16 parts 1, 4, 5, 6): its own server on an empty
 * database without the demo; the first run with the link from the log; the identity (a colour
 * refused for contrast, then a good one, an SVG logo); a council setting; a staff invitation;
 * a legal page. Every page passes axe and fits a 320 px screen.
 */

test.describe.configure({ mode: 'serial' })

let plaza: RunningPlaza
test.beforeAll(async () => {
  plaza = await startPlaza({ SEED_DEMO: 'false', RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PAGE_CACHE: 'false', LOG_LEVEL: 'info' })
})
test.afterAll(async () => {
  await plaza?.stop()
})

async function checkPage(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  await page.setViewportSize({ width: 320, height: 800 })
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  await page.setViewportSize({ width: 1280, height: 800 })
}

const LOGO = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" onload="alert('x')"><script>alert('y')</script><circle cx="20" cy="20" r="18" fill="#ffffff"/><rect x="12" y="12" width="16" height="16" fill="#1d5c3a"/></svg>`

test('the first administrator sets up the city, its identity, a setting, a page and invites staff', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const line = plaza.logs.find((l) => typeof l.setupUrl === 'string')
  expect(line).toBeTruthy()
  const setup = new URL(line!.setupUrl as string)
  await page.setExtraHTTPHeaders({ 'accept-language': 'en' })

  // 1. First run.
  await page.goto(`${plaza.url}${setup.pathname}${setup.search}`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up Plaza')
  await checkPage(page)
  await page.getByLabel('Name of the city or council').fill('Aldemar')
  await page.getByLabel('Français').uncheck()
  await page.getByLabel('E-mail address').fill('clerk@aldemar.example')
  await page.getByLabel('Name shown to others').fill('Clara Clerk')
  await page.getByLabel('Password').fill('aldemar council 2026')
  await page.getByRole('button', { name: 'Set up Plaza' }).click()
  await expect(page).toHaveURL(/\/admin\?welcome=1$/)
  await expect(page.locator('.brand__city')).toHaveText('Aldemar')
  // The language switcher offers only English and Spanish now.
  await expect(page.locator('#header-language option')).toHaveCount(2)

  // 2. Identity: a colour too light is refused next to its field, then a good one with a logo.
  await page.goto(`${plaza.url}/admin/identity`)
  await checkPage(page)
  await page.locator('#field-siteName_en').fill('Aldemar Participates')
  await page.locator('#field-siteName_es').fill('Aldemar Participa')
  await page.locator('#field-cityName_es').fill('Ayuntamiento de Aldemar')
  await page.getByLabel('Primary colour').fill('#ffcc00')
  await page.getByRole('button', { name: 'Save identity' }).click()
  await expect(page.locator('#field-primaryColour-error')).toContainText('contrast of only')
  await expect(page.getByLabel('Primary colour')).toHaveValue('#ffcc00')
  await expect(page.locator('#field-siteName_es')).toHaveValue('Aldemar Participa')
  await checkPage(page)
  await page.getByLabel('Primary colour').fill('#1d5c3a')
  await page.getByLabel('Logo').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO) })
  await page.locator('#field-homeIntro_en').fill('Welcome to **Aldemar**: tell the council what to fix.')
  await page.getByRole('button', { name: 'Save identity' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  // The home page shows the new identity once every cached copy of it is gone (polled, not slept through).
  await expect(async () => {
    await page.goto(`${plaza.url}/`)
    await expect(page.locator('.brand__name')).toHaveText('Aldemar Participates', { timeout: 1_000 })
  }).toPass({ timeout: 15_000 })
  await expect(page.locator('.brand__logo')).toHaveAttribute('src', /^\/site\/logo\?v=/)
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim())).toBe('#1d5c3a')
  expect(await page.locator('.site-header').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(29, 92, 58)')
  await expect(page.locator('.home__custom-intro strong')).toHaveText('Aldemar')
  const logo = await page.request.get(`${plaza.url}/site/logo`)
  expect(await logo.text()).not.toContain('alert')
  await checkPage(page)

  // 3. A council setting.
  await page.goto(`${plaza.url}/admin/settings`)
  await checkPage(page)
  await page.getByLabel('Sponsors a petition needs before moderation').fill('0')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('status')).toContainText('one setting changed')
  await expect(page.getByLabel('Sponsors a petition needs before moderation')).toHaveValue('0')

  // 4. A legal page, linked from the footer.
  await page.goto(`${plaza.url}/admin/pages/accessibility`)
  await checkPage(page)
  await page.locator('#field-title_en').fill('Accessibility statement')
  await page.locator('#field-body_en').fill('This site aims at **WCAG 2.2 AA**.')
  await page.locator('#field-body_es').fill('Este sitio busca cumplir **WCAG 2.2 AA**.')
  await page.getByRole('button', { name: 'Save page' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  await page.getByRole('contentinfo').getByRole('link', { name: 'Accessibility statement' }).click()
  await expect(page).toHaveURL(/\/pages\/accessibility$/)
  await expect(page.locator('.prose strong')).toHaveText('WCAG 2.2 AA')
  await checkPage(page)

  // 5. Staff: an invitation, accepted in Spanish.
  await page.goto(`${plaza.url}/admin/users`)
  await checkPage(page)
  await page.getByLabel('E-mail address').fill('nuria@aldemar.example')
  await page.getByLabel('Moderator').check()
  await page.getByLabel('Language of the invitation').selectOption('es')
  await page.getByRole('button', { name: 'Send invitation' }).click()
  await expect(page.getByRole('status')).toContainText('Invitation sent to nuria@aldemar.example')
  // No mail server here: the outbox holds the mail (/dev/mail shows it in this demo-like setup).
  await page.goto(`${plaza.url}/dev/mail`)
  await page
    .getByRole('link', { name: /Le invitan/ })
    .first()
    .click()
  const link = await page.locator('a[href*="/invitations/"]').first().getAttribute('href')
  expect(link).toBeTruthy()
  const invitee = await browser.newContext({ locale: 'es-ES' })
  const other = await invitee.newPage()
  await other.goto(link!)
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Acepte su invitación')
  await checkPage(other)
  await other.getByLabel('Nombre que verán los demás').fill('Núria')
  await other.getByLabel('Contraseña').fill('moderar en aldemar')
  await other.getByRole('button', { name: 'Crear mi cuenta' }).click()
  await expect(other).toHaveURL(/\/account/)
  await expect(other.locator('.brand__name')).toHaveText('Aldemar Participa')
  await expect(other.locator('.brand__city')).toHaveText('Ayuntamiento de Aldemar')
  await invitee.close()
})
