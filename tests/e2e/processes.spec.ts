import fs from 'node:fs'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Browser, type Page } from '@playwright/test'
import sharp from 'sharp'

/**
 * Issue 21 end to end: a whole participatory budget through its phases, driven by the processes'
 * injected clock (PLAZA_TEST_CLOCK_FILE, docs/processes.md). Residents submit and support projects,
 * staff mark one unfeasible with a public reason, the ballot opens, residents vote, the winners are
 * published, staff post two milestones and finish the work, and the author follows the path from
 * the project's page to the finished result. Run once with JavaScript and once without; every page
 * passes axe and fits a 320 px screen.
 *
 * The processes' clock is one file for the whole server, so the runs take turns (a lock folder
 * beside it): with --repeat-each or two workers they would otherwise move each other's clock.
 * The ballot is an ordinary budget vote, which runs on the wall clock: its phase is placed around
 * the real now, the earlier phases in the past.
 */

test.use({ locale: 'en-GB' })

const dataDir = path.resolve('.cache/e2e')
const clockFile = path.join(dataDir, 'clock')
const lockDir = path.join(dataDir, 'clock.lock')
const DAY = 86_400_000

async function takeClock(): Promise<() => void> {
  for (let i = 0; i < 1200; i++) {
    try {
      fs.mkdirSync(lockDir)
      return () => {
        fs.rmSync(clockFile, { force: true })
        fs.rmSync(lockDir, { recursive: true, force: true })
      }
    } catch {
      // A lock older than ten minutes belongs to a run that died.
      const stat = fs.statSync(lockDir, { throwIfNoEntry: false })
      if (stat && Date.now() - stat.mtimeMs > 600_000) fs.rmSync(lockDir, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  throw new Error('the processes clock stayed locked')
}

/** axe on the page (it runs as a script: in the run without JavaScript, the same pages had it in the other run), and the 320 px fit. */
async function expectAccessible(page: Page, javaScriptEnabled: boolean) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  if (!javaScriptEnabled) return
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${page.url()} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

async function loggedIn(browser: Browser, who: string, javaScriptEnabled: boolean): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled, viewport: { width: 320, height: 800 } })
  const page = await context.newPage()
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill(`${who}@valmera.example`)
  await page.getByLabel('Password').fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  // At 320 px the menu is folded: the link is there, inside it.
  await expect(page.getByRole('banner').getByRole('link', { name: 'Your account', includeHidden: true })).toBeAttached()
  return page
}

/** A real image file (a plain colour with a stripe), as a phone would send one. */
const photo = (colour: string, format: 'jpeg' | 'png' = 'jpeg') => {
  const image = sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).composite([
    { input: { create: { width: 640, height: 60, channels: 3, background: '#ffffff' } }, top: 210, left: 0 },
  ])
  return (format === 'png' ? image.png() : image.jpeg()).toBuffer()
}

