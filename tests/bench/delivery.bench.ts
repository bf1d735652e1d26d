import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { root, startPlaza, target, track, type Server, type Verdict } from './lib'

/**
 * Delivery (issue 19): N reports (BENCH_DELIVERY_REPORTS, default 10,000) for the roads department
 * are sent as an Open311 client to a council's back office on 127.0.0.1, then each gets an update
 * there and the city polls servicerequestupdates and applies them all; N/10 reports for the water
 * company are sent by e-mail (queued in the outbox with their reply address and map picture).
 * Checked: every report sent exactly once (N distinct ids, N requests filed there, no report twice).
 * Targets: ≥ 100 reports/s by Open311; polling updates for N open reports ≤ 30 s.
 *
 * The back office (BENCH_DELIVERY_OFFICE): `bare` (default) is a GeoReport v2 server of its own
 * (open311-office.ts: real HTTP, each request committed to its SQLite file), as a council's
 * works-management system would be, so the figures are Plaza's sender and poller; `plaza` is a second
 * Plaza (its filing of each report — routing, alerts, audit, rate limit — is then what is measured;
 * tests/integration/delivery.test.ts checks the two-Plaza path for correctness).
 */

const FLAG = '--delivery-bench-child'
const N = Number(process.env.BENCH_DELIVERY_REPORTS ?? 10_000)

const OFFICE = process.env.BENCH_DELIVERY_OFFICE === 'plaza' ? 'plaza' : 'bare'

/** What the child needs of the back office's database: its key, what was filed, updates to add. */
function officeStore(kind: 'bare' | 'plaza', officeDb: string) {
  const open = () => {
    const db = new SQLite(officeDb)
    db.pragma('busy_timeout = 10000')
    return db
  }
  const table = kind === 'plaza' ? 'reports' : 'requests'
  return {
    /** The requests filed there by the bench: how many, and how many distinct reports they carry. */
    filed() {
      const db = open()
      const r = db.prepare(`select count(*) as n, count(distinct description) as d from ${table} where description like '%bench-open311 number %'`).get() as { n: number; d: number }
      db.close()
      return r
    },
    /** One update on each filed request, spread over the last N × 10 ms (a page never shares one second). */
    addUpdates(): number {
      const db = open()
      const ids = (db.prepare(`select id from ${table} where description like '%bench-open311 number %' order by id`).all() as Array<{ id: number }>).map((x) => x.id)
      const first = Date.now() - ids.length * 10 - 2000
      const add =
        kind === 'plaza'
          ? db.prepare(
              `insert into report_updates (report_id, author_id, kind, public, text, from_state, to_state, source, created_at) values (?, null, 'state', 1, 'Inspected by the crew.', 'confirmed', 'investigating', 'web', ?)`,
            )
          : db.prepare(`insert into updates (request_id, status, description, updated_at) values (?, 'investigating', 'Inspected by the crew.', ?)`)
      db.transaction(() => ids.forEach((id, i) => add.run(id, new Date(first + i * 10).toISOString())))()
      if (kind === 'plaza') db.prepare(`update reports set state = 'investigating' where description like '%bench-open311 number %'`).run()
      db.close()
      return first
    },
  }
}

