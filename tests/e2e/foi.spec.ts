import { expect, test, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import nodemailer from 'nodemailer'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { freePort, startPlaza, type RunningPlaza } from '../support/server'
import { startSmtpSink, type SmtpSink } from '../support/smtp'

/**
 * Issue 22 in a browser: an administrator adds a body; a citizen asks it for information (preview,
 * send); the body answers by e-mail with a PDF (real SMTP on 127.0.0.1 into Plaza's inbound
 * endpoint); the citizen classifies it successful; another visitor finds it by a word of the PDF.
 * Every page passes axe and fits 320 px.
 */

test.use({ locale: 'en-GB' })
test.setTimeout(180_000)

let plaza: RunningPlaza
let smtp: SmtpSink
let inboundPort: number
const DOMAIN = 'requests.valmera.example'

test.beforeAll(async () => {
  smtp = await startSmtpSink()
  inboundPort = await freePort()
  plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off', PAGE_CACHE: 'false', INBOUND_SMTP_PORT: String(inboundPort), INBOUND_MAIL_DOMAIN: DOMAIN })
})
test.afterAll(async () => {
  await plaza?.stop()
  await smtp?.stop()
})

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}
async function fits320(page: Page) {
  await page.setViewportSize({ width: 320, height: 800 })
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
  await page.setViewportSize({ width: 1280, height: 800 })
}
async function check(page: Page) {
  await expectAccessible(page)
  await fits320(page)
}
async function login(page: Page, email: string) {
  await page.goto(`${plaza.url}/login`)
  await page.getByLabel('E-mail address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill('valmera-demo-2026')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page).not.toHaveURL(/\/login/)
}

test('a citizen asks, the body answers by e-mail, the citizen classifies it, a visitor finds it by a word of the PDF', async ({ browser }) => {
  // The administrator adds the body.
  const admin = await (await browser.newContext()).newPage()
  await login(admin, 'admin@valmera.example')
  await admin.goto(`${plaza.url}/admin/bodies`)
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('Public bodies')
  await check(admin)
  await admin.getByRole('link', { name: 'New body' }).click()
  await expect(admin.getByLabel('Name (EN)')).toBeVisible()
  await check(admin)
  await admin.getByLabel('Name (EN)').fill('Valmera Parks Trust')
  await admin.getByLabel('Short name in addresses').fill('parks-trust')
  await admin.getByLabel('E-mail for requests').fill('foi@parks-trust.example')
  await admin.getByRole('button', { name: 'Save' }).click()
  await expect(admin).toHaveURL(/\/admin\/bodies\/\d+\?saved=1/)
  await admin.goto(`${plaza.url}/admin/bodies/import`)
  await check(admin)
  await admin.goto(`${plaza.url}/admin/information-requests`)
  await check(admin)

  // The citizen asks.
  const citizen = await (await browser.newContext()).newPage()
  await login(citizen, 'citizen@valmera.example')
  await citizen.goto(`${plaza.url}/information-requests/new`)
  await check(citizen)
  await citizen.getByLabel('Public body').selectOption({ label: 'Valmera Parks Trust (UK FOI Act)' })
  await citizen.getByLabel('Summary').fill('Tree felling plan 2026')
  await citizen.getByLabel('Your request').fill('Please send the plan of trees to be felled in the city parks in 2026.')
  await citizen.getByRole('button', { name: 'Preview the letter' }).click()
  await expect(citizen.getByTestId('foi-preview')).toContainText('Freedom of Information Act 2000')
  await check(citizen)
  await citizen.getByRole('button', { name: 'Send the request' }).click()
  await expect(citizen).toHaveURL(/\/information-requests\/\d+\?sent=1/)
  await expect(citizen.getByTestId('foi-status')).toHaveText('Awaiting response')
  await check(citizen)
  const requestUrl = citizen.url().replace(/\?.*$/, '')

  // The body receives it and answers by e-mail, with a PDF.
  const sent = await smtp.waitFor('foi@parks-trust.example', { subject: /Tree felling plan 2026/ })
  const replyTo = sent.replyTo!.value[0]!.address!
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  doc.addPage().drawText('Felling schedule: 14 poplars in Riverside Park (Populus nigra)', { x: 40, y: 700, size: 11, font })
  await nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true }).sendMail({
    from: 'records@parks-trust.example',
    to: replyTo,
    subject: 'Re: Tree felling plan 2026',
    text: 'Please find the schedule attached.',
    attachments: [{ filename: 'schedule.pdf', content: Buffer.from(await doc.save()) }],
  })

  // The citizen reads the answer and classifies it.
  await expect(async () => {
    await citizen.goto(requestUrl)
    await expect(citizen.getByTestId('foi-document-text')).toContainText('poplars', { timeout: 1000 })
  }).toPass({ timeout: 30_000 })
  await check(citizen)
  await citizen.getByRole('radio', { name: 'Successful', exact: true }).check()
  await citizen.getByRole('button', { name: 'Save the status' }).click()
  await expect(citizen.getByTestId('foi-status')).toHaveText('Successful')

  // Another visitor finds it by a word of the PDF.
  const visitor = await (await browser.newContext()).newPage()
  await visitor.goto(`${plaza.url}/information-requests`)
  await check(visitor)
  await visitor.getByLabel('Words in the requests, answers or documents').fill('poplars')
  await visitor.getByRole('button', { name: 'Search' }).click()
  await expect(visitor.getByTestId('foi-results')).toContainText('Tree felling plan 2026')
  await check(visitor)
  await visitor.getByRole('link', { name: 'Tree felling plan 2026' }).click()
  await expect(visitor.getByTestId('foi-document-text')).toContainText('Populus nigra')
  await check(visitor)
  await visitor.goto(`${plaza.url}/bodies`)
  await check(visitor)
  await visitor.getByRole('link', { name: 'Valmera Parks Trust' }).first().click()
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Valmera Parks Trust')
  await check(visitor)
})
