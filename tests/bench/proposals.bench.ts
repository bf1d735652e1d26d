import SQLite from 'better-sqlite3'
import { benchCity, benchEngine, load, printResults, startBare, startPlaza, target, type LoadResult, type Verdict } from './lib'
import { mulberry32 } from '../../db/seed/random'
import { proposalCategories } from '../../db/seed/proposals'
import { hotScore, recentWeight } from '../../app/modules/proposals/hot'
import { addMonths } from '../../app/modules/proposals/states'

/**
 * Proposals: /proposals (hot, first page) and a full-text search over 30,000 proposals — the size
 * of Decide Madrid — beside a bare node:http server answering the same bytes. As installed
 * (anonymous pages reused for up to 5 s) and rendered for every request (PAGE_CACHE=false).
 * Target: p95 ≤ 50 ms as installed, for both.
 */

export const PROPOSALS = 30_000
const CONNECTIONS = 16

const words = [
  'park',
  'trees',
  'bike',
  'lane',
  'school',
  'library',
  'market',
  'bus',
  'night',
  'river',
  'bridge',
  'square',
  'benches',
  'shade',
  'fountain',
  'garden',
  'housing',
  'rent',
  'youth',
  'sport',
  'pool',
  'cinema',
  'music',
  'noise',
  'traffic',
  'parking',
  'pavement',
  'lights',
  'safety',
  'elderly',
  'children',
  'solar',
  'energy',
  'recycling',
  'compost',
  'water',
  'toilets',
  'wifi',
  'shops',
  'jobs',
]
const tagWords = [
  'trees',
  'bike-lanes',
  'schools',
  'mobility',
  'housing',
  'youth',
  'river',
  'safety',
  'energy',
  'culture',
  'sport',
  'parks',
  'noise',
  'shops',
  'elderly',
  'children',
  'water',
  'árboles',
  'accessibility',
  'public-space',
]

