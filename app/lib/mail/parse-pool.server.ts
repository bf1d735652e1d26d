import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * mailparser off the thread that speaks SMTP (issue 22, ADR 141). Reading a message with a 1 MB
 * attachment costs mailparser tens of milliseconds of CPU (its line splitter and base64 stream, in
 * JavaScript) spread over many turns of the event loop; on the endpoint's own thread that starved
 * the acceptance of the next messages (12.5 answers/s acknowledged). Here a few worker threads
 * (node:worker_threads, no dependency) parse, at a raised nice value (on Linux it is per thread):
 * acceptance and the database writes on the main thread win the CPU, parsing takes what is left.
 *
 * A worker reads a spool file itself (the raw message never crosses to the main thread) or takes a
 * raw message handed to it; it answers the parsed message with the attachments' bytes transferred,
 * not copied. A worker that dies fails its jobs (ParseWorkerError) and is replaced at the next job.
 */

export interface ParsedAttachment {
  filename: string
  contentType: string
  /** The bytes; null when the worker stored them as a file (`file`) and kept them. */
  content: Buffer | null
  /**
   * A PDF's text, extracted on the worker thread (spool files only; pdfjs-dist, capped as
   * MAX_PDF_TEXT / MAX_PDF_PAGES, pages separated by a form feed); null when the PDF cannot be
   * read; a plain-text attachment's text (capped as MAX_PDF_TEXT); absent for other attachments or
   * when not tried.
   */
  text?: string | null
  /** Stored by the worker in the attachments' directory under its SHA-256 (ADR 150), durably, before the answer is stored. */
  file?: StoredFile
}

/** An attachment kept as a file named by its SHA-256 (app/lib/attachment-files.server.ts). */
export interface StoredFile {
  sha256: string
  size: number
}

export interface ParsedMessage {
  from: string | null
  subject: string
  text: string
  messageId: string | null
  attachments: ParsedAttachment[]
}

/** A spool file's first line (ADR 135): the SMTP envelope. */
export interface SpoolEnvelope {
  from: string | null
  to: string[]
}

export type SpoolParse = { envelope: SpoolEnvelope; size: number } & ({ ok: true; mail: ParsedMessage } | { ok: false; error: string })

/** The worker failed (it died, or was stopped) rather than the message: the job may be tried again. */
export class ParseWorkerError extends Error {}

// The lowest priority (ADR 153): what is acknowledged is durable in the spool, so parsing may wait;
// acceptance and pages take the CPU first — on a machine busy with other work parsing then lags
// further behind than at 10 (ADR 153's third pair). A thread cannot lower its nice value again
// without privileges, so it is not raised only while mail arrives.
const NICE = 19

/** The caps of a PDF's extracted text (as app/modules/foi/pdf-text.server.ts). */
export const MAX_PDF_TEXT = 1_000_000
export const MAX_PDF_PAGES = 500

// CommonJS, evaluated: the same source under tsx, vitest and the production build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const crypto = require('node:crypto')
const fs = require('node:fs/promises')
const os = require('node:os')
const path = require('node:path')
const { simpleParser } = require(workerData.mailparser)
try { os.setPriority(0, workerData.nice) } catch {}

async function parse(raw) {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true })
  const from = mail.from && mail.from.value[0] && mail.from.value[0].address
  return {
    from: from || null,
    subject: mail.subject || '',
    text: mail.text || '',
    messageId: mail.messageId || null,
    attachments: mail.attachments.filter((a) => !a.related).map((a) => ({ filename: a.filename || 'attachment', contentType: a.contentType || 'application/octet-stream', content: a.content })),
  }
}

// A PDF's text (pdfjs-dist, as app/modules/foi/pdf-text.server.ts pdfPages/pdfText: the same
// options, caps and joining), here so that the main thread, which speaks SMTP and writes the
// database, never runs pdfjs for an incoming answer.
let pdfjs = null
const isPdf = (a) => a.contentType === 'application/pdf' || /\\.pdf$/i.test(a.filename) || a.content.subarray(0, 5).toString('latin1') === '%PDF-'
async function pdfText(content) {
  pdfjs = pdfjs || (await import(workerData.pdfjs))
  const task = pdfjs.getDocument({ data: new Uint8Array(content), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, standardFontDataUrl: workerData.standardFonts, verbosity: 0 })
  try {
    const pdf = await task.promise
    const pages = []
    let total = 0
    for (let n = 1; n <= Math.min(pdf.numPages, workerData.maxPages) && total < workerData.maxText; n++) {
      const page = await pdf.getPage(n)
      const content = await page.getTextContent()
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\\n' : '') : '')).join('').replace(/[ \\t]+/g, ' ').trim()
      pages.push(text)
      total += text.length
      page.cleanup()
    }
    return pages.join('\\n\\f\\n').slice(0, workerData.maxText)
  } catch {
    return null
  } finally {
    await task.destroy()
  }
}
const isText = (a) => a.contentType.startsWith('text/plain')

