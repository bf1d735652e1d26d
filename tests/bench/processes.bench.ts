import SQLite from 'better-sqlite3'
import { load, printResults, startPlaza, target, type LoadResult, type Verdict } from './lib'

/**
 * Participatory processes (issue 21): /processes/:slug with 5,000 projects and /results with
 * 10,000 results, p95 ≤ 50 ms each, as installed, 16 connections. The rows are written straight
 * into the server's database (WAL: the server keeps serving) before the load starts.
 */
export async function benchProcesses(seconds: number): Promise<Verdict[]> {
  const connections = 16
  const headers = { accept: 'text/html', 'accept-language': 'en' }
  const rows: LoadResult[] = []
  const verdicts: Verdict[] = []
  const plaza = await startPlaza()
  try {
    seedProcessRows(plaza.databasePath!)
    const pages: Array<[string, string]> = [
      ['/processes/:slug with 5,000 projects', '/processes/bench-budget'],
      ['/results with 10,000 results', '/results'],
    ]
    for (const [name, path] of pages) {
      const first = await fetch(`${plaza.url}${path}`, { headers })
      if (first.status !== 200) throw new Error(`${path} answered ${first.status}`)
      await first.text()
      const result = await load(`${name}, as installed`, { url: `${plaza.url}${path}`, connections, seconds, headers, warmupSeconds: 1 })
      rows.push(result)
      verdicts.push({ name, ok: result.p95 <= 50 && result.errors === 0 && result.non2xx === 0, detail: `p95 ${result.p95.toFixed(1)} ms (${result.rps.toFixed(0)} req/s)` })
    }
  } finally {
    await plaza.stop()
  }
  printResults(`Participatory processes — ${connections} connections, ${seconds} s each`, rows)
  return verdicts.map((v) => target(`${v.name} p95 ≤ 50 ms at ${connections} connections`, v.ok, v.detail))
}

/** 5,000 projects in one published process and 10,000 results, written straight into a Plaza database. */
export function seedProcessRows(databasePath: string): void {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 5000')
  const now = new Date().toISOString()
  const day = 86_400_000
  const at = (d: number) => new Date(Date.now() + d * day).toISOString()
  const user = (db.prepare('select id from users order by id limit 1').get() as { id: number }).id
  const area = (db.prepare(`select id from areas where level = 'district' order by id limit 1`).get() as { id: number } | undefined)?.id ?? null
  db.transaction(() => {
    const p = db
      .prepare(
        `insert into participatory_processes (slug, title, description, area_id, published, city_budget, district_budgets, currency, created_by, created_at, updated_at)
         values ('bench-budget', '{"en":"Bench budget"}', '{"en":"Five thousand projects."}', null, 1, 100000000, '{}', 'EUR', ?, ?, ?) returning id`,
      )
      .get(user, now, now) as { id: number }
    const phase = db.prepare(`insert into process_phases (process_id, position, title, starts_at, ends_at, components) values (?, ?, ?, ?, ?, ?)`)
    phase.run(p.id, 0, '{"en":"Submit"}', at(-10), at(-5), '{"submit":true}')
    phase.run(p.id, 1, '{"en":"Support"}', at(-5), at(5), '{"supports":true}')
    phase.run(p.id, 2, '{"en":"Vote"}', at(5), at(10), '{"vote":true}')
    const project = db.prepare(
      `insert into process_projects (process_id, author_id, title, description, estimated_cost, area_id, state, supports, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?)`,
    )
    for (let i = 0; i < 5000; i++) project.run(p.id, user, `Project ${i}: a bench for the square`, 'A project description.', 100_000 + i, area, (i * 7919) % 500, now, now)
    const result = db.prepare(
      `insert into results (process_id, source_kind, source_id, title, description, area_id, status, progress, budget, spent, created_at, updated_at) values (?, 'project', ?, ?, '', ?, ?, ?, ?, ?, ?, ?)`,
    )
    const statuses = ['planned', 'in_progress', 'done', 'cancelled']
    for (let i = 0; i < 10_000; i++) {
      const t = new Date(Date.now() - i * 60_000).toISOString()
      result.run(p.id, 1_000_000 + i, `Result ${i}`, i % 3 === 0 ? null : area, statuses[i % 4], (i * 13) % 101, 500_000, (i * 17) % 500_000, t, t)
    }
  })()
  db.close()
}
