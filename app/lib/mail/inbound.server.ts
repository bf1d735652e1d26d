import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { SMTPServer, type SMTPServerAddress } from 'smtp-server'
import { database, databaseFault, nowIso } from '../db.server'
import { config } from '../config.server'
import { logger } from '../logger.server'
import { createParsePool, defaultParseThreads, type ParsedMessage, type ParsePool, type SpoolEnvelope, type SpoolParse, type StoredFile } from './parse-pool.server'

/**
 * Plaza's one inbound SMTP endpoint (issues 19 and 22; docs/decisions/125-inbound-mail.md). The
 * city's mail exchanger (the MX of INBOUND_MAIL_DOMAIN) hands it mail for per-item addresses:
 * report-<token>@… (delivery: a body's reply to a report), request-<token>@… (foi: a body's answer
 * to an information request). Modules register a handler for their prefix; smtp-server speaks SMTP
 * and mailparser reads the MIME message once for all of them, on worker threads (parse-pool.server.ts,
 * ADR 141).
 *
 * - An address on another domain, or without a registered prefix, is refused at RCPT (550): the
 *   endpoint relays nothing.
 * - A registered prefix whose token is unknown, or whose item is closed, is accepted and kept in
 *   the holding pen (inbound_held_mail) for an administrator: a body's answer is never lost.
 * - A handler may refuse a message (e.g. a reply to a report from a stranger's domain): 5xx.
 * - A failure while storing answers 451, so the sending server tries again later.
 * - A prefix registered with `{ spool: true }` (foi's answers, which are never refused) is
 *   acknowledged as soon as the raw message is durably on disk (streamed to a file, fsynced, renamed
 *   into the spool directory, the directory fsynced), like an MTA's queue; parsing (a few at once, on
 *   the threads) and storing (one at a time) happen after, oldest first, from the spool. A crash loses nothing: what is in the spool is done
 *   at the next start, and a message stored twice is stored once (handlers deduplicate by
 *   Message-ID). Other prefixes (delivery, which may refuse a stranger's reply) are parsed before
 *   the answer, as before.
 */

export const MAX_INBOUND_MESSAGE_BYTES = 25 * 1024 * 1024

export interface InboundAttachment {
  filename: string
  contentType: string
  /** The bytes, or null when a parse thread stored them as a file (`file`, ADR 150). */
  content: Buffer | null
  /** A spooled message's PDF or plain text: its text, already extracted on a parse thread (null: unreadable PDF). Absent otherwise. */
  text?: string | null
  /** A spooled message's attachment stored durably by a parse thread in the attachments' directory, named by its SHA-256. */
  file?: StoredFile
}

export interface InboundMail {
  /** The recipient address this handler was called for. */
  recipient: string
  /** The token after the prefix, lower-case. */
  token: string
  from: string | null
  subject: string
  text: string
  messageId: string | null
  attachments: InboundAttachment[]
  size: number
}

export type InboundOutcome = { kind: 'accepted' } | { kind: 'hold'; reason: 'unknown' | 'closed' } | { kind: 'refused'; code: number; message: string }

export type InboundHandler = (mail: InboundMail) => Promise<InboundOutcome>

// Process-wide, as the outbox's listeners: the endpoint and the modules registering may be loaded
// through different module graphs (scripts/start.ts and the server bundle).
const handlers: Map<string, InboundHandler> = ((globalThis as { __plazaInboundHandlers?: Map<string, InboundHandler> }).__plazaInboundHandlers ??= new Map())
const spooled: Set<string> = ((globalThis as { __plazaInboundSpooled?: Set<string> }).__plazaInboundSpooled ??= new Set())

/**
 * Registers the handler for `<prefix><token>@INBOUND_MAIL_DOMAIN` (prefix like 'report-'). With
 * `spool`, the message is acknowledged once it is durably spooled and handed to the handler after;
 * such a handler must not refuse (a refusal then holds the message) and must accept a repeat.
 */
