import { XMLParser } from 'fast-xml-parser'
import Parser from 'rss-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { startPlaza, type RunningPlaza } from '../support/server'

/**
 * Proposal and petition feeds over HTTP: every feed (city, district, neighbourhood, category; RSS
 * and Atom) parsed with a real feed parser (rss-parser) and checked against the elements RSS 2.0
 * and Atom (RFC 4287) require; only public items (never drafts, hidden, pending or rejected ones);
 * 404 for unknown areas and categories; discovery links on the list pages.
 */

type Item = { title?: string; link?: string; guid?: string; id?: string; isoDate?: string; categories?: string[] }
const parser: Parser<Record<string, unknown>, Item> = new Parser()
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['item', 'entry', 'link', 'category'].includes(name) })

let plaza: RunningPlaza
const db = () => database().db
const ids = { publicProposal: 0, draftProposal: 0, hiddenProposal: 0, otherProposal: 0, openPetition: 0, hiddenPetition: 0, otherPetition: 0 }
const excluded: string[] = []
let city = ''
let district = { id: 0, slug: '' }
let hood = { id: 0, slug: '' }
let otherHood = { id: 0, slug: '' }
let category = ''
let department = ''
const tag = `Feedcheck ${Date.now()}`

const get = (path: string) => fetch(plaza.url + path, { headers: { 'accept-language': 'en' }, redirect: 'manual' })

// RFC 3339 date-time, as Atom requires (RFC 4287 §3.3).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
// RFC 822 date with a four-digit year, as RSS 2.0 asks.
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v)
const text = (value: unknown): string => {
  const v = first(value)
  return typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v ?? '')
}