/** Runs in a child process with the city's database: the delivery job as Plaza runs it. */
async function child(cityDb: string, officeUrl: string, officeDb: string, n: number, kind: 'bare' | 'plaza', officeKey: string) {
  process.env.DATABASE_PATH = cityDb
  process.env.LOG_LEVEL = 'silent'
  process.env.DB_SYNCHRONOUS = 'NORMAL'
  const { database } = await import('../../app/lib/db.server')
  const { generateApiKey } = await import('../../app/modules/open311/open311.server')
  const { sendDueDeliveries, pollBody } = await import('../../app/modules/delivery/delivery.server')
  const db = database()
  let secret = officeKey
  if (kind === 'plaza') {
    // The back office's key for the city: trusted (it confirms its reporters).
    const key = generateApiKey()
    const office = new SQLite(officeDb)
    office.pragma('busy_timeout = 10000')
    office.prepare(`insert into api_keys (name, key_hash, key_prefix, trusted, created_at) values ('City', ?, ?, 1, ?)`).run(key.hash, key.prefix, new Date().toISOString())
    office.close()
    secret = key.secret
  }
  const store = officeStore(kind, officeDb)

  const city = new SQLite(cityDb)
  city.pragma('busy_timeout = 10000')
  const dept = (slug: string) => (city.prepare('select id from departments where slug = ?').get(slug) as { id: number }).id
  const roads = dept('roads')
  const water = dept('water')
  const at = new Date().toISOString()
  city.prepare(`insert into delivery_methods (department_id, method, enabled, endpoint, api_key, updated_at) values (?, 'open311', 0, ?, ?, ?)`).run(roads, `${officeUrl}/open311/v2`, secret, at)
  city.prepare(`insert into delivery_methods (department_id, method, enabled, email, updated_at) values (?, 'email', 0, 'reports@water.example', ?)`).run(water, at)
  const template = (code: string) =>
    city.prepare(`select r.* from reports r join report_categories c on c.id = r.category_id where c.code = ? and r.state_kind = 'open' limit 1`).get(code) as Record<string, unknown>
  const copy = (row: Record<string, unknown>, count: number, tag: string, attributes: string) => {
    const insert = city.prepare(
      `insert into reports (category_id, department_id, state, state_kind, title, description, lat, lng, area_id, district_id, reporter_name, anonymous, source, attributes, locale, created_at, confirmed_at, updated_at)
       values (?, ?, 'confirmed', 'open', ?, ?, ?, ?, ?, ?, 'Bench', 1, 'web', ?, 'en', ?, ?, ?)`,
    )
    const queue = city.prepare(`insert into report_deliveries (report_id, department_id, method, status, next_attempt_at, created_at) values (?, ?, ?, 'pending', ?, ?)`)
    city.transaction(() => {
      for (let i = 0; i < count; i++) {
        const r = insert.run(
          row.category_id,
          row.department_id,
          `${tag} ${i}`,
          `${tag} number ${i}: a report of ordinary length.`,
          row.lat,
          row.lng,
          row.area_id,
          row.district_id,
          attributes,
          at,
          at,
          at,
        )
        queue.run(r.lastInsertRowid, row.department_id, tag === 'bench-open311' ? 'open311' : 'email', at, at)
      }
    })()
  }
  copy(template('pothole'), n, 'bench-open311', '{"depth":"deep"}')
  copy(template('blocked-drain'), Math.ceil(n / 10), 'bench-email', '{}')

  // E-mail: the body switched on, the run timed.
  city.prepare('update delivery_methods set enabled = 1 where department_id = ?').run(water)
  let t = performance.now()
  const mailed = await sendDueDeliveries(1_000_000)
  const mailSeconds = (performance.now() - t) / 1000
  // Open311.
  city.prepare('update delivery_methods set enabled = 1 where department_id = ?').run(roads)
  t = performance.now()
  const sent = await sendDueDeliveries(1_000_000)
  const sendSeconds = (performance.now() - t) / 1000
  const distinct = (city.prepare(`select count(distinct external_id) as n from report_deliveries where department_id = ? and status = 'sent'`).get(roads) as { n: number }).n
  // What went wrong on the way (each failed attempt's last words, grouped), shown with the figures.
  const errors = city
    .prepare(
      `select status, substr(coalesce(last_error, ''), 1, 120) as error, count(*) as n from report_deliveries where department_id = ? and (status != 'sent' or attempts > 1) group by 1, 2 order by 3 desc limit 5`,
    )
    .all(roads)

  // The back office answers every report once: then an update on each, and the city polls.
  const filed = store.filed()
  const first = store.addUpdates()
  city.prepare('update delivery_methods set polled_until = ? where department_id = ?').run(new Date(first - 60_000).toISOString(), roads)
  t = performance.now()
  const polled = await pollBody(roads, new Date(Date.now() + 5000))
  const pollSeconds = (performance.now() - t) / 1000
  const moved = (city.prepare(`select count(*) as n from reports where title like 'bench-open311 %' and state = 'investigating'`).get() as { n: number }).n
  city.close()
  await db.close?.()
  console.log(JSON.stringify({ mailed, mailSeconds, sent, sendSeconds, distinct, filedThere: filed.n, distinctThere: filed.d, polled, pollSeconds, moved, errors }))
}

if (process.argv.includes(FLAG)) {
  const at = process.argv.indexOf(FLAG)
  await child(process.argv[at + 1]!, process.argv[at + 2]!, process.argv[at + 3]!, Number(process.argv[at + 4]), process.argv[at + 5] === 'plaza' ? 'plaza' : 'bare', process.argv[at + 6]!)
  process.exit(0)
}

