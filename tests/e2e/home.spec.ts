import { expect, test } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { hydrated } from './support'

const languages = [
  { locale: 'en-GB', lang: 'en', heading: 'Welcome to Plaza, Valmera’s participation platform'.replace('’', "'"), nav: 'Home' },
  { locale: 'es-ES', lang: 'es', heading: 'Bienvenida a Plaza, la plataforma de participación de Valmera', nav: 'Inicio' },
  { locale: 'fr-FR', lang: 'fr', heading: 'Bienvenue sur Plaza, la plateforme de participation de Valmera', nav: 'Accueil' },
]

for (const { locale, lang, heading, nav } of languages) {
  test.describe(`home page in ${lang}`, () => {
    test.use({ locale })

    test('renders from Accept-Language, with the city map, and axe finds no violations', async ({ page }) => {
      const errors: string[] = []
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto('/')
      await expect(page.locator('html')).toHaveAttribute('lang', lang)
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading)
      await expect(page.getByRole('navigation').getByRole('link', { name: nav })).toBeVisible()
      await expect(page.getByRole('img', { name: /Valmera/ })).toBeVisible()
      await expect(page.locator('.district-list li')).toHaveCount(8)
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
      expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
      // Hydration ran without errors (CSP nonces let the scripts run).
      await hydrated(page)
      expect(errors).toEqual([])
    })
  })
}

test.describe('language control', () => {
  test.use({ locale: 'en-GB' })

  test('switches the language and remembers it across pages', async ({ page }) => {
    await page.goto('/')
    await page.getByLabel('Language', { exact: true }).first().selectOption('es')
    await page.getByRole('button', { name: 'Change language' }).click()
    await expect(page.locator('html')).toHaveAttribute('lang', 'es')
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Bienvenida')
    await page.goto('/language')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Idioma')
    await expect(page.getByText('Idioma actual: Español')).toBeVisible()
  })

  test('works without JavaScript', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto('/language')
    await page.getByLabel('Français').check()
    await page.getByRole('button', { name: 'Change language' }).last().click()
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr')
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Bienvenue')
    await context.close()
  })
})

test.describe('error pages', () => {
  test.use({ locale: 'fr-FR' })

  test('the 404 page is friendly, translated and accessible', async ({ page }) => {
    const response = await page.goto('/nulle-part')
    expect(response?.status()).toBe(404)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page introuvable')
    await expect(page.getByRole('link', { name: 'Aller à la page d’accueil' })).toBeVisible()
    const results = await new AxeBuilder({ page }).analyze()
    expect(results.violations.map((v) => v.id)).toEqual([])
  })
})
