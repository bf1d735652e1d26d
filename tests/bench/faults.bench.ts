import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import SQLite from 'better-sqlite3'
import { createCookie } from '@remix-run/node'
import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { percentile, root, startPlaza, target, type Verdict } from './lib'
import { benchCrash, insertPetition, ipOf, signBody, startKillable } from './petitions.bench'
import { insertProcess, runVerify } from './voting.bench'

/**
 * Faults (issue 15): what Plaza does when things go wrong under load, each against real Plaza
 * processes on 127.0.0.1 (production mode, DB_SYNCHRONOUS=FULL, each server in its own process
 * group so it can be killed whole and is always stopped):
 * 1. confirmation clicks while other connections sign, two workers: 0 errors of ≥ 2,000 clicks;
 * 2. `scripts/backup.ts` while signing at ≥ 200/s: it finishes, the copy passes integrity_check
 *    and holds every signature acknowledged (303) before it started;
 * 3. SIGKILL of one of two workers under load: every request answered or closed within 5 s, the
 *    survivor serves, a replacement starts;
 * 4. a filled disk (a real tmpfs, mounted here as root): writes 503 with Retry-After, reads 200,
 *    /healthz 503; the file deleted: /healthz 200 and writes again without a restart, 0 lost;
 * 5. SIGKILL of every server process while signing, casting ballots and filing reports: every
 *    acknowledged write is there after a restart, tally:verify agrees;
 * 6. a soak of mixed load (BENCH_SOAK_MINUTES or --soak-minutes, default 30) printing each
 *    worker's RSS per minute: over the last ten minutes it grows by less than 5 %.
 */

type Killable = Awaited<ReturnType<typeof startKillable>>

// Process groups still running: killed when the bench exits for any reason (a step that throws
// still stops its servers in its finally; this is the last line).
const live = new Set<number>()
// The step's databases (a few MB each), removed when the bench ends.
const scratch = new Set<string>()
process.on('exit', () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true })
})

async function start(databasePath: string, env: Record<string, string> = {}): Promise<Killable> {
  const server = await startKillable(databasePath, env)
  live.add(server.pid)
  return {
    ...server,
    stop: async () => {
      try {
        await server.stop()
      } catch {
        // the group was gone already
      }
      live.delete(server.pid)
    },
    kill: async () => {
      try {
        await server.kill()
      } catch {
        // the group was gone already
      }
      live.delete(server.pid)
    },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// One seeded demo database, copied for each step (seeding is the slow part of a start).
let template: string | undefined
async function freshDatabase(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-faults-'))): Promise<string> {
  if (!template) {
    const first = await startPlaza({})
    await first.stop()
    template = first.databasePath!
  }
  scratch.add(dir)
  const target = path.join(dir, 'plaza.sqlite')
  for (const suffix of ['', '-wal']) if (fs.existsSync(template + suffix)) fs.copyFileSync(template + suffix, target + suffix)
  return target
}

/** People with sessions at a verification level; their session cookies and user ids. */
async function makePeople(databasePath: string, count: number, level: number, prefix: string) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const stamp = new Date().toISOString()
  const tokens: string[] = []
  const ids: number[] = []
  db.transaction(() => {
    const insertUser = db.prepare(`insert into users (email, email_confirmed_at, display_name, verification_level, created_at, updated_at) values (?, ?, ?, ?, ?, ?)`)
    const insertSession = db.prepare(`insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)`)
    for (let i = 0; i < count; i++) {
      const id = Number(insertUser.run(`${prefix}${i}@example.org`, stamp, `${prefix} ${i}`, level, stamp, stamp).lastInsertRowid)
      const token = encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))
      // Expiry far enough away that no request extends it (extension is a write of its own).
      insertSession.run(encodeHexLowerCase(sha256(new TextEncoder().encode(token))), id, Date.now() + 20 * 86_400_000, stamp)
      tokens.push(token)
      ids.push(id)
    }
  })()
  db.close()
  const cookie = createCookie('plaza_session', { path: '/', httpOnly: true, sameSite: 'lax' })
  const cookies = await Promise.all(tokens.map(async (t) => (await cookie.serialize(t)).split(';')[0]!))
  return { cookies, ids }
}

function openVote(databasePath: string): number {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const id = insertProcess(db, 'Faults benchmark vote')
  db.close()
  return id
}

function reportPoints(databasePath: string) {
  const db = new SQLite(databasePath, { readonly: true })
  const points = db.prepare(`select lat, lng from reports`).all() as Array<{ lat: number; lng: number }>
  db.close()
  if (points.length === 0) throw new Error('no demo reports to take points from')
  return points
}

interface Answer {
  status: number // 0: no answer (connection closed or timed out)
  location: string | null
  retryAfter: string | null
  ms: number
  error?: string
}

const FORM = 'application/x-www-form-urlencoded'

async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  const at = performance.now()
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) })
    await res.arrayBuffer()
    return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), ms: performance.now() - at }
  } catch (error) {
    return { status: 0, location: null, retryAfter: null, ms: performance.now() - at, error: (error as Error).cause ? String((error as Error).cause) : (error as Error).message }
  }
}