// An attachment stored as a file named by its SHA-256 (as app/lib/attachment-files.server.ts
// storeAttachmentFile: a temporary name, fsync, rename, fsync of the directory), before the main
// thread commits the row that names it; its bytes then never cross to the main thread.
async function syncDirectory(dir) {
  const handle = await fs.open(dir, 'r')
  try { await handle.sync() } finally { await handle.close() }
}
async function storeFile(dir, content) {
  const sha256 = crypto.createHash('sha256').update(content).digest('hex')
  const sub = path.join(dir, sha256.slice(0, 2))
  const final = path.join(sub, sha256)
  const existing = await fs.stat(final).catch(() => null)
  // Found in place: touched, so the sweep of unnamed files keeps it until its row commits (gone meanwhile: written again).
  const now = new Date()
  if (existing && existing.size === content.byteLength && (await fs.utimes(final, now, now).then(() => true, (e) => { if (e.code === 'ENOENT') return false; throw e }))) {
    await syncDirectory(sub)
    return { sha256, size: content.byteLength }
  }
  await fs.mkdir(path.join(dir, 'tmp'), { recursive: true, mode: 0o700 })
  const madeSub = (await fs.mkdir(sub, { recursive: true, mode: 0o700 })) !== undefined
  const tmp = path.join(dir, 'tmp', sha256 + '-' + crypto.randomBytes(6).toString('hex'))
  const handle = await fs.open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await fs.unlink(tmp).catch(() => undefined)
    throw error
  }
  await handle.close()
  await fs.rename(tmp, final)
  await syncDirectory(sub)
  if (madeSub) await syncDirectory(dir)
  return { sha256, size: content.byteLength }
}

async function extract(mail, job) {
  for (const a of mail.attachments) {
    if (job.extract && isPdf(a)) a.text = await pdfText(a.content)
    else if (job.extract && isText(a)) a.text = a.content.toString('utf8').slice(0, workerData.maxText)
    if (job.attachmentsDir) {
      try {
        a.file = await storeFile(job.attachmentsDir, a.content)
      } catch (error) {
        throw Object.assign(new Error('an attachment could not be stored: ' + String((error && error.message) || error)), { storing: true, code: 'ESTORE' })
      }
      a.content = null
    }
  }
  return mail
}

// Whole buffers move to the main thread; a slice of a shared one is copied.
function transferList(mail) {
  const list = new Set()
  for (const a of mail.attachments) {
    const c = a.content
    if (c === null) continue
    if (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength && !list.has(c.buffer)) list.add(c.buffer)
    else a.content = new Uint8Array(c)
  }
  return [...list]
}

