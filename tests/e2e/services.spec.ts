import { expect, test, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'

test.use({ locale: 'en-GB' })
// Several pages, each checked with axe and at 320 px, on a shared and loaded machine.
test.setTimeout(180_000)

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

async function login(page: Page, email: string) {
  await page.goto('/login')
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page).not.toHaveURL(/\/login/)
}

/** The form that holds the element with this id; its (first) submit button. */
const submitOf = (page: Page, fieldId: string) =>
  page
    .locator('form', { has: page.locator(`#${fieldId}`) })
    .locator('button[type="submit"]')
    .first()

const PAGES = [
  '/admin/services',
  '/admin/services/departments',
  '/admin/services/categories',
  '/admin/services/categories/1',
  '/admin/services/routing',
  '/admin/services/states',
  '/admin/services/topics/proposal',
  '/admin/services/topics/petition',
]

/**
 * The services admin (issue 16 part 3) in a browser: an administrator creates a department, a
 * category with a question and a routing rule, and the tester names that department. Every page
 * passes axe and fits a 320 px wide screen without scrolling sideways.
 */
test('department → category with a question → routing rule → the tester names the department', async ({ page }) => {
  const slug = `e2e-parks-${Date.now().toString(36)}`
  const code = `e2e-bench-${Date.now().toString(36)}`
  await login(page, 'admin@valmera.example')

  await page.goto('/admin/services/departments')
  await page.locator('#field-new-slug').fill(slug)
  await page.locator('#field-new-name_en').fill('E2E Parks and benches')
  await page.locator('#field-new-name_es').fill('E2E Parques y bancos')
  await page.locator('#field-new-email').fill('parks@council.valmera.example')
  await submitOf(page, 'field-new-slug').click()
  await expect(page).toHaveURL(/done=saved/)
  await expect(page.getByText('E2E Parks and benches').first()).toBeVisible()

  await page.goto('/admin/services/categories')
  await page.locator('#field-new-code').fill(code)
  await page.locator('#field-new-name_en').fill('E2E Broken bench')
  await page.locator('#field-new-name_es').fill('E2E Banco roto')
  await page.locator('#field-new-colour').fill('#2a6f4e')
  await submitOf(page, 'field-new-code').click()
  await expect(page).toHaveURL(/\/admin\/services\/categories\/\d+\?done=saved/)
  const categoryPath = new URL(page.url()).pathname

  await page.locator('#field-question-code').fill('slats')
  await page.locator('#field-question-datatype').selectOption('number')
  await page.locator('#field-question-required').check()
  await page.locator('#field-question-description_en').fill('How many slats are broken?')
  await submitOf(page, 'field-question-code').click()
  await expect(page.getByText('How many slats are broken?').first()).toBeVisible()
  expect(new URL(page.url()).pathname).toBe(categoryPath)

  await page.goto('/admin/services/routing')
  await page.locator('#field-rule-category').selectOption({ label: 'E2E Broken bench' })
  await page.locator('#field-rule-department').selectOption({ label: 'E2E Parks and benches' })
  await submitOf(page, 'field-rule-category').click()
  await expect(page).toHaveURL(/done=saved/)
  // The matrix shows the rule in the category's row (whole city column).
  await expect(page.getByRole('row', { name: /E2E Broken bench/ })).toContainText('E2E Parks and benches')

  await page.locator('#field-test-category').selectOption({ label: 'E2E Broken bench' })
  await page.locator('#field-test-area').selectOption({ index: 2 })
  await submitOf(page, 'field-test-category').click()
  await expect(page.getByTestId('route-test')).toContainText('E2E Parks and benches gets a “E2E Broken bench” report here.')
  await expectAccessible(page)
})

test('every /admin/services page passes axe and fits 320 px', async ({ page }) => {
  await login(page, 'admin@valmera.example')
  await page.setViewportSize({ width: 320, height: 800 })
  for (const path of PAGES) {
    await page.goto(path)
    await expect(page.getByRole('heading', { level: 1 }), path).toBeVisible()
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width, `${path} is ${width} px wide at a 320 px viewport`).toBeLessThanOrEqual(320)
    await expectAccessible(page)
  }
})