async function wholeBudget(browser: Browser, javaScriptEnabled: boolean) {
  const tag = `${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now().toString(36)}`
  const slug = `budget-${tag}`
  const now = Math.floor(Date.now() / 60_000) * 60_000
  const at = (days: number) => new Date(now + days * DAY)
  const local = (days: number) => at(days).toISOString().slice(0, 16)
  const setClock = (days: number) => fs.writeFileSync(clockFile, at(days).toISOString())
  const check = (page: Page) => expectAccessible(page, javaScriptEnabled)
  const release = await takeClock()
  try {
    const admin = await loggedIn(browser, 'admin', javaScriptEnabled)
    const resident = await loggedIn(browser, 'resident', javaScriptEnabled)
    const citizen = await loggedIn(browser, 'citizen', javaScriptEnabled)
    const staff = await loggedIn(browser, 'roads', javaScriptEnabled)

    // The administrator creates the process: five phases, the vote around the real now.
    setClock(-10.5)
    const made = await admin.request.post('/admin/processes/new', {
      form: {
        slug,
        title_en: `Budget ${tag}`,
        description_en: 'The residents decide how to spend it.',
        cityBudget: '100000',
        currency: 'EUR',
        published: 'on',
        'phase.0.title_en': 'Submit projects',
        'phase.0.startsAt': local(-10),
        'phase.0.endsAt': local(-8),
        'phase.0.submit': 'on',
        'phase.1.title_en': 'Support projects',
        'phase.1.startsAt': local(-8),
        'phase.1.endsAt': local(-6),
        'phase.1.supports': 'on',
        'phase.2.title_en': 'Technical review',
        'phase.2.startsAt': local(-6),
        'phase.2.endsAt': local(-4),
        'phase.2.review': 'on',
        'phase.3.title_en': 'Vote',
        'phase.3.startsAt': local(-1),
        'phase.3.endsAt': local(5),
        'phase.3.vote': 'on',
        'phase.4.title_en': 'Implementation',
        'phase.4.startsAt': local(5),
        'phase.4.endsAt': local(400),
        'phase.4.accountability': 'on',
      },
      maxRedirects: 0,
    })
    expect(made.status()).toBe(302)
    const processAdmin = made.headers().location!.replace(/\?.*$/, '')
    await admin.goto(processAdmin)
    await expect(admin.getByRole('heading', { level: 1, name: 'Edit the process' })).toBeVisible()
    await check(admin)
    // The process's own image, with its alt text (per language), through the admin form.
    const square = 'The old market square before the works'
    await admin
      .getByTestId('process-image')
      .getByLabel('Image (optional)')
      .setInputFiles({ name: 'square.jpg', mimeType: 'image/jpeg', buffer: await photo('#8d6e63') })
    await admin.getByLabel('What the image shows (en)').fill(square)
    await admin.getByRole('button', { name: 'Save the process' }).click()
    await expect(admin.getByText('The process was saved.')).toBeVisible()
    await expect(admin.getByTestId('process-image').getByRole('img', { name: square })).toBeVisible()

    // Before the submit phase: no form, the phase to come on the timeline.
    await resident.goto(`/processes/${slug}`)
    await expect(resident.getByTestId('current-phase')).toHaveText('No phase is running right now.')
    await expect(resident.getByTestId('submit-form')).toHaveCount(0)
    await expect(resident.getByTestId('process-image')).toHaveAttribute('alt', square)
    await check(resident)

    // 1. Submit phase: residents submit three projects.
    setClock(-9)
    const submit = async (page: Page, title: string, cost: string, extra: { image?: string; place?: [string, string] } = {}) => {
      await page.goto(`/processes/${slug}`)
      await expect(page.getByTestId('current-phase')).toHaveText('Current phase: Submit projects')
      const form = page.getByTestId('submit-form')
      await form.getByLabel('Title', { exact: true }).fill(title)
      await form.getByLabel('What it is and why').fill(`${title}: what it is, where, and why the neighbourhood needs it.`)
      await form.getByLabel('Estimated cost (EUR)').fill(cost)
      if (extra.place) {
        await form.getByLabel('Latitude (optional)').fill(extra.place[0])
        await form.getByLabel('Longitude (optional)').fill(extra.place[1])
      }
      if (extra.image) {
        await form.getByLabel('Images (optional)').setInputFiles({ name: 'yard.jpg', mimeType: 'image/jpeg', buffer: await photo('#3a7d44') })
        await form.getByLabel('What the images show').fill(extra.image)
      }
      await form.getByRole('button', { name: 'Submit the project' }).click()
      await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
      return new URL(page.url()).pathname
    }
    // One project with a place and an image (the shared image pipeline: resized, metadata removed).
    const yard = 'The bare school yard at noon, no shade'
    const shade = await submit(resident, `Shade trees in the school yard ${tag}`, '30000', { image: yard, place: ['41.3502', '-1.5195'] })
    await expect(resident.getByTestId('images').getByRole('img', { name: yard })).toBeVisible()
    const thumb = await resident.request.get((await resident.getByTestId('images').getByRole('img', { name: yard }).getAttribute('src'))!)
    expect(thumb.status()).toBe(200)
    expect(thumb.headers()['content-type']).toBe('image/jpeg')
    await check(resident)
    const pool = await submit(resident, `A heated pool in the river ${tag}`, '40000')
    const fountains = await submit(citizen, `Drinking fountains on the promenade ${tag}`, '20000')

    // 2. Support phase: supports counted; the project list shows them.
    setClock(-7)
    const support = async (page: Page, title: string) => {
      await page.goto(`/processes/${slug}`)
      await page.getByRole('button', { name: `Support “${title}”` }).click()
      await expect(page.getByText('Your support was counted.')).toBeVisible()
    }
    await support(resident, `Shade trees in the school yard ${tag}`)
    await support(resident, `Drinking fountains on the promenade ${tag}`)
    await support(admin, `Shade trees in the school yard ${tag}`)
    await expect(
      admin
        .getByTestId('projects')
        .getByRole('listitem')
        .filter({ hasText: `Shade trees in the school yard ${tag}` }),
    ).toContainText('2 supports')
    await check(admin)

    // 3. Review phase: staff find two feasible with a final cost, one not feasible with a public reason.
    setClock(-5)
    const review = async (project: string, feasible: boolean, reasonOrCost: string) => {
      await staff.goto(project)
      await staff.getByLabel(feasible ? 'Feasible' : 'Not feasible', { exact: true }).check()
      if (feasible) await staff.getByLabel('Final cost (EUR)').fill(reasonOrCost)
      else await staff.getByLabel('Reason (public)').fill(reasonOrCost)
      await staff.getByRole('button', { name: 'Save the review' }).click()
      await expect(staff.getByText('The review was saved.')).toBeVisible()
    }
    await review(shade, true, '28000')
    await review(fountains, true, '20000')
    await review(pool, false, 'The river is protected: no building is allowed in its bed.')
    await check(staff)
    await resident.goto(pool)
    await expect(resident.getByTestId('feasibility-reason')).toHaveText('The river is protected: no building is allowed in its bed.')

    // 4. The administrator creates the ballot from the feasible projects.
    await admin.goto(processAdmin)
    await admin.getByRole('button', { name: 'Create the ballot' }).click()
    await expect(admin.getByTestId('admin-ballot')).toBeVisible()
    const voteAdmin = (await admin.getByTestId('admin-ballot').getAttribute('href'))!

    // 5. Vote phase: residents vote in the budget ballot.
    setClock(0)
    const vote = async (page: Page) => {
      await page.goto(`/processes/${slug}`)
      await expect(page.getByTestId('current-phase')).toHaveText('Current phase: Vote')
      await page.getByTestId('ballot-link').click()
      await page.getByLabel(new RegExp(`Shade trees in the school yard ${tag}`)).check()
      await page.getByLabel(new RegExp(`Drinking fountains on the promenade ${tag}`)).check()
      await expect(page.getByLabel(new RegExp(`A heated pool in the river ${tag}`))).toHaveCount(0)
      await page.getByRole('button', { name: /Cast my ballot|Change my ballot/ }).click()
      await expect(page.getByText(/Your ballot was (cast|changed)/)).toBeVisible()
    }
    await vote(resident)
    await check(resident)
    await vote(admin)

    // 6. The administrator closes the vote and publishes the winners.
    await admin.goto(voteAdmin)
    await admin.getByRole('button', { name: 'Close now' }).click()
    await expect(admin.getByText('The process is closed.')).toBeVisible()
    await admin.getByRole('button', { name: 'Verify the tally' }).click()
    await expect(admin.getByText('The tally matches the ballots')).toBeVisible()
    await admin.getByRole('button', { name: 'Publish results' }).click()
    await expect(admin.getByText('The results are published.')).toBeVisible()

    // 7. Implementation: staff post two milestones and finish the work.
    setClock(6)
    await resident.goto(`/results?process=${slug}`)
    await expect(resident.getByRole('link', { name: `Shade trees in the school yard ${tag}` })).toBeVisible()
    await expect(resident.getByRole('link', { name: `A heated pool in the river ${tag}` })).toHaveCount(0)
    await check(resident)
    await staff.goto(`/results?process=${slug}`)
    await staff.getByRole('link', { name: `Shade trees in the school yard ${tag}` }).click()
    const milestone = async (date: string, text: string, image?: string) => {
      await staff.getByLabel('Date', { exact: true }).fill(date)
      await staff.getByLabel('What happened').fill(text)
      if (image) {
        await staff
          .getByTestId('milestone-form')
          .getByLabel('Images (optional)')
          .setInputFiles({ name: 'planted.png', mimeType: 'image/png', buffer: await photo('#2d6a4f', 'png') })
        await staff.getByTestId('milestone-form').getByLabel('What the images show').fill(image)
      }
      const posted = staff.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/results/'))
      await staff.getByRole('button', { name: 'Post the milestone' }).click()
      await posted
      await expect(staff.getByText('The milestone was posted.')).toBeVisible()
      await expect(staff.getByTestId('milestones').getByText(text)).toBeVisible()
    }
    await milestone(at(6).toISOString().slice(0, 10), 'The trees were chosen with the school.')
    await milestone(at(7).toISOString().slice(0, 10), 'Twelve trees were planted in the yard.', 'Twelve young trees along the yard wall')
    await expect(staff.getByTestId('milestones').getByRole('img', { name: 'Twelve young trees along the yard wall' })).toBeVisible()
    await staff.getByLabel('Status', { exact: true }).selectOption('done')
    await staff.getByLabel('Progress (0–100 %)').fill('100')
    await staff.getByRole('button', { name: 'Save', exact: true }).click()
    await expect(staff.getByText('The result was updated.')).toBeVisible()
    await check(staff)

    // 8. The author follows the path from their project's page to the finished result.
    await resident.goto(shade)
    const ideaPath = resident.getByTestId('idea-path')
    for (const step of ['Submitted', 'Supported', 'Reviewed', 'Voted', 'Won', 'In progress', 'Done']) await expect(ideaPath.getByText(`${step} (done)`)).toBeAttached()
    await check(resident)
    await resident.getByTestId('path-result').click()
    await expect(resident.getByRole('heading', { level: 1, name: `Shade trees in the school yard ${tag}` })).toBeVisible()
    await expect(resident.getByTestId('milestones').getByText('Twelve trees were planted in the yard.')).toBeVisible()
    await expect(resident.getByTestId('milestones').getByText('The trees were chosen with the school.')).toBeVisible()
    await expect(resident.getByText('100%').first()).toBeVisible()
    await expect(resident.getByTestId('milestones').getByRole('img', { name: 'Twelve young trees along the yard wall' })).toBeVisible()
    await check(resident)
    // The located result on the results map, with its status.
    await resident.goto(`/results?process=${slug}&view=map`)
    await expect(resident.getByTestId('results-map').locator('circle title')).toHaveText(`Shade trees in the school yard ${tag} — Done, 100%`)
    await expect(resident.getByTestId('results-map-count')).toHaveText('1 located result shown (of 1 with a place).')
    await check(resident)
    // The unfeasible project's path ends at its review, with the reason.
    await resident.goto(pool)
    await expect(resident.getByTestId('idea-path').getByText('Won (not yet)')).toBeAttached()
    await expect(resident.getByTestId('path-result')).toHaveCount(0)
  } finally {
    release()
  }
}