parentPort.on('message', async (job) => {
  let reply
  try {
    if (job.file) {
      const data = await fs.readFile(job.file)
      const newline = data.indexOf(10)
      const envelope = JSON.parse(data.subarray(0, newline).toString('utf8'))
      const raw = data.subarray(newline + 1)
      try {
        const mail = await parse(raw)
        reply = { id: job.id, value: { envelope: { from: envelope.from, to: envelope.to }, size: raw.length, ok: true, mail: await extract(mail, job) } }
      } catch (error) {
        // A file that could not be stored (a full disk) is the worker's failure, not the message's: tried again later.
        if (error && error.storing) throw error
        reply = { id: job.id, value: { envelope: { from: envelope.from, to: envelope.to }, size: raw.length, ok: false, error: String((error && error.message) || error) } }
      }
    } else {
      reply = { id: job.id, value: await parse(Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength)) }
    }
  } catch (error) {
    reply = { id: job.id, error: String((error && error.message) || error), code: error && error.code }
  }
  const mail = reply.value && (reply.value.mail || (reply.value.attachments && reply.value))
  parentPort.postMessage(reply, mail ? transferList(mail) : [])
})`

interface Job {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

interface Slot {
  worker: Worker
  jobs: Map<number, Job>
}

/** Threads by default: one per core, at most 4 (they run niced, so they only take idle CPU). */
export const defaultParseThreads = () => Math.max(1, Math.min(4, os.availableParallelism()))

export interface ParsePool {
  /**
   * Parses a spool file (envelope line + raw message); with `extractPdfText`, PDF and plain-text
   * attachments get their text on the worker too; with `attachmentsDir`, every attachment is stored
   * there as a file (fsynced, ADR 150) and comes back as `file` without its bytes. Rejects only when
   * the file cannot be read, an attachment cannot be stored (code ESTORE), or the worker fails.
   */
  parseSpoolFile(file: string, options?: { extractPdfText?: boolean; attachmentsDir?: string }): Promise<SpoolParse>
  /** Parses a raw message (it is moved to the worker: do not use `raw` afterwards). Rejects when mailparser cannot read it. */
  parseRaw(raw: Buffer): Promise<ParsedMessage>
  /** Jobs not yet answered. */
  pending(): number
  destroy(): Promise<void>
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength)

function revive(mail: ParsedMessage): ParsedMessage {
  return { ...mail, attachments: mail.attachments.map((a) => ({ ...a, content: a.content && asBuffer(a.content) })) }
}

export function createParsePool(threads = defaultParseThreads()): ParsePool {
  const require = createRequire(import.meta.url)
  const mailparser = require.resolve('mailparser')
  const pdfjsRoot = path.dirname(require.resolve('pdfjs-dist/package.json'))
  const pdfjsUrl = pathToFileURL(path.join(pdfjsRoot, 'legacy/build/pdf.mjs')).href
  const standardFonts = path.join(pdfjsRoot, 'standard_fonts') + path.sep
  const slots: Array<Slot | undefined> = Array.from({ length: Math.max(1, threads) })
  let sequence = 0
  let next = 0
  let destroyed = false

  function fail(slot: Slot, error: Error) {
    for (const job of slot.jobs.values()) job.reject(error)
    slot.jobs.clear()
  }
  function start(index: number): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { mailparser, pdfjs: pdfjsUrl, standardFonts, maxText: MAX_PDF_TEXT, maxPages: MAX_PDF_PAGES, nice: NICE } })
    const slot: Slot = { worker, jobs: new Map() }
    worker.unref()
    worker.on('message', (reply: { id: number; value?: unknown; error?: string; code?: string }) => {
      const job = slot.jobs.get(reply.id)
      slot.jobs.delete(reply.id)
      if (!job) return
      if (reply.error !== undefined) job.reject(Object.assign(new Error(reply.error), { code: reply.code }))
      else job.resolve(reply.value)
    })
    const gone = (error: Error) => {
      if (slots[index] === slot) slots[index] = undefined
      fail(slot, error)
    }
    worker.on('error', (error) => gone(new ParseWorkerError(`the parse worker failed: ${error.message}`)))
    worker.on('exit', (code) => gone(new ParseWorkerError(`the parse worker exited (${code})`)))
    slots[index] = slot
    return slot
  }
  function run<T>(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (destroyed) return Promise.reject(new ParseWorkerError('the parse pool is stopped'))
    // The slot with the fewest jobs (ties: round robin).
    let best = next++ % slots.length
    for (let i = 0; i < slots.length; i++) if ((slots[i]?.jobs.size ?? 0) < (slots[best]?.jobs.size ?? 0)) best = i
    const slot = slots[best] ?? start(best)
    const id = ++sequence
    return new Promise<T>((resolve, reject) => {
      slot.jobs.set(id, { resolve: resolve as (v: unknown) => void, reject })
      slot.worker.postMessage({ id, ...message }, transfer)
    })
  }
  return {
    async parseSpoolFile(file, options = {}) {
      const result = await run<SpoolParse>({ file, extract: options.extractPdfText === true, attachmentsDir: options.attachmentsDir ?? null })
      return result.ok ? { ...result, mail: revive(result.mail) } : result
    },
    async parseRaw(raw) {
      // A buffer of its own moves; a slice of a shared one is copied first.
      const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw)
      return revive(await run<ParsedMessage>({ raw: own }, [own.buffer as ArrayBuffer]))
    },
    pending: () => slots.reduce((n, slot) => n + (slot?.jobs.size ?? 0), 0),
    async destroy() {
      destroyed = true
      await Promise.all(slots.map((slot) => slot?.worker.terminate()))
    },
  }
}
