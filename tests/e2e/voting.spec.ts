import { expect, test, type Page } from '@playwright/test'
import { expectAccessible, loggedIn } from './support'

/**
 * Issue 7's flow end to end: a resident publishes a proposal, demo users support it to the
 * threshold, an administrator creates its yes/no vote from "Proposals waiting for a vote", the
 * resident votes on it and casts a quadratic and a budget ballot on the demo processes, the
 * administrator closes the vote and publishes the results, and the resident finds their receipt
 * in the closed vote's ballot list; the proposal then waits for the council's answer.
 *
 * Needs the e2e server to run with PROPOSAL_THRESHOLD=2 (the resident and the administrator are
 * the demo accounts that may support) and the demo voting processes (db/seed/voting.ts).
 */

test.use({ locale: 'en-GB' })

/** A minute ago, as a datetime-local value in UTC (the admin form's times are UTC). */
const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString().slice(0, 16)

async function openVote(page: Page, title: string) {
  await page.goto('/votes')
  await page.getByRole('link', { name: title }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
}

test('a proposal goes to its vote; residents vote (quadratic, budget, yes/no); the admin closes and publishes; the receipt is in the list', async ({ browser }) => {
  test.setTimeout(120_000)
  const title = `Car-free Sundays on the old bridge ${Date.now()}`

  // 1. The resident publishes a proposal and supports it.
  const resident = await loggedIn(browser, 'resident')
  await resident.goto('/proposals/new')
  await resident.locator('#field-title').fill(title)
  await resident.locator('#field-summary').fill('Close the old bridge to cars on Sunday mornings so people can walk and cycle across.')
  await resident.locator('#field-body').fill('Many cities close a main street to cars on Sundays. The old bridge would become a place to meet.')
  await resident.locator('#field-category').selectOption({ index: 1 })
  const noPlace = resident.locator('input[name="noPlace"]')
  if (await noPlace.count()) await noPlace.check()
  await resident.getByRole('button', { name: 'Publish', exact: true }).click()
  await expect(resident.getByRole('heading', { level: 1, name: title })).toBeVisible()
  const proposalId = Number(/\/proposals\/(\d+)/.exec(resident.url())![1])
  await resident.getByRole('button', { name: 'Support this proposal' }).click()
  await expect(resident.getByText('Thank you: your support is counted.')).toBeVisible()

  // 2. A second demo user's support reaches the threshold (PROPOSAL_THRESHOLD=2).
  const admin = await loggedIn(browser, 'admin')
  await admin.goto(`/proposals/${proposalId}`)
  await admin.getByRole('button', { name: 'Support this proposal' }).click()
  await expect(admin.getByText('with your support the proposal has reached its threshold')).toBeVisible()

  // 3. The administrator creates its vote from the list of proposals waiting for one.
  await admin.goto('/admin/votes')
  await expectAccessible(admin)
  await admin.getByRole('button', { name: `Create the vote on “${title}”` }).click()
  await expect(admin.getByRole('heading', { level: 1, name: 'New voting process' })).toBeVisible()
  await expect(admin.locator('#field-title')).toHaveValue(title)
  await expect(admin.locator('#field-method')).toHaveValue('yesno')
  await expectAccessible(admin)
  await admin.locator('#field-opensAt').fill(aMinuteAgo())
  await admin.getByRole('button', { name: 'Save as draft' }).click()
  await expect(admin.getByText('The process is saved as a draft.')).toBeVisible()
  const processId = Number(/\/admin\/votes\/(\d+)/.exec(admin.url())![1])
  await admin.getByRole('button', { name: 'Schedule' }).click()
  await expect(admin.getByText('The process is scheduled')).toBeVisible()
  await expectAccessible(admin)

  // 4. The resident casts a quadratic ballot and a budget ballot on the demo processes.
  await openVote(resident, 'Priorities for the riverside')
  // 2² + 2² + 1² = 9 credits; the other options get none.
  const votes: Record<string, string> = {
    'More shade trees on both banks': '2',
    'A bathing area in the river': '2',
    'A wildlife refuge on the island': '1',
    'Continuous walking and cycling paths': '',
    'Kiosks and cafés by the water': '',
  }
  for (const [option, n] of Object.entries(votes)) await resident.getByLabel(`Votes for ${option}`).fill(n)
  await expect(resident.getByText('Credits left: 0 of 9.')).toBeVisible()
  await resident.getByRole('button', { name: /Cast my ballot|Change my ballot/ }).click()
  await expect(resident.getByText(/Your ballot was (cast|changed)/)).toBeVisible()
  await expect(resident.getByTestId('receipt')).toBeVisible()
  await expectAccessible(resident)

  await openVote(resident, 'Participatory budget 2027')
  await resident.getByLabel(/Free Wi-Fi in the eight public libraries/).check()
  await resident.getByLabel(/Drinking fountains in every park/).check()
  await resident.getByRole('button', { name: /Cast my ballot|Change my ballot/ }).click()
  await expect(resident.getByText(/Your ballot was (cast|changed)/)).toBeVisible()
  await expectAccessible(resident)

  // 5. The resident votes yes on the proposal's vote and keeps the receipt.
  await resident.goto(`/votes/${processId}`)
  await resident.getByLabel('Yes', { exact: true }).check()
  await resident.getByRole('button', { name: 'Cast my ballot' }).click()
  await expect(resident.getByText('Your ballot was cast. Keep your receipt code.')).toBeVisible()
  const receipt = (await resident.getByTestId('receipt').innerText()).trim()
  expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)

  // 6. The administrator closes the vote, checks the count, verifies and publishes.
  await admin.goto(`/admin/votes/${processId}`)
  await expect(admin.getByText('Ballots cast')).toBeVisible()
  await admin.getByRole('button', { name: 'Close now' }).click()
  await expect(admin.getByText('The process is closed.')).toBeVisible()
  await expect(admin.getByRole('heading', { name: 'The count, before publishing' })).toBeVisible()
  await admin.getByRole('button', { name: 'Verify the tally' }).click()
  await expect(admin.getByText('The tally matches the ballots')).toBeVisible()
  await admin.getByRole('button', { name: 'Publish results' }).click()
  await expect(admin.getByText('The results are published.')).toBeVisible()
  await expectAccessible(admin)

  // 7. The resident checks the receipt on the closed vote.
  await resident.goto(`/votes/${processId}`)
  await resident.getByLabel('Receipt code').fill(receipt.toLowerCase().replace(/-/g, ' '))
  await resident.getByRole('button', { name: 'Check' }).click()
  await expect(resident.getByText(`Receipt ${receipt} is in the ballot list and counts`)).toBeVisible()

  // 8. The proposal now waits for the council's answer.
  await admin.goto('/council/proposals')
  await expect(admin.getByRole('link', { name: title })).toBeVisible()
})