/** 30,000 proposals inserted in bulk (the FTS5 triggers fire for each), with tags and supports counts. */
export function fillProposals(databasePath: string, count = PROPOSALS) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const random = mulberry32(7)
  const now = Date.now()
  const started = Date.now()
  if (!db.prepare('select id from proposal_categories limit 1').get()) {
    const insert = db.prepare('insert into proposal_categories (code, name, position) values (?, ?, ?)')
    db.transaction(() => proposalCategories.forEach((c, i) => insert.run(c.code, JSON.stringify(c.name), i)))()
  }
  const categories = (db.prepare('select id from proposal_categories').all() as Array<{ id: number }>).map((c) => c.id)
  const neighbourhoods = db.prepare(`select a.id, a.parent_id as district from areas a where a.level = 'neighbourhood'`).all() as Array<{ id: number; district: number }>
  const authors = (db.prepare('select id from users').all() as Array<{ id: number }>).map((u) => u.id)
  const insert =
    db.prepare(`insert into proposals (author_id, state, title, summary, body_md, body_html, category_id, tags, area_id, district_id, supports, hot_score, created_at, updated_at, published_at, expires_at, threshold_reached_at, archived_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertTag = db.prepare('insert into proposal_tags (proposal_id, tag) values (?, ?)')
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
  const batch = 1000
  for (let start = 0; start < count; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const a = pick(words)
        const b = pick(words)
        const title = `More ${a} and ${b} for the neighbourhood (${i + 1})`
        const summary = `Neighbours ask the council for ${a} near the ${b}, so everyone can enjoy the city.`
        const body = `We propose ${a} and ${b}. ${'The neighbourhood has asked for this for years; it would make daily life better for families, older people and visitors. '.repeat(2 + (i % 4))}`
        const tags = [...new Set([pick(tagWords), pick(tagWords), pick(tagWords)].slice(0, 1 + (i % 3)))]
        // Decide Madrid's shape: most proposals ran out of time; the rest collect supports.
        const ageDays = random() * 720
        const published = now - ageDays * 86_400_000
        const expires = addMonths(new Date(published).toISOString(), 12)
        const roll = random()
        const state = ageDays > 365 ? (roll < 0.01 ? 'answered' : 'archived') : roll < 0.005 ? 'threshold_reached' : roll < 0.008 ? 'voting' : 'published'
        const supports = Math.floor(1 / (random() + 0.002)) - 1
        const recent = state === 'published' ? Math.min(supports, Math.floor(random() * 5)) * recentWeight(now - random() * 6 * 86_400_000, now) : 0
        const place = random() < 0.6 ? pick(neighbourhoods) : null
        const at = new Date(published).toISOString()
        const id = Number(
          insert.run(
            pick(authors),
            state,
            title,
            summary,
            body,
            `<p>${body}</p>`,
            pick(categories),
            tags.join(' '),
            place?.id ?? null,
            place?.district ?? null,
            supports,
            hotScore(recent, published, now),
            at,
            at,
            at,
            expires,
            state === 'threshold_reached' || state === 'voting' || state === 'answered' ? at : null,
            state === 'archived' ? expires : null,
          ).lastInsertRowid,
        )
        for (const tag of tags) insertTag.run(id, tag)
      }
    })()
  }
  const stats = db.prepare(`select state, count(*) as n from proposals group by state order by n desc`).all() as Array<{ state: string; n: number }>
  db.pragma('optimize')
  db.close()
  return { seconds: (Date.now() - started) / 1000, stats }
}

async function measure(url: string, seconds: number, label: string, connections = CONNECTIONS): Promise<LoadResult> {
  return load(label, { url, connections, seconds, warmupSeconds: 1, headers: { accept: 'text/html', 'accept-language': 'en' } })
}

export async function benchProposals(seconds: number): Promise<Verdict[]> {
  // Decide Madrid's threshold: 1% of the census over 16 (about 27,000 supports).
  // On PostgreSQL the proposals are filled into the SQLite city before it is moved (benchCity).
  let filled: ReturnType<typeof fillProposals> | undefined
  const city = benchEngine() === 'postgres' ? await benchCity('postgres', { env: { PROPOSAL_THRESHOLD: '27000' }, prepare: (file) => (filled = fillProposals(file)) }) : null
  const plaza = await startPlaza({ PROPOSAL_THRESHOLD: '27000', ...city?.env })
  const databasePath = plaza.databasePath!
  const where = city ? 'PostgreSQL' : 'SQLite'
  let installed: { list: LoadResult; search: LoadResult; searchVaried: LoadResult }
  let bytes: string
  try {
    filled ??= fillProposals(databasePath)
    console.log(`\n  ${PROPOSALS.toLocaleString('en')} proposals inserted in ${filled.seconds.toFixed(1)} s (${filled.stats.map((s) => `${s.state} ${s.n}`).join(', ')}) — ${where}`)
    const first = await fetch(`${plaza.url}/proposals`, { headers: { accept: 'text/html' } })
    if (first.status !== 200) throw new Error(`/proposals answered ${first.status}`)
    bytes = await first.text()
    const search = await fetch(`${plaza.url}/proposals?q=river+bench`, { headers: { accept: 'text/html' } })
    if (search.status !== 200) throw new Error(`search answered ${search.status}`)
    let n = 0
    installed = {
      list: await measure(`${plaza.url}/proposals`, seconds, '/proposals (hot, page 1), as installed'),
      search: await measure(`${plaza.url}/proposals?q=river+bench`, seconds, 'search "river bench", as installed'),
      // Forty different searches in turn: most answered from the cache, some rendered.
      searchVaried: await load('40 different searches, as installed', {
        url: `${plaza.url}/proposals`,
        connections: CONNECTIONS,
        seconds,
        headers: { accept: 'text/html', 'accept-language': 'en' },
        setupRequest: (request) => ({ ...request, path: `/proposals?q=${encodeURIComponent(words[n++ % words.length]!)}+${encodeURIComponent(words[(n * 7) % words.length]!.slice(0, 3))}` }),
      }),
    }
  } finally {
    await plaza.stop()
  }

  // The same database, every page rendered.
  const fresh = await startPlaza({ DATABASE_PATH: databasePath, PAGE_CACHE: 'false', PROPOSAL_THRESHOLD: '27000', ...city?.env })
  await city?.kysely.destroy()
  await city?.close()
  let rendered: { list: LoadResult; search: LoadResult; most: LoadResult }
  try {
    rendered = {
      list: await measure(`${fresh.url}/proposals`, seconds, '/proposals (hot), rendered every time'),
      most: await measure(`${fresh.url}/proposals?sort=most&state=all`, seconds, 'most supported, all states, rendered'),
      search: await measure(`${fresh.url}/proposals?q=river+bench`, seconds, 'search "river bench", rendered every time'),
    }
  } finally {
    await fresh.stop()
  }

  const bare = await startBare(bytes)
  let baseline: LoadResult
  try {
    baseline = await measure(`${bare.url}/`, seconds, 'bare node:http, same page')
  } finally {
    await bare.stop()
  }

  printResults(`Proposals on ${where} — ${PROPOSALS.toLocaleString('en')} proposals, ${CONNECTIONS} connections (page ${(bytes.length / 1024).toFixed(0)} KB)`, [
    baseline,
    installed.list,
    installed.search,
    installed.searchVaried,
    rendered.list,
    rendered.most,
    rendered.search,
  ])
  const ratio = (r: LoadResult) => (r.rps / baseline.rps).toFixed(3)
  console.log(`  ratio Plaza/bare: list ${ratio(installed.list)} as installed, ${ratio(rendered.list)} rendered; search ${ratio(installed.search)} as installed, ${ratio(rendered.search)} rendered`)
  const clean = (r: LoadResult) => r.errors === 0 && r.non2xx === 0
  return [
    target(
      '/proposals with 30,000 proposals, p95 ≤ 50 ms (as installed)',
      installed.list.p95 <= 50 && clean(installed.list),
      `p95 ${installed.list.p95.toFixed(1)} ms; rendered every time ${rendered.list.p95.toFixed(1)} ms`,
    ),
    target(
      '/proposals with 30,000 proposals rendered every time, p95 ≤ 50 ms',
      rendered.list.p95 <= 50 && clean(rendered.list),
      `p95 ${rendered.list.p95.toFixed(1)} ms (${rendered.list.rps.toFixed(0)} req/s, ${ratio(rendered.list)} of bare)`,
    ),
    target(
      'proposal search with 30,000 proposals, p95 ≤ 50 ms (as installed)',
      installed.search.p95 <= 50 && clean(installed.search),
      `p95 ${installed.search.p95.toFixed(1)} ms; varied searches ${installed.searchVaried.p95.toFixed(1)} ms; rendered every time ${rendered.search.p95.toFixed(1)} ms`,
    ),
  ]
}
