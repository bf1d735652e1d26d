import os from 'node:os'
import path from 'node:path'
import fs from 'node:fs'
import sharp from 'sharp'
import SQLite from 'better-sqlite3'
import { expect, test } from '@playwright/test'
import { expectAccessible, loggedIn } from './support'

test.use({ locale: 'en-GB' })

/** A photo taken in Sant Roc: its EXIF GPS position must place the pin, then be stripped. */
async function photoTakenIn(slug: string) {
  const db = new SQLite(path.resolve('.cache/e2e/plaza.sqlite'), { readonly: true, fileMustExist: true })
  const area = db.prepare(`select min_lat, max_lat, min_lng, max_lng from areas where slug = ?`).get(slug) as { min_lat: number; max_lat: number; min_lng: number; max_lng: number }
  db.close()
  const lat = (area.min_lat + area.max_lat) / 2
  const lng = (area.min_lng + area.max_lng) / 2
  const dms = (v: number) => {
    const a = Math.abs(v)
    const d = Math.floor(a)
    const m = Math.floor((a - d) * 60)
    const s = ((a - d) * 60 - m) * 60
    return `${d}/1 ${m}/1 ${Math.round(s * 1000)}/1000`
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-e2e-')), 'pothole.jpg')
  await sharp({ create: { width: 800, height: 600, channels: 3, background: '#5a4a3a' } })
    .jpeg()
    .withExif({
      IFD3: { GPSLatitudeRef: lat >= 0 ? 'N' : 'S', GPSLatitude: dms(lat), GPSLongitudeRef: lng >= 0 ? 'E' : 'W', GPSLongitude: dms(lng) },
    })
    .toFile(file)
  return file
}

test('a citizen files a report with a photo, staff triage it to fixed, the citizen sees the timeline', async ({ browser }) => {
  const title = `Pothole by the school ${Date.now()}`
  const photo = await photoTakenIn('sant-roc')

  const citizen = await loggedIn(browser, 'resident')
  await citizen.goto('/reports')
  await expectAccessible(citizen)
  await citizen.getByRole('link', { name: 'Report a problem' }).first().click()
  await expect(citizen.getByRole('heading', { level: 1, name: 'Report a problem' })).toBeVisible()
  await expectAccessible(citizen)
  // The photo's GPS position places the pin.
  await citizen.getByLabel('Or start from a photo').setInputFiles(photo)
  await citizen.getByRole('button', { name: "Use the photo's location" }).click()
  await expect(citizen.getByText('We placed the pin where your photo was taken')).toBeVisible()
  await expect(citizen.getByText(/Place: .*Sant Roc/)).toBeVisible()
  await expectAccessible(citizen)
  await citizen.getByLabel('Pothole').check()
  await citizen.getByRole('button', { name: 'Continue' }).click()
  await expect(citizen.getByLabel('Title')).toBeVisible()
  await expectAccessible(citizen)
  await citizen.getByLabel('How deep is the pothole?').selectOption('deep')
  await citizen.getByLabel('Title').fill(title)
  await citizen.getByLabel('What is the problem?').fill('A deep pothole right at the school gate; children step around it into the road.')
  await citizen.getByRole('button', { name: 'Send the report' }).click()
  await expect(citizen.getByRole('heading', { level: 1, name: title })).toBeVisible()
  await expect(citizen.getByRole('status')).toHaveText('Thank you: your report has been sent to the council.')
  await expect(citizen.getByTestId('report-department')).toHaveText('Roads and pavements')
  const img = citizen.getByRole('img', { name: new RegExp(`Photo 1 of "${title}"`) })
  await expect(img).toBeVisible()
  // The served photo carries no EXIF at all.
  const src = (await img.getAttribute('src'))!
  const served = Buffer.from(await (await citizen.request.get(src)).body())
  expect((await sharp(served).metadata()).exif).toBeUndefined()
  await expectAccessible(citizen)
  const reportUrl = new URL(citizen.url()).pathname

  const staff = await loggedIn(browser, 'roads')
  await staff.goto('/council/reports')
  await expect(staff.getByRole('link', { name: title })).toBeVisible()
  await expectAccessible(staff)
  await staff.getByRole('link', { name: title }).click()
  await expectAccessible(staff)
  await staff.getByLabel('Status', { exact: true }).selectOption('fixed')
  await staff.getByLabel('Update for the reporter and the public').fill('Filled and resurfaced this morning.')
  await staff.getByRole('button', { name: 'Save the changes' }).click()
  await expect(staff.getByRole('status')).toBeVisible()

  await citizen.goto(reportUrl)
  const timeline = citizen.getByTestId('report-timeline')
  await expect(timeline).toContainText('Status changed to Fixed')
  await expect(timeline).toContainText('Filled and resurfaced this morning.')
  await expect(citizen.getByTestId('report-facts')).toContainText('Fixed')
  await expectAccessible(citizen)
})

// ADR 154: the staff list is HTML without React; its one script puts in the "select every report on
// this page" box, which ticks every row and follows the rows ticked by hand.
test('the council list: select every report by its box, with no React on the page', async ({ browser }) => {
  const staff = await loggedIn(browser, 'roads')
  const scripts: string[] = []
  staff.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(request.url())
  })
  await staff.goto('/council/reports')
  const all = staff.getByRole('checkbox', { name: 'Select every report on this page' })
  await expect(all).toBeVisible()
  await expect(all).not.toBeChecked()
  const rows = staff.locator('tbody input[type=checkbox][name=id]')
  const n = await rows.count()
  expect(n).toBeGreaterThan(1)
  await all.check()
  for (let i = 0; i < n; i++) await expect(rows.nth(i)).toBeChecked()
  await rows.first().uncheck()
  await expect(all).not.toBeChecked()
  await rows.first().check()
  await expect(all).toBeChecked()
  await all.uncheck()
  for (let i = 0; i < n; i++) await expect(rows.nth(i)).not.toBeChecked()
  expect(scripts).toEqual([])
  await expectAccessible(staff)
})
