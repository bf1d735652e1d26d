import path from 'node:path'
import { createRequire } from 'node:module'

/**
 * Text of a PDF, page by page, with pdfjs-dist (Mozilla's PDF.js, ADR 125): for search and for
 * reading an answer's documents on the page. A PDF without a text layer (a scan) gives empty pages;
 * a broken one gives null. Capped, so one huge document cannot fill the database.
 */

export const MAX_PDF_TEXT = 1_000_000
const MAX_PAGES = 500

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs')
let loading: Promise<PdfJs> | null = null
export const pdfjs = () => (loading ??= import('pdfjs-dist/legacy/build/pdf.mjs'))

export function standardFonts(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep
}

export async function pdfPages(data: Buffer): Promise<string[] | null> {
  const lib = await pdfjs()
  const task = lib.getDocument({
    data: new Uint8Array(data),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    standardFontDataUrl: standardFonts(),
    verbosity: 0,
  })
  try {
    const pdf = await task.promise
    const pages: string[] = []
    let total = 0
    for (let n = 1; n <= Math.min(pdf.numPages, MAX_PAGES) && total < MAX_PDF_TEXT; n++) {
      const page = await pdf.getPage(n)
      const content = await page.getTextContent()
      const text = content.items
        .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
        .join('')
        .replace(/[ \t]+/g, ' ')
        .trim()
      pages.push(text)
      total += text.length
      page.cleanup()
    }
    return pages
  } catch {
    return null
  } finally {
    await task.destroy()
  }
}

/** The PDF's text, pages separated by a form feed; null when it cannot be read. */
export async function pdfText(data: Buffer): Promise<string | null> {
  const pages = await pdfPages(data)
  return pages ? pages.join('\n\f\n').slice(0, MAX_PDF_TEXT) : null
}
