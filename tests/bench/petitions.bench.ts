import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import SQLite from 'better-sqlite3'
import { countMismatches } from '../../app/modules/petitions/signatures.server'
import { freePort } from '../support/server'
import { benchCity, load, postgresStats, printResults, root, START_TIMEOUT_MS, startPlaza, target, trackGroup, type BenchCity, type Verdict } from './lib'

/**
 * Petitions (issue 8): (1) signing over the real HTTP route — logged-out signers with distinct
 * e-mails, a residence, X-Forwarded-For varied so the per-IP limits are checked but not reached,
 * the confirmation mail queued in the same write — while the petition page and count.json are
 * read, beside raw SQLite inserts of signature-shaped rows (synchronous=FULL; one transaction per
 * row, and 100 rows per transaction) measured in the same run; the counts must equal the rows.
 * (2) The crash test: SIGKILL to the whole server (primary and workers) in the middle of signing,
 * restart on the same database, and every signature that got its 303 must be there, every count
 * equal to the rows.
 * Targets: ≥ 1,000 signatures/s while the page and count.json are read at ≥ 2,000 requests/s.
 */

export function insertPetition(databasePath: string): { id: number; areas: string[] } {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const at = new Date().toISOString()
  const id = (
    db
      .prepare(
        `insert into petitions (state, title, action, background_md, background_html, target_kind, sponsors_required, response_threshold, debate_threshold, duration_days, locale, created_at, updated_at, opened_at, closes_at)
         values ('open', 'Keep the night buses running', 'Restore the night bus lines cut last spring.', 'The cuts left the river districts without any service after midnight.', '<p>The cuts left the river districts without any service after midnight.</p>', 'council', 5, 1000, 10000, 180, 'en', ?, ?, ?, ?) returning id`,
      )
      .get(at, at, at, new Date(Date.now() + 86_400_000 * 30).toISOString()) as { id: number }
  ).id
  const areas = (db.prepare(`select slug from areas where level = 'neighbourhood' order by id`).all() as Array<{ slug: string }>).map((r) => r.slug)
  db.close()
  return { id, areas }
}

const PETITION_INSERT = `insert into petitions (state, title, action, background_md, background_html, target_kind, sponsors_required, response_threshold, debate_threshold, duration_days, locale, created_at, updated_at, opened_at, closes_at)
  values ('open', 'Keep the night buses running', 'Restore the night bus lines cut last spring.', 'The cuts left the river districts without any service after midnight.', '<p>The cuts left the river districts without any service after midnight.</p>', 'council', 5, 1000, 10000, 180, 'en', ?, ?, ?, ?) returning id`

/** insertPetition on either engine (the city of benchCity). */
export async function insertPetitionIn(city: BenchCity): Promise<{ id: number; areas: string[] }> {
  const at = new Date().toISOString()
  const [row] = await city.query<{ id: number }>(PETITION_INSERT, at, at, at, new Date(Date.now() + 86_400_000 * 30).toISOString())
  const areas = (await city.query<{ slug: string }>(`select slug from areas where level = 'neighbourhood' order by id`)).map((r) => r.slug)
  return { id: Number(row!.id), areas }
}

const SIGNATURE_COLUMNS = `petition_id, status, reason, decision, sponsor, name, email, email_key, email_domain, user_id, lat, lng, area_id, district_id, ip, ip_key, notify_updates, confirm_token_hash, locale, created_at`

