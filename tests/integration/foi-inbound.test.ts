import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import MailComposer from 'nodemailer/lib/mail-composer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startPlaza, type RunningPlaza } from '../support/server'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Answers to information requests through the spool and the parse threads (issue 22, ADR 141), with
 * real SMTP on 127.0.0.1 and a real crash: Plaza is killed (SIGKILL) while acknowledged answers are
 * still being parsed; started again on the same database and spool, it parses them again and
 * stores each exactly once. A spool file handed over again (a crash between the write and the file's
 * removal), with or without a Message-ID, is stored once too. Runs on both engines.
 */

const DOMAIN = 'requests.inbound.example'
const postgres = process.env.PLAZA_TEST_ENGINE === 'postgres'
/** Each composed answer's attachment, by its file name: what Plaza must serve back. */
const sent = new Map<string, Buffer>()
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
let city: RunningPlaza
let sql: TestSql
let inboundPort: number
let token: string
let requestId: number
let env: Record<string, string>

const spoolNew = () => path.join(path.dirname(city.databasePath), 'inbound-spool', 'new')
const spooled = () => fs.readdirSync(spoolNew()).filter((n) => n.endsWith('.eml'))
const inbound = () => nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true })

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** How many times each attachment name is stored on the request. */
async function stored(): Promise<Map<string, number>> {
  const rows = await sql.all<{ filename: string; n: number }>('select filename, count(*) as n from foi_attachments where request_id = ? group by filename', requestId)
  return new Map(rows.map((r) => [r.filename, Number(r.n)]))
}

function compose(i: number, bytes: number, messageId: string | false = `<inbound-${i}-${token}@bodies.example>`): Promise<Buffer> {
  return new MailComposer({
    from: 'records@bodies.example',
    to: `request-${token}@${DOMAIN}`,
    subject: `Answer ${i}`,
    text: `Answer number ${i}.`,
    ...(messageId ? { messageId } : {}),
    attachments: [{ filename: `answer-${i}.bin`, content: sent.set(`answer-${i}.bin`, randomBytes(bytes)).get(`answer-${i}.bin`)! }],
  })
    .compile()
    .build()
    .then((raw) => (messageId ? raw : Buffer.from(raw.toString('latin1').replace(/^Message-ID:.*\r\n/im, ''), 'latin1')))
}

const send = (raw: Buffer) => inbound().sendMail({ envelope: { from: 'records@bodies.example', to: [`request-${token}@${DOMAIN}`] }, raw })

/** A spool file as the endpoint writes it (envelope line, raw message), put in place as a crash would leave it. */
function putInSpool(name: string, raw: Buffer) {
  const envelope = JSON.stringify({ from: 'records@bodies.example', to: [`request-${token}@${DOMAIN}`] })
  fs.writeFileSync(path.join(spoolNew(), name), Buffer.concat([Buffer.from(`${envelope}\n`), raw]))
}

beforeAll(async () => {
  inboundPort = await freePort()
  env = { INBOUND_SMTP_PORT: String(inboundPort), INBOUND_MAIL_DOMAIN: DOMAIN, DEV_MAIL: 'false' }
  city = await startPlaza(env)
  env.DATABASE_PATH = city.databasePath
  sql = sqlOf(city)
  const at = new Date().toISOString()
  const userId = await sql.value<number>("select id from users where email = 'citizen@valmera.example'")
  const bodyId = await sql.value<number>(
    "insert into foi_bodies (slug, name, email, law, created_at, updated_at) values ('inbound-body', '{\"en\":\"Inbound body\"}', 'foi@bodies.example', 'uk_foia', ?, ?) returning id",
    at,
    at,
  )
  token = randomBytes(32)
    .toString('hex')
    .replace(/[^a-z2-7]/g, 'a')
    .slice(0, 32)
  requestId = await sql.value<number>(
    "insert into foi_requests (token, user_id, body_id, law, title, status, sent_at, due_on, long_overdue_on, last_message_at, created_at) values (?, ?, ?, 'uk_foia', 'Spool test', 'awaiting', ?, '2099-01-01', '2099-02-01', ?, ?) returning id",
    token,
    userId,
    bodyId,
    at,
    at,
    at,
  )
}, 240_000)

afterAll(async () => {
  await sql?.close()
  await city?.stop()
})