export function registerInboundHandler(prefix: string, handler: InboundHandler, options: { spool?: boolean } = {}): () => void {
  if (!/^[a-z][a-z0-9]*-$/.test(prefix)) throw new Error(`inbound prefix ${prefix} must look like "name-"`)
  handlers.set(prefix, handler)
  if (options.spool) spooled.add(prefix)
  else spooled.delete(prefix)
  return () => {
    handlers.delete(prefix)
    spooled.delete(prefix)
  }
}

/** INBOUND_MAIL_DOMAIN, else PUBLIC_URL's host name (an address or bare name cannot take mail: a placeholder). */
export function inboundDomain(): string {
  const host = new URL(config().PUBLIC_URL).hostname
  return config().INBOUND_MAIL_DOMAIN ?? (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(host) ? host : 'localhost.localdomain')
}

/** The address for an item: `<prefix><token>@<domain>`. */
export function inboundAddress(prefix: string, token: string): string {
  return `${prefix}${token}@${inboundDomain()}`
}

/** The registered prefix and token of an address on our domain, or null. Tokens are base32 (a–z, 2–7). */
export function routeOf(address: string): { prefix: string; token: string } | null {
  const m = /^([a-z][a-z0-9]*-)([a-z2-7]{20,64})@([^@\s]+)$/i.exec(address.trim())
  if (!m) return null
  if (m[3]!.toLowerCase() !== inboundDomain().toLowerCase()) return null
  const prefix = m[1]!.toLowerCase()
  return handlers.has(prefix) ? { prefix, token: m[2]!.toLowerCase() } : null
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code })

