import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import pg from 'pg'
import { createCookie } from '@remix-run/node'
import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { benchCity, benchEngine, benchPostgresDatabase, load, postgresStats, printResults, root, startBare, startPlaza, target, treeCpuSeconds, type BenchCity, type Verdict } from './lib'
import { openDatabase, migrateOrThrow } from '../../app/lib/db.server'
import { statements } from '../../app/lib/db/statements'
import { ballotHash, canonicalJson, GENESIS_HASH, receiptCode } from '../../app/modules/voting/chain'
import { tallyContributions } from '../../app/modules/voting/voting.server'
import type { MethodSpec } from '../../app/modules/voting/methods'

/**
 * Voting: (1) casting ballots over HTTP — the real /votes/:id action (session, process, weight,
 * validation, then one write: previous ballot replaced, the chained ballot, head, running tallies)
 * by 2,000 verified people at once in an open approval vote, beside a bare node:http server
 * answering the same POST and raw SQLite inserts of ballot-sized rows; then tally:verify of what was
 * cast must pass. (2) `npm run tally:verify` of 1,000,000 ballots (a valid chain generated straight
 * into SQLite, 5% of them re-cast), beside a raw scan of the same rows.
 * Targets: ≥ 1,000 ballots/s stored; verification of 1,000,000 ballots ≤ 10 s.
 */

const SPEC: MethodSpec = { method: 'approval', options: ['parks', 'bikes', 'library', 'market', 'pool'], maxChoices: 2, minChoices: 0 }
const POLICY = { rules: [{ minLevel: 2, residence: 'any', weight: 1000 }], default: 500 }
const PEOPLE = 2000

export function insertProcess(db: SQLite.Database, title: string): number {
  const at = new Date().toISOString()
  const row = db
    .prepare(
      `insert into voting_processes (title, description_md, description_html, method, spec, weight_policy, required_level, delegation, state, opens_at, closes_at, created_at, updated_at)
       values (?, '', '', 'approval', ?, ?, 1, 1, 'open', ?, ?, ?, ?) returning id`,
    )
    .get(title, JSON.stringify(SPEC), JSON.stringify(POLICY), new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() + 86_400_000).toISOString(), at, at) as { id: number }
  return row.id
}

/** prepareCasting on either engine: multi-row inserts with `returning id`, 500 people at a time. */
async function prepareCastingIn(city: BenchCity) {
  const stamp = new Date().toISOString()
  const tokens: string[] = []
  for (let from = 0; from < PEOPLE; from += 500) {
    const people = Array.from({ length: Math.min(500, PEOPLE - from) }, (_, k) => from + k)
    const users = await city.query<{ id: number }>(
      `insert into users (email, email_confirmed_at, display_name, verification_level, created_at, updated_at) values ${people.map(() => '(?, ?, ?, 2, ?, ?)').join(', ')} returning id`,
      ...people.flatMap((i) => [`voter${i}@example.org`, stamp, `Voter ${i}`, stamp, stamp]),
    )
    const sessions = users.map((u) => {
      const token = encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))
      tokens.push(token)
      return [encodeHexLowerCase(sha256(new TextEncoder().encode(token))), Number(u.id), Date.now() + 86_400_000, stamp]
    })
    await city.query(`insert into sessions (id, user_id, expires_at, created_at) values ${sessions.map(() => '(?, ?, ?, ?)').join(', ')}`, ...sessions.flat())
  }
  const at = new Date().toISOString()
  const [row] = await city.query<{ id: number }>(
    `insert into voting_processes (title, description_md, description_html, method, spec, weight_policy, required_level, delegation, state, opens_at, closes_at, created_at, updated_at)
     values (?, '', '', 'approval', ?, ?, 1, 1, 'open', ?, ?, ?, ?) returning id`,
    'Benchmark vote',
    JSON.stringify(SPEC),
    JSON.stringify(POLICY),
    new Date(Date.now() - 3_600_000).toISOString(),
    new Date(Date.now() + 86_400_000).toISOString(),
    at,
    at,
  )
  return { tokens, processId: Number(row!.id) }
}

