import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib'
import { pdfjs, standardFonts } from './pdf-text.server'
import { fold } from './search'

/**
 * Redaction of a PDF's pages (issue 22): the public copy of an answer's document, made with pdf-lib
 * from the original (which stays private, for administrators).
 *
 * - A page withheld whole becomes a black page saying so.
 * - A page with redacted words or areas is rebuilt from its text (read by pdfjs-dist): every text
 *   run is drawn again where it stood, in Helvetica, except the redacted words (a black bar of their
 *   width in their place) and the runs touching a redacted area (the area is drawn black). The
 *   page's images and drawings are not carried over: nothing on it can leak what was redacted.
 * - Other pages are copied unchanged.
 * The result is a real PDF whose text no longer contains what was redacted (tests extract it).
 */

export interface PdfArea {
  page: number
  x: number
  y: number
  width: number
  height: number
}

export interface PdfRedaction {
  /** Pages (1-based) withheld whole. */
  pages: number[]
  /** Words or phrases blacked out wherever they appear (case and accents ignored). */
  words: string[]
  /** Rectangles in PDF points from the page's bottom-left corner. */
  areas: PdfArea[]
}

export const isEmptyRedaction = (r: PdfRedaction) => r.pages.length === 0 && r.words.length === 0 && r.areas.length === 0

interface Run {
  str: string
  x: number
  y: number
  size: number
  width: number
}

const BLACK = rgb(0, 0, 0)

/** The places in `text` (folded) where a redacted word is: [start, end) pairs, merged. */
export function matches(text: string, words: string[]): Array<[number, number]> {
  // fold() keeps one character per character for the scripts a body writes in (accents are combining marks removed after NFD).
  const folded = [...text].map((c) => fold(c) || c)
  const haystack = folded.join('')
  const offsets: number[] = []
  let at = 0
  for (const c of folded) {
    offsets.push(at)
    at += c.length
  }
  const found: Array<[number, number]> = []
  for (const word of words.map((w) => fold(w.trim())).filter(Boolean)) {
    for (let i = haystack.indexOf(word); i >= 0; i = haystack.indexOf(word, i + 1)) {
      const start = offsets.findIndex((o) => o >= i)
      const endChar = offsets.findIndex((o) => o >= i + word.length)
      found.push([start, endChar < 0 ? folded.length : endChar])
    }
  }
  found.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const f of found) {
    const last = merged[merged.length - 1]
    if (last && f[0] <= last[1]) last[1] = Math.max(last[1], f[1])
    else merged.push([...f])
  }
  return merged
}

const touches = (run: Run, a: PdfArea) => run.x < a.x + a.width && run.x + run.width > a.x && run.y + run.size > a.y && run.y - run.size * 0.25 < a.y + a.height

/** Text Helvetica (WinAnsi) can draw: other characters become '?'. */
function drawable(font: PDFFont, text: string): string {
  let out = ''
  for (const c of text) {
    try {
      font.encodeText(c)
      out += c
    } catch {
      out += '?'
    }
  }
  return out
}

function drawRun(page: PDFPage, font: PDFFont, run: Run, words: string[]) {
  const chars = [...drawable(font, run.str)]
  const hidden = matches(run.str, words)
  // Scales Helvetica's widths to the run's own width, so the bars fall where the words were.
  const natural = font.widthOfTextAtSize(chars.join(''), run.size) || 1
  const scale = run.width > 0 ? run.width / natural : 1
  let x = run.x
  let cursor = 0
  const segments: Array<{ text: string; hide: boolean }> = []
  for (const [start, end] of hidden) {
    if (start > cursor) segments.push({ text: chars.slice(cursor, start).join(''), hide: false })
    segments.push({ text: chars.slice(start, end).join(''), hide: true })
    cursor = end
  }
  if (cursor < chars.length) segments.push({ text: chars.slice(cursor).join(''), hide: false })
  for (const s of segments) {
    const width = font.widthOfTextAtSize(s.text, run.size) * scale
    if (s.hide) page.drawRectangle({ x, y: run.y - run.size * 0.2, width, height: run.size * 1.1, color: BLACK })
    else if (s.text.trim()) page.drawText(s.text, { x, y: run.y, size: run.size, font, color: BLACK })
    x += width
  }
}

