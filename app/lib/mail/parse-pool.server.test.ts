import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import MailComposer from 'nodemailer/lib/mail-composer'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attachmentPath, readAttachmentFile } from '../attachment-files.server'
import { createParsePool, type ParsePool } from './parse-pool.server'

/**
 * The parse threads (ADR 141) and the PDF text they extract for spool files (ADR 144), through the
 * pool's exported functions: a real worker thread, real spool files.
 */

let pool: ParsePool
let dir: string

async function pdf(lines: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const line of lines) doc.addPage().drawText(line, { x: 50, y: 700, font, size: 12 })
  return Buffer.from(await doc.save())
}

async function spoolFile(name: string, attachments: Array<{ filename: string; content: Buffer; contentType?: string }>): Promise<string> {
  const raw = await new MailComposer({ from: 'records@bodies.example', to: 'request-x@requests.example', subject: 'Answer', text: 'See attached.', attachments }).compile().build()
  const file = path.join(dir, name)
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ from: 'records@bodies.example', to: ['request-x@requests.example'] })}\n`), raw]))
  return file
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-parse-pool-'))
  pool = createParsePool(1)
})

afterAll(async () => {
  await pool.destroy()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the parse pool', () => {
  it("extracts a spooled message's PDF and plain text on the thread, PDFs page by page, and leaves other attachments to the handler", async () => {
    const file = await spoolFile('a.eml', [
      { filename: 'minutes.pdf', content: await pdf(['Budget of the zebra crossing', 'Second page']) },
      // No .pdf name and a generic type: recognised by its first bytes.
      { filename: 'scan', content: await pdf(['Recognised by its magic']), contentType: 'application/octet-stream' },
      { filename: 'notes.txt', content: Buffer.from('plain words') },
      { filename: 'table.bin', content: Buffer.from([1, 2, 3]) },
    ])
    const result = await pool.parseSpoolFile(file, { extractPdfText: true })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const [minutes, scan, notes, table] = result.mail.attachments
    expect(minutes!.text).toBe('Budget of the zebra crossing\n\f\nSecond page')
    expect(scan!.text).toBe('Recognised by its magic')
    expect(notes!.text).toBe('plain words')
    expect(notes!.content!.toString()).toBe('plain words')
    expect(table!.text).toBeUndefined()
    expect([...table!.content!]).toEqual([1, 2, 3])
    expect(table!.file).toBeUndefined()
  })

  it('stores the attachments as files named by their SHA-256 when asked (ADR 150): their bytes stay on the thread, the same content is one file', async () => {
    const store = path.join(dir, 'attachments')
    const big = randomBytes(300_000)
    const first = await pool.parseSpoolFile(
      await spoolFile('c.eml', [
        { filename: 'big.bin', content: big },
        { filename: 'minutes.pdf', content: await pdf(['Stored as a file']) },
      ]),
      {
        extractPdfText: true,
        attachmentsDir: store,
      },
    )
    if (!first.ok) throw new Error('not parsed')
    const [stored, minutes] = first.mail.attachments
    const sha256 = createHash('sha256').update(big).digest('hex')
    expect(stored).toMatchObject({ filename: 'big.bin', content: null, file: { sha256, size: big.length } })
    expect(await readAttachmentFile(sha256, store)).toEqual(big)
    expect(fs.statSync(attachmentPath(sha256, store)).mode & 0o777).toBe(0o600)
    // The PDF's text was extracted before its bytes went to the file.
    expect(minutes).toMatchObject({ content: null, text: 'Stored as a file' })
    // The same content in another message (or the same spool file parsed again after a crash): the one file, nothing left in tmp/.
    const again = await pool.parseSpoolFile(await spoolFile('d.eml', [{ filename: 'again.bin', content: big }]), { attachmentsDir: store })
    expect(again.ok && again.mail.attachments[0]!.file).toEqual({ sha256, size: big.length })
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([])
    expect(fs.readdirSync(path.join(store, sha256.slice(0, 2)))).toEqual([sha256])
  })

  it('fails (ESTORE), rather than reading the message as unreadable, when an attachment cannot be stored', async () => {
    const notADirectory = path.join(dir, 'a-file')
    fs.writeFileSync(notADirectory, 'x')
    const file = await spoolFile('e.eml', [{ filename: 'x.bin', content: randomBytes(1000) }])
    await expect(pool.parseSpoolFile(file, { attachmentsDir: notADirectory })).rejects.toMatchObject({ code: 'ESTORE' })
    // The thread is still there for the next message.
    expect((await pool.parseSpoolFile(file)).ok).toBe(true)
  })

  it('gives null for a PDF it cannot read, and nothing when extraction is not asked for', async () => {
    const file = await spoolFile('b.eml', [{ filename: 'broken.pdf', content: Buffer.from('%PDF-1.7 this is not a PDF') }])
    const extracted = await pool.parseSpoolFile(file, { extractPdfText: true })
    expect(extracted.ok && extracted.mail.attachments[0]!.text).toBeNull()
    const plain = await pool.parseSpoolFile(file)
    expect(plain.ok && plain.mail.attachments[0]!.text).toBeUndefined()
  })

  it('fails for a spool file that is not there (removed meanwhile)', async () => {
    await expect(pool.parseSpoolFile(path.join(dir, 'missing.eml'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
