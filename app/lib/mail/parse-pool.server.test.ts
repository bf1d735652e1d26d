import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import MailComposer from 'nodemailer/lib/mail-composer'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  it("extracts a spooled message's PDF text on the thread, page by page, and leaves other attachments to the handler", async () => {
    const file = await spoolFile('a.eml', [
      { filename: 'minutes.pdf', content: await pdf(['Budget of the zebra crossing', 'Second page']) },
      // No .pdf name and a generic type: recognised by its first bytes.
      { filename: 'scan', content: await pdf(['Recognised by its magic']), contentType: 'application/octet-stream' },
      { filename: 'notes.txt', content: Buffer.from('plain words') },
    ])
    const result = await pool.parseSpoolFile(file, { extractPdfText: true })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const [minutes, scan, notes] = result.mail.attachments
    expect(minutes!.text).toBe('Budget of the zebra crossing\n\f\nSecond page')
    expect(scan!.text).toBe('Recognised by its magic')
    expect(notes!.text).toBeUndefined()
    expect(notes!.content.toString()).toBe('plain words')
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