/** Signature-sized rows with synchronous=FULL: one transaction per row, then 100 rows per transaction. */
function rawInserts(seconds: number): { single: number; batched: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-raw-'))
  const db = new SQLite(path.join(dir, 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`create table petition_signatures (id integer primary key, petition_id integer not null, status text not null, reason text not null, decision text not null,
    sponsor integer not null, name text not null, email text not null, email_key text not null, email_domain text not null, user_id integer, lat real, lng real,
    area_id integer, district_id integer, ip text, ip_key text, notify_updates integer not null, confirm_token_hash text, locale text, created_at text not null)`)
  db.exec(`create unique index s_email on petition_signatures (petition_id, email_key); create index s_ip on petition_signatures (petition_id, ip_key, created_at);
    create index s_status on petition_signatures (petition_id, status, created_at)`)
  const insert = db.prepare(
    `insert into petition_signatures (${SIGNATURE_COLUMNS}) values (1, 'pending', 'ok', 'accept', 0, 'Marta Vidal', ?, ?, 'example.net', null, null, null, 12, 3, ?, ?, 1, ?, 'en', ?)`,
  )
  const hash = 'a'.repeat(64)
  let n = 0
  const row = () => {
    const email = `raw${++n}@example.net`
    const ip = `10.0.${(n >> 8) & 255}.${n & 255}`
    insert.run(email, email, ip, ip, `${hash}${n}`, new Date().toISOString())
  }
  const span = Math.min(seconds, 3)
  let end = Date.now() + span * 1000
  const before = n
  while (Date.now() < end) row()
  const single = (n - before) / span
  const batch = db.transaction(() => {
    for (let i = 0; i < 100; i++) row()
  })
  end = Date.now() + span * 1000
  const start = n
  while (Date.now() < end) batch()
  const batched = (n - start) / span
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return { single, batched }
}

export function signBody(n: number, areas: string[], prefix: string) {
  return new URLSearchParams({ intent: 'sign', name: `Signer ${n}`, email: `${prefix}${n}@example.net`, area: areas[n % areas.length]!, updates: n % 3 ? 'on' : '' }).toString()
}
// Five signatures per address: the limits (10 a minute, 100 an hour) are checked on every one, never reached.
export const ipOf = (n: number) => {
  const k = Math.floor(n / 5)
  return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`
}

async function benchSigning(seconds: number): Promise<Verdict[]> {
  const city = await benchCity()
  const { id, areas } = await insertPetitionIn(city)
  // Its own process group, so the CPU its processes use can be read (the machine is shared).
  const plaza = await startKillable(city.env.DATABASE_PATH!, { LOG_LEVEL: 'warn', ...city.env })
  try {
    const raw = rawInserts(seconds)
    // warm the page and the count
    await fetch(`${plaza.url}/petitions/${id}`)
    await fetch(`${plaza.url}/petitions/${id}/count.json`)
    let n = 0
    const stats = await postgresStats(city)
    await stats.reset()
    const cpuBefore = plaza.cpuSeconds()
    const [signing, page, count] = await Promise.all([
      load('signing (POST /petitions/:id, logged out)', {
        url: `${plaza.url}/petitions/${id}`,
        method: 'POST',
        connections: Number(process.env.BENCH_SIGN_CONNECTIONS ?? 32),
        seconds,
        setupRequest: (request) => {
          const i = ++n
          return { ...request, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url, 'x-forwarded-for': ipOf(i) }, body: signBody(i, areas, 'bench') }
        },
      }),
      load('the petition page (anonymous)', { url: `${plaza.url}/petitions/${id}`, connections: READ_CONNECTIONS, seconds, headers: { 'accept-language': 'en' } }),
      load('count.json', { url: `${plaza.url}/petitions/${id}/count.json`, connections: READ_CONNECTIONS, seconds }),
    ])
    const cpu = plaza.cpuSeconds() - cpuBefore
    // Requests still in flight when the load stopped commit a moment later: let them, then read
    // the rows and the mails in one snapshot.
    await new Promise((r) => setTimeout(r, 1000))
    const [counted] = await city.query<{ stored: number; held: number; mails: number }>(
      `select (select count(*) from petition_signatures where petition_id = ?) as stored,
        (select count(*) from petition_signatures where petition_id = ? and status <> 'pending') as held,
        (select count(*) from outbox where kind = 'petition.confirm') as mails`,
      id,
      id,
    )
    const [stored, held, mails] = [Number(counted!.stored), Number(counted!.held), Number(counted!.mails)]
    await stats.print()
    const mismatches = await countMismatches(city.kysely, id)
    printResults(`Petitions on ${city.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} — signing while the page and count.json are read (sign answers 303, counted as non-2xx)`, [signing, page, count])
    const perSecond = stored / seconds
    const reads = page.rps + count.rps
    console.log(
      `  signatures stored: ${stored} (${perSecond.toFixed(0)}/s), confirmation mails queued: ${mails}, not pending (held/blocked): ${held}, count mismatches: ${mismatches.length ? mismatches.join('; ') : 'none'}`,
    )
    console.log(`  reads: ${reads.toFixed(0)} req/s (page ${page.rps.toFixed(0)}, count.json ${count.rps.toFixed(0)})`)
    const requests = signing.requests + page.requests + count.requests
    console.log(
      `  server CPU: ${cpu.toFixed(1)} s for ${requests} requests (${((cpu * 1000) / requests).toFixed(2)} ms each, all kinds together); the machine's load average: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    )
    console.log(
      `  raw SQLite inserts of signature rows (FULL): ${raw.single.toFixed(0)}/s one transaction each, ${raw.batched.toFixed(0)}/s 100 per transaction; ratio Plaza/raw ${(perSecond / raw.single).toFixed(2)} and ${(perSecond / raw.batched).toFixed(3)}`,
    )
    return [
      target(
        'signing over HTTP ≥ 1,000/s while page + count.json ≥ 2,000 req/s, counts exact',
        perSecond >= 1000 && reads >= 2000 && signing.errors === 0 && mismatches.length === 0 && mails === stored && held === 0,
        `${perSecond.toFixed(0)} signatures/s (p95 ${signing.p95.toFixed(1)} ms), reads ${reads.toFixed(0)} req/s (page p95 ${page.p95.toFixed(1)} ms, count.json p95 ${count.p95.toFixed(1)} ms)`,
      ),
    ]
  } finally {
    await plaza.stop()
    await city.kysely.destroy()
    await city.close()
  }
}

