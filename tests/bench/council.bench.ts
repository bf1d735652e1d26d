import SQLite from 'better-sqlite3'
import { load, printResults, startBare, startPlaza, target, type Verdict } from './lib'
import { mulberry32 } from '../../db/seed/random'

/**
 * Council triage list with 100,000 reports: `/council/reports` for the roads department's staff
 * (first page of the default filter, and a filtered, priority-sorted variant) and for an
 * administrator (every department), beside a bare node:http server answering the same bytes.
 * Staff are logged in, so every page is rendered (the page cache is for anonymous visitors).
 * Target: p95 ≤ 50 ms at 16 connections (ADR 117; it was ≤ 100 ms at 8).
 */

const PASSWORD = 'valmera-demo-2026'
const CONNECTIONS = 16

// Kinds of state and how often the synthetic city has them.
const STATE_MIX: Array<[string, string, number]> = [
  ['confirmed', 'open', 0.22],
  ['investigating', 'open', 0.12],
  ['action_scheduled', 'open', 0.1],
  ['in_progress', 'open', 0.1],
  ['internal_referral', 'open', 0.02],
  ['fixed', 'fixed', 0.24],
  ['closed', 'closed', 0.06],
  ['duplicate', 'closed', 0.03],
  ['not_responsible', 'closed', 0.03],
  ['unable_to_fix', 'closed', 0.03],
  ['unconfirmed', 'unconfirmed', 0.04],
  ['hidden', 'hidden', 0.01],
]
const PRIORITIES: Array<[string, number]> = [
  ['low', 0.15],
  ['normal', 0.6],
  ['high', 0.2],
  ['urgent', 0.05],
]

function pick<T>(random: () => number, mix: Array<[...unknown[], number]>): T {
  let r = random()
  for (const entry of mix) {
    const weight = entry[entry.length - 1] as number
    if (r < weight) return entry as T
    r -= weight
  }
  return mix[0] as T
}

/**
 * Inserts `count` reports straight into the database (rows of `reports`, their 'created'
 * timeline rows and the counts per department and state), spread over the last two years, every category, every neighbourhood. The
 * department of each follows the category's routes (city-wide rule, or the area's own rule).
 */
export function fillReports(databasePath: string, count = 100_000, seed = 7) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const random = mulberry32(seed)
  const categories = db.prepare('select id from report_categories order by id').all() as Array<{ id: number }>
  const routes = db.prepare('select category_id, department_id, area_id from category_routes').all() as Array<{ category_id: number; department_id: number; area_id: number | null }>
  const neighbourhoods = db.prepare(`select id, parent_id, min_lng, min_lat, max_lng, max_lat from areas where level = 'neighbourhood' order by id`).all() as Array<{
    id: number
    parent_id: number
    min_lng: number
    min_lat: number
    max_lng: number
    max_lat: number
  }>
  const staff = db.prepare(`select user_id, department_id from user_roles where role = 'staff'`).all() as Array<{ user_id: number; department_id: number }>
  const now = Date.now()
  const span = 730 * 86_400_000
  const insert = db.prepare(`insert into reports (category_id, department_id, state, state_kind, title, description, lat, lng, area_id, district_id,
      reporter_name, reporter_email, priority, assignee_id, supports, source, created_at, confirmed_at, first_response_at, fixed_at, closed_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'seed', ?, ?, ?, ?, ?, ?)`)
  const created = db.prepare(`insert into report_updates (report_id, author_id, kind, public, text, to_state, source, created_at) values (?, null, 'created', 1, '', ?, 'system', ?)`)
  const iso = (ms: number) => new Date(ms).toISOString()
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const category = categories[Math.floor(random() * categories.length)]!.id
      const area = neighbourhoods[Math.floor(random() * neighbourhoods.length)]!
      const rules = routes.filter((r) => r.category_id === category)
      const rule = rules.find((r) => r.area_id === area.id) ?? rules.find((r) => r.area_id === area.parent_id) ?? rules.find((r) => r.area_id === null) ?? rules[0]!
      const [state, kind] = pick<[string, string, number]>(random, STATE_MIX)
      const [priority] = pick<[string, number]>(random, PRIORITIES)
      const createdAt = now - Math.floor(random() ** 1.5 * span)
      const confirmed = kind === 'unconfirmed' ? null : Math.min(now, createdAt + Math.floor(random() * 3_600_000))
      const responded = confirmed && (kind !== 'open' || state !== 'confirmed') ? confirmed + Math.floor(random() * 10 * 86_400_000) : null
      const fixed = kind === 'fixed' && responded ? responded + Math.floor(random() * 30 * 86_400_000) : null
      const closed = kind === 'closed' && responded ? responded + Math.floor(random() * 20 * 86_400_000) : null
      const updated = Math.min(now, Math.max(createdAt, confirmed ?? 0, responded ?? 0, fixed ?? 0, closed ?? 0))
      const colleagues = staff.filter((s) => s.department_id === rule.department_id)
      const assignee = colleagues.length && random() < 0.3 ? colleagues[Math.floor(random() * colleagues.length)]!.user_id : null
      const lat = area.min_lat + random() * (area.max_lat - area.min_lat)
      const lng = area.min_lng + random() * (area.max_lng - area.min_lng)
      const id = Number(
        insert.run(
          category,
          rule.department_id,
          state,
          kind,
          `Benchmark report ${i}: ${['broken', 'blocked', 'dangerous', 'dirty', 'missing'][i % 5]} near number ${i % 300}`,
          'A synthetic report for the council benchmark. '.repeat(1 + (i % 4)),
          lat,
          lng,
          area.id,
          area.parent_id,
          `Reporter ${i % 5000}`,
          `reporter${i % 5000}@example.org`,
          priority,
          assignee,
          Math.floor(random() ** 3 * 40),
          iso(createdAt),
          confirmed ? iso(confirmed) : null,
          responded ? iso(Math.min(responded, now)) : null,
          fixed ? iso(Math.min(fixed, now)) : null,
          closed ? iso(Math.min(closed, now)) : null,
          iso(updated),
        ).lastInsertRowid,
      )
      created.run(id, state === 'unconfirmed' ? 'unconfirmed' : 'confirmed', iso(createdAt))
    }
    // These inserts bypass reports.server.ts, which keeps the counts per department and state
    // (migration 0012) exact: count them again in the same transaction.
    db.exec(`delete from report_state_counts;
      insert into report_state_counts (department_id, state, n) select department_id, state, count(*) from reports group by department_id, state`)
  })()
  db.close()
}

