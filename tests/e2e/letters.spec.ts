import { expect, test } from '@playwright/test'
import { expectAccessible } from './support'

test.use({ locale: 'en-GB' })
// Several pages, each checked with axe, on a shared and loaded machine.
test.setTimeout(120_000)

/**
 * Letters: find representatives for an area, write, preview, send, confirm from /dev/mail, see the
 * status. The e2e server has no MAIL_URL (the demo's DEV_MAIL): mail stays in the outbox, so after
 * confirming, the delivery honestly reads "Being sent" and the letter to the representative is
 * found at /dev/mail, with the sender as Reply-To.
 */
test('find → write → preview → send → confirm from /dev/mail → status', async ({ page }) => {
  const email = `e2e-letter-${Date.now()}@example.org`
  await page.goto('/letters/new')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Write to your representatives')
  await expectAccessible(page)

  // The area list is the no-JavaScript way to say where one lives; the form is a GET.
  await page.goto('/letters/new?area=ribera-nord')
  await expect(page.getByTestId('letters-choose')).toBeVisible()
  await expectAccessible(page)
  const first = page.getByTestId('letters-choose').locator('input[name="rep"]').first()
  await first.check()
  await page.getByRole('button', { name: 'Write to the chosen representatives' }).click()

  await expect(page.getByTestId('letters-write')).toBeVisible()
  await expectAccessible(page)
  await page.getByLabel('Your name').fill('Eva End-to-end')
  await page.getByLabel('Your e-mail address').fill(email)
  await page.getByLabel('Your postal address').fill('Carrer Major 12, 08001 Valmera')
  await page.getByLabel('Subject').fill('Benches in the square')
  await page.getByLabel('Your letter', { exact: true }).fill('The square has no benches since the works ended. Older neighbours have nowhere to sit. Could the council put them back?')
  await page.getByRole('button', { name: 'Preview the letter' }).click()

  const preview = page.getByTestId('letters-preview')
  await expect(preview).toBeVisible()
  await expect(preview).toContainText(`"Eva End-to-end" <${email}>`)
  await expect(preview).toContainText('Carrer Major 12, 08001 Valmera')
  await expect(preview).toContainText('sent through Plaza')
  await expectAccessible(page)
  await page.getByRole('button', { name: 'Send', exact: true }).click()

  await expect(page.getByTestId('letter-status')).toBeVisible()
  await expect(page.getByText('Almost done: we sent you an e-mail.')).toBeVisible()
  await expect(page.getByText('Waiting for you to confirm by e-mail')).toBeVisible()
  await expectAccessible(page)
  const statusUrl = page.url().replace(/\?.*$/, '')

  await page.goto('/dev/mail')
  await page
    .getByRole('row', { name: new RegExp(email) })
    .getByRole('link', { name: /Confirm your letter/ })
    .click()
  await page.getByRole('link', { name: /\/letters\/confirm\// }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Send your letter')
  await expectAccessible(page)
  await page.getByRole('button', { name: 'Send my letter' }).click()

  await expect(page.getByText('Thank you: your letter is on its way.')).toBeVisible()
  expect(page.url().replace(/\?.*$/, '')).toBe(statusUrl)
  // No mail server in this demo: the outbox holds the mail, so the delivery is "being sent".
  await expect(page.locator('.deliveries li').first()).toContainText('Being sent')
  await expectAccessible(page)

  await page.goto('/dev/mail')
  const delivery = page.getByRole('row', { name: /Benches in the square/ }).filter({ hasNotText: 'Confirm your letter' })
  await expect(delivery).toHaveCount(1)
  await delivery.getByRole('link', { name: /Benches in the square/ }).click()
  // The letter to the representative answers to the sender.
  await expect(page.getByText(email).first()).toBeVisible()
})

test('an administrator reviews the letter held by the campaign check', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill('admin@valmera.example')
  await page.getByLabel('Password').fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
  await page.goto('/admin')
  await page.getByRole('link', { name: 'Letters held for review' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Letters held for review')
  await expectAccessible(page)
  await page.getByTestId('frozen-letters').getByRole('link').first().click()
  await expect(page.getByText(/Near-identical to letters of \d+ other senders/)).toBeVisible()
  await expectAccessible(page)
  await page.getByRole('button', { name: 'Release and send' }).click()
  await expect(page.getByText('The letter was released and is being sent.')).toBeVisible()
})