/** CPU seconds (user + system) used so far by every process of a process group (the server and its workers). */
function groupCpuSeconds(pgid: number): number {
  const tick = 100 // USER_HZ on Linux
  let total = 0
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // after the command: state(0) ppid(1) pgrp(2) … utime(11) stime(12)
      if (Number(fields[2]) === pgid) total += (Number(fields[11]) + Number(fields[12])) / tick
    } catch {
      // the process ended meanwhile
    }
  }
  return total
}

/** Plaza in its own process group (primary and workers), so SIGKILL reaches every process at once. */
export async function startKillable(databasePath: string, env: Record<string, string> = {}) {
  const port = await freePort()
  let out = ''
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is given to the server's processes, as startPlaza does.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts/start.ts'), '--no-build'], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: databasePath,
      RATE_LIMIT_READ: 'off',
      RATE_LIMIT_WRITE: 'off',
      TRUST_PROXY: '1',
      DB_SYNCHRONOUS: 'FULL',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // A run interrupted (Ctrl-C, a CI timeout) or ended by an error kills the group too.
  const untrack = trackGroup(child.pid!)
  child.stdout!.on('data', (c: Buffer) => (out += c))
  child.stderr!.on('data', (c: Buffer) => (out += c))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${out}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL') // never leave a server behind
      throw new Error(`server did not start:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const exited = new Promise((r) => child.once('exit', r))
  return {
    url,
    /** The primary's pid, which is also the process group's id. */
    pid: child.pid!,
    output: () => out,
    cpuSeconds: () => groupCpuSeconds(child.pid!),
    stop: async () => {
      process.kill(-child.pid!, 'SIGTERM')
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
      untrack()
    },
    kill: async () => {
      process.kill(-child.pid!, 'SIGKILL')
      await exited
      untrack()
    },
  }
}

export async function benchCrash(seconds: number): Promise<Verdict[]> {
  const city = await benchCity()
  const { id, areas } = await insertPetitionIn(city)
  const server = await startKillable(city.env.DATABASE_PATH!, city.env)
  const acknowledged: string[] = []
  let answered = 0
  let failed = 0
  let stop = false
  let n = 0
  const worker = async () => {
    while (!stop) {
      const i = ++n
      try {
        const res = await fetch(`${server.url}/petitions/${id}`, {
          method: 'POST',
          body: signBody(i, areas, 'crash'),
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, 'x-forwarded-for': ipOf(i) },
          redirect: 'manual',
        })
        await res.arrayBuffer()
        answered++
        if (res.status === 303) acknowledged.push(`crash${i}@example.net`)
      } catch {
        failed++ // the server died with the request in flight: never acknowledged
      }
    }
  }
  const workers = Array.from({ length: 32 }, worker)
  await new Promise((r) => setTimeout(r, Math.min(seconds, 4) * 1000))
  await server.kill()
  stop = true
  await Promise.all(workers)

  const again = await startPlaza(city.env)
  try {
    const stored = new Set((await city.query<{ email: string }>('select email from petition_signatures where petition_id = ?', id)).map((r) => r.email))
    const lost = acknowledged.filter((e) => !stored.has(e))
    const mismatches = await countMismatches(city.kysely, id)
    console.log(`\nPetitions on ${city.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} — SIGKILL to every server process while signing`)
    console.log(
      `  answered ${answered} (303: ${acknowledged.length}), cut off by the kill: ${failed}; stored after restart: ${stored.size} (the extra ones committed without their answer reaching the client)`,
    )
    console.log(`  acknowledged but missing: ${lost.length}; count mismatches: ${mismatches.length ? mismatches.join('; ') : 'none'}`)
    return [
      target(
        'crash: every acknowledged signature survives SIGKILL, counts equal the rows',
        acknowledged.length > 0 && lost.length === 0 && mismatches.length === 0,
        `${acknowledged.length} acknowledged, ${lost.length} lost, ${mismatches.length} count mismatches`,
      ),
    ]
  } finally {
    await again.stop()
    await city.kysely.destroy()
    await city.close()
  }
}

// Connections reading the page and count.json, each (closed loop: as fast as answered). With 8
// each the readers ask for less than 2,000 requests/s in all; 11 each offer the mix the target names.
const READ_CONNECTIONS = Number(process.env.BENCH_READ_CONNECTIONS ?? 11)

export async function benchPetitions(seconds: number): Promise<Verdict[]> {
  return [...(await benchSigning(seconds)), ...(await benchCrash(seconds))]
}
