import { PDFDocument, StandardFonts } from 'pdf-lib'
import { describe, expect, it } from 'vitest'
import { matches, parseAreas, parsePages, redactPdf } from './pdf-redact.server'
import { pdfPages } from './pdf-text.server'

async function pdf(pages: string[][]): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const lines of pages) {
    const page = doc.addPage([595, 842])
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 750 - i * 20, size: 12, font }))
  }
  return Buffer.from(await doc.save())
}

describe('PDF redaction', () => {
  it('blacks out words, withholds pages and areas; the copy is a real PDF without them', async () => {
    const original = await pdf([
      ['Budget for 2026', 'Contact: Jane Officer, 0123 456789', 'Total: 42000 euros'],
      ['Signed by Peter Private', 'Home address 12 Secret Lane'],
      ['Annex: luminaires', 'Approved by Árbol Muñoz'],
    ])
    const out = await redactPdf(original, { pages: [2], words: ['jane officer', '456789', 'arbol munoz'], areas: [{ page: 1, x: 40, y: 700, width: 300, height: 15 }] }, 'Page withheld')
    expect(out.kind).toBe('ok')
    const data = (out as { data: Buffer }).data
    expect(data.subarray(0, 5).toString()).toBe('%PDF-')
    const pages = (await pdfPages(data))!
    expect(pages).toHaveLength(3)
    const text = pages.join('\n')
    for (const gone of ['Jane', 'Officer', '456789', 'Peter', 'Secret', '42000', 'Árbol', 'Muñoz']) expect(text).not.toContain(gone)
    expect(pages[0]).toContain('Budget for 2026')
    expect(pages[0]).toContain('Contact:')
    expect(pages[1]).toBe('Page withheld')
    // An untouched page is copied as it was.
    expect(pages[2]).toContain('Annex: luminaires')
    expect((await pdfPages(original))!.join('\n')).toContain('Jane Officer')
  })

  it('refuses pages the document does not have, and what is not a PDF', async () => {
    const original = await pdf([['One page']])
    expect(await redactPdf(original, { pages: [3], words: [], areas: [] }, 'x')).toEqual({ kind: 'noSuchPage', pages: 1 })
    expect((await redactPdf(Buffer.from('not a pdf'), { pages: [1], words: [], areas: [] }, 'x')).kind).toBe('unreadable')
  })

  it('reads pages and areas as people type them, and finds words ignoring case and accents', () => {
    expect(parsePages('2, 4-5 ,7')).toEqual([2, 4, 5, 7])
    expect(parsePages('')).toEqual([])
    expect(parsePages('two')).toBeNull()
    expect(parsePages('5-3')).toBeNull()
    expect(parseAreas('1 40 700 300 15\n2, 0, 0, 10, 10')).toEqual([
      { page: 1, x: 40, y: 700, width: 300, height: 15 },
      { page: 2, x: 0, y: 0, width: 10, height: 10 },
    ])
    expect(parseAreas('1 40 700')).toBeNull()
    expect(parseAreas('0 1 1 1 1')).toBeNull()
    expect(matches('Contact: JANE Officer', ['jane officer'])).toEqual([[9, 21]])
    expect(matches('Approved by Árbol', ['arbol'])).toEqual([[12, 17]])
  })
})
