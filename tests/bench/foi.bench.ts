import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import nodemailer from 'nodemailer'
import MailComposer from 'nodemailer/lib/mail-composer'
import { freePort } from '../support/server'
import { benchCity, percentile, scratchDir, startPlaza, target, type Verdict } from './lib'
import { termsOf } from '../../app/modules/foi/search'

/**
 * Freedom of information (issue 22), on a real Plaza on 127.0.0.1:
 * - search: BENCH_FOI_REQUESTS (default 100,000) requests with three answers each (300,000), their
 *   words in foi_search_terms as Plaza writes them; GET /information-requests?q=… for one and two
 *   words, sequentially. Target: p95 ≤ 50 ms.
 * - receiving: BENCH_FOI_ANSWERS (default 500) answers with a 1 MB attachment each, sent over SMTP
 *   to the per-request addresses by 20 connections (composed, dot-stuffed and framed before the clock
 *   starts; see `rawSmtpClient`, or nodemailer with BENCH_FOI_CLIENT=nodemailer). Targets:
 *   ≥ 100 answers/s acknowledged (durably spooled), and every one then stored on its request (the
 *   time until the last is stored is reported too).
 */

const N = Number(process.env.BENCH_FOI_REQUESTS ?? 100_000)
const ANSWERS = Number(process.env.BENCH_FOI_ANSWERS ?? 500)
const DOMAIN = 'requests.bench.example'
const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}${'abcdefghij'[i % 10]}`)

function words(count: number, seed: number) {
  const out: string[] = []
  let x = seed
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    // Zipf-like: low indexes are common words, high ones rare.
    out.push(VOCABULARY[Math.floor(VOCABULARY.length * Math.pow(x / 2147483648, 3))]!)
  }
  return out.join(' ')
}

/**
 * The fixture, written straight into the SQLite file before Plaza starts (as Plaza would write it:
 * the same tables, the same folded words). The words are inserted sorted by term, and the
 * request_id index is dropped meanwhile and rebuilt after (CREATE INDEX sorts once): ~12 million
 * index entries go in in order instead of one random B-tree insert each.
 */
function populate(databasePath: string) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 20000')
  db.pragma('cache_size = -131072')
  const at = new Date().toISOString()
  const userId = (db.prepare("select id from users where email = 'citizen@valmera.example'").get() as { id: number }).id
  const body = db
    .prepare("insert into foi_bodies (slug, name, email, law, created_at, updated_at) values ('bench-body', '{\"en\":\"Bench body\"}', 'foi@bench.example', 'uk_foia', ?, ?) returning id")
    .get(at, at) as { id: number }
  const request = db.prepare(
    "insert into foi_requests (token, user_id, body_id, law, title, status, sent_at, due_on, long_overdue_on, last_message_at, created_at) values (?, ?, ?, 'uk_foia', ?, 'awaiting', ?, '2099-01-01', '2099-02-01', ?, ?) returning id",
  )
  const message = db.prepare('insert into foi_messages (request_id, direction, kind, subject, text, created_at) values (?, ?, ?, ?, ?, ?)')
  const tokens: string[] = []
  // Each request's term ids (into `dictionary`), kept compact until they are written sorted.
  const dictionary = new Map<string, number>()
  const termIds: number[] = []
  const ranges: Array<[requestId: number, from: number, to: number]> = []
  const t = performance.now()
  for (let start = 0; start < N; start += 5000) {
    db.transaction(() => {
      for (let i = start; i < Math.min(N, start + 5000); i++) {
        const token = randomBytes(20)
          .toString('hex')
          .replace(/[^a-z2-7]/g, 'a')
          .slice(0, 32)
          .padEnd(32, 'a')
        tokens.push(token)
        const title = `Request ${words(4, i + 1)}`
        const sent = new Date(Date.now() - (N - i) * 60_000).toISOString()
        const { id } = request.get(token, userId, body.id, title, sent, sent, sent) as { id: number }
        const texts = [title, words(60, i * 7 + 3)]
        message.run(id, 'out', 'request', title, texts[1], sent)
        for (let a = 0; a < 3; a++) {
          const answer = words(40, i * 13 + a * 5 + 7)
          texts.push(answer)
          message.run(id, 'in', 'answer', `Re: ${title}`, answer, sent)
        }
        const from = termIds.length
        for (const w of termsOf(texts)) {
          let termId = dictionary.get(w)
          if (termId === undefined) dictionary.set(w, (termId = dictionary.size))
          termIds.push(termId)
        }
        ranges.push([id, from, termIds.length])
      }
    })()
  }
  // Bucket the (term, request) pairs by term, request ids ascending within a term.
  const terms = [...dictionary.keys()]
  const counts = new Uint32Array(terms.length + 1)
  for (const termId of termIds) counts[termId + 1]!++
  for (let i = 1; i <= terms.length; i++) counts[i]! += counts[i - 1]!
  const byTerm = new Uint32Array(termIds.length)
  const fill = counts.slice(0, terms.length)
  for (const [id, from, to] of ranges) for (let k = from; k < to; k++) byTerm[fill[termIds[k]!]!++] = id
  const order = terms.map((_, i) => i).sort((a, b) => (terms[a]! < terms[b]! ? -1 : terms[a]! > terms[b]! ? 1 : 0))
  db.exec('drop index foi_search_terms_request')
  const term = db.prepare('insert into foi_search_terms (term, request_id) values (?, ?)')
  for (let o = 0; o < order.length;) {
    db.transaction(() => {
      for (let rows = 0; o < order.length && rows < 200_000; o++) {
        const termId = order[o]!
        for (let k = counts[termId]!; k < counts[termId + 1]!; k++, rows++) term.run(terms[termId], byTerm[k])
      }
    })()
  }
  db.exec('create index foi_search_terms_request on foi_search_terms (request_id)')
  const seconds = (performance.now() - t) / 1000
  db.close()
  return { tokens, seconds, pairs: termIds.length }
}

const load = () =>
  `load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.availableParallelism()} cores`

/** Sequential searches of one kind; p50 and p95 over all of them. */
async function searches(url: string, label: string, queries: string[]) {
  for (const q of queries.slice(0, 10)) await fetch(`${url}/information-requests?q=${encodeURIComponent(q)}`).then((r) => r.text())
  const times: number[] = []
  let errors = 0
  for (const q of queries) {
    const t = performance.now()
    const res = await fetch(`${url}/information-requests?q=${encodeURIComponent(q)}`)
    await res.text()
    times.push(performance.now() - t)
    if (res.status !== 200) errors++
  }
  times.sort((a, b) => a - b)
  console.log(
    `    ${label.padEnd(34)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(times, 95).toFixed(1).padStart(6)} ms   (${times.length} searches, ${errors} errors; ${load()})`,
  )
  return { times, errors }
}

// Common words are the vocabulary's first (words() draws low indexes most), rare ones its last.
const common = (i: number) => VOCABULARY[i % 20]!
const rare = (i: number) => VOCABULARY[VOCABULARY.length - 1 - ((i * 37) % 5000)]!

async function benchSearch(url: string): Promise<Verdict> {
  const kinds: Array<[string, string[]]> = [
    ['one common word', Array.from({ length: 60 }, (_, i) => common(i))],
    ['one rare word', Array.from({ length: 60 }, (_, i) => rare(i))],
    ['two common words', Array.from({ length: 60 }, (_, i) => `${common(i)} ${common(i + 7)}`)],
    ['a common and a rare word', Array.from({ length: 60 }, (_, i) => `${common(i)} ${rare(i)}`)],
    ['three words as people type', Array.from({ length: 60 }, (_, i) => words(3, i + 199))],
    ['a word prefix (last word typed)', Array.from({ length: 60 }, (_, i) => `${common(i)} ${VOCABULARY[100 + i]!.slice(0, 3)}`)],
  ]
  const all: number[] = []
  let errors = 0
  for (const [label, queries] of kinds) {
    const r = await searches(url, label, queries)
    all.push(...r.times)
    errors += r.errors
  }
  all.sort((a, b) => a - b)
  const p95 = percentile(all, 95)
  return target(
    'search p95 ≤ 50 ms',
    p95 <= 50 && errors === 0,
    `p50 ${percentile(all, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${errors} errors over ${all.length} searches of six kinds (${load()})`,
  )
}

/**
 * CPU time (user + system, from /proc; Linux only) of a process's main thread (the event loop that
 * speaks SMTP and commits the answers), of its parse threads (told apart by their raised nice
 * value, ADR 141) and of its other threads together (libuv's, which write and fsync the spool,
 * and V8's helpers). CPU time counts neither waiting for a core nor sleeping in fsync, so on a
 * shared machine it says more about a change than the wall-clock rate does.
 */
function threadCpu(pid: number | undefined): { main: number; parse: number; others: number } | null {
  if (!pid) return null
  try {
    let main = 0
    let parse = 0
    let others = 0
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        // Fields 14 and 15 of stat (utime, stime) and 19 (nice), counted from the state (field 3) here.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const ms = (Number(fields[11]) + Number(fields[12])) * 10
        if (tid === String(pid)) main += ms
        else if (Number(fields[16]) > 0) parse += ms
        else others += ms
      } catch {
        // A thread that ended meanwhile.
      }
    }
    return { main, parse, others }
  } catch {
    return null
  }
}

const cpuPerAnswer = (before: ReturnType<typeof threadCpu>, after: ReturnType<typeof threadCpu>) =>
  before && after
    ? `Plaza main thread ${((after.main - before.main) / ANSWERS).toFixed(1)} ms, parse threads ${((after.parse - before.parse) / ANSWERS).toFixed(1)} ms, other threads ${((after.others - before.others) / ANSWERS).toFixed(1)} ms`
    : 'Plaza: not measured'

/**
 * A lean SMTP client, as a mail exchanger on another machine would be to Plaza: real SMTP over TCP
 * (banner, EHLO, MAIL FROM, RCPT TO, DATA, the message dot-stuffed and ended by CRLF.CRLF, QUIT),
 * each reply read and checked, the envelope commands pipelined (RFC 2920: the server offers
 * PIPELINING; the message is written only after DATA's 354, and the next envelope only after the
 * message's 250). The messages are stuffed and framed before the clock starts, so sending one costs
 * the client a socket write instead of nodemailer's dot-stuffing of 1.4 MB in JavaScript (which, on
 * a machine of 2 cores, took CPU from the server measured). A refusal is passed to `onRefused`.
 */
function frameForSmtp(raw: Buffer): Buffer {
  // Every line that starts with a dot gets one more (RFC 5321 4.5.2); then CRLF . CRLF.
  const parts: Buffer[] = []
  let from = 0
  if (raw[0] === 0x2e) parts.push(Buffer.from('.'))
  for (let i = raw.indexOf('\n.'); i !== -1; i = raw.indexOf('\n.', i + 1)) {
    parts.push(raw.subarray(from, i + 1), Buffer.from('.'))
    from = i + 1
  }
  parts.push(raw.subarray(from))
  const endsWithLine = raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a
  parts.push(Buffer.from(endsWithLine ? '.\r\n' : '\r\n.\r\n'))
  return Buffer.concat(parts)
}

async function rawSmtpClient(port: number, messages: Array<{ from: string; to: string; framed: Buffer }>, connections: number, onRefused: (reply: string) => void): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
      let buffered = ''
      const waiting: Array<(reply: string) => void> = []
      const replies: string[] = []
      let failure: Error | null = null
      socket.setEncoding('latin1')
      socket.on('data', (text: string) => {
        buffered += text
        for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
          const line = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          // A reply ends on its line with a space (or nothing) after the code; "250-" lines continue it.
          if (line[3] === '-') continue
          const wake = waiting.shift()
          if (wake) wake(line)
          else replies.push(line)
        }
      })
      const fail = (error: Error) => {
        failure = error
        for (const wake of waiting.splice(0)) wake(`000 ${error.message}`)
      }
      socket.on('error', fail)
      socket.on('close', () => fail(new Error('connection closed')))
      const reply = () => (failure ? Promise.resolve(`000 ${(failure as Error).message}`) : replies.length ? Promise.resolve(replies.shift()!) : new Promise<string>((r) => waiting.push(r)))
      const expect = async (code: string) => {
        const line = await reply()
        if (!line.startsWith(code)) throw new Error(`expected ${code}, got ${line}`)
      }
      await expect('220')
      socket.write('EHLO bench.example\r\n')
      await expect('250')
      while (next < messages.length) {
        const m = messages[next++]!
        socket.write(`MAIL FROM:<${m.from}>\r\nRCPT TO:<${m.to}>\r\nDATA\r\n`)
        const answers = [await reply(), await reply(), await reply()]
        if (!answers[0]!.startsWith('250') || !answers[1]!.startsWith('250') || !answers[2]!.startsWith('354')) {
          onRefused(answers.join(' | '))
          if (answers[2]!.startsWith('354')) {
            // DATA was accepted although the envelope was not: end it empty.
            socket.write('.\r\n')
            await reply()
          }
          socket.write('RSET\r\n')
          await reply()
          continue
        }
        socket.write(m.framed)
        const done = await reply()
        if (!done.startsWith('250')) onRefused(done)
      }
      socket.write('QUIT\r\n')
      await reply()
      socket.end()
    }),
  )
}

async function benchReceive(databasePath: string, inboundPort: number, tokens: string[], pid?: number): Promise<Verdict[]> {
  // The messages are composed before the clock starts: what is timed is Plaza receiving them.
  const attachment = randomBytes(1024 * 1024)
  // This run's own names: a reused database (BENCH_FOI_DATABASE) holds earlier runs' answers, and the
  // same Message-ID again would be taken for a repeat and dropped.
  const run = randomBytes(4).toString('hex')
  const raws = await Promise.all(
    Array.from({ length: ANSWERS }, (_, i) =>
      new MailComposer({
        from: 'records@bench.example',
        to: `request-${tokens[i]}@${DOMAIN}`,
        subject: `Answer ${i}`,
        text: `Answer number ${i}.`,
        messageId: `<answer-${run}-${i}@bench.example>`,
        attachments: [{ filename: `data-${run}-${i}.bin`, content: attachment }],
      })
        .compile()
        .build(),
    ),
  )
  const client = process.env.BENCH_FOI_CLIENT === 'nodemailer' ? 'nodemailer' : 'raw'
  const framed = client === 'raw' ? raws.map((raw, i) => ({ from: 'records@bench.example', to: `request-${tokens[i]}@${DOMAIN}`, framed: frameForSmtp(raw) })) : []
  // 500 × 1.4 MB once framed: the unframed copies go.
  if (client === 'raw') raws.fill(Buffer.alloc(0))
  let failed = 0
  const loadBefore = load()
  const cpuBefore = threadCpu(pid)
  const clientBefore = process.cpuUsage()
  const t = performance.now()
  if (client === 'raw') {
    await rawSmtpClient(inboundPort, framed, 20, (reply) => {
      failed++
      if (failed <= 3) console.log(`    refused: ${reply}`)
    })
  } else {
    const transports = Array.from({ length: 20 }, () => nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 }))
    let next = 0
    await Promise.all(
      transports.map(async (transport) => {
        while (next < ANSWERS) {
          const i = next++
          try {
            await transport.sendMail({ envelope: { from: 'records@bench.example', to: [`request-${tokens[i]}@${DOMAIN}`] }, raw: raws[i] })
          } catch {
            failed++
          }
        }
        transport.close()
      }),
    )
  }
  const acknowledged = performance.now() - t
  const clientCpu = process.cpuUsage(clientBefore)
  const cpuAcknowledged = threadCpu(pid)
  const rate = ANSWERS / (acknowledged / 1000)
  console.log(`    ${ANSWERS} answers acknowledged in ${(acknowledged / 1000).toFixed(1)} s: ${rate.toFixed(1)}/s (${loadBefore} before, ${load()} after)`)
  console.log(
    `    CPU per answer while sending: the bench's SMTP client (${client}) ${((clientCpu.user + clientCpu.system) / 1000 / ANSWERS).toFixed(1)} ms` + `; ${cpuPerAnswer(cpuBefore, cpuAcknowledged)}`,
  )
  // Acknowledged means spooled on disk; each must then appear on its request, once.
  const db = new SQLite(databasePath, { readonly: true })
  const count = db.prepare(`select count(*) as n from foi_attachments where filename like 'data-${run}-%'`)
  const deadline = Date.now() + 15 * 60_000
  const storedNow = () => (count.get() as { n: number }).n
  while (storedNow() < ANSWERS - failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  const stored = storedNow()
  const attached = performance.now() - t
  const distinct = (db.prepare(`select count(distinct filename) as n from foi_attachments where filename like 'data-${run}-%'`).get() as { n: number }).n
  const misplaced = (
    db.prepare(`select count(*) as n from foi_attachments a join foi_requests r on r.id = a.request_id where a.filename like 'data-${run}-%' and r.title not like 'Request %'`).get() as { n: number }
  ).n
  db.close()
  const left = fs.readdirSync(path.join(path.dirname(databasePath), 'inbound-spool', 'new')).length
  const parsedRate = stored / (attached / 1000)
  const cpuAfter = threadCpu(pid)
  console.log(`    CPU per answer (acknowledged, parsed and stored; /proc, 10 ms ticks): ${cpuPerAnswer(cpuBefore, cpuAfter)}`)
  console.log(
    `    all ${stored} attached ${(attached / 1000).toFixed(1)} s after the first was sent, ${((attached - acknowledged) / 1000).toFixed(1)} s after the last was acknowledged: ${parsedRate.toFixed(1)}/s parsed and attached (${load()})`,
  )
  return [
    target('answers received ≥ 100/s', rate >= 100 && failed === 0, `${rate.toFixed(1)} answers/s with 1 MB each acknowledged (spooled durably), ${failed} refused (${loadBefore})`),
    target(
      'no answer lost or stored twice',
      stored === ANSWERS && distinct === ANSWERS && misplaced === 0 && failed === 0 && left === 0,
      `${distinct} distinct of ${ANSWERS} stored (${stored} rows, ${misplaced} misplaced, ${left} left in the spool); ${parsedRate.toFixed(1)}/s parsed and attached, the last ${((attached - acknowledged) / 1000).toFixed(1)} s after the last acknowledgement`,
    ),
  ]
}

export async function benchFoi(): Promise<Verdict[]> {
  const only = process.env.BENCH_FOI_ONLY
  console.log(
    `\nFreedom of information: search over ${N.toLocaleString('en')} requests with ${(3 * N).toLocaleString('en')} answers; ${ANSWERS} answers with 1 MB attachments over SMTP${only ? ` (${only} only)` : ''}`,
  )
  let fixture: ReturnType<typeof populate> | null = null
  let env: Record<string, string>
  const reuse = process.env.BENCH_FOI_DATABASE
  if (reuse) {
    // A database an earlier run populated and kept (BENCH_KEEP_DATABASES=1; its path is printed below): the fixture takes minutes at 100,000.
    const db = new SQLite(reuse, { readonly: true })
    const tokens = (db.prepare("select token from foi_requests where title like 'Request %' order by id").all() as Array<{ token: string }>).map((r) => r.token)
    db.close()
    fixture = { tokens, seconds: 0, pairs: 0 }
    // A copy: the receiving part adds 500 answers, which a second run on the same file would count as its own.
    const copy = path.join(scratchDir('plaza-bench-foi-'), 'plaza.sqlite')
    for (const suffix of ['', '-wal']) if (fs.existsSync(reuse + suffix)) fs.copyFileSync(reuse + suffix, copy + suffix)
    env = { DATABASE_PATH: copy }
    console.log(`  reusing a copy of ${reuse} (${tokens.length.toLocaleString('en')} requests) in ${copy}`)
  } else {
    const city = await benchCity('sqlite', { prepare: (file) => (fixture = populate(file)) })
    await city.close()
    env = city.env
    console.log(
      `  populated in ${fixture!.seconds.toFixed(1)} s (${fixture!.pairs.toLocaleString('en')} words indexed; ${load()}) in ${city.env.DATABASE_PATH}${process.env.BENCH_KEEP_DATABASES ? '' : ' (removed at the end; BENCH_KEEP_DATABASES=1 keeps it for BENCH_FOI_DATABASE)'}`,
    )
  }
  const { tokens } = fixture!
  const inboundPort = process.env.BENCH_SMTP_PORT ? Number(process.env.BENCH_SMTP_PORT) : await freePort()
  const server = await startPlaza({ ...env, INBOUND_SMTP_PORT: String(inboundPort), INBOUND_MAIL_DOMAIN: DOMAIN, FOI_DAILY_LIMIT: '1000' })
  const verdicts: Verdict[] = []
  try {
    if (only !== 'receive') verdicts.push(await benchSearch(server.url))
    if (only !== 'search') verdicts.push(...(await benchReceive(server.databasePath!, inboundPort, tokens, server.pid)))
  } finally {
    await server.stop()
  }
  return verdicts
}