test('an administrator creates a participatory budget with JavaScript off', async ({ browser }) => {
  const admin = await loggedIn(browser, 'admin', { javaScriptEnabled: false })
  await admin.goto('/admin/votes/new')
  await admin.getByRole('link', { name: 'Participatory budget' }).click()
  await expect(admin.getByRole('heading', { level: 1, name: 'New voting process' })).toBeVisible()
  await admin.locator('#field-title').fill('Small repairs in Sant Roc 2027')
  await admin.getByLabel('Budget of Sant Roc').fill('100000')
  await admin.getByLabel('Project 1: title').fill('Fix the fountain in Plaça del Carme')
  await admin.getByLabel('Project 1: cost').fill('25,000')
  await admin.getByLabel('Project 1: paid from').selectOption('sant-roc')
  await admin.getByLabel('Project 2: title').fill('New benches by the school')
  // A cost without an amount: the form comes back with the message next to it and nothing lost.
  await admin.getByLabel('Project 2: cost').fill('some')
  await admin.getByRole('button', { name: 'Save as draft' }).click()
  await expect(admin.getByText('Some fields need your attention')).toBeVisible()
  await expect(admin.locator('#field-project-1-cost-error')).toHaveText('Enter an amount greater than zero, e.g. 250000 or 250000.50.')
  await expect(admin.getByLabel('Project 1: title')).toHaveValue('Fix the fountain in Plaça del Carme')
  await admin.getByLabel('Project 2: cost').fill('12000')
  await admin.getByLabel('Project 2: paid from').selectOption('sant-roc')
  await admin.getByRole('button', { name: 'Save as draft' }).click()
  await expect(admin.getByText('The process is saved as a draft.')).toBeVisible()
  await expect(admin.getByRole('definition').filter({ hasText: 'Participatory budget' })).toBeVisible()
  await expect(admin.getByLabel('Project 2: cost')).toHaveValue('12000')

  // axe runs inside the page, so it looks at the same form with JavaScript on.
  const withScripts = await loggedIn(browser, 'admin')
  await withScripts.goto('/admin/votes/new?method=budget')
  await expectAccessible(withScripts)
  await withScripts.goto(admin.url())
  await expectAccessible(withScripts)
})
