import { expect, test } from '@playwright/test'
import { expectAccessible } from './support'

test.use({ locale: 'en-GB' })

test('sign up → confirm from /dev/mail → log in → verify residence → log out', async ({ page }) => {
  const email = `e2e-${Date.now()}@example.org`
  const password = 'a long enough passphrase'

  await page.goto('/signup')
  await expectAccessible(page)
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Name shown to others').fill('Eva End-to-end')
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  // The same answer for any address (no enumeration): check your e-mail, not logged in yet.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your e-mail')
  await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible()
  await expectAccessible(page)

  // The demo keeps e-mails in the outbox; the banner leads there.
  await page.getByRole('link', { name: 'outbox' }).click()
  await page
    .getByRole('row', { name: new RegExp(email) })
    .getByRole('link', { name: /Confirm your e-mail address/ })
    .click()
  await page.getByRole('link', { name: /\/confirm\// }).click()
  // Opening the link confirms nothing (mail scanners open links); the button does (issue 18).
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm your e-mail address')
  await expectAccessible(page)
  await page.getByRole('button', { name: 'Confirm my address' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your e-mail address is confirmed')

  await page.goto('/')
  await page.getByRole('link', { name: 'Log in' }).click()
  await expectAccessible(page)
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password').fill('not the password at all')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toHaveText('The e-mail address or the password is not right.')
  await expect(page.getByLabel('E-mail address')).toHaveValue(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  // Back where the visitor was (the home page), now logged in.
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Welcome to Plaza')
  await page.getByRole('link', { name: 'Your account' }).click()
  await expect(page.getByTestId('verification-level')).toHaveText('E-mail confirmed')

  await page.getByRole('link', { name: 'Verify your residence' }).click()
  await expectAccessible(page)
  await page.getByLabel('Identity document number').fill('VAL000003')
  await page.getByLabel('Date of birth').fill('1992-06-05')
  await page.getByRole('button', { name: 'Verify' }).click()
  await expect(page.getByRole('status')).toContainText('Your residence is verified. Home area:')
  await page.goto('/account')
  await expect(page.getByTestId('verification-level')).toHaveText('Residence verified')

  await page.getByRole('button', { name: 'Log out' }).click()
  await page.goto('/account')
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Faccount/)
})

test('the sign-up form works without JavaScript and keeps what was typed on an error', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
  const page = await context.newPage()
  await page.goto('/signup')
  await page.getByLabel('E-mail address').fill('nojs@example.org')
  await page.getByLabel('Name shown to others').fill('No Script')
  await page.getByLabel('Password').fill('qwertyuiop')
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('This password is too common')).toBeVisible()
  await expect(page.getByLabel('E-mail address')).toHaveValue('nojs@example.org')
  await expect(page.getByLabel('Name shown to others')).toHaveValue('No Script')
  await context.close()
})

test('an administrator sees the admin pages; they pass axe', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill('admin@valmera.example')
  await page.getByLabel('Password').fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('link', { name: 'Administration' }).click()
  await page.getByRole('link', { name: 'Users' }).click()
  await expect(page.getByRole('cell', { name: 'Rafael Roads' })).toBeVisible()
  await expectAccessible(page)
  await page.goto('/admin/census')
  await expect(page.getByText(/The census holds \d+ records/)).toBeVisible()
  await expectAccessible(page)
})