/** The bare back office (open311-office.ts) in a process of its own, with its key. */
async function startOffice(key: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-office-'))
  const databasePath = path.join(dir, 'office.sqlite')
  const c = track(spawn(process.execPath, ['--import', 'tsx', path.join(root, 'tests/bench/open311-office.ts'), databasePath, key], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }))
  let out = ''
  const port = await new Promise<number>((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /listening (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    c.stderr!.on('data', (d: Buffer) => (out += d))
    c.once('exit', (code) => reject(new Error(`the back office exited (${code}):\n${out}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    databasePath,
    async stop() {
      if (c.exitCode !== null) return
      const exited = new Promise((r) => c.once('exit', r))
      c.kill('SIGTERM')
      await exited
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function benchDelivery(): Promise<Verdict[]> {
  const officeName = OFFICE === 'plaza' ? 'a second Plaza' : 'a GeoReport v2 server of its own'
  console.log(`\nDelivery: ${N.toLocaleString('en')} reports to an Open311 back office (${officeName}), ${Math.ceil(N / 10).toLocaleString('en')} by e-mail, then polling their updates`)
  // The city's database (demo seed); its jobs run in the bench's child.
  const city = await startPlaza({ BACKGROUND_JOBS: 'false', WEB_CONCURRENCY: '1' })
  const key = OFFICE === 'plaza' ? '-' : `office_${crypto.randomBytes(16).toString('hex')}`
  const office = await (OFFICE === 'plaza' ? startPlaza({ BACKGROUND_JOBS: 'false', OPEN311_POSTS_PER_MINUTE: '1000000' }) : startOffice(key)).catch(async (error) => {
    await city.stop()
    throw error
  })
  try {
    const out = await new Promise<string>((resolve, reject) => {
      // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the city's sender and poller too.
      const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []
      const c = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), FLAG, city.databasePath!, office.url, office.databasePath!, String(N), OFFICE, key], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      c.stdout.on('data', (d: Buffer) => (text += d))
      c.stderr.on('data', (d: Buffer) => (text += d))
      c.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`delivery bench child failed:\n${text}`))))
    })
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
      mailed: { sent: number; failed: number }
      mailSeconds: number
      sent: { sent: number; failed: number }
      sendSeconds: number
      distinct: number
      filedThere: number
      distinctThere: number
      polled: { applied: number; seen: number }
      pollSeconds: number
      moved: number
      errors: Array<{ status: string; error: string; n: number }>
    }
    const rate = r.sent.sent / r.sendSeconds
    const mailRate = r.mailed.sent / r.mailSeconds
    console.log(`  e-mail:  ${r.mailed.sent} queued with reply addresses in ${r.mailSeconds.toFixed(1)} s — ${mailRate.toFixed(0)} reports/s`)
    console.log(
      `  Open311: ${r.sent.sent} sent (${r.sent.failed} failed) in ${r.sendSeconds.toFixed(1)} s — ${rate.toFixed(0)} reports/s; ${r.distinct} distinct ids kept, ${r.filedThere} requests filed there (${r.distinctThere} distinct reports)`,
    )
    for (const e of r.errors) console.log(`  retried or unsent: ${e.n} ${e.status}: ${e.error || '(sent on a later attempt)'}`)
    console.log(`  polling: ${r.polled.seen} updates read, ${r.polled.applied} applied in ${r.pollSeconds.toFixed(1)} s; ${r.moved} reports now investigating`)
    return [
      target('delivery: Open311 reports/s', rate >= 100, `${rate.toFixed(0)} reports/s (target ≥ 100)`),
      target(
        'delivery: nothing sent twice',
        r.sent.sent === N && r.distinct === N && r.filedThere === N && r.distinctThere === N,
        `${r.sent.sent} sent, ${r.distinct} distinct ids, ${r.filedThere} filed by the back office (expected ${N} each)`,
      ),
      target('delivery: polling updates', r.pollSeconds <= 30 && r.polled.applied === N && r.moved === N, `${r.polled.applied} of ${N} applied in ${r.pollSeconds.toFixed(1)} s (target ≤ 30 s)`),
    ]
  } finally {
    await Promise.all([city.stop(), office.stop()])
  }
}