/** Keeps a message no handler could place, for an administrator. */
export async function holdMail(mail: Omit<InboundMail, 'token' | 'messageId'>, reason: string): Promise<number> {
  const row = await database().write((trx) =>
    trx
      .insertInto('inbound_held_mail')
      .values({
        recipient: mail.recipient.slice(0, 320),
        from_address: mail.from?.slice(0, 320) ?? null,
        subject: mail.subject.slice(0, 500),
        text: mail.text.slice(0, 100_000),
        attachments: mail.attachments.length,
        size: mail.size,
        reason,
        received_at: nowIso(),
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  )
  return row.id
}

export interface HeldMail {
  id: number
  recipient: string
  from: string | null
  subject: string
  text: string
  attachments: number
  size: number
  reason: string
  receivedAt: string
}

/** The holding pen, newest first (unresolved only). */
export async function heldMail(limit = 200): Promise<HeldMail[]> {
  const rows = await database()
    .db.selectFrom('inbound_held_mail')
    .select(['id', 'recipient', 'from_address as from', 'subject', 'text', 'attachments', 'size', 'reason', 'received_at as receivedAt'])
    .where('resolved_at', 'is', null)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows
}

/** An administrator has dealt with a held message (forwarded it, or judged it spam). */
export async function resolveHeldMail(id: number): Promise<boolean> {
  const result = await database().write((trx) => trx.updateTable('inbound_held_mail').set({ resolved_at: nowIso() }).where('id', '=', id).where('resolved_at', 'is', null).executeTakeFirst())
  return Number(result.numUpdatedRows) > 0
}

/**
 * Hands one parsed message to the handler of each recipient; what no handler places is held. A
 * refusal answers 5xx, except for a spooled message (already acknowledged): that one is held.
 */
export async function dispatchInbound(recipients: string[], parsed: Omit<InboundMail, 'recipient' | 'token'>, options: { spooled?: boolean } = {}): Promise<void> {
  for (const recipient of recipients) {
    const route = routeOf(recipient)
    if (!route) continue
    const handler = handlers.get(route.prefix)!
    const mail: InboundMail = { ...parsed, recipient, token: route.token }
    const outcome = await handler(mail)
    logger().info({ inbound: outcome.kind, prefix: route.prefix, from: parsed.from }, 'inbound mail')
    if (outcome.kind === 'hold') await holdMail(mail, outcome.reason)
    if (outcome.kind === 'refused') {
      if (options.spooled) await holdMail(mail, 'refused')
      else throw smtpError(outcome.code, outcome.message)
    }
  }
}

/** mailparser's reading (on a worker thread) in the shape handlers get. */
function asInbound(mail: ParsedMessage, envelopeFrom: string | null, size: number): Omit<InboundMail, 'recipient' | 'token'> {
  return { ...mail, from: mail.from ?? envelopeFrom, size }
}

// ---------------------------------------------------------------- the spool

/** The most of a DATA stream gathered in memory before it is written (in one call) to its spool file. */
const SPOOL_GATHER_BYTES = 4 * 1024 * 1024

/** Writes the buffers whole, in one call (libuv's writev goes on after a partial write). */
async function writeGathered(handle: fs.FileHandle, buffers: Buffer[]): Promise<void> {
  let left = buffers
  while (left.length) {
    const { bytesWritten } = await handle.writev(left)
    if (bytesWritten === 0) throw new Error('the spool file took no bytes')
    let skip = bytesWritten
    let i = 0
    while (i < left.length && skip >= left[i]!.length) skip -= left[i++]!.length
    left = left.slice(i)
    if (left.length && skip) left[0] = left[0]!.subarray(skip)
  }
}

/**
 * Writes a DATA stream to the spool (no decoding): one line of JSON (the envelope), then the raw
 * message. The stream's chunks (64 kB pieces of the socket's reads, not copied) are gathered and
 * written by one `writev` at the end — a message of 1.4 MB is one write instead of ~22 — or every
 * 4 MB of a bigger message (the connection waits meanwhile), then fsynced, renamed into `new/`, the
 * directory fsynced. Resolves once the message is durable; a message over the size limit is removed
 * and refused (552): what passes the limit is no longer kept.
 */
async function spoolStream(dir: string, envelope: SpoolEnvelope, stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }): Promise<string> {
  const name = `${Date.now().toString().padStart(15, '0')}-${randomBytes(8).toString('hex')}.eml`
  const tmp = path.join(dir, 'tmp', name)
  let handle: fs.FileHandle | null = null
  try {
    handle = await fs.open(tmp, 'wx', 0o600)
    const file = handle
    let chunks: Buffer[] = [Buffer.from(`${JSON.stringify(envelope)}\n`)]
    let gathered = chunks[0]!.length
    await new Promise<void>((resolve, reject) => {
      let failed = false
      let writing: Promise<void> = Promise.resolve()
      const flush = () => {
        const batch = chunks
        chunks = []
        gathered = 0
        writing = writing.then(() => writeGathered(file, batch))
        return writing
      }
      // A failed write (a full disk) stops the copy; the rest of the DATA is read and dropped (smtp-server answers after its end).
      const fail = (error: unknown) => {
        if (failed) return
        failed = true
        chunks = []
        stream.resume()
        reject(error)
      }
      stream.on('data', (chunk: Buffer) => {
        if (failed || stream.sizeExceeded) return
        chunks.push(chunk)
        gathered += chunk.length
        if (gathered >= SPOOL_GATHER_BYTES) {
          stream.pause()
          flush().then(() => !failed && stream.resume(), fail)
        }
      })
      stream.once('end', () => {
        if (!failed) flush().then(resolve, fail)
      })
      stream.once('error', fail)
    })
    if (stream.sizeExceeded) throw smtpError(552, '5.3.4 The message is too large')
    await handle.sync()
    await handle.close()
    handle = null
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await fs.unlink(tmp).catch(() => undefined)
    throw error
  }
  await fs.rename(tmp, path.join(dir, 'new', name))
  await syncDirectory(path.join(dir, 'new'))
  return name
}

// Several messages renamed at once share one directory fsync (group commit of the spool).
const directorySyncs = new Map<string, Promise<void>>()
function syncDirectory(dir: string): Promise<void> {
  const pending = directorySyncs.get(dir)
  if (pending) {
    // A sync already running may have started before our rename: queue one more after it.
    const next = pending.then(() => syncDirectory(dir))
    return next
  }
  const run = (async () => {
    // Let the renames of this moment land first, then one fsync makes them all durable.
    await new Promise((resolve) => setImmediate(resolve))
    directorySyncs.delete(dir)
    const handle = await fs.open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  })()
  directorySyncs.set(dir, run)
  return run
}

/** A spool file's Message-ID, or one made of its name: a message without one is still stored once if it is handed over twice. */
const spoolMessageId = (mail: ParsedMessage, name: string) => mail.messageId ?? `<spool-${name.replace(/\.eml$/, '')}@plaza.invalid>`

/** Stores one parsed spool file (or holds it when it could not be read). */
async function storeSpooled(name: string, result: SpoolParse): Promise<void> {
  const { envelope, size } = result
  if (!result.ok) {
    logger().warn({ err: result.error, file: name }, 'a spooled message could not be read: held')
    for (const recipient of envelope.to) await holdMail({ recipient, from: envelope.from, subject: '', text: '', attachments: [], size }, 'unreadable')
    return
  }
  const parsed = asInbound({ ...result.mail, messageId: spoolMessageId(result.mail, name) }, envelope.from, size)
  try {
    await dispatchInbound(envelope.to, parsed, { spooled: true })
  } catch (error) {
    // The database cannot take it now: the message stays, tried again later.
    if (databaseFault(error)) throw error
    // Any other failure must not block the messages behind it: held for an administrator.
    logger().error({ err: error, file: name }, 'a spooled message could not be stored: held')
    for (const recipient of envelope.to) await holdMail({ ...parsed, recipient }, 'failed')
  }
}

/** `work`, kept in `set` until it settles (so that a stop can wait for it). */
function tracked(set: Set<Promise<void>>, work: Promise<void>): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  )
  set.add(settled)
  void settled.then(() => set.delete(settled))
  return work
}

