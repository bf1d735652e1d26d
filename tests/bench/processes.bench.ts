import crypto from 'node:crypto'
import os from 'node:os'
import SQLite from 'better-sqlite3'
import { createCookie } from '@remix-run/node'
import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { load, printResults, startBare, startPlaza, target, type LoadResult, type Verdict } from './lib'
import { runVerify } from './voting.bench'

/**
 * Participatory processes (issue 21), as installed (the production build over HTTP, 16
 * connections), each beside a bare node:http server answering the same bytes (the machine's floor):
 * (1) /processes/:slug with 5,000 projects and (2) /results with 10,000 results, p95 ≤ 50 ms each;
 * (3) casting ballots in a process's budget vote ≥ 1,000 ballots/s — the process's ballot (a
 * budget vote of app/modules/voting linked as the process's budget_vote_id) cast by 2,000 verified
 * residents through POST /votes/:id, the form the process page's ballot link leads to; the cast
 * ballots must then pass tally:verify. The rows are written straight into the server's database
 * (WAL: the server keeps serving) before the load starts. The machine's load average is printed
 * before and after, since the machine is shared.
 */

const PEOPLE = 2000
const BALLOT_PROJECTS = 24

const loadLine = (when: string) => {
  const [one, five] = os.loadavg()
  return `  machine load ${when}: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${os.cpus().length} cores`
}

export async function benchProcesses(seconds: number): Promise<Verdict[]> {
  const connections = 16
  const headers = { accept: 'text/html', 'accept-language': 'en' }
  const rows: LoadResult[] = []
  const verdicts: Verdict[] = []
  console.log(loadLine('before'))
  const plaza = await startPlaza()
  let casting: { rows: LoadResult[]; verdict: Verdict; notes: string[] }
  try {
    const seeded = seedProcessRows(plaza.databasePath!)
    const pages: Array<[string, string]> = [
      ['/processes/:slug with 5,000 projects', '/processes/bench-budget'],
      ['/results with 10,000 results', '/results'],
    ]
    for (const [name, path] of pages) {
      const first = await fetch(`${plaza.url}${path}`, { headers })
      if (first.status !== 200) throw new Error(`${path} answered ${first.status}`)
      const body = await first.text()
      const bare = await startBare(body)
      try {
        rows.push(await load(`bare node:http, same ${(body.length / 1024).toFixed(0)} KB`, { url: `${bare.url}/`, connections, seconds, warmupSeconds: 1 }))
      } finally {
        await bare.stop()
      }
      const result = await load(`${name}`, { url: `${plaza.url}${path}`, connections, seconds, headers, warmupSeconds: 1 })
      rows.push(result)
      verdicts.push({ name, ok: result.p95 <= 50 && result.errors === 0 && result.non2xx === 0, detail: `p95 ${result.p95.toFixed(1)} ms (${result.rps.toFixed(0)} req/s)` })
    }
    casting = await benchCasting(plaza.url, plaza.databasePath!, seeded, seconds)
  } finally {
    await plaza.stop()
  }
  printResults(`Participatory processes — as installed, ${connections} connections, ${seconds} s each (beside each: a bare node:http server answering the same page)`, rows)
  printResults(`Casting in the process's budget vote — ${PEOPLE} residents, 32 connections (answers 302, counted as non-2xx)`, casting.rows)
  for (const note of casting.notes) console.log(note)
  console.log(loadLine('after'))
  return [...verdicts.map((v) => target(`${v.name} p95 ≤ 50 ms at ${connections} connections`, v.ok, v.detail)), target(casting.verdict.name, casting.verdict.ok, casting.verdict.detail)]
}

interface Seeded {
  processId: number
  voteId: number
  ballotProjects: string[]
}

/**
 * 5,000 projects in one published process (24 of them feasible, on its ballot: a budget vote open
 * now, linked as the process's budget_vote_id) and 10,000 results, written straight into a Plaza
 * database.
 */
