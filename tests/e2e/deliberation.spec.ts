import path from 'node:path'
import SQLite from 'better-sqlite3'
import { expect, test } from '@playwright/test'
import { expectAccessible, loggedIn } from './support'

test.use({ locale: 'en-GB' })

const areaPath = () => {
  const db = new SQLite(path.resolve('.cache/e2e/plaza.sqlite'), { readonly: true, fileMustExist: true })
  const id = (db.prepare(`select id from areas where slug = 'ciutat-vella'`).get() as { id: number }).id
  db.close()
  return `/discussions/area/${id}`
}

test('post, reply, flag, and a moderator hides the comment', async ({ browser }) => {
  const where = areaPath()
  const text = `The bus stop needs a shelter ${Date.now()}`

  const citizen = await loggedIn(browser, 'citizen')
  await citizen.goto(where)
  await expectAccessible(citizen)
  await citizen.getByLabel('Your comment').first().fill(`**${text}**`)
  await citizen.getByRole('group', { name: 'Your stance' }).first().getByLabel('In favour').check()
  await citizen.getByRole('button', { name: 'Post comment' }).click()
  await expect(citizen.getByRole('status')).toHaveText('Your comment is posted.')
  const comment = citizen.locator('li.comment', { hasText: text }).first()
  await expect(comment.locator('strong', { hasText: text })).toBeVisible()
  await expect(comment.locator('.comment__meta .stance')).toHaveText('In favour')

  const resident = await loggedIn(browser, 'resident')
  await resident.goto(where)
  const theirs = resident.locator('li.comment', { hasText: text }).first()
  await theirs.getByText('Reply', { exact: true }).click()
  await theirs.getByLabel('Your comment').fill('Agreed, it rains a lot there.')
  await theirs.getByRole('button', { name: 'Post reply' }).click()
  await expect(resident.locator('.comment__body', { hasText: 'Agreed, it rains a lot there.' })).toBeVisible()
  const again = resident.locator('li.comment', { hasText: text }).first()
  await again.locator('summary', { hasText: 'Flag' }).first().click()
  await again.getByLabel('Off-topic').first().check()
  await again.getByRole('button', { name: 'Send to moderators' }).first().click()
  await expect(resident.getByRole('status')).toHaveText('Thank you: a moderator will look at it.')

  const moderator = await loggedIn(browser, 'moderator')
  await moderator.getByRole('link', { name: 'Moderation' }).click()
  await expect(moderator.getByRole('heading', { level: 1 })).toHaveText('Moderation queue')
  await expectAccessible(moderator)
  const item = moderator.locator('li.queue__item', { hasText: text })
  await expect(item.getByText('1 flag')).toBeVisible()
  // Hide without a reason: the refusal is said next to the field (issue 18: it failed silently).
  await item.getByRole('button', { name: 'Hide', exact: true }).click()
  await expect(item.locator('.field-error')).toHaveText('Give a reason of at least 3 characters.')
  await expect(item.getByLabel('Reason (shown to the author when hiding)')).toHaveAttribute('aria-invalid', 'true')
  await item.getByLabel('Reason (shown to the author when hiding)').fill('Not about this neighbourhood')
  await item.getByRole('button', { name: 'Hide', exact: true }).click()
  await expect(moderator.getByRole('status')).toHaveText('Done.')

  await citizen.goto(where)
  await expect(citizen.getByText('Only you see this: it was hidden by moderation.')).toBeVisible()
  const anonymous = await browser.newPage({ locale: 'en-GB' })
  await anonymous.goto(where)
  await expect(anonymous.getByText(text)).toHaveCount(0)
  await moderator.goto('/moderation/log')
  await expect(moderator.getByRole('cell', { name: 'Not about this neighbourhood' })).toBeVisible()
})

test('the discussion works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
  const page = await context.newPage()
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill('admin@valmera.example')
  await page.getByLabel('Password').fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.goto(areaPath())
  await page.getByLabel('Your comment').first().fill('Posted without JavaScript.')
  await page.getByRole('button', { name: 'Post comment' }).click()
  await expect(page.locator('.comment__body', { hasText: 'Posted without JavaScript.' })).toBeVisible()
  await page.getByRole('link', { name: 'Arguments for and against' }).click()
  await expect(page.getByRole('heading', { name: 'Arguments in favour' })).toBeVisible()
  await context.close()
})
