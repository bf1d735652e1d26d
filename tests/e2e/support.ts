import AxeBuilder from '@axe-core/playwright'
import { expect, type Browser, type BrowserContextOptions, type Page } from '@playwright/test'

/**
 * Waits until the page is what a person meets: loaded and, where it runs React (it has module
 * scripts; pages with `handle.hydrate: false` have none), hydrated — app/entry.client.tsx sets
 * `<html data-hydrated>` once React has committed, after any hydration error was reported. Replaces
 * `waitForLoadState('networkidle')`, which waited at least half a second of quiet network per page.
 */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForLoadState('load')
  if ((await page.locator('script[type="module"]').count()) === 0) return
  // A page whose scripts never run fails here within a minute, not at the end of a long test's timeout.
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 60_000 })
}

/** A new browser context (en-GB unless `options` say otherwise) logged in as `who`@valmera.example. */
export async function loggedIn(browser: Browser, who: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB', ...options })
  const page = await context.newPage()
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill(`${who}@valmera.example`)
  await page.getByLabel('Password').fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('banner').getByRole('link', { name: 'Your account' })).toBeVisible()
  return page
}

/** axe finds no WCAG 2.1 A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}