export function seedProcessRows(databasePath: string): Seeded {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 5000')
  const now = new Date().toISOString()
  const day = 86_400_000
  const at = (d: number) => new Date(Date.now() + d * day).toISOString()
  const user = (db.prepare('select id from users order by id limit 1').get() as { id: number }).id
  const area = (db.prepare(`select id from areas where level = 'district' order by id limit 1`).get() as { id: number } | undefined)?.id ?? null
  const seeded = db.transaction((): Seeded => {
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
      `insert into process_projects (process_id, author_id, title, description, estimated_cost, area_id, state, supports, final_cost, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    )
    const feasible: Array<{ id: number; cost: number }> = []
    for (let i = 0; i < 5000; i++) {
      const onBallot = i < BALLOT_PROJECTS
      const cost = 100_000 + i
      const row = project.get(
        p.id,
        user,
        `Project ${i}: a bench for the square`,
        'A project description.',
        cost,
        area,
        onBallot ? 'feasible' : 'submitted',
        (i * 7919) % 500,
        onBallot ? cost : null,
        now,
        now,
      ) as {
        id: number
      }
      if (onBallot) feasible.push({ id: row.id, cost })
    }
    // The ballot, as openBallot makes it: the city's pot, the feasible projects at their final cost.
    const spec = {
      method: 'budget',
      pots: [{ id: 'city', areaId: null, budget: 1_000_000, ballotLimit: 1_000_000 }],
      projects: feasible.map((j) => ({ id: `project-${j.id}`, pot: 'city', cost: j.cost })),
      maxDistricts: 1,
    }
    const vote = db
      .prepare(
        `insert into voting_processes (title, description_md, description_html, method, spec, weight_policy, required_level, delegation, state, opens_at, closes_at, created_at, updated_at)
         values ('Bench budget', '', '', 'budget', ?, '{"rules":[],"default":1000}', 1, 0, 'open', ?, ?, ?, ?) returning id`,
      )
      .get(JSON.stringify(spec), at(-1 / 24), at(1), now, now) as { id: number }
    db.prepare('update participatory_processes set budget_vote_id = ? where id = ?').run(vote.id, p.id)
    const result = db.prepare(
      `insert into results (process_id, source_kind, source_id, title, description, area_id, status, progress, budget, spent, created_at, updated_at) values (?, 'project', ?, ?, '', ?, ?, ?, ?, ?, ?, ?)`,
    )
    const statuses = ['planned', 'in_progress', 'done', 'cancelled']
    for (let i = 0; i < 10_000; i++) {
      const t = new Date(Date.now() - i * 60_000).toISOString()
      result.run(p.id, 1_000_000 + i, `Result ${i}`, i % 3 === 0 ? null : area, statuses[i % 4], (i * 13) % 101, 500_000, (i * 17) % 500_000, t, t)
    }
    return { processId: p.id, voteId: vote.id, ballotProjects: spec.projects.map((j) => j.id) }
  })()
  db.close()
  return seeded
}

/** PEOPLE verified residents with a session each (the cookies a browser would send). */
async function residents(databasePath: string): Promise<string[]> {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 5000')
  const stamp = new Date().toISOString()
  const tokens: string[] = []
  db.transaction(() => {
    const user = db.prepare(`insert into users (email, email_confirmed_at, display_name, verification_level, created_at, updated_at) values (?, ?, ?, 2, ?, ?) returning id`)
    const session = db.prepare('insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)')
    for (let i = 0; i < PEOPLE; i++) {
      const { id } = user.get(`budget-voter${i}@example.org`, stamp, `Budget voter ${i}`, stamp, stamp) as { id: number }
      const token = encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))
      tokens.push(token)
      session.run(encodeHexLowerCase(sha256(new TextEncoder().encode(token))), id, Date.now() + 86_400_000, stamp)
    }
  })()
  db.close()
  const cookie = createCookie('plaza_session', { path: '/', httpOnly: true, sameSite: 'lax' })
  return Promise.all(tokens.map(async (t) => (await cookie.serialize(t)).split(';')[0]!))
}

async function benchCasting(url: string, databasePath: string, seeded: Seeded, seconds: number): Promise<{ rows: LoadResult[]; verdict: Verdict; notes: string[] }> {
  const cookies = await residents(databasePath)
  // The process page leads to the ballot: the same /votes/:id a resident opens and posts to.
  const page = await (await fetch(`${url}/processes/bench-budget`, { headers: { cookie: cookies[0]! } })).text()
  if (!page.includes(`/votes/${seeded.voteId}`)) throw new Error('the process page does not link to its ballot')
  const bare = await startBare('')
  let baseline: LoadResult
  try {
    baseline = await load('bare node:http, same POSTs', { url: `${bare.url}/`, method: 'POST', connections: 32, seconds, body: 'intent=cast&projects=project-1' })
  } finally {
    await bare.stop()
  }
  // Two or three projects per ballot (well within the pot), a different resident each time.
  const picks = seeded.ballotProjects
  let n = 0
  const casting = await load(`casting ballots in the process's vote`, {
    url: `${url}/votes/${seeded.voteId}`,
    method: 'POST',
    connections: 32,
    seconds,
    setupRequest: (request) => {
      n++
      const chosen = [picks[n % picks.length]!, picks[(n * 7 + 3) % picks.length]!, ...(n % 2 ? [picks[(n * 13 + 5) % picks.length]!] : [])]
      const body = new URLSearchParams([['intent', 'cast'], ...[...new Set(chosen)].map((c) => ['projects', c])]).toString()
      return { ...request, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie: cookies[n % cookies.length]! }, body }
    },
  })
  const db = new SQLite(databasePath, { readonly: true })
  const stored = (db.prepare('select count(*) as n from ballots where process_id = ?').get(seeded.voteId) as { n: number }).n
  db.close()
  const perSecond = stored / seconds
  const verify = await runVerify(databasePath, seeded.voteId)
  return {
    rows: [baseline, casting],
    notes: [
      `  ballots stored: ${stored} (${perSecond.toFixed(0)}/s); ratio Plaza/bare requests/s ${(casting.rps / baseline.rps).toFixed(3)}`,
      `  tally:verify of the cast ballots: exit ${verify.code} in ${verify.seconds.toFixed(1)} s`,
    ],
    verdict: {
      name: "casting ballots in a process's budget vote ≥ 1,000/s, and they verify",
      ok: perSecond >= 1000 && casting.errors === 0 && verify.code === 0,
      detail: `${perSecond.toFixed(0)} ballots/s stored, p95 ${casting.p95.toFixed(1)} ms, tally:verify exit ${verify.code}`,
    },
  }
}
