import SQLite from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { onPostgres } from '../support/engine'

// SQLite-only for now: these checks read the server's database file directly with better-sqlite3.
// On the PostgreSQL run (PLAZA_TEST_ENGINE=postgres) the file is skipped and counted (ADR 131).

/** Issue 16 part 7: area names entered per language (an import's NOM_ES, NOM_FR…) are shown in the reader's language. */
let plaza: RunningPlaza
beforeAll(async () => {
  if (onPostgres) return // every test of this file skips itself there: start nothing (ADR 131)
  plaza = await startPlaza({ PAGE_CACHE: 'false' })
  const db = new SQLite(plaza.databasePath)
  db.prepare(`update areas set names = ? where slug = 'ribera-nord'`).run(JSON.stringify({ en: 'Ribera Nord', es: 'Ribera Norte', fr: 'Rive Nord' }))
  db.close()
})
afterAll(() => plaza?.stop())

const page = async (path: string, lang: string) => (await fetch(plaza.url + path, { headers: { 'accept-language': lang } })).text()

describe.skipIf(onPostgres)('area names per language', () => {
  it("shows a district in the reader's language on the areas list, its page, the home page and the area choices", async () => {
    expect(await page('/areas', 'es')).toContain('Ribera Norte')
    expect(await page('/areas', 'fr')).toContain('Rive Nord')
    expect(await page('/areas', 'en')).toContain('Ribera Nord')
    expect(await page('/areas/ribera-nord', 'es')).toMatch(/<h1[^>]*>[^<]*Ribera Norte/)
    expect(await page('/', 'fr')).toContain('Rive Nord')
    expect(await page('/reports', 'es')).toContain('Ribera Norte')
  })
})
