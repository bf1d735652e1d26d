import type { Page } from '@playwright/test'

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