/** The elements RSS 2.0 requires (channel title, link, description; items with a title or description) and what we promise. */
function checkRss(body: string, self: string) {
  const doc = xml.parse(body)
  expect(doc.rss['@version']).toBe('2.0')
  const ch = doc.rss.channel
  for (const required of ['title', 'link', 'description']) expect(text(ch[required]).length, required).toBeGreaterThan(0)
  expect(first(ch['atom:link'])['@rel']).toBe('self')
  expect(first(ch['atom:link'])['@href']).toMatch(new RegExp(`${self.replace(/[.[\]]/g, '\\$&')}$`))
  expect(text(ch.lastBuildDate)).toMatch(RFC822)
  for (const item of ch.item ?? []) {
    expect(text(item.title).length + text(item.description).length).toBeGreaterThan(0)
    expect(text(item.link)).toMatch(/^https?:\/\//)
    expect(first(item.guid)['@isPermaLink']).toBe('true')
    expect(text(item.pubDate)).toMatch(RFC822)
  }
  return (ch.item ?? []) as unknown[]
}

/** RFC 4287: feed id, title, updated, author (feed-level), self link; each entry id, title, updated, alternate link, summary. */
function checkAtom(body: string, self: string) {
  const doc = xml.parse(body)
  const feed = doc.feed
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom')
  for (const required of ['id', 'title', 'updated']) expect(text(feed[required]).length, required).toBeGreaterThan(0)
  expect(text(feed.updated)).toMatch(RFC3339)
  expect(text(feed.author?.name).length).toBeGreaterThan(0)
  const links = feed.link as Array<Record<string, string>>
  expect(links.find((l) => l['@rel'] === 'self')?.['@href']).toMatch(new RegExp(`${self.replace(/[.[\]]/g, '\\$&')}$`))
  const seen = new Set<string>()
  for (const entry of feed.entry ?? []) {
    const id = text(entry.id)
    expect(id).toMatch(/^https?:\/\//)
    expect(seen.has(id)).toBe(false)
    seen.add(id)
    expect(text(entry.title).length).toBeGreaterThan(0)
    expect(text(entry.updated)).toMatch(RFC3339)
    expect((entry.link as Array<Record<string, string>>).some((l) => l['@rel'] === 'alternate' && /^https?:\/\//.test(l['@href']!))).toBe(true)
    // No content element, so a summary is required (§4.1.1.1 when the alternate is the only link is relaxed; we always give one).
    expect(entry.summary).toBeDefined()
  }
  return (feed.entry ?? []) as unknown[]
}

async function feed(path: string) {
  const res = await get(path)
  expect(res.status, path).toBe(200)
  const atom = path.endsWith('.atom')
  expect(res.headers.get('content-type'), path).toBe(atom ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8')
  const body = await res.text()
  const structural = atom ? checkAtom(body, path) : checkRss(body, path)
  const parsed = await parser.parseString(body)
  expect(parsed.items.length, path).toBe(structural.length)
  for (const title of excluded) expect(body, `${path} must not contain ${title}`).not.toContain(title)
  return parsed
}
const titles = (items: Item[]) => items.map((i) => i.title)

beforeAll(async () => {
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, BACKGROUND_JOBS: 'false' })
  const areas = await db().selectFrom('areas').select(['id', 'slug', 'level', 'parent_id']).execute()
  city = areas.find((a) => a.level === 'city')!.slug
  const d = areas.find((a) => a.level === 'district')!
  district = { id: d.id, slug: d.slug }
  const n = areas.find((a) => a.level === 'neighbourhood' && a.parent_id === d.id)!
  hood = { id: n.id, slug: n.slug }
  const o = areas.find((a) => a.level === 'neighbourhood' && a.parent_id !== d.id)!
  otherHood = { id: o.id, slug: o.slug }
  const cat = await db().selectFrom('proposal_categories').select(['id', 'code']).orderBy('id').executeTakeFirstOrThrow()
  category = cat.code
  const dep = await db().selectFrom('departments').select(['id', 'slug']).orderBy('id').executeTakeFirstOrThrow()
  department = dep.slug
  const other = await db().selectFrom('departments').select('id').where('id', '!=', dep.id).orderBy('id').executeTakeFirstOrThrow()

  const proposals = await db().selectFrom('proposals').select(['id', 'state']).where('state', '=', 'published').orderBy('id').limit(4).execute()
  const petitions = await db().selectFrom('petitions').select(['id', 'state']).orderBy('id').execute()
  const open = petitions.filter((p) => p.state === 'open')
  const at = new Date().toISOString()
  await database().write(async (trx) => {
    // Four published proposals: one public in the neighbourhood with the category, one draft, one hidden, one elsewhere.
    const set = (id: number, title: string, values: Record<string, unknown>) =>
      trx
        .updateTable('proposals')
        .set({ title, published_at: at, ...values })
        .where('id', '=', id)
        .execute()
    ;[ids.publicProposal, ids.draftProposal, ids.hiddenProposal, ids.otherProposal] = proposals.map((p) => p.id) as [number, number, number, number]
    await set(ids.publicProposal, `${tag} proposal <public> & “quoted”`, { area_id: hood.id, district_id: district.id, category_id: cat.id })
    await set(ids.draftProposal, `${tag} proposal draft`, { state: 'draft', area_id: hood.id, district_id: district.id, category_id: cat.id })
    await set(ids.hiddenProposal, `${tag} proposal hidden`, { state: 'hidden', area_id: hood.id, district_id: district.id, category_id: cat.id })
    await set(ids.otherProposal, `${tag} proposal elsewhere`, { area_id: otherHood.id, district_id: o.parent_id, category_id: null })
    // Petitions: one open in the neighbourhood to the department, one hidden, one elsewhere; the demo's non-public ones get a tag too.
    ;[ids.openPetition, ids.hiddenPetition, ids.otherPetition] = open.map((p) => p.id) as [number, number, number]
    const setP = (id: number, title: string, values: Record<string, unknown>) =>
      trx
        .updateTable('petitions')
        .set({ title, opened_at: at, ...values })
        .where('id', '=', id)
        .execute()
    await setP(ids.openPetition, `${tag} petition open`, { area_id: hood.id, target_kind: 'department', target_department_id: dep.id })
    await setP(ids.hiddenPetition, `${tag} petition hidden`, { state: 'hidden', area_id: hood.id, target_kind: 'department', target_department_id: dep.id })
    await setP(ids.otherPetition, `${tag} petition elsewhere`, { area_id: otherHood.id, target_kind: 'department', target_department_id: other.id })
    for (const p of petitions.filter((x) => !['open', 'closed', 'hidden'].includes(x.state))) {
      await trx
        .updateTable('petitions')
        .set({ title: `${tag} petition ${p.state} ${p.id}`, area_id: hood.id, target_kind: 'department', target_department_id: dep.id })
        .where('id', '=', p.id)
        .execute()
      excluded.push(`${tag} petition ${p.state} ${p.id}`)
    }
  })
  excluded.push(`${tag} proposal draft`, `${tag} proposal hidden`, `${tag} petition hidden`)
}, 120_000)

afterAll(() => plaza?.stop())

describe('proposal feeds', () => {
  it('the city, a district, its neighbourhood and a category, in RSS and Atom, list exactly the public proposals of each', async () => {
    for (const format of ['rss', 'atom']) {
      const all = await feed(`/feeds/proposals.${format}`)
      expect(titles(all.items)).toEqual(expect.arrayContaining([`${tag} proposal <public> & “quoted”`, `${tag} proposal elsewhere`]))
      const mine = all.items.find((i) => i.title?.startsWith(`${tag} proposal <public>`))!
      expect(mine.link).toMatch(new RegExp(`/proposals/${ids.publicProposal}$`))
      for (const scope of [`area/${district.slug}`, `area/${hood.slug}`, `category/${category}`]) {
        const f = await feed(`/feeds/proposals/${scope}.${format}`)
        expect(titles(f.items), scope).toContain(`${tag} proposal <public> & “quoted”`)
        expect(titles(f.items), scope).not.toContain(`${tag} proposal elsewhere`)
      }
      expect(titles((await feed(`/feeds/proposals/area/${otherHood.slug}.${format}`)).items)).toContain(`${tag} proposal elsewhere`)
      expect(titles((await feed(`/feeds/proposals/area/${city}.${format}`)).items)).toContain(`${tag} proposal elsewhere`)
    }
  })
})

describe('petition feeds', () => {
  it('list only open and closed petitions, per area (a district includes its neighbourhoods) and per department', async () => {
    for (const format of ['rss', 'atom']) {
      const all = await feed(`/feeds/petitions.${format}`)
      expect(titles(all.items)).toEqual(expect.arrayContaining([`${tag} petition open`, `${tag} petition elsewhere`]))
      for (const scope of [`area/${district.slug}`, `area/${hood.slug}`, `category/${department}`]) {
        const f = await feed(`/feeds/petitions/${scope}.${format}`)
        expect(titles(f.items), scope).toContain(`${tag} petition open`)
        expect(titles(f.items), scope).not.toContain(`${tag} petition elsewhere`)
      }
      expect(titles((await feed(`/feeds/petitions/area/${city}.${format}`)).items)).toContain(`${tag} petition elsewhere`)
    }
  })

  it('a petition hidden by moderation leaves every feed at once (no stale copy for logged-out readers beyond the page cache)', async () => {
    expect(titles((await feed('/feeds/petitions.atom')).items)).not.toContain(`${tag} petition hidden`)
  })
})

describe('feed addresses', () => {
  it('answers 404 for unknown areas, categories and file names', async () => {
    for (const path of [
      '/feeds/proposals/area/no-such-area.rss',
      '/feeds/proposals/category/no-such-category.atom',
      '/feeds/petitions/area/no-such-area.atom',
      '/feeds/petitions/category/no-such-department.rss',
      `/feeds/petitions/area/${hood.slug}.xml`,
      `/feeds/proposals/area/${hood.slug}`,
      '/feeds/proposals/category/..%2F..%2Fetc.rss',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
    }
  })

  it('announces the feeds on /proposals and /petitions with <link rel="alternate">', async () => {
    const proposals = await (await get('/proposals')).text()
    expect(proposals).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="\/feeds\/proposals\.rss"\/?>/)
    expect(proposals).toMatch(/<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="\/feeds\/proposals\.atom"\/?>/)
    const filtered = await (await get(`/proposals?area=${hood.slug}&category=${category}`)).text()
    expect(filtered).toContain(`href="/feeds/proposals/area/${hood.slug}.rss"`)
    expect(filtered).toContain(`href="/feeds/proposals/category/${category}.atom"`)
    const petitions = await (await get('/petitions')).text()
    expect(petitions).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="\/feeds\/petitions\.rss"\/?>/)
    expect(petitions).toContain('href="/feeds/petitions.atom"')
  })
})