export type RedactedPdf = { kind: 'ok'; data: Buffer } | { kind: 'unreadable' } | { kind: 'noSuchPage'; pages: number }

/** The redacted copy of a PDF; unreadable when the PDF cannot be read (or is encrypted). */
export async function redactPdf(data: Buffer, redaction: PdfRedaction, withheldLabel: string): Promise<RedactedPdf> {
  const lib = await pdfjs()
  const task = lib.getDocument({ data: new Uint8Array(data), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, standardFontDataUrl: standardFonts(), verbosity: 0 })
  try {
    const source = await task.promise
    if ([...redaction.pages, ...redaction.areas.map((a) => a.page)].some((p) => p > source.numPages)) return { kind: 'noSuchPage', pages: source.numPages }
    const original = await PDFDocument.load(data, { ignoreEncryption: false, updateMetadata: false })
    const out = await PDFDocument.create()
    const font = await out.embedFont(StandardFonts.Helvetica)
    const withheld = new Set(redaction.pages)
    for (let n = 1; n <= source.numPages; n++) {
      const [width, height] = (() => {
        const { width: w, height: h } = original.getPage(n - 1).getSize()
        return [w, h]
      })()
      if (withheld.has(n)) {
        const page = out.addPage([width, height])
        page.drawRectangle({ x: 0, y: 0, width, height, color: BLACK })
        page.drawText(drawable(font, withheldLabel), { x: 36, y: height / 2, size: 14, font, color: rgb(1, 1, 1) })
        continue
      }
      const pdfPage = await source.getPage(n)
      const content = await pdfPage.getTextContent({ disableNormalization: false })
      pdfPage.cleanup()
      const runs: Run[] = content.items.flatMap((item) =>
        'str' in item && item.str
          ? [{ str: item.str, x: item.transform[4] as number, y: item.transform[5] as number, size: Math.hypot(item.transform[2] as number, item.transform[3] as number) || 10, width: item.width }]
          : [],
      )
      const areas = redaction.areas.filter((a) => a.page === n)
      const affected = areas.length > 0 || runs.some((r) => matches(r.str, redaction.words).length > 0)
      if (!affected) {
        const [copy] = await out.copyPages(original, [n - 1])
        out.addPage(copy!)
        continue
      }
      const page = out.addPage([width, height])
      for (const run of runs) if (!areas.some((a) => touches(run, a))) drawRun(page, font, run, redaction.words)
      for (const a of areas) page.drawRectangle({ x: a.x, y: a.y, width: a.width, height: a.height, color: BLACK })
    }
    out.setProducer('Plaza (redacted copy)')
    return { kind: 'ok', data: Buffer.from(await out.save()) }
  } catch {
    return { kind: 'unreadable' }
  } finally {
    await task.destroy()
  }
}

/** "2, 4-6" → [2, 4, 5, 6] (at most `max` pages); null when it is not a list of pages. */
export function parsePages(input: string, max = 10_000): number[] | null {
  const out = new Set<number>()
  for (const part of input.split(/[,;\s]+/).filter(Boolean)) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part)
    if (!m) return null
    const from = Number(m[1])
    const to = Number(m[2] ?? m[1])
    if (from < 1 || to < from || to > max) return null
    for (let p = from; p <= to; p++) out.add(p)
  }
  return [...out].sort((a, b) => a - b)
}

/** One area per line: "page x y width height" (points). Null when a line is not one. */
export function parseAreas(input: string): PdfArea[] | null {
  const out: PdfArea[] = []
  for (const line of input
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const parts = line.split(/[\s,;]+/).map(Number)
    if (parts.length !== 5 || parts.some((p) => !Number.isFinite(p) || p < 0 || p > 100_000) || !Number.isInteger(parts[0]) || parts[0]! < 1 || parts[3]! <= 0 || parts[4]! <= 0) return null
    out.push({ page: parts[0]!, x: parts[1]!, y: parts[2]!, width: parts[3]!, height: parts[4]! })
  }
  return out
}