const post = (server: { url: string }, pathname: string, body: string, headers: Record<string, string> = {}) =>
  request(`${server.url}${pathname}`, { method: 'POST', body, headers: { 'content-type': FORM, origin: server.url, ...headers } })

const sign = (server: { url: string }, petitionId: number, areas: string[], i: number, prefix: string) =>
  post(server, `/petitions/${petitionId}`, signBody(i, areas, prefix), { 'x-forwarded-for': ipOf(i) })

/** Runs `loops` loops of `work` until `until()` says stop. */
async function loops(count: number, until: () => boolean, work: (loop: number) => Promise<unknown>) {
  await Promise.all(
    Array.from({ length: count }, async (_, loop) => {
      while (!until()) await work(loop)
    }),
  )
}

/** Confirmation links in the outbox mails (tokens are stored hashed; the mails carry them). */
function confirmationLinks(databasePath: string, afterId = 0): { links: string[]; lastId: number } {
  const db = new SQLite(databasePath, { readonly: true })
  db.pragma('busy_timeout = 10000')
  const rows = db.prepare(`select id, text_body from outbox where kind = 'petition.confirm' and id > ? order by id`).all(afterId) as Array<{ id: number; text_body: string }>
  db.close()
  const links: string[] = []
  for (const row of rows) {
    const match = /\/petitions\/confirm\/([A-Za-z0-9%._~-]+)/.exec(row.text_body)
    if (match) links.push(`/petitions/confirm/${match[1]}`)
  }
  return { links, lastId: rows.at(-1)?.id ?? afterId }
}

const decodeEntities = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>')

/**
 * Follows a confirmation link as a person does: GET it; when the page asks for a button press (a
 * POST form aimed at the link), send that form with its hidden fields. Today the GET confirms.
 */
async function clickConfirmation(server: { url: string }, link: string): Promise<Answer & { posted: boolean }> {
  const at = performance.now()
  let res: Response
  let html: string
  try {
    res = await fetch(`${server.url}${link}`, { redirect: 'manual', headers: { 'accept-language': 'en' }, signal: AbortSignal.timeout(30_000) })
    html = await res.text()
  } catch (error) {
    return { status: 0, location: null, retryAfter: null, ms: performance.now() - at, error: String((error as Error).cause ?? (error as Error).message), posted: false }
  }
  if (res.status === 200) {
    for (const form of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
      const attributes = form[1]!
      if (!/method="post"/i.test(attributes)) continue
      const action = decodeEntities(/action="([^"]*)"/i.exec(attributes)?.[1] ?? link)
      if (!action.includes('/petitions/confirm/')) continue
      const fields = new URLSearchParams()
      for (const input of form[2]!.matchAll(/<(?:input|button)\b([^>]*)>/gi)) {
        const name = /name="([^"]*)"/i.exec(input[1]!)?.[1]
        if (!name) continue
        fields.append(decodeEntities(name), decodeEntities(/value="([^"]*)"/i.exec(input[1]!)?.[1] ?? ''))
      }
      const answer = await post(server, new URL(action, server.url).pathname, fields.toString(), { 'accept-language': 'en' })
      return { ...answer, ms: performance.now() - at, posted: true }
    }
  }
  return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), ms: performance.now() - at, posted: false }
}

/** The primary's child processes: its workers. */
function workersOf(primary: number): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === primary) pids.push(Number(entry))
    } catch {
      // gone
    }
  }
  return pids.sort((a, b) => a - b)
}

function rssMegabytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : NaN
  } catch {
    return NaN
  }
}

async function until(condition: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await sleep(100)
  }
}

const twoWorkersReady = (server: Killable) => until(() => workersOf(server.pid).length === 2 && server.output().includes('all workers ready'), 60_000, 'two workers ready')

const isServerError = (a: Answer) => a.status === 0 || a.status >= 500
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–')
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–')

// ------------------------------------------------------------------------------------------------
// 1. Confirmation clicks under signing load, two workers
// ------------------------------------------------------------------------------------------------

const CLICKS = Number(process.env.BENCH_CONFIRM_CLICKS ?? 2200)