/** Ballot-sized rows inserted one per transaction with synchronous=FULL, as acknowledged writes must be. */
function rawInserts(seconds: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-raw-'))
  const db = new SQLite(path.join(dir, 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`create table ballots (id integer primary key, process_id integer, voter_id integer, receipt text unique, choices text, weight integer, cast_at text, prev_hash text, hash text)`)
  const insert = db.prepare(`insert into ballots (process_id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash) values (1, ?, ?, '{"approved":["bikes","parks"]}', 1000, ?, ?, ?)`)
  const end = Date.now() + Math.min(seconds, 3) * 1000
  let n = 0
  const hash = 'a'.repeat(64)
  while (Date.now() < end) insert.run(n, `R${n++}`, new Date().toISOString(), hash, hash)
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return n / Math.min(seconds, 3)
}

export function runVerify(databasePath: string, processId: number, env: Record<string, string> = {}): Promise<{ code: number | null; seconds: number; output: string }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/tally-verify.ts'), '--process', String(processId)], {
      cwd: root,
      env: { ...process.env, DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c))
    child.stderr.on('data', (c: Buffer) => (output += c))
    child.on('exit', (code) => resolve({ code, seconds: (performance.now() - started) / 1000, output }))
  })
}

async function benchCasting(seconds: number): Promise<Verdict[]> {
  const city = await benchCity()
  const { tokens, processId } = await prepareCastingIn(city)
  const plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', ...city.env })
  const where = city.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'
  try {
    const cookie = createCookie('plaza_session', { path: '/', httpOnly: true, sameSite: 'lax' })
    const cookies = await Promise.all(tokens.map(async (t) => (await cookie.serialize(t)).split(';')[0]!))
    const bare = await startBare('')
    let baseline
    try {
      baseline = await load('bare node:http, same POSTs', { url: `${bare.url}/`, method: 'POST', connections: 32, seconds, body: 'intent=cast&approved=parks' })
    } finally {
      await bare.stop()
    }
    const raw = rawInserts(seconds)
    const choices = [['parks'], ['bikes', 'library'], ['market', 'pool'], [], ['parks', 'pool'], ['library']]
    let n = 0
    const stats = await postgresStats(city)
    await stats.reset()
    const cpuBefore = treeCpuSeconds(plaza.pid!)
    const casting = await load(`casting ballots (${PEOPLE} people)`, {
      url: `${plaza.url}/votes/${processId}`,
      method: 'POST',
      connections: 32,
      seconds,
      setupRequest: (request) => {
        n++
        const body = new URLSearchParams([['intent', 'cast'], ...choices[n % choices.length]!.map((c) => ['approved', c])]).toString()
        return { ...request, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url, cookie: cookies[n % cookies.length]! }, body }
      },
    })
    const cpu = treeCpuSeconds(plaza.pid!) - cpuBefore
    await stats.print()
    const [counts] = await city.query<{ stored: number; active: number }>(
      'select (select count(*) from ballots where process_id = ?) as stored, (select count(*) from ballots where process_id = ? and replaced_at is null) as active',
      processId,
      processId,
    )
    const [stored, active] = [Number(counts!.stored), Number(counts!.active)]
    printResults(`Voting on ${where} — casting ballots over HTTP (answers 302, counted as non-2xx)`, [baseline, casting])
    const perSecond = stored / seconds
    const verify = await runVerify(city.env.DATABASE_PATH!, processId, city.env)
    console.log(`  ballots stored: ${stored} (${perSecond.toFixed(0)}/s; ${active} voters' active ballots, the rest re-cast); ratio Plaza/bare ${(casting.rps / baseline.rps).toFixed(3)}`)
    console.log(`  raw SQLite inserts of ballot rows, one fsync'd transaction each: ${raw.toFixed(0)}/s; ratio Plaza/raw ${(perSecond / raw).toFixed(3)}`)
    console.log(`  tally:verify of the cast ballots: exit ${verify.code} in ${verify.seconds.toFixed(1)} s`)
    console.log(
      `  server CPU: ${cpu.toFixed(1)} s for ${casting.requests} casting requests (${((cpu * 1000) / Math.max(1, casting.requests)).toFixed(2)} ms each); the machine's load average: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    )
    return [
      target(
        'casting ballots over HTTP ≥ 1,000/s, and they verify',
        perSecond >= 1000 && casting.errors === 0 && verify.code === 0,
        `${perSecond.toFixed(0)} ballots/s stored, p95 ${casting.p95.toFixed(1)} ms, tally:verify exit ${verify.code}`,
      ),
    ]
  } finally {
    await plaza.stop()
    await city.kysely.destroy()
    await city.close()
  }
}

/** The ballots of a valid chain of `count` ballots, `recastShare` of them re-cast, 20,000 rows at a time; then the tallies and the head. */
function* chainRows(processId: number, count: number, recastShare: number) {
  const choices = [['parks'], ['bikes', 'library'], ['market', 'pool'], [], ['parks', 'pool'], ['library'], ['bikes'], ['market', 'parks']].map((approved) => ({ approved }))
  const tallies = new Map<string, { weight: number; ballots: number }>()
  const recast = Math.floor(count * recastShare)
  let head = GENESIS_HASH
  const start = Date.parse('2026-05-01T08:00:00.000Z')
  const BATCH = 20_000
  for (let from = 0; from < count; from += BATCH) {
    const rows: unknown[][] = []
    for (let i = from; i < Math.min(count, from + BATCH); i++) {
      // The first `recast` ballots are replaced later by their voters' final ones.
      const replaced = i < recast
      const voter = replaced ? i : i - recast
      const weight = voter % 10 === 0 ? 500 : 1000
      const chosen = choices[(i * 7 + 3) % choices.length]!
      const receipt = receiptCode()
      const castAt = new Date(start + i * 10).toISOString()
      const hash = ballotHash(head, { castAt, choices: chosen, process: processId, receipt, weight })
      rows.push([processId, voter + 1, receipt, canonicalJson(chosen), weight, 2, 1, castAt, head, hash, replaced ? new Date(start + (voter + recast) * 10).toISOString() : null])
      head = hash
      if (!replaced) {
        for (const [key, perWeight, fixed, heads] of tallyContributions(SPEC, chosen)) {
          const cell = tallies.get(key) ?? { weight: 0, ballots: 0 }
          cell.weight += perWeight * weight + fixed
          cell.ballots += heads
          tallies.set(key, cell)
        }
      }
    }
    yield { rows }
  }
  return { tallies, head, voters: count - recast }
}

/** A valid chain of `count` ballots straight into SQLite, with its tallies and head; `recast` of them re-cast. */
export async function generateChain(databasePath: string, count: number, recastShare: number) {
  const database = openDatabase({ path: databasePath, synchronous: 'NORMAL' })
  await migrateOrThrow(database)
  await database.close()
  const db = new SQLite(databasePath)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  // Voter ids are plain numbers here (no million accounts): verification never joins the voters.
  db.pragma('foreign_keys = OFF')
  const processId = insertProcess(db, 'A million ballots')
  const insert = db.prepare(
    `insert into ballots (process_id, voter_id, receipt, choices, weight, level, resides_inside, cast_at, prev_hash, hash, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const pages = chainRows(processId, count, recastShare)
  let next = pages.next()
  for (; !next.done; next = pages.next()) {
    const { rows } = next.value
    db.transaction(() => {
      for (const row of rows) insert.run(...row)
    })()
  }
  const { tallies, head, voters } = next.value
  db.transaction(() => {
    const upsert = db.prepare(`insert into tallies (process_id, key, weight, ballots) values (?, ?, ?, ?)`)
    for (const [key, t] of tallies) upsert.run(processId, key, t.weight, t.ballots)
    db.prepare(`update voting_processes set chain_head = ?, ballots = ?, state = 'closed' where id = ?`).run(head, count, processId)
  })()
  db.close()
  return { processId, voters }
}

const BALLOT_COLUMNS = {
  process_id: 'integer',
  voter_id: 'integer',
  receipt: 'text',
  choices: 'text',
  weight: 'integer',
  level: 'integer',
  resides_inside: 'integer',
  cast_at: 'text',
  prev_hash: 'text',
  hash: 'text',
  replaced_at: 'text',
} as const

/** The same chain straight into a new PostgreSQL database: multi-row inserts through the db layer (Statements.insertRows, 1,000 rows a statement). */
export async function generateChainPostgres(url: string, count: number, recastShare: number) {
  const database = openDatabase({ path: '', url })
  try {
    await migrateOrThrow(database)
    const at = new Date().toISOString()
    const [process_] = await database.write((trx) =>
      statements(database, trx).insertRows<{ id: number }>(
        'voting_processes',
        {
          title: 'text',
          description_md: 'text',
          description_html: 'text',
          method: 'text',
          spec: 'text',
          weight_policy: 'text',
          required_level: 'integer',
          delegation: 'integer',
          state: 'text',
          opens_at: 'text',
          closes_at: 'text',
          created_at: 'text',
          updated_at: 'text',
        },
        [
          [
            'A million ballots',
            '',
            '',
            'approval',
            JSON.stringify(SPEC),
            JSON.stringify(POLICY),
            1,
            1,
            'open',
            new Date(Date.now() - 3_600_000).toISOString(),
            new Date(Date.now() + 86_400_000).toISOString(),
            at,
            at,
          ],
        ],
        'returning id',
      ),
    )
    const processId = Number(process_!.id)
    const pages = chainRows(processId, count, recastShare)
    let next = pages.next()
    for (; !next.done; next = pages.next()) {
      const { rows } = next.value
      await database.write(async (trx) => {
        const run = statements(database, trx)
        // Voter ids are plain numbers here (no million accounts): the foreign keys' triggers are off for this fill only.
        await run.run('set local session_replication_role = replica')
        await run.insertRows('ballots', BALLOT_COLUMNS, rows)
      })
    }
    const { tallies, head, voters } = next.value
    await database.write(async (trx) => {
      const run = statements(database, trx)
      await run.insertRows(
        'tallies',
        { process_id: 'integer', key: 'text', weight: 'integer', ballots: 'integer' },
        [...tallies].map(([key, t]) => [processId, key, t.weight, t.ballots]),
      )
      await run.run(`update voting_processes set chain_head = ?, ballots = ?, state = 'closed' where id = ?`, head, count, processId)
    })
    await sql`analyze ballots`.execute(database.db)
    return { processId, voters }
  } finally {
    await database.close()
  }
}

/** The floor under any verification: reading the same rows and nothing else. */
function rawScan(databasePath: string, processId: number) {
  const db = new SQLite(databasePath, { readonly: true })
  const started = performance.now()
  let n = 0
  for (const row of db.prepare(`select id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash, replaced_at from ballots where process_id = ? order by id`).raw(true).iterate(processId)) {
    if (row) n++
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { rows: n, seconds }
}

async function benchVerify(engine: 'sqlite' | 'postgres'): Promise<Verdict[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-verify-'))
  const databasePath = path.join(dir, 'plaza.sqlite')
  try {
    const count = Number(process.env.BENCH_VERIFY_BALLOTS ?? 1_000_000)
    const setupStarted = performance.now()
    const url = engine === 'postgres' ? await benchPostgresDatabase('verify') : null
    const { processId } = url ? await generateChainPostgres(url, count, 0.05) : await generateChain(databasePath, count, 0.05)
    const setup = (performance.now() - setupStarted) / 1000
    const scan = url ? await rawScanPostgres(url, processId) : rawScan(databasePath, processId)
    const verify = await runVerify(databasePath, processId, url ? { DATABASE_URL: url } : {})
    const inner = /verified in ([\d.]+) s/.exec(verify.output)?.[1]
    const where = url ? 'PostgreSQL' : 'SQLite'
    console.log(`\nVoting on ${where} — tally:verify of ${count.toLocaleString('en')} ballots (approval, 5% re-cast)`)
    console.log(`  setup (generating the chain into ${where}, not measured): ${setup.toFixed(1)} s`)
    console.log(`  raw scan of the same rows: ${scan.seconds.toFixed(2)} s`)
    console.log(
      `  npm run tally:verify, whole command: ${verify.seconds.toFixed(2)} s (the verification itself ${inner ?? '?'} s); exit ${verify.code}; ratio to the raw scan ${(verify.seconds / scan.seconds).toFixed(1)}×; the machine's load average: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    )
    if (verify.code !== 0) console.log(verify.output)
    return [target('tally:verify of 1,000,000 ballots ≤ 10 s', verify.code === 0 && verify.seconds <= 10 && count >= 1_000_000, `${verify.seconds.toFixed(2)} s, exit ${verify.code}`)]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The floor on PostgreSQL: the same rows read in id order (one query, rows as arrays) and nothing else. */
async function rawScanPostgres(url: string, processId: number) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const started = performance.now()
    const { rows } = await client.query({
      text: 'select id, voter_id, receipt, choices, weight, cast_at, prev_hash, hash, replaced_at from ballots where process_id = $1 order by id',
      values: [processId],
      rowMode: 'array',
    })
    return { rows: rows.length, seconds: (performance.now() - started) / 1000 }
  } finally {
    await client.end()
  }
}

export async function benchVoting(seconds: number): Promise<Verdict[]> {
  // BENCH_VOTING=casting or verify: one part only.
  const parts = process.env.BENCH_VOTING ?? 'casting verify'
  return [...(parts.includes('casting') ? await benchCasting(seconds) : []), ...(parts.includes('verify') ? await benchVerify(benchEngine()) : [])]
}