describe('answers spooled and parsed on worker threads', () => {
  it('a crash while acknowledged answers are being parsed loses none: they are parsed again at the start and stored once', async () => {
    const raws = await Promise.all([...Array.from({ length: 6 }, (_, i) => compose(i, 1024 * 1024)), compose(6, 16 * 1024 * 1024)])
    // Four connections at once, the big one last: it is acknowledged (durable) while still unparsed.
    await Promise.all(
      [0, 1, 2].map((c) =>
        Promise.all(
          raws
            .slice(0, 6)
            .filter((_, i) => i % 3 === c)
            .map(async (raw) => expect((await send(raw)).response).toMatch(/^250/)),
        ),
      ),
    )
    expect((await send(raws[6]!)).response).toMatch(/^250/)
    process.kill(city.pid, 'SIGKILL')
    await city.stop()
    // A parse thread killed between a temporary file and its rename leaves the file in attachments/tmp:
    // the hourly sweep removes it (app/lib/attachment-files.server.test.ts). The restarted Plaza must
    // leave nothing there of its own.
    const tmpDir = () => path.join(path.dirname(city.databasePath), 'attachments', 'tmp')
    const leftByTheCrash = postgres || !fs.existsSync(tmpDir()) ? [] : fs.readdirSync(tmpDir())
    const before = await stored()
    // The crash came before the big answer was stored: it is still in the spool.
    expect(before.get('answer-6.bin')).toBeUndefined()
    expect(spooled().length).toBeGreaterThan(0)
    expect([...before.values()].every((n) => n === 1)).toBe(true)

    city = await startPlaza(env)
    const after = await until('every answer stored', async () => {
      const map = await stored()
      return map.size === 7 && spooled().length === 0 ? map : null
    })
    expect([...after.entries()].filter(([, n]) => n !== 1)).toEqual([])
    expect(await sql.value<number>("select count(*) from foi_messages where request_id = ? and direction = 'in'", requestId)).toBe(7)
    // Every document is served whole, byte for byte: on SQLite from its file beside the database,
    // written and fsynced before its row (ADR 150; the row keeps the name only), on PostgreSQL from bytea.
    const rows = await sql.all<{ id: number; filename: string; sha256: string | null; size: number; n: number }>(
      'select id, filename, sha256, size, length(data) as n from foi_attachments where request_id = ? order by id',
      requestId,
    )
    for (const row of rows) {
      const bytes = sent.get(row.filename)!
      expect(Number(row.size)).toBe(bytes.length)
      if (postgres) expect([row.sha256, Number(row.n)]).toEqual([null, bytes.length])
      else {
        expect([row.sha256, Number(row.n)]).toEqual([sha(bytes), 0])
        expect(fs.existsSync(path.join(path.dirname(city.databasePath), 'attachments', row.sha256!.slice(0, 2), row.sha256!))).toBe(true)
      }
      const res = await fetch(`${city.url}/information-requests/${requestId}/files/${row.id}`)
      expect(res.status).toBe(200)
      expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(bytes))
    }
    if (!postgres) expect(fs.readdirSync(tmpDir()).filter((name) => !leftByTheCrash.includes(name))).toEqual([])
    // Nothing went to the holding pen.
    expect(await sql.value<number>('select count(*) from inbound_held_mail')).toBe(0)
  }, 240_000)

  it('a spool file handed over again (a crash after its write, before its removal) is stored once, with or without a Message-ID', async () => {
    // Answer 0 again under another spool name (its Message-ID was stored).
    putInSpool('000000000000001-aaaaaaaaaaaaaaaa.eml', await compose(0, 1000))
    // An answer without a Message-ID: stored once, then its very file comes back.
    const bare = await compose(7, 4096, false)
    expect(bare.toString('latin1')).not.toMatch(/^Message-ID:/im)
    putInSpool('000000000000002-bbbbbbbbbbbbbbbb.eml', bare)
    // A new answer over SMTP wakes the spool.
    await send(await compose(8, 1000))
    await until('the spool emptied', async () => spooled().length === 0 && (await stored()).get('answer-8.bin'))
    putInSpool('000000000000002-bbbbbbbbbbbbbbbb.eml', bare)
    await send(await compose(9, 1000))
    await until('the spool emptied again', async () => spooled().length === 0 && (await stored()).get('answer-9.bin'))
    const map = await stored()
    expect([...map.entries()].filter(([, n]) => n !== 1)).toEqual([])
    expect(map.get('answer-7.bin')).toBe(1)
    expect(await sql.value<number>("select count(*) from foi_messages where request_id = ? and direction = 'in'", requestId)).toBe(10)
  }, 120_000)

  it('still serves a document stored in the row before files (an older answer, or a copy): its blob', async () => {
    const bytes = randomBytes(5000)
    const at = new Date().toISOString()
    const messageId = await sql.value<number>(
      "insert into foi_messages (request_id, direction, kind, subject, text, created_at) values (?, 'in', 'answer', 'Older', 'Older.', ?) returning id",
      requestId,
      at,
    )
    const fileId = await sql.value<number>(
      "insert into foi_attachments (message_id, request_id, filename, mime, size, data, created_at) values (?, ?, 'older.bin', 'application/octet-stream', ?, ?, ?) returning id",
      messageId,
      requestId,
      bytes.length,
      bytes,
      at,
    )
    const res = await fetch(`${city.url}/information-requests/${requestId}/files/${fileId}`)
    expect(res.status).toBe(200)
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(bytes))
    // A file row whose name is not a SHA-256 (a hand-edited row) is never read as a path.
    const badId = await sql.value<number>(
      "insert into foi_attachments (message_id, request_id, filename, mime, size, data, sha256, created_at) values (?, ?, 'bad.bin', 'application/octet-stream', 1, ?, '../../plaza.sqlite', ?) returning id",
      messageId,
      requestId,
      Buffer.alloc(0),
      at,
    )
    const bad = await fetch(`${city.url}/information-requests/${requestId}/files/${badId}`)
    await bad.arrayBuffer()
    expect(bad.status).not.toBe(200)
  })

  it('refuses a message over the size limit without keeping any of it', async () => {
    const tooBig = await compose(10, 26 * 1024 * 1024)
    await expect(send(tooBig)).rejects.toThrow(/552/)
    const tmp = path.join(path.dirname(city.databasePath), 'inbound-spool', 'tmp')
    expect(fs.readdirSync(tmp)).toEqual([])
    expect(spooled()).toEqual([])
  }, 120_000)
})