/**
 * Hands the spooled messages to their handlers, oldest first: up to `concurrency` are parsed at
 * once on the pool's threads, and stored as they come back. Their writes go through the database's
 * write queue together, so the answers of the moment share one transaction (each in its savepoint,
 * one after the other: a repeated Message-ID is seen by the next write, on either engine) and one
 * commit — one fsync for several 1 MB answers instead of one each. A message is removed only once
 * its handlers have stored it: a crash at any point leaves it in `new/`, parsed again at the next
 * start and stored once. When storing fails (the database is unavailable) the message stays and
 * the spool is tried again later; a message mailparser cannot read is held as unreadable.
 */
function spoolProcessor(dir: string, pool: ParsePool, options: { concurrency: number; retryMs?: number; attachmentsDir?: string }) {
  const retryMs = options.retryMs ?? 5000
  const inFlight = new Set<string>()
  const storing = new Set<Promise<void>>()
  let scanning = false
  let again = false
  let stopped = false
  let paused = false
  let timer: NodeJS.Timeout | null = null
  const schedule = (ms: number) => {
    if (stopped) return
    paused = true
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      paused = false
      void kick()
    }, ms)
    timer.unref()
  }
  async function processOne(name: string): Promise<void> {
    const file = path.join(dir, 'new', name)
    try {
      // With an attachments' directory (SQLite), the threads store the attachments as files first: their bytes never reach this thread.
      const result = await pool.parseSpoolFile(file, { extractPdfText: true, attachmentsDir: options.attachmentsDir })
      if (stopped) return
      await tracked(
        storing,
        storeSpooled(name, result).then(() => fs.unlink(file)),
      )
    } catch (error) {
      // Gone already (a repeat of a name just done), or the pool is stopping: nothing to do.
      if ((error as { code?: string }).code === 'ENOENT' || stopped) return
      logger().error({ err: error, file: name }, 'spooled inbound mail could not be stored; trying again later')
      schedule(retryMs)
    } finally {
      inFlight.delete(name)
      if (!paused) void kick()
    }
  }
  async function kick(): Promise<void> {
    if (stopped || paused) return
    if (scanning) {
      again = true
      return
    }
    scanning = true
    try {
      do {
        again = false
        if (inFlight.size >= options.concurrency) break
        const names = (await fs.readdir(path.join(dir, 'new'))).filter((n) => n.endsWith('.eml') && !inFlight.has(n)).sort()
        for (const name of names) {
          if (stopped || paused || inFlight.size >= options.concurrency) break
          inFlight.add(name)
          void processOne(name)
        }
      } while (again && !stopped && !paused)
    } catch (error) {
      logger().error({ err: error }, 'the inbound spool could not be read; trying again later')
      schedule(retryMs)
    } finally {
      scanning = false
    }
  }
  return {
    kick: () => void kick(),
    /** Messages being parsed or stored now. */
    busy: () => inFlight.size,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      // What is being written finishes (its file is then removed); what is being parsed stays in the spool.
      await Promise.all([...storing])
    },
  }
}

