import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { sqlOf } from '../support/sql'

/** Issue 16 part 7: area names entered per language (an import's NOM_ES, NOM_FR…) are shown in the reader's language. */
let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza({ PAGE_CACHE: 'false' })
  const sql = sqlOf(plaza)
  await sql.run(`update areas set names = ? where slug = 'ribera-nord'`, JSON.stringify({ en: 'Ribera Nord', es: 'Ribera Norte', fr: 'Rive Nord' }))
  await sql.close()
})
afterAll(() => plaza?.stop())

const page = async (path: string, lang: string) => (await fetch(plaza.url + path, { headers: { 'accept-language': lang } })).text()

describe('area names per language', () => {
  it("shows a district in the reader's language on the areas list, its page, the home page and the area choices", async () => {
    expect(await page('/areas', 'es')).toContain('Ribera Norte')
    expect(await page('/areas', 'fr')).toContain('Rive Nord')
    expect(await page('/areas', 'en')).toContain('Ribera Nord')
    expect(await page('/areas/ribera-nord', 'es')).toMatch(/<h1[^>]*>[^<]*Ribera Norte/)
    expect(await page('/', 'fr')).toContain('Rive Nord')
    expect(await page('/reports', 'es')).toContain('Ribera Norte')
  })
})