export async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ email, password: PASSWORD }),
    headers: { origin: url },
    redirect: 'manual',
  })
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('plaza_session='))
  if (res.status !== 302 || !cookie) throw new Error(`could not log in as ${email} (${res.status})`)
  return cookie
}

export async function benchCouncil(seconds: number): Promise<Verdict[]> {
  const plaza = await startPlaza()
  try {
    const started = Date.now()
    fillReports(plaza.databasePath!, 100_000)
    console.log(`\n  inserted 100,000 reports in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const roads = await login(plaza.url, 'roads@valmera.example')
    const admin = await login(plaza.url, 'admin@valmera.example')
    const pages = {
      roadsDefault: { url: `${plaza.url}/council/reports`, cookie: roads },
      roadsFiltered: { url: `${plaza.url}/council/reports?status=all&priority=high&age=90&assignee=none&sort=priority`, cookie: roads },
      adminDefault: { url: `${plaza.url}/council/reports`, cookie: admin },
    }
    const first = await fetch(pages.roadsDefault.url, { headers: { cookie: roads, accept: 'text/html' } })
    const page = await first.text()
    if (first.status !== 200 || !page.includes('Benchmark report')) throw new Error(`the council list did not render the reports (${first.status})`)
    const bare = await startBare(page)
    const rows = []
    try {
      rows.push(await load('bare node:http, same page', { url: `${bare.url}/`, connections: CONNECTIONS, seconds, warmupSeconds: 1 }))
    } finally {
      await bare.stop()
    }
    const measure = (label: string, p: { url: string; cookie: string }) =>
      load(label, { url: p.url, connections: CONNECTIONS, seconds, warmupSeconds: 1, headers: { cookie: p.cookie, accept: 'text/html' } })
    const roadsDefault = await measure('roads staff, first page (open)', pages.roadsDefault)
    const roadsFiltered = await measure('roads staff, filtered + by priority', pages.roadsFiltered)
    const adminDefault = await measure('administrator, every department', pages.adminDefault)
    rows.push(roadsDefault, roadsFiltered, adminDefault)
    printResults(`Council triage list — 100,000 reports; ${(page.length / 1024).toFixed(0)} KB first page; ${CONNECTIONS} connections; staff are logged in: rendered every time`, rows)
    const baseline = rows[0]!
    console.log(
      `  ratio Plaza/bare (req/s): roads ${(roadsDefault.rps / baseline.rps).toFixed(3)}, filtered ${(roadsFiltered.rps / baseline.rps).toFixed(3)}, admin ${(adminDefault.rps / baseline.rps).toFixed(3)}`,
    )
    const ok = (r: typeof roadsDefault) => r.p95 <= 50 && r.errors === 0 && r.non2xx === 0
    return [
      target('/council/reports with 100,000 reports p95 ≤ 50 ms (roads, default)', ok(roadsDefault), `p95 ${roadsDefault.p95.toFixed(1)} ms (${roadsDefault.rps.toFixed(0)} req/s)`),
      target('/council/reports filtered, sorted by priority p95 ≤ 50 ms', ok(roadsFiltered), `p95 ${roadsFiltered.p95.toFixed(1)} ms (${roadsFiltered.rps.toFixed(0)} req/s)`),
      target('/council/reports as administrator p95 ≤ 50 ms', ok(adminDefault), `p95 ${adminDefault.p95.toFixed(1)} ms (${adminDefault.rps.toFixed(0)} req/s)`),
    ]
  } finally {
    await plaza.stop()
  }
}