async function benchConfirmations(): Promise<Verdict[]> {
  const databasePath = await freshDatabase()
  const { id, areas } = insertPetition(databasePath)
  const server = await start(databasePath, { WEB_CONCURRENCY: '2', DB_SYNCHRONOUS: 'FULL', LOG_LEVEL: 'info' })
  try {
    await twoWorkersReady(server)
    // Signatures to confirm, each with its mail in the outbox.
    let n = 0
    let refused = 0
    await loops(
      16,
      () => n >= CLICKS,
      async () => {
        const i = ++n
        if ((await sign(server, id, areas, i, 'click')).status !== 303) refused++
      },
    )
    const { links } = confirmationLinks(databasePath)

    // Click them all while 16 other connections keep signing the same petition.
    let clicking = true
    let s = 1_000_000
    let signed = 0
    let signErrors = 0
    let next = 0
    const clicks: Array<Answer & { posted: boolean }> = []
    const startedAt = performance.now()
    await Promise.all([
      loops(
        16,
        () => !clicking,
        async () => {
          const i = ++s
          const a = await sign(server, id, areas, i, 'load')
          if (a.status === 303) signed++
          else if (isServerError(a)) signErrors++
        },
      ),
      loops(
        16,
        () => next >= links.length,
        async () => {
          clicks.push(await clickConfirmation(server, links[next++]!))
        },
      ).then(() => (clicking = false)),
    ])
    const seconds = (performance.now() - startedAt) / 1000
    await sleep(500)

    const db = new SQLite(databasePath, { readonly: true })
    const stillPending = db.prepare(`select count(*) from petition_signatures where petition_id = ? and email like 'click%' and status = 'pending'`).pluck().get(id) as number
    db.close()
    const latencies = clicks.map((c) => c.ms).sort((a, b) => a - b)
    const errors = clicks.filter(isServerError)
    const other = clicks.filter((c) => !isServerError(c) && c.status !== 200 && c.status !== 303 && c.status !== 302)
    const byStatus = new Map<string, number>()
    for (const c of errors) byStatus.set(c.status ? String(c.status) : (c.error ?? 'closed'), (byStatus.get(c.status ? String(c.status) : (c.error ?? 'closed')) ?? 0) + 1)
    console.log(`\nFaults 1 — confirmation clicks while others sign (two workers, synchronous=FULL)`)
    console.log(`  ${n} signatures made to confirm (${refused} not 303), ${links.length} confirmation links read from the outbox`)
    console.log(
      `  clicks: ${clicks.length} (${clicks.filter((c) => c.posted).length} by a POST button) in ${f1(seconds)} s = ${f0(clicks.length / seconds)} clicks/s; p50 ${f1(percentile(latencies, 50))} ms, p95 ${f1(percentile(latencies, 95))} ms, max ${f1(latencies.at(-1) ?? NaN)} ms`,
    )
    console.log(
      `  errors (5xx or no answer): ${errors.length}${byStatus.size ? ` (${[...byStatus].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}; other answers (not 200/302/303): ${other.length}; still pending after their click: ${stillPending}`,
    )
    console.log(`  meanwhile signing: ${signed} signatures (${f0(signed / seconds)}/s), ${signErrors} errors`)
    return [
      target(
        'confirmation clicks under signing load, two workers: 0 errors of ≥ 2,000',
        clicks.length >= 2000 && errors.length === 0 && other.length === 0 && stillPending === 0 && signErrors === 0,
        `${clicks.length} clicks, ${errors.length} errors, ${f0(clicks.length / seconds)} clicks/s, p95 ${f1(percentile(latencies, 95))} ms, ${f0(signed / seconds)} signatures/s meanwhile`,
      ),
    ]
  } finally {
    await server.stop()
  }
}

// ------------------------------------------------------------------------------------------------
// 2. A backup while signing
// ------------------------------------------------------------------------------------------------

function runBackup(databasePath: string, to: string): Promise<{ code: number | null; output: string; ms: number }> {
  const at = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/backup.ts'), '--to', to, '--step-pages', process.env.BENCH_BACKUP_STEP_PAGES ?? '256'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c))
    child.stderr.on('data', (c: Buffer) => (output += c))
    // Bounded: a backup that has not finished in 5 minutes is stopped and counted as failed.
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output, ms: performance.now() - at })
    })
  })
}

async function benchBackup(): Promise<Verdict[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-faults-'))
  const databasePath = await freshDatabase(dir)
  const { id, areas } = insertPetition(databasePath)
  const server = await start(databasePath, { WEB_CONCURRENCY: '2', DB_SYNCHRONOUS: 'FULL' })
  const copy = path.join(dir, 'backup', 'copy.sqlite')
  let signing = true
  try {
    const acks: Array<{ email: string; at: number }> = []
    let errors = 0
    let n = 0
    const load = loops(
      32,
      () => !signing,
      async () => {
        const i = ++n
        const a = await sign(server, id, areas, i, 'backup')
        if (a.status === 303) acks.push({ email: `backup${i}@example.net`, at: Date.now() })
        else if (isServerError(a)) errors++
      },
    )
    await sleep(3000)
    const warmRate = acks.length / 3
    const startedAt = Date.now()
    const backup = await runBackup(databasePath, copy)
    const endedAt = Date.now()
    await sleep(1000)
    signing = false
    await load

    const before = acks.filter((a) => a.at < startedAt)
    const during = acks.filter((a) => a.at >= startedAt && a.at <= endedAt).length
    const rate = during / ((endedAt - startedAt) / 1000)
    const reported = /, (\d+) ms, integrity ok/.exec(backup.output)?.[1]
    let integrity = 'no copy'
    let missing = before.length
    let inCopy = 0
    if (backup.code === 0 && fs.existsSync(copy)) {
      const db = new SQLite(copy, { readonly: true })
      integrity = String(db.pragma('integrity_check', { simple: true }))
      const stored = new Set(db.prepare('select email from petition_signatures where petition_id = ?').pluck().all(id) as string[])
      db.close()
      inCopy = stored.size
      missing = before.filter((a) => !stored.has(a.email)).length
    }
    const leftovers = fs.existsSync(path.dirname(copy)) ? fs.readdirSync(path.dirname(copy)).filter((f) => f !== 'copy.sqlite') : []
    console.log(`\nFaults 2 — npm run backup while signing (two workers, synchronous=FULL)`)
    console.log(`  signing before the backup: ${f0(warmRate)}/s; during the backup: ${during} signatures in ${((endedAt - startedAt) / 1000).toFixed(2)} s = ${f0(rate)}/s; signing errors: ${errors}`)
    console.log(
      `  backup: exit ${backup.code} after ${((endedAt - startedAt) / 1000).toFixed(2)} s as a command (the copy itself ${reported ?? '?'} ms by its own account); other files left beside it: ${leftovers.length ? leftovers.join(', ') : 'none'}`,
    )
    console.log(`  the copy: integrity_check ${integrity}; ${inCopy} signatures; acknowledged before the backup started: ${before.length}, missing from the copy: ${missing}`)
    if (backup.code !== 0)
      console.log(
        backup.output
          .trim()
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      )
    return [
      target(
        'backup while signing ≥ 200/s: finishes, integrity ok, every signature acknowledged before it is in the copy',
        backup.code === 0 && integrity === 'ok' && missing === 0 && before.length > 0 && rate >= 200 && errors === 0,
        `exit ${backup.code} in ${((endedAt - startedAt) / 1000).toFixed(2)} s, signing ${f0(rate)}/s during it, integrity ${integrity}, ${before.length} acknowledged before, ${missing} missing`,
      ),
    ]
  } finally {
    signing = false
    await server.stop()
  }
}

// ------------------------------------------------------------------------------------------------
// 3. SIGKILL of one worker under load
// ------------------------------------------------------------------------------------------------

async function benchWorkerKill(): Promise<Verdict[]> {
  const databasePath = await freshDatabase()
  const { id, areas } = insertPetition(databasePath)
  const server = await start(databasePath, { WEB_CONCURRENCY: '2', DB_SYNCHRONOUS: 'FULL', LOG_LEVEL: 'info', PAGE_CACHE: 'false' })
  try {
    await twoWorkersReady(server)
    const outcomes: Array<{ start: number; end: number; ok: boolean; kind: string; status: number }> = []
    let stopAt = Date.now() + 60_000
    let n = 0
    const load = loops(
      16,
      () => Date.now() >= stopAt,
      async (loop) => {
        const start = Date.now()
        const write = loop % 2 === 1
        const a = write ? await sign(server, id, areas, ++n, 'kill') : await request(`${server.url}/petitions/${id}?q=${start}`, { headers: { 'accept-language': 'en' } })
        outcomes.push({ start, end: Date.now(), ok: write ? a.status === 303 : a.status === 200, kind: write ? 'sign' : 'read', status: a.status })
      },
    )
    await sleep(2000)
    const before = workersOf(server.pid)
    const victim = before[0]!
    const killedAt = Date.now()
    process.kill(victim, 'SIGKILL')
    stopAt = Date.now() + 4000
    await load
    const readyLines = () => server.output().split('all workers ready').length - 1
    let replacedMs = NaN
    try {
      await until(() => workersOf(server.pid).length === 2 && !workersOf(server.pid).includes(victim) && readyLines() >= 2, 60_000, 'a replacement worker')
      replacedMs = Date.now() - killedAt
    } catch {
      // reported below
    }
    const health = await request(`${server.url}/healthz`)
    const longest = Math.max(...outcomes.map((o) => o.end - o.start))
    const after = outcomes.filter((o) => o.start > killedAt + 200)
    const failed = outcomes.filter((o) => !o.ok)
    console.log(`\nFaults 3 — SIGKILL of one of two workers under load (8 connections reading, 8 signing)`)
    console.log(
      `  requests: ${outcomes.length} (${outcomes.filter((o) => o.kind === 'sign').length} signing), not answered with success: ${failed.length} (${failed.map((o) => `${o.kind} ${o.status || 'closed'}`).join(', ') || 'none'})`,
    )
    console.log(`  longest wait for an answer or a close: ${longest} ms; started after the kill: ${after.length}, of which served: ${after.filter((o) => o.ok).length}`)
    console.log(`  worker ${victim} killed; replacement ready after ${f0(replacedMs)} ms (workers now ${workersOf(server.pid).join(', ')}); /healthz ${health.status}`)
    return [
      target(
        'SIGKILL of one worker under load: every request answered or closed within 5 s, the survivor serves, a replacement starts',
        outcomes.length > 20 && longest < 5000 && after.length > 0 && after.every((o) => o.ok) && failed.length <= 16 && Number.isFinite(replacedMs) && health.status === 200,
        `longest ${longest} ms, ${failed.length} cut off of ${outcomes.length}, ${after.filter((o) => o.ok).length}/${after.length} served after the kill, replacement ready in ${f0(replacedMs)} ms`,
      ),
    ]
  } finally {
    await server.stop()
  }
}

// ------------------------------------------------------------------------------------------------
// 4. A filled disk
// ------------------------------------------------------------------------------------------------

/** Appends to `file` until the disk refuses; returns the bytes written. */
function topUp(file: string): number {
  const fd = fs.openSync(file, 'a')
  let written = 0
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size, 1)
      try {
        for (;;) written += fs.writeSync(fd, chunk)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return written
}

async function benchFullDisk(): Promise<Verdict[]> {
  if (process.getuid?.() !== 0) return [target('a filled disk', false, 'needs root to mount a tmpfs')]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-full-'))
  const templateBytes = fs.statSync((await freshDatabase(), template!)).size
  // Room for the database, its WAL and the 16 MB /healthz waits for after a full disk.
  const megabytes = Math.ceil(templateBytes / 1e6) * 2 + 64
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'ignore' })
  let server: Killable | undefined
  let loadRunning = false
  try {
    const databasePath = await freshDatabase(dir)
    const { id, areas } = insertPetition(databasePath)
    server = await start(databasePath, { WEB_CONCURRENCY: '2', DB_SYNCHRONOUS: 'FULL', PAGE_CACHE: 'false' })
    const s = server
    const pidsBefore = [s.pid, ...workersOf(s.pid)].join(',')
    let phase: 'before' | 'full' | 'recovering' | 'after' = 'before'
    const writes: Array<{ phase: string; a: Answer }> = []
    const reads: Array<{ phase: string; a: Answer }> = []
    const health: Array<{ phase: string; status: number }> = []
    const acknowledged: string[] = []
    loadRunning = true
    let n = 0
    const load = Promise.all([
      loops(
        8,
        () => !loadRunning,
        async () => {
          const i = ++n
          const a = await sign(s, id, areas, i, 'disk')
          // Counted in the phase its answer arrived in (the disk's state when the write ended).
          writes.push({ phase, a })
          if (a.status === 303) acknowledged.push(`disk${i}@example.net`)
        },
      ),
      loops(
        4,
        () => !loadRunning,
        async () => {
          const a = await request(`${s.url}/petitions/${id}`, { headers: { 'accept-language': 'en' } })
          reads.push({ phase, a })
        },
      ),
      loops(
        1,
        () => !loadRunning,
        async () => {
          const { status } = await request(`${s.url}/healthz`)
          health.push({ phase, status })
          await sleep(250)
        },
      ),
    ])
    await sleep(2000)

    // Fill the disk. A WAL that was already grown is reused after each checkpoint without taking
    // new space, so the WAL is truncated and the space it gave back taken too, until writes fail.
    const filler = path.join(dir, 'filler')
    phase = 'full'
    const filledAt = Date.now()
    topUp(filler)
    const checkpoint = new SQLite(databasePath)
    checkpoint.pragma('busy_timeout = 1000')
    let first503 = 0
    while (Date.now() - filledAt < 30_000) {
      try {
        checkpoint.pragma('wal_checkpoint(TRUNCATE)')
      } catch {
        // busy or full: try again
      }
      topUp(filler)
      if (!first503 && writes.some((w) => w.phase === 'full' && w.a.status === 503)) first503 = Date.now()
      if (first503 && Date.now() - first503 > 5000) break
      await sleep(100)
    }
    checkpoint.close()
    const fullFor = Date.now() - filledAt

    phase = 'recovering'
    const freedAt = Date.now()
    fs.rmSync(filler)
    let recoveredMs = NaN
    try {
      await until(() => health.some((h) => h.phase === 'recovering' && h.status === 200), 30_000, '/healthz 200 after the file was deleted')
      recoveredMs = Date.now() - freedAt
    } catch {
      // reported below
    }
    phase = 'after'
    await sleep(3000)
    loadRunning = false
    await load
    await sleep(500)
    const pidsAfter = [s.pid, ...workersOf(s.pid)].join(',')

    const db = new SQLite(databasePath, { readonly: true })
    const stored = new Set(db.prepare('select email from petition_signatures where petition_id = ?').pluck().all(id) as string[])
    db.close()
    const lost = acknowledged.filter((e) => !stored.has(e)).length
    const count = <T>(list: T[], phaseName: string, test: (x: T) => boolean) => list.filter((x) => (x as { phase: string }).phase === phaseName && test(x)).length
    const statuses = (list: Array<{ phase: string; a: Answer }>, phaseName: string) => {
      const m = new Map<string, number>()
      for (const x of list) if (x.phase === phaseName) m.set(String(x.a.status || 'closed'), (m.get(String(x.a.status || 'closed')) ?? 0) + 1)
      return [...m].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'
    }
    const refused = writes.filter((w) => w.a.status === 503)
    const withoutRetryAfter = refused.filter((w) => !(Number(w.a.retryAfter) > 0)).length
    const serverErrors = [...writes, ...reads].filter((x) => x.a.status >= 500 && x.a.status !== 503).length
    const closed = [...writes, ...reads].filter((x) => x.a.status === 0).length
    const fullReadsNot200 = count(reads, 'full', (r) => r.a.status !== 200)
    const fullHealth503 = count(health, 'full', (h) => h.status === 503)
    const fullHealth200 = count(health, 'full', (h) => h.status === 200)
    const afterWrites303 = count(writes, 'after', (w) => w.a.status === 303)
    const afterWrites503 = count(writes, 'after', (w) => w.a.status === 503)
    console.log(`\nFaults 4 — a filled disk (${megabytes} MB tmpfs, two workers) under signing and reading`)
    for (const p of ['before', 'full', 'recovering', 'after']) {
      console.log(
        `  ${p.padEnd(10)} writes {${statuses(writes, p)}}  reads {${statuses(reads, p)}}  /healthz {${[...new Set(health.filter((h) => h.phase === p).map((h) => h.status))].map((st) => `${st}: ${count(health, p, (h) => h.status === st)}`).join(', ') || 'none'}}`,
      )
    }
    console.log(
      `  full for ${(fullFor / 1000).toFixed(1)} s (first 503 after ${first503 ? ((first503 - filledAt) / 1000).toFixed(1) : '–'} s); 503 without Retry-After: ${withoutRetryAfter}; 500s: ${serverErrors}; connections closed: ${closed}`,
    )
    console.log(
      `  file deleted: /healthz 200 after ${f0(recoveredMs)} ms; then writes 303: ${afterWrites303}, 503: ${afterWrites503}; same processes throughout: ${pidsBefore === pidsAfter ? 'yes' : `no (${pidsBefore} → ${pidsAfter})`}`,
    )
    console.log(`  acknowledged (303) signatures: ${acknowledged.length}, in the database: ${acknowledged.length - lost}, lost: ${lost}`)
    return [
      target(
        'a filled disk: writes 503 + Retry-After, reads 200, /healthz 503; freed: /healthz 200 and writes again without restart; 0 lost',
        refused.length > 0 &&
          withoutRetryAfter === 0 &&
          serverErrors === 0 &&
          closed === 0 &&
          fullReadsNot200 === 0 &&
          fullHealth503 > 0 &&
          Number.isFinite(recoveredMs) &&
          afterWrites303 > 0 &&
          pidsBefore === pidsAfter &&
          lost === 0,
        `${refused.length} writes 503 (${withoutRetryAfter} without Retry-After), reads during full ${count(reads, 'full', (r) => r.a.status === 200)} × 200 / ${fullReadsNot200} other, /healthz during full 503 × ${fullHealth503} / 200 × ${fullHealth200}, recovered in ${f0(recoveredMs)} ms, ${afterWrites303} writes after, ${lost} of ${acknowledged.length} lost`,
      ),
    ]
  } finally {
    loadRunning = false
    await server?.stop()
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
      fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // already unmounted
    }
  }
}

// ------------------------------------------------------------------------------------------------
// 5. SIGKILL crash tests: signatures (petitions' own), ballots, reports
// ------------------------------------------------------------------------------------------------

/** Load by `connections` loops for `ms`, then SIGKILL to the whole process group mid-load. */
async function crashUnderLoad(server: Killable, ms: number, connections: number, send: (i: number) => Promise<void>) {
  let stop = false
  let n = 0
  const load = loops(
    connections,
    () => stop,
    () => send(++n),
  )
  await sleep(ms)
  await server.kill()
  stop = true
  await load
  return n
}

async function benchCrashBallots(): Promise<Verdict[]> {
  const databasePath = await freshDatabase()
  const processId = openVote(databasePath)
  const people = await makePeople(databasePath, 6000, 2, 'crashvoter')
  const server = await start(databasePath, { DB_SYNCHRONOUS: 'FULL' })
  const acknowledged: number[] = []
  let cutOff = 0
  let refused = 0
  const choices = [['parks'], ['bikes', 'library'], ['market', 'pool'], [], ['parks', 'pool'], ['library']]
  try {
    await crashUnderLoad(server, 3000, 32, async (i) => {
      if (i >= people.cookies.length) {
        await sleep(10) // everyone has voted: wait for the kill
        return
      }
      const body = new URLSearchParams([['intent', 'cast'], ...choices[i % choices.length]!.map((c) => ['approved', c])]).toString()
      const a = await post(server, `/votes/${processId}`, body, { cookie: people.cookies[i]! })
      if (a.status === 0) cutOff++
      else if ((a.status === 302 || a.status === 303) && a.location?.startsWith(`/votes/${processId}`)) acknowledged.push(people.ids[i]!)
      else refused++
    })
  } finally {
    await server.stop()
  }
  // Restart on the same database (recovery of the WAL), then look.
  const again = await startPlaza({ DATABASE_PATH: databasePath })
  try {
    const db = new SQLite(databasePath, { readonly: true })
    const stored = new Set(db.prepare('select voter_id from ballots where process_id = ? and replaced_at is null').pluck().all(processId) as number[])
    db.close()
    const lost = acknowledged.filter((v) => !stored.has(v)).length
    const verify = await runVerify(databasePath, processId)
    console.log(`\nFaults 5b — SIGKILL to every server process while casting ballots`)
    console.log(`  acknowledged: ${acknowledged.length}, cut off by the kill: ${cutOff}, refused otherwise: ${refused}; stored after restart: ${stored.size}; acknowledged but missing: ${lost}`)
    console.log(`  npm run tally:verify after the restart: exit ${verify.code}`)
    if (verify.code !== 0)
      console.log(
        verify.output
          .trim()
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      )
    return [
      target(
        'crash: every acknowledged ballot survives SIGKILL, tally:verify agrees',
        acknowledged.length > 0 && lost === 0 && verify.code === 0,
        `${acknowledged.length} acknowledged, ${lost} lost, tally:verify exit ${verify.code}`,
      ),
    ]
  } finally {
    await again.stop()
  }
}

async function benchCrashReports(): Promise<Verdict[]> {
  const databasePath = await freshDatabase()
  const people = await makePeople(databasePath, 500, 1, 'crashreporter')
  const points = reportPoints(databasePath)
  const server = await start(databasePath, { DB_SYNCHRONOUS: 'FULL' })
  const acknowledged: string[] = []
  let cutOff = 0
  let refused = 0
  try {
    await crashUnderLoad(server, 3000, 32, async (i) => {
      const p = points[i % points.length]!
      const title = `Crash pothole ${i}`
      const body = new URLSearchParams({
        intent: 'file',
        lat: String(p.lat),
        lng: String(p.lng),
        category: 'pothole',
        'attribute[depth]': 'deep',
        title,
        description: 'A pothole filed by the crash test, deep enough to matter.',
      }).toString()
      const a = await post(server, '/reports/new', body, { cookie: people.cookies[i % people.cookies.length]! })
      if (a.status === 0) cutOff++
      else if ((a.status === 302 || a.status === 303) && a.location && /^\/reports\/(\d+\?filed=1|new\?sent=1)/.test(a.location)) acknowledged.push(title)
      else refused++
    })
  } finally {
    await server.stop()
  }
  const again = await startPlaza({ DATABASE_PATH: databasePath })
  try {
    const db = new SQLite(databasePath, { readonly: true })
    const stored = new Set(db.prepare(`select title from reports where title like 'Crash pothole %'`).pluck().all() as string[])
    const onMap = db.prepare(`select count(*) from map_items m join reports r on r.id = m.item_id where m.kind = 'reports' and r.title like 'Crash pothole %'`).pluck().get() as number
    db.close()
    const lost = acknowledged.filter((t) => !stored.has(t)).length
    console.log(`\nFaults 5c — SIGKILL to every server process while filing reports`)
    console.log(
      `  acknowledged: ${acknowledged.length}, cut off by the kill: ${cutOff}, refused otherwise: ${refused}; stored after restart: ${stored.size} (on the map: ${onMap}); acknowledged but missing: ${lost}`,
    )
    return [
      target(
        'crash: every acknowledged report survives SIGKILL',
        acknowledged.length > 0 && lost === 0 && onMap === stored.size,
        `${acknowledged.length} acknowledged, ${lost} lost, ${onMap}/${stored.size} on the map`,
      ),
    ]
  } finally {
    await again.stop()
  }
}

// ------------------------------------------------------------------------------------------------
// 6. The soak
// ------------------------------------------------------------------------------------------------

async function benchSoak(): Promise<Verdict[]> {
  const minutes = Math.max(1, Number(process.env.BENCH_SOAK_MINUTES ?? 30) || 30)
  const databasePath = await freshDatabase()
  const { id, areas } = insertPetition(databasePath)
  const processId = openVote(databasePath)
  const people = await makePeople(databasePath, 500, 2, 'soaker')
  const points = reportPoints(databasePath)
  const server = await start(databasePath, { WEB_CONCURRENCY: '2', DB_SYNCHRONOUS: 'FULL', LOG_LEVEL: 'info' })
  try {
    await twoWorkersReady(server)
    const counts = new Map<string, { n: number; errors: number; other: number }>()
    const tally = (kind: string, a: Answer, ok: (s: number) => boolean) => {
      const c = counts.get(kind) ?? { n: 0, errors: 0, other: 0 }
      c.n++
      if (isServerError(a)) c.errors++
      else if (!ok(a.status)) c.other++
      counts.set(kind, c)
    }
    const links: string[] = []
    let lastMail = 0
    const pages = ['/', '/petitions', `/petitions/${id}`, '/reports', `/votes/${processId}`, '/map']
    const choices = [['parks'], ['bikes', 'library'], ['market', 'pool'], [], ['parks', 'pool'], ['library']]
    // Ten slots a round: five page reads, two signatures, a ballot, a report, a confirmation.
    const slots = ['read', 'sign', 'read', 'ballot', 'read', 'sign', 'read', 'report', 'read', 'confirm'] as const
    let n = 0
    const endAt = Date.now() + minutes * 60_000
    const load = loops(
      6,
      () => Date.now() >= endAt,
      async () => {
        const i = ++n
        const slot = slots[i % slots.length]!
        if (slot === 'read') tally('read', await request(`${server.url}${pages[i % pages.length]}`, { headers: { 'accept-language': ['en', 'es', 'fr'][i % 3]! } }), (s) => s === 200)
        else if (slot === 'sign') tally('sign', await sign(server, id, areas, i, 'soak'), (s) => s === 303)
        else if (slot === 'ballot') {
          const body = new URLSearchParams([['intent', 'cast'], ...choices[i % choices.length]!.map((c) => ['approved', c])]).toString()
          tally('ballot', await post(server, `/votes/${processId}`, body, { cookie: people.cookies[i % people.cookies.length]! }), (s) => s === 302 || s === 303)
        } else if (slot === 'report') {
          const p = points[i % points.length]!
          const body = new URLSearchParams({
            intent: 'file',
            lat: String(p.lat),
            lng: String(p.lng),
            category: 'pothole',
            'attribute[depth]': 'deep',
            title: `Soak pothole ${i}`,
            description: 'A pothole filed by the soak, deep enough to matter.',
          }).toString()
          tally('report', await post(server, '/reports/new', body, { cookie: people.cookies[i % people.cookies.length]! }), (s) => s === 302 || s === 303)
        } else {
          if (links.length === 0) {
            const fresh = confirmationLinks(databasePath, lastMail)
            lastMail = fresh.lastId
            links.push(...fresh.links)
          }
          const link = links.shift()
          if (link) tally('confirm', await clickConfirmation(server, link), (s) => s === 200 || s === 302 || s === 303)
        }
        // Bounded rate: a pause after every request keeps the soak steady rather than saturating.
        await sleep(40)
      },
    )
    // RSS of each worker, read every 5 s and averaged per minute: one reading a minute would mostly
    // measure where the garbage collector happened to be (a worker's RSS swings by 100 MB and more).
    const samples: Array<Map<number, number>> = []
    const sampler = (async () => {
      for (let minute = 1; minute <= minutes; minute++) {
        const minuteEnd = endAt - (minutes - minute) * 60_000
        const readings = new Map<number, number[]>()
        for (;;) {
          for (const pid of workersOf(server.pid)) {
            const mb = rssMegabytes(pid)
            if (Number.isFinite(mb)) readings.set(pid, [...(readings.get(pid) ?? []), mb])
          }
          if (Date.now() >= minuteEnd - 100) break
          await sleep(Math.min(5000, Math.max(0, minuteEnd - Date.now())))
        }
        const means = new Map([...readings].map(([pid, list]) => [pid, list.reduce((a, b) => a + b, 0) / list.length] as const))
        samples.push(means)
        const total = [...counts.values()].reduce((sum, c) => sum + c.n, 0)
        const shown = [...readings].map(([pid, list]) => `worker ${pid} ${f1(means.get(pid)!)} MB (${f0(Math.min(...list))}–${f0(Math.max(...list))})`)
        console.log(`  soak minute ${String(minute).padStart(2)}: ${shown.join(', ')}  (${total} requests so far)`)
      }
    })()
    console.log(`\nFaults 6 — soak: ${minutes} min of mixed load (6 connections, 40 ms pause after each request), RSS per worker per minute (mean of readings every 5 s, min–max)`)
    await Promise.all([load, sampler])
    const window = samples.slice(-Math.min(10, samples.length))
    const first = window[0]!
    const last = window.at(-1)!
    const growth: Array<{ pid: number; from: number; to: number; pct: number }> = []
    for (const [pid, to] of last) {
      const from = first.get(pid)
      if (from !== undefined) growth.push({ pid, from, to, pct: ((to - from) / from) * 100 })
    }
    const max = Math.max(...growth.map((g) => g.pct))
    const replaced = [...last.keys()].filter((pid) => !first.has(pid)).length
    const total = [...counts.values()].reduce((sum, c) => sum + c.n, 0)
    const errors = [...counts.values()].reduce((sum, c) => sum + c.errors, 0)
    console.log(`  requests: ${total} (${f0(total / (minutes * 60))}/s): ${[...counts].map(([k, c]) => `${k} ${c.n} (${c.errors} errors, ${c.other} unexpected)`).join('; ')}`)
    console.log(
      `  RSS over the last ${window.length} minute(s) (minute ${samples.length - window.length + 1} → ${samples.length}): ${growth.map((g) => `worker ${g.pid} ${f1(g.from)} → ${f1(g.to)} MB (${g.pct >= 0 ? '+' : ''}${g.pct.toFixed(1)} %)`).join(', ')}; max ${max.toFixed(1)} %${replaced ? `; ${replaced} worker(s) not present at the window's start` : ''}`,
    )
    if (window.length < 10) console.log(`  (a soak of ${minutes} min has no ten-minute window: the comparison spans the whole soak, warm-up included)`)
    return [
      target(
        `soak ${minutes} min: RSS of each worker grows < 5 % over the last ten minutes`,
        growth.length === 2 && replaced === 0 && max < 5,
        `max ${max.toFixed(1)} % (${growth.map((g) => `${g.pct.toFixed(1)} %`).join(', ')})`,
      ),
      target(`soak ${minutes} min: no 5xx and no connection errors`, errors === 0 && total > 0, `${errors} errors of ${total} requests`),
    ]
  } finally {
    await server.stop()
  }
}

// ------------------------------------------------------------------------------------------------

async function step(name: string, run: () => Promise<Verdict[]>): Promise<Verdict[]> {
  try {
    return await run()
  } catch (error) {
    console.log(`\n${name}: the step itself failed: ${(error as Error).stack ?? String(error)}`)
    return [target(name, false, `step failed: ${(error as Error).message.split('\n')[0]}`)]
  }
}

export async function benchFaults(seconds: number): Promise<Verdict[]> {
  const only = process.env.BENCH_FAULTS_ONLY?.split(',')
  const steps: Array<[string, string, () => Promise<Verdict[]>]> = [
    ['confirm', 'confirmation clicks under signing load', benchConfirmations],
    ['backup', 'backup while signing', benchBackup],
    ['worker', 'SIGKILL of one worker', benchWorkerKill],
    ['disk', 'a filled disk', benchFullDisk],
    ['crash', 'crash: signatures', () => benchCrash(seconds)],
    ['crash', 'crash: ballots', benchCrashBallots],
    ['crash', 'crash: reports', benchCrashReports],
    ['soak', 'soak', benchSoak],
  ]
  const verdicts: Verdict[] = []
  for (const [key, name, run] of steps) if (!only || only.includes(key)) verdicts.push(...(await step(name, run)))
  return verdicts
}