test('a whole participatory budget, phase by phase, with JavaScript', async ({ browser }) => {
  test.setTimeout(300_000)
  await wholeBudget(browser, true)
})

test('a whole participatory budget, phase by phase, without JavaScript', async ({ browser }) => {
  test.setTimeout(300_000)
  await wholeBudget(browser, false)
})

test('an administrator builds a survey; a resident answers it, the conditional question appearing when it applies; the results as charts', async ({ browser }) => {
  test.setTimeout(180_000)
  const tag = Date.now().toString(36)
  const slug = `survey-${tag}`
  const now = Math.floor(Date.now() / 60_000) * 60_000
  const local = (days: number) => new Date(now + days * DAY).toISOString().slice(0, 16)
  const release = await takeClock()
  try {
    fs.writeFileSync(clockFile, new Date(now).toISOString())
    const admin = await loggedIn(browser, 'admin', true)
    // A page whose browser render differs from the server's is rendered again, losing what was typed.
    const hydrationErrors: string[] = []
    admin.on('console', (m) => {
      if (m.type() === 'error' && /Minified React error #4(18|19|22|23|25)|hydrat/i.test(m.text())) hydrationErrors.push(`${admin.url()}: ${m.text()}`)
    })
    const made = await admin.request.post('/admin/processes/new', {
      form: { slug, title_en: `Mobility ${tag}`, published: 'on', 'phase.0.title_en': 'Survey', 'phase.0.startsAt': local(-1), 'phase.0.endsAt': local(1), 'phase.0.survey': 'on' },
      maxRedirects: 0,
    })
    expect(made.status()).toBe(302)
    await admin.goto(`${made.headers().location!.replace(/\?.*$/, '')}`)
    await admin.goto((await admin.getByRole('link', { name: 'New survey' }).getAttribute('href'))!)
    await expect(admin.getByRole('heading', { level: 1, name: 'New survey' })).toBeVisible()
    await admin.getByLabel('Title (en)').fill(`Getting around ${tag}`)
    await admin.getByLabel('Question 1: wording (en)').fill('Do you cycle?')
    await admin.getByLabel('Question 1: choices (en)').fill('Yes\nNo')
    await admin.getByLabel('Question 1 must be answered').check()
    await admin.getByLabel('Question 2: type').selectOption('short')
    await admin.getByLabel('Question 2: wording (en)').fill('What would make cycling safer?')
    await admin.getByLabel('Question 2: ask only if question number').fill('1')
    await admin.getByLabel('Question 2: got choice number').fill('1')
    await admin.getByLabel('Question 3: type').selectOption('matrix')
    await admin.getByLabel('Question 3: wording (en)').fill('Rate each street')
    await admin.getByLabel('Question 3: choices (en)').fill('Bad\nGood')
    await admin.getByLabel('Question 3: matrix rows (en)').fill('Main street\nRiver road')
    await admin.getByRole('button', { name: 'Save the survey' }).click()
    await expect(admin.getByText('The survey is saved.')).toBeVisible()
    expect(hydrationErrors).toEqual([])
    await expectAccessible(admin, true)

    const resident = await loggedIn(browser, 'resident', true)
    await resident.goto(`/processes/${slug}`)
    await resident.getByTestId('surveys-link').click()
    await resident.getByRole('link', { name: `Getting around ${tag}`, exact: true }).click()
    const conditional = resident.getByRole('group', { name: /What would make cycling safer/ })
    // With JavaScript the conditional question waits until "Yes" is chosen.
    await expect(conditional).toBeHidden()
    await expectAccessible(resident, true)
    await resident.getByLabel('Yes').check()
    await expect(conditional).toBeVisible()
    await resident.getByLabel('Your answer to question 2').fill('Protected lanes')
    await resident.getByRole('group', { name: 'Main street' }).getByLabel('Good').check()
    await resident.getByRole('button', { name: 'Send my answers' }).click()
    await expect(resident.getByText('What you wrote will be published once a moderator has read it.')).toBeVisible()
    await resident.getByTestId('survey-results-link').click()
    await expect(resident.getByTestId('survey-total')).toHaveText('1 person answered.')
    await expect(resident.getByRole('img', { name: /Do you cycle/ })).toBeVisible()
    await expectAccessible(resident, true)

    // Without JavaScript the conditional question is shown with its hint; a second answer is refused.
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 320, height: 800 } })
    const noScript = await context.newPage()
    await noScript.goto('/login')
    await noScript.getByLabel('E-mail address').fill('citizen@valmera.example')
    await noScript.getByLabel('Password').fill('valmera-demo-2026')
    await noScript.getByRole('button', { name: 'Log in' }).click()
    await noScript.goto(resident.url().replace(/\/results$/, ''))
    await expect(noScript.getByText('Answer this only if you chose “Yes” in question 1.')).toBeVisible()
    await expect(noScript.getByRole('group', { name: /What would make cycling safer/ })).toBeVisible()
    await noScript.getByRole('button', { name: 'Send my answers' }).click()
    await expect(noScript.getByText('Answer this question.')).toBeVisible()
    await expectAccessible(noScript, false)
    await resident.goto(resident.url().replace(/\/results$/, ''))
    await expect(resident.getByText('You have already answered this survey.')).toBeVisible()
  } finally {
    release()
  }
})
