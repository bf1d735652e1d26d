import { expect, test } from '@playwright/test'
import { expectAccessible, loggedIn } from './support'

// PETITION_SPONSORS is 1 in playwright.config.ts: one sponsor sends a petition to moderation.
test.use({ locale: 'en-GB' })

test('create a petition, gather a sponsor, a moderator publishes it, a logged-out visitor signs, confirms and sees the count and map', async ({ browser }) => {
  test.setTimeout(180_000)
  const title = `Shade for the market square ${Date.now()}`

  // The creator writes the petition and gathers sponsors.
  const creator = await loggedIn(browser, 'citizen')
  await creator.goto('/petitions')
  await expect(creator.getByRole('heading', { level: 1, name: 'Petitions' })).toBeVisible()
  await expectAccessible(creator)
  await creator.getByRole('link', { name: 'Start a petition' }).click()
  await expect(creator.getByRole('heading', { level: 1, name: 'Start a petition' })).toBeVisible()
  await expectAccessible(creator)
  await creator.getByLabel('Title').fill(title)
  await creator.getByLabel('What do you want the council to do?').fill('Put up sail shades over the market square for the summer.')
  await creator.getByLabel('Background (optional)').fill('The square is **an oven** in July.')
  await creator.getByRole('button', { name: 'Preview' }).click()
  await expect(creator.getByTestId('petition-preview')).toContainText('an oven')
  await creator.getByRole('button', { name: 'Gather 1 sponsor' }).click()
  await expect(creator.getByRole('heading', { level: 1, name: title })).toBeVisible()
  const sponsorLink = await creator.getByTestId('sponsor-link').getAttribute('href')
  expect(sponsorLink).toMatch(/\/petitions\/\d+\/sponsor\/[a-z2-7]{32}$/)
  await expectAccessible(creator)
  const petitionPath = new URL(sponsorLink!).pathname.replace(/\/sponsor\/.*$/, '')

  // A sponsor signs through the private link (a resident at the sign level: counted at once).
  const sponsor = await loggedIn(browser, 'resident')
  await sponsor.goto(new URL(sponsorLink!).pathname)
  await sponsor.locator('#sign-location-area').selectOption('sant-roc')
  await sponsor.getByRole('button', { name: 'Sign as a sponsor' }).click()
  await expect(sponsor.getByText('Thank you — your signature counts.')).toBeVisible()

  // A moderator publishes it.
  const moderator = await loggedIn(browser, 'moderator')
  await moderator.goto('/moderation/petitions')
  await expectAccessible(moderator)
  const item = moderator.getByTestId('petition-queue').locator('li').filter({ hasText: title })
  await item.getByRole('button', { name: 'Publish' }).click()
  await expect(moderator.getByText('The petition is open.')).toBeVisible()

  // A logged-out visitor signs.
  const visitorContext = await browser.newContext({ locale: 'en-GB' })
  const visitor = await visitorContext.newPage()
  await visitor.goto(petitionPath)
  await expect(visitor.getByRole('heading', { level: 1, name: title })).toBeVisible()
  await expect(visitor.getByTestId('petition-progress')).toContainText('1')
  await expectAccessible(visitor)
  const email = `visitor-${Date.now()}@example.org`
  await visitor.getByLabel('Your name').fill('Vera Visitor')
  await visitor.getByRole('textbox', { name: 'Your e-mail address', description: /confirm your signature/ }).fill(email)
  await visitor.locator('#sign-location-area').selectOption('sant-roc')
  await visitor.getByRole('button', { name: 'Sign', exact: true }).click()
  await expect(visitor.getByText('Almost done: check your e-mail')).toBeVisible()

  // Confirms from the e-mail (shown at /dev/mail in the demo).
  await visitor.goto('/dev/mail')
  await visitor
    .getByRole('link', { name: `Confirm your signature: ${title}` })
    .first()
    .click()
  await expect(visitor.getByText(email).first()).toBeVisible()
  const confirm = await visitor.locator('a[href*="/petitions/confirm/"]').first().getAttribute('href')
  await visitor.goto(new URL(confirm!, 'http://x').pathname)
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Confirm your signature')
  await expectAccessible(visitor)
  // Opening the link confirms nothing (mail scanners open links): the button does (issue 18).
  await visitor.getByRole('button', { name: 'Confirm my signature' }).click()
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Signature confirmed')
  await expectAccessible(visitor)

  // The count and the map: two counted signatures, both in Sant Roc.
  await visitor.goto(`${petitionPath}?after=confirm`)
  await expect(visitor.locator('[data-petition-count]')).toHaveText('2')
  const districts = visitor.getByTestId('choropleth-district')
  await expect(districts.locator('svg[role="img"]')).toBeVisible()
  await districts.getByText('Show the numbers').click()
  await expect(districts.getByRole('row', { name: /Sant Roc/ })).toContainText('2')
  await expectAccessible(visitor)

  // The JSON says the same.
  const json = (await (await visitor.request.get(`${petitionPath}.json`)).json()) as { signature_count: number; signatures_by_district: Array<{ slug: string; signatures: number }> }
  expect(json.signature_count).toBe(2)
  expect(json.signatures_by_district).toEqual([expect.objectContaining({ slug: 'sant-roc', signatures: 2 })])
})

test('the council answers a petition awaiting its response', async ({ browser }) => {
  const staff = await loggedIn(browser, 'roads')
  await staff.goto('/council/petitions')
  await expectAccessible(staff)
  await staff.getByTestId('council-awaiting').getByRole('link', { name: 'Safe crossing at the Sant Roc school' }).click()
  await expectAccessible(staff)
  await staff.getByRole('textbox', { name: 'The council’s response' }).fill('A raised crossing will be built **before the spring term**.')
  await staff.getByRole('button', { name: 'Publish the response' }).click()
  await expect(staff.getByText('The response is published')).toBeVisible()
  await staff.getByRole('link', { name: 'public page' }).click()
  await expect(staff.getByTestId('response')).toContainText('before the spring term')
  await expectAccessible(staff)
})