/** Reads a DATA stream whole (it is capped at MAX_INBOUND_MESSAGE_BYTES by smtp-server). */
function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

export interface InboundOptions {
  port: number
  host: string
  /** Where messages for spooled prefixes wait to be stored (created if missing). Without it every message is stored before the answer. */
  spoolDir?: string
  /** Worker threads that run mailparser (default: one per core, at most 4). */
  parseThreads?: number
  /** Spooled messages parsed or being stored at once (default: 3 per parse thread). */
  spoolConcurrency?: number
  /**
   * Where the parse threads store spooled messages' attachments as files named by their SHA-256
   * before they are handed over (ADR 150: SQLite installs). Without it the bytes come to the handler.
   */
  attachmentsDir?: string
}

export async function startInboundMail(options: InboundOptions): Promise<{ port: number; stop(): Promise<void> }> {
  const spoolDir = options.spoolDir
  if (spoolDir) for (const sub of ['tmp', 'new']) await fs.mkdir(path.join(spoolDir, sub), { recursive: true, mode: 0o700 })
  const threads = options.parseThreads ?? defaultParseThreads()
  const pool = createParsePool(threads)
  const spool = spoolDir ? spoolProcessor(spoolDir, pool, { concurrency: options.spoolConcurrency ?? threads * 3, attachmentsDir: options.attachmentsDir }) : null
  const server = new SMTPServer({
    // A mail exchanger delivers without logging in; TLS belongs to the relay in front.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: MAX_INBOUND_MESSAGE_BYTES,
    banner: 'Plaza',
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (!routeOf(address.address)) return callback(smtpError(550, `5.1.1 <${address.address}> is not an address of this Plaza`))
      callback()
    },
    onData(stream, session, callback) {
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null
      const to = session.envelope.rcptTo.map((r) => r.address)
      const accept = async () => {
        if (spoolDir && spool && to.every((address) => spooled.has(routeOf(address)?.prefix ?? ''))) {
          // Acknowledged once durable: streamed to the spool file, nothing parsed or decoded here.
          await spoolStream(spoolDir, { from: envelopeFrom, to }, stream)
          spool.kick()
          return
        }
        const raw = await readAll(stream)
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) throw smtpError(552, '5.3.4 The message is too large')
        const size = raw.length
        await dispatchInbound(to, asInbound(await pool.parseRaw(raw), envelopeFrom, size))
      }
      accept().then(
        () => callback(),
        (error: Error & { responseCode?: number }) => {
          if (!error.responseCode) logger().error({ err: error }, 'inbound mail could not be stored')
          callback(error.responseCode ? error : smtpError(451, '4.3.0 The message could not be stored; try again later'))
        },
      )
    },
  })
  server.on('error', (error) => logger().error({ err: error }, 'inbound SMTP error'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  logger().info({ port, host: options.host, prefixes: [...handlers.keys()], spool: spoolDir ?? null, parseThreads: threads }, 'inbound SMTP endpoint listening')
  // What an earlier run acknowledged but did not store.
  spool?.kick()
  return {
    port,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await spool?.stop()
      await pool.destroy()
    },
  }
}
