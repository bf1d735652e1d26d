import { spawnSync } from 'node:child_process'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { onPostgres } from '../support/engine'
import { postgresBinaries, startPostgres, type TestPostgres } from '../support/postgres'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'

/**
 * Two Plaza app servers on one PostgreSQL (issue 20 part 2, ADR 123): what one server does, the other
 * sees — sessions, rate limits, petition counts — and the work they share (the outbox, periodic jobs)
 * is done once, by whichever server claims it. Both run their mail worker and background jobs, as
 * every server of a real installation would. Skipped where no PostgreSQL binaries are installed.
 */

const root = path.resolve(import.meta.dirname, '../..')
const ADMIN = 'clerk@aldemar.example'
const PASSWORD = 'aldemar council 2026'

let postgres: TestPostgres
let url: string
let client: pg.Client
let smtp: SmtpSink
let a: RunningPlaza
let b: RunningPlaza
let bReadyAt = 0

// Its engine is its own cluster whatever the run's engine: the PostgreSQL run of `npm test` would repeat
// the very same test, so it runs in the SQLite run only (as db-copy.test.ts; issue 23, ADR 152).
describe.skipIf(postgresBinaries() === null || onPostgres)('two app servers on one PostgreSQL', () => {
  beforeAll(async () => {
    postgres = await startPostgres()
    url = await postgres.createDatabase('two_servers')
    smtp = await startSmtpSink()
    const env = {
      DATABASE_URL: url,
      SEED_DEMO: 'false',
      MAIL_URL: smtp.url,
      DEV_MAIL: 'false',
      TRUST_PROXY: '1',
      RATE_LIMIT_WRITE: '6/60',
      PUBLIC_URL: 'https://participa.aldemar.example',
    }
    // One after the other: the first migrates, the second finds the schema done.
    a = await startPlaza(env, { template: false })
    b = await startPlaza(env, { template: false })
    bReadyAt = Date.now()
    client = new pg.Client({ connectionString: url })
    await client.connect()
    const setup = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/setup.ts'), '--admin', ADMIN, '--city', 'Aldemar', '--password-stdin'], {
      cwd: root,
      input: `${PASSWORD}\n`,
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: 'https://participa.aldemar.example' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(setup.stdout + setup.stderr).toContain('Plaza is set up for Aldemar')
  }, 240_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await client?.end()
    await smtp?.stop()
    await postgres?.stop()
  })

  it('runs both servers on PostgreSQL', async () => {
    for (const server of [a, b]) expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const engine = await client.query<{ n: string }>(`select count(*) as n from information_schema.tables where table_name = 'job_runs'`)
    expect(Number(engine.rows[0]!.n)).toBe(1)
  })

  it('keeps a session made on one server on the other, and a logout on one ends it on both', async () => {
    const visitor = new Visitor(a.url, { 'accept-language': 'en', 'x-forwarded-for': '198.51.100.1' })
    const login = await visitor.post('/login', { email: ADMIN, password: PASSWORD })
    expect(login.status).toBe(302)
    expect(visitor.loggedIn).toBe(true)
    const onB = new Visitor(b.url, { 'accept-language': 'en', 'x-forwarded-for': '198.51.100.1' })
    onB.cookies = visitor.cookies
    const account = await onB.get('/account')
    expect(account.status).toBe(200)
    expect(await account.text()).toContain(ADMIN)
    expect((await onB.get('/admin')).status).toBe(200)
    // A stranger is refused on both.
    for (const server of [a, b]) expect((await new Visitor(server.url).get('/admin')).status).not.toBe(200)
    // Logged out on B: the same cookie is nobody on A.
    const cookie = visitor.cookieHeader()
    expect((await onB.post('/logout', {})).status).toBeLessThan(400)
    const after = await fetch(`${a.url}/admin`, { headers: { cookie }, redirect: 'manual' })
    expect(after.status).not.toBe(200)
  })

  it('counts a rate limit across both servers', async () => {
    const post = (server: RunningPlaza) =>
      fetch(`${server.url}/language`, {
        method: 'POST',
        body: new URLSearchParams({ locale: 'es' }),
        headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.77' },
        redirect: 'manual',
      })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push((await post(i % 2 === 0 ? a : b)).status)
    // 6 writes a minute for this address and route: three on each server, then both refuse.
    expect(statuses).toEqual([302, 302, 302, 302, 302, 302, 429, 429])
    // Another address is not held back.
    const other = await fetch(`${b.url}/language`, {
      method: 'POST',
      body: new URLSearchParams({ locale: 'es' }),
      headers: { origin: b.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.78' },
      redirect: 'manual',
    })
    expect(other.status).toBe(302)
  })

  it('counts petition signatures made on both servers the same on both', async () => {
    const now = new Date()
    const { rows } = await client.query<{ id: string }>(
      `insert into petitions (state, title, action, target_kind, sponsors_required, response_threshold, debate_threshold, duration_days, locale, created_at, updated_at, opened_at, closes_at)
       values ('open', 'Shade for the market square', 'Plant trees around the market square.', 'council', 2, 1000, 10000, 180, 'en', $1, $1, $1, $2) returning id`,
      [now.toISOString(), new Date(now.getTime() + 30 * 86_400_000).toISOString()],
    )
    const id = Number(rows[0]!.id)
    // A district to sign from (no demo city here: the signing form asks where the signer lives).
    const square = JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [-3.71, 40.41],
          [-3.69, 40.41],
          [-3.69, 40.43],
          [-3.71, 40.43],
          [-3.71, 40.41],
        ],
      ],
    })
    await client.query(
      `insert into areas (slug, name, level, geometry, min_lng, min_lat, max_lng, max_lat, area_m2, depth) values ('market', 'Market', 'district', $1, -3.71, 40.41, -3.69, 40.43, 3700000, 1)`,
      [square],
    )
    const signers = Array.from({ length: 12 }, (_, i) => ({ email: `signer${i}@example.net`, server: i % 2 === 0 ? a : b }))
    await Promise.all(
      signers.map(async (s, i) => {
        const res = await new Visitor(s.server.url, { 'accept-language': 'en' }).post(
          `/petitions/${id}`,
          { intent: 'sign', name: `Signer ${i}`, email: s.email, area: 'market', updates: 'on', website_url: '' },
          { 'x-forwarded-for': `10.30.0.${i + 1}` },
        )
        expect(res.status, await res.text()).toBe(303)
      }),
    )
    // Each confirmation mail is delivered once, by one of the two servers' mail workers; each link is
    // followed on the OTHER server than the one signed on.
    await Promise.all(
      signers.map(async (s, i) => {
        const mail = await smtp.waitFor(s.email, { subject: /Confirm your signature/, timeoutMs: 60_000 })
        const other = s.server === a ? b : a
        const confirm = await new Visitor(other.url, { 'accept-language': 'en' }).post(linkIn(mail, '/petitions/confirm/'), {}, { 'x-forwarded-for': `10.31.0.${i + 1}` })
        expect(confirm.status).toBe(200)
      }),
    )
    for (const server of [a, b]) {
      await vi.waitFor(
        async () => {
          const body = (await (await fetch(`${server.url}/petitions/${id}/count.json`)).json()) as { count: number }
          expect(body.count).toBe(12)
        },
        { timeout: 10_000, interval: 200 },
      )
    }
    const stored = await client.query<{ signature_count: string; pending_count: string }>('select signature_count, pending_count from petitions where id = $1', [id])
    expect(stored.rows[0]).toEqual({ signature_count: '12', pending_count: '0' })
    for (const s of signers) expect(smtp.mails.filter((m) => JSON.stringify(m.to).includes(s.email) && /Confirm your signature/.test(m.subject ?? ''))).toHaveLength(1)
  }, 120_000)

  it('delivers each of 300 queued mails exactly once between the two servers', async () => {
    const before = smtp.mails.length
    const at = new Date().toISOString()
    await client.query(
      `insert into outbox (kind, to_address, subject, text_body, headers, status, attempts, next_attempt_at, created_at)
       select 'test.bulk', 'bulk' || n || '@example.net', 'Bulk mail ' || n, 'Mail number ' || n, '{}', 'pending', 0, $1, $1
       from generate_series(1, 300) as n`,
      [at],
    )
    await vi.waitFor(
      async () => {
        const left = await client.query<{ n: string }>(`select count(*) as n from outbox where kind = 'test.bulk' and status <> 'sent'`)
        expect(Number(left.rows[0]!.n)).toBe(0)
      },
      { timeout: 90_000, interval: 250 },
    )
    const bulk = smtp.mails.slice(before).filter((m) => /^Bulk mail \d+$/.test(m.subject ?? ''))
    expect(bulk).toHaveLength(300)
    expect(new Set(bulk.map((m) => m.subject)).size).toBe(300)
    const attempts = await client.query<{ attempts: string; n: string }>(`select attempts, count(*) as n from outbox where kind = 'test.bulk' group by attempts`)
    expect(attempts.rows).toEqual([{ attempts: '1', n: '300' }])
    // Both servers' workers took part (each claims 20 at a time and polls every 5 s).
    for (const server of [a, b]) expect(server.logs.some((l) => l.msg === 'outbox delivered')).toBe(true)
  }, 120_000)

  it('runs each periodic job once per interval between the two servers', async () => {
    // voting.processes runs 5 s after a start, then every minute: once both servers have ticked,
    // one of them ran it and the other found it done.
    const wait = bReadyAt + 8_000 - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const row = await client.query<{ runs: string; holder: string | null; last_finished_at: string | null }>(`select runs, holder, last_finished_at from job_runs where name = 'voting.processes'`)
    expect(row.rows).toEqual([{ runs: '1', holder: null, last_finished_at: expect.any(String) }])
    const names = await client.query<{ name: string }>('select name from job_runs order by name')
    expect(names.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['proposals.upkeep', 'voting.processes']))
  }, 30_000)
})
