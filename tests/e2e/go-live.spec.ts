import fs from 'node:fs'
import { test, expect as baseExpect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { startPlaza, type RunningPlaza } from '../support/server'
import { riberiaFiles, riberiaPoint, type RiberiaFiles } from '../support/city-fixture'

/**
 * Issue 16's "done when", through the browser as people would do it: Plaza starts on an empty
 * database without the demo; the first administrator completes /setup with the link from the log;
 * imports Riberia (not Valmera): its districts as a zipped Shapefile in ETRS89 / UTM 31N, its
 * neighbourhoods as a zipped Shapefile too, then the same neighbourhoods again as GeoJSON in WGS84
 * (a re-import that changes nothing); creates two departments, three categories with a question
 * each and routing rules (checked with the tester); sets the identity; invites a staff member of
 * the second department, who accepts. Then a citizen, in Spanish, signs up, confirms from the
 * outbox and files a report in the district routed to the second department, choosing a
 * Spanish-named category and answering its question; the report shows the Spanish names and that
 * department; its staff member sees it at /council/reports. The site shows the new name, colour
 * and logo. Every page visited passes axe and fits a 320 px screen.
 */

test.describe.configure({ mode: 'serial' })
// Two cores shared with other work: a page may take longer than the default 5 s to answer.
const expect = baseExpect.configure({ timeout: 10_000 })

let plaza: RunningPlaza
let files: RiberiaFiles
test.beforeAll(async () => {
  files = await riberiaFiles()
  plaza = await startPlaza({ SEED_DEMO: 'false', RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PAGE_CACHE: 'false', LOG_LEVEL: 'info' })
})
test.afterAll(async ({}, testInfo) => {
  await plaza?.stop()
  // The server's own log, to read when something failed.
  if (plaza) fs.writeFileSync(testInfo.outputPath('plaza-server.log'), plaza.output())
})

async function checkPage(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${page.url()} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  await page.setViewportSize({ width: 320, height: 800 })
  const wide = await page.evaluate(() =>
    document.documentElement.scrollWidth <= 320
      ? []
      : [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > 321)
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`),
  )
  expect(wide, `${page.url()} fits 320 px`).toEqual([])
  await page.setViewportSize({ width: 1280, height: 800 })
}

const COLOUR = '#6b2346'
const LOGO = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><circle cx="20" cy="20" r="18" fill="#ffffff"/><path d="M8 28 L20 10 L32 28 Z" fill="${COLOUR}"/></svg>`

/** Uploads a file at /admin/areas for a level, chooses the Spanish and French name properties, checks the preview shows no problem, imports. */
async function importAreas(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, level: 'Districts' | 'Neighbourhoods', expectChanges: (changes: string) => void) {
  await page.goto(`${plaza.url}/admin/areas`)
  await page.getByLabel('File', { exact: true }).setInputFiles(file)
  await page.getByLabel('Level').selectOption({ label: level })
  await page.getByRole('button', { name: 'Read the file' }).click()
  await expect(page).toHaveURL(/\/admin\/areas\?import=[0-9a-f]{32}/)
  await expect(page.getByTestId('areas-file')).toContainText(`File ${file.name}: ${level === 'Districts' ? 3 : 8} features`)
  await page.getByLabel('Property holding the name').selectOption('NOM')
  await page.getByLabel('Property holding the code').selectOption('CODI')
  await page.getByLabel("Property holding the parent's code").selectOption(level === 'Districts' ? '' : 'DISTRICTE')
  await page.getByLabel('Property holding the Spanish name (optional)').selectOption('NOM_ES')
  await page.getByLabel('Property holding the French name (optional)').selectOption('NOM_FR')
  if (level === 'Districts') await expect(page.getByLabel("The city's boundary is the union of these districts")).toBeChecked()
  await page.getByRole('button', { name: 'Check again' }).click()
  await expect(page.getByTestId('areas-no-problems')).toHaveText('No problems found.')
  expectChanges((await page.getByTestId('areas-changes').textContent()) ?? '')
  await checkPage(page)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expect(page.getByTestId('areas-imported')).toContainText('Imported:')
}

test('a city takes Plaza live: setup, geography, services, identity, staff; a citizen reports in Spanish to the right department', async ({ page, browser }) => {
  test.setTimeout(300_000)
  const line = plaza.logs.find((l) => typeof l.setupUrl === 'string')
  expect(line, 'the setup link is in the log').toBeTruthy()
  const setup = new URL(line!.setupUrl as string)
  await page.setExtraHTTPHeaders({ 'accept-language': 'en' })

  // 1. First run: the empty site offers nothing until /setup is done.
  await page.goto(`${plaza.url}${setup.pathname}${setup.search}`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up Plaza')
  await checkPage(page)
  await page.getByLabel('Name of the city or council').fill('Riberia')
  await page.getByLabel('E-mail address').fill('it@riberia.example')
  await page.getByLabel('Name shown to others').fill('Iris Informàtica')
  await page.getByLabel('Password').fill('riberia goes live 2026')
  await page.getByRole('button', { name: 'Set up Plaza' }).click()
  await expect(page).toHaveURL(/\/admin\?welcome=1$/)
  await expect(page.locator('.brand__city')).toHaveText('Riberia')
  await checkPage(page)

  // 2. Identity: names per language, a colour that passes AA contrast, an SVG logo.
  await page.goto(`${plaza.url}/admin/identity`)
  await page.locator('#field-siteName_en').fill('Riberia Participates')
  await page.locator('#field-siteName_es').fill('Riberia Participa')
  await page.locator('#field-siteName_fr').fill('Riberia Participe')
  await page.locator('#field-cityName_es').fill('Ayuntamiento de Riberia')
  await page.getByLabel('Primary colour').fill(COLOUR)
  await page.getByLabel('Logo').setInputFiles({ name: 'riberia.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO) })
  await page.getByRole('button', { name: 'Save identity' }).click()
  await expect(page.getByRole('status')).toContainText('Saved')
  await checkPage(page)

  // 3. Geography: districts (the boundary is their union) and neighbourhoods as zipped Shapefiles
  //    in a projected CRS, then the same neighbourhoods as GeoJSON in WGS84: nothing new.
  await importAreas(page, { name: 'districtes.zip', mimeType: 'application/zip', buffer: Buffer.from(files.districtsZip) }, 'Districts', (changes) => {
    expect(changes).toContain('New: Port (D1)')
    expect(changes).toContain('New: Turó (D3)')
  })
  await expect(page.getByTestId('areas-summary')).toContainText('Districts: 3')
  await expect(page.getByTestId('areas-file')).toHaveCount(0)
  await importAreas(page, { name: 'barris.zip', mimeType: 'application/zip', buffer: Buffer.from(files.neighbourhoodsZip) }, 'Neighbourhoods', (changes) => {
    expect(changes).toContain('New: Font del Turó (D3-2)')
  })
  await expect(page.getByTestId('areas-summary')).toContainText('Neighbourhoods: 8')
  await importAreas(page, { name: 'barris.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(files.neighbourhoodsGeoJson) }, 'Neighbourhoods', (changes) => {
    expect(changes).not.toContain('New:')
    expect(changes).not.toContain('Removed:')
  })
  await expect(page.getByTestId('areas-summary')).toContainText('Neighbourhoods: 8')
  await page.goto(`${plaza.url}/areas`)
  for (const name of ['Port', 'Centre', 'Turó', 'La Marina', 'Font del Turó']) await expect(page.getByRole('link', { name, exact: true }).first()).toBeVisible()
  await checkPage(page)

  // 4. Services: two departments.
  await page.goto(`${plaza.url}/admin/services/departments`)
  await checkPage(page)
  for (const d of [
    { slug: 'roads', en: 'Roads and streets', es: 'Vías y calles', fr: 'Voirie et rues', email: 'roads@riberia.example' },
    { slug: 'parks', en: 'Parks and walls', es: 'Parques y muros', fr: 'Parcs et murs', email: 'parks@riberia.example' },
  ]) {
    await page.locator('#field-new-slug').fill(d.slug)
    await page.locator('#field-new-name_en').fill(d.en)
    await page.locator('#field-new-name_es').fill(d.es)
    await page.locator('#field-new-name_fr').fill(d.fr)
    await page.locator('#field-new-email').fill(d.email)
    // Wait for this addition's answer: the status of the previous one is still on the page.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/admin/services/departments')),
      page.getByRole('button', { name: 'Add' }).click(),
    ])
    await expect(page.getByRole('status')).toContainText('Saved.')
    await expect(page.getByTestId(`department-${d.slug}`)).toHaveText(d.en)
  }

  // Three categories, each with a question.
  const categories = [
    {
      code: 'pothole',
      en: 'Pothole',
      es: 'Bache',
      fr: 'Nid-de-poule',
      group: { en: 'Streets', es: 'Calles', fr: 'Rues' },
      q: {
        code: 'depth',
        datatype: 'singlevaluelist',
        en: 'How deep is it?',
        es: '¿Qué profundidad tiene?',
        fr: 'Quelle profondeur ?',
        options: 'shallow | Shallow | Poco profundo | Peu profond\ndeep | Deep | Profundo | Profond',
      },
    },
    {
      code: 'fallen-tree',
      en: 'Fallen tree',
      es: 'Árbol caído',
      fr: 'Arbre tombé',
      group: { en: 'Parks', es: 'Parques', fr: 'Parcs' },
      q: { code: 'blocking', datatype: 'singlevaluelist', en: 'Does it block the way?', es: '¿Corta el paso?', fr: 'Bloque-t-il le passage ?', options: 'yes | Yes | Sí | Oui\nno | No | No | Non' },
    },
    {
      code: 'graffiti',
      en: 'Graffiti',
      es: 'Pintada',
      fr: 'Tag',
      group: null,
      q: { code: 'surface', datatype: 'string', en: 'On what surface?', es: '¿Sobre qué superficie?', fr: 'Sur quelle surface ?', options: '' },
    },
  ]
  for (const c of categories) {
    await page.goto(`${plaza.url}/admin/services/categories`)
    await page.locator('#field-new-code').fill(c.code)
    await page.locator('#field-new-name_en').fill(c.en)
    await page.locator('#field-new-name_es').fill(c.es)
    await page.locator('#field-new-name_fr').fill(c.fr)
    if (c.group) for (const lng of ['en', 'es', 'fr'] as const) await page.locator(`#field-new-group_${lng}`).fill(c.group[lng])
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await expect(page).toHaveURL(/\/admin\/services\/categories\/\d+\?done=saved$/)
    await expect(page.getByRole('heading', { level: 1 })).toContainText(c.en)
    await page.locator('#field-question-code').fill(c.q.code)
    await page.locator('#field-question-datatype').selectOption(c.q.datatype)
    await page.locator('#field-question-required').check()
    await page.locator('#field-question-description_en').fill(c.q.en)
    await page.locator('#field-question-description_es').fill(c.q.es)
    await page.locator('#field-question-description_fr').fill(c.q.fr)
    await page.locator('#field-question-options').fill(c.q.options)
    // The category's own "Saved." is on the page already: wait for the question's answer.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && /^\/admin\/services\/categories\/\d+/.test(new URL(r.url()).pathname)),
      page.getByRole('button', { name: 'Add', exact: true }).click(),
    ])
    await expect(page.getByRole('status')).toContainText('Saved.')
    await expect(page.locator('summary', { hasText: c.q.en })).toBeVisible()
  }
  await checkPage(page)
  await page.goto(`${plaza.url}/admin/services/categories`)
  for (const c of categories) await expect(page.getByRole('link', { name: c.en, exact: true })).toBeVisible()

  // Routing: potholes and graffiti to Roads city-wide, fallen trees to Parks city-wide,
  // graffiti in Turó to Parks (the more specific rule wins).
  await page.goto(`${plaza.url}/admin/services/routing`)
  for (const [category, area, department] of [
    ['Pothole', 'Whole city', 'Roads and streets'],
    ['Graffiti', 'Whole city', 'Roads and streets'],
    ['Fallen tree', 'Whole city', 'Parks and walls'],
    ['Graffiti', 'Turó', 'Parks and walls'],
  ] as const) {
    await page.locator('#field-rule-category').selectOption({ label: category })
    await page.locator('#field-rule-area').selectOption({ label: area })
    await page.locator('#field-rule-department').selectOption({ label: department })
    // Wait for this save's answer: the status of the previous save is still on the page.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/admin/services/routing')),
      page.getByRole('button', { name: 'Save', exact: true }).click(),
    ])
    await expect(page.getByRole('status')).toContainText('Saved.')
  }
  // The matrix: one column per area (the whole city first), a dash where no rule of its own.
  const columns = (await page.locator('.data-table thead th').allTextContents()).slice(1)
  expect(columns).toHaveLength(12) // the city, 3 districts, 8 neighbourhoods
  const cell = (area: string) =>
    page
      .getByRole('row', { name: /^Graffiti/ })
      .getByRole('cell')
      .nth(columns.indexOf(area))
  await expect(cell('Whole city')).toHaveText('Roads and streets')
  await expect(cell('Turó')).toHaveText('Parks and walls')
  await expect(cell('Port')).toHaveText('–')
  await expect(cell('Font del Turó')).toHaveText('–')
  // The tester: graffiti at a point in Turó goes to Parks, in Port to Roads.
  const inTuro = riberiaPoint(5000, 2000) // Font del Turó, district Turó
  const inPort = riberiaPoint(1000, 3000) // Les Drassanes, district Port
  for (const [point, expected, area] of [
    [inTuro, 'Parks and walls gets a “Graffiti” report here.', 'Decided by the rule for Turó.'],
    [inPort, 'Roads and streets gets a “Graffiti” report here.', 'Decided by the rule for the whole city.'],
  ] as const) {
    await page.locator('#field-test-category').selectOption({ label: 'Graffiti' })
    await page.locator('#field-test-lat').fill(String(point.lat))
    await page.locator('#field-test-lng').fill(String(point.lng))
    await page.getByRole('button', { name: 'Find the department' }).click()
    await expect(page.getByTestId('route-test')).toContainText(expected)
    await expect(page.getByTestId('route-test')).toContainText(area)
  }
  await checkPage(page)

  // 5. Staff: an invitation to Parks, accepted.
  await page.goto(`${plaza.url}/admin/users`)
  await page.getByLabel('E-mail address').fill('pau@riberia.example')
  await page.getByLabel('Staff of Parks and walls').check()
  await page.getByRole('button', { name: 'Send invitation' }).click()
  await expect(page.getByRole('status')).toContainText('Invitation sent to pau@riberia.example')
  await checkPage(page)
  await page.goto(`${plaza.url}/dev/mail`)
  await page
    .getByRole('row', { name: /pau@riberia\.example/ })
    .getByRole('link')
    .first()
    .click()
  const invitation = await page.locator('a[href*="/invitations/"]').first().getAttribute('href')
  expect(invitation).toBeTruthy()
  const staffContext = await browser.newContext({ locale: 'en-GB' })
  const staff = await staffContext.newPage()
  await staff.goto(invitation!)
  await checkPage(staff)
  await staff.getByLabel('Name shown to others').fill('Pau Parcs')
  await staff.getByLabel('Password').fill('parks and walls of riberia')
  await staff.getByRole('button', { name: 'Create my account' }).click()
  await expect(staff).toHaveURL(/\/account/)

  // 6. A citizen, in Spanish: signs up, confirms from the outbox, logs in.
  const citizenContext = await browser.newContext({ locale: 'en-GB' })
  const citizen = await citizenContext.newPage()
  // The identity shows once no cached copy of the old one is left (polled, not slept through).
  await expect(async () => {
    await citizen.goto(`${plaza.url}/`)
    await expect(citizen.locator('.brand__name')).toHaveText('Riberia Participates', { timeout: 1_000 })
  }).toPass({ timeout: 15_000 })
  await citizen.locator('#header-language').selectOption('es')
  await citizen.locator('.language-switcher').getByRole('button').click()
  await expect(citizen.locator('html')).toHaveAttribute('lang', 'es')
  await expect(citizen.locator('.brand__name')).toHaveText('Riberia Participa')
  await expect(citizen.locator('.brand__city')).toHaveText('Ayuntamiento de Riberia')
  await expect(citizen.locator('.brand__logo')).toHaveAttribute('src', /^\/site\/logo\?v=/)
  expect(await citizen.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim())).toBe(COLOUR)
  expect(await citizen.locator('.site-header').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(107, 35, 70)')
  const logo = await citizen.request.get(`${plaza.url}/site/logo`)
  expect(logo.ok()).toBe(true)
  expect(await logo.text()).toContain('<svg')
  await checkPage(citizen)

  const email = 'lucia@riberia.example'
  const password = 'vivo en la colina de riberia'
  await citizen.goto(`${plaza.url}/signup`)
  await checkPage(citizen)
  await citizen.getByLabel('Correo electrónico').fill(email)
  await citizen.getByLabel('Nombre que verán los demás').fill('Lucía Vecina')
  await citizen.getByLabel('Contraseña').fill(password)
  await citizen.getByRole('button', { name: 'Crear cuenta' }).click()
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Revisa tu correo')
  await citizen.goto(`${plaza.url}/dev/mail`)
  await citizen
    .getByRole('row', { name: new RegExp(email) })
    .getByRole('link')
    .first()
    .click()
  await citizen.getByRole('link', { name: /\/confirm\// }).click()
  await citizen.getByRole('button', { name: 'Confirmar mi dirección' }).click()
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Tu correo electrónico está confirmado')
  await expect(citizen.locator('html')).toHaveAttribute('lang', 'es')
  await citizen.goto(`${plaza.url}/login`)
  await citizen.getByLabel('Correo electrónico').fill(email)
  await citizen.getByLabel('Contraseña').fill(password)
  await citizen.getByRole('button', { name: 'Entrar' }).click()
  await expect(citizen.getByRole('banner').getByRole('link', { name: 'Tu cuenta' })).toBeVisible()

  // 7. The report: a point in Turó, the Spanish-named category, its question answered.
  const title = 'Pintada en la fuente de la colina'
  await citizen.goto(`${plaza.url}/reports/new`)
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Avisar de un problema')
  await checkPage(citizen)
  await citizen.getByLabel('Latitud').fill(String(inTuro.lat))
  await citizen.getByLabel('Longitud').fill(String(inTuro.lng))
  await citizen.getByRole('button', { name: 'Continuar' }).click()
  await expect(citizen.getByText('¿Qué tipo de problema es?')).toBeVisible()
  // The categories in Spanish, none left in English.
  // (A category without a group shows its name alone.)
  await expect(citizen.getByRole('radio')).toHaveCount(3)
  for (const c of categories) await expect(citizen.getByRole('radio', { name: c.group ? `${c.es} · ${c.group.es}` : c.es, exact: true })).toBeVisible()
  const offered = await citizen.locator('fieldset label.choice').allTextContents()
  for (const c of categories) expect(offered.join('|')).not.toContain(c.en)
  expect(offered.join('|')).not.toMatch(/Streets|Parks/)
  await checkPage(citizen)
  await citizen.getByLabel('Pintada', { exact: true }).check()
  await citizen.getByRole('button', { name: 'Continuar' }).click()
  await expect(citizen.getByLabel('Título')).toBeVisible()
  await checkPage(citizen)
  await citizen.getByLabel('¿Sobre qué superficie?').fill('El muro de piedra de la fuente')
  await citizen.getByLabel('Título').fill(title)
  await citizen.getByLabel('¿Cuál es el problema?').fill('Alguien ha pintado todo el muro de la fuente durante la noche.')
  await citizen.getByRole('button', { name: 'Enviar el aviso' }).click()
  await expect(citizen.getByRole('heading', { level: 1, name: title })).toBeVisible()
  const facts = citizen.getByTestId('report-facts')
  await expect(facts).toContainText('Pintada')
  await expect(facts).not.toContainText('Graffiti')
  await expect(citizen.getByTestId('report-department')).toHaveText('Parques y muros')
  // The place: the neighbourhood and its district, by their Spanish names from the import.
  await expect(facts).toContainText('Fuente de la Colina, Colina')
  await expect(facts).toContainText('El muro de piedra de la fuente')
  await checkPage(citizen)

  // 8. Parks' staff member sees it in the council's list.
  await staff.goto(`${plaza.url}/council/reports`)
  await expect(staff.getByRole('link', { name: title })).toBeVisible()
  await checkPage(staff)
  await staffContext.close()
  await citizenContext.close()
})
