import { unzipSync } from 'fflate'
import sax from 'sax'

/**
 * Text of office documents attached to answers (issue 22), for search and display: Word (.docx),
 * Excel (.xlsx), PowerPoint (.pptx) and OpenDocument (.odt, .ods, .odp). They are ZIP archives of
 * XML: fflate unzips only the parts holding text, sax reads them as a stream of tags. Capped (a
 * part may not unzip past 50 MB, the text stops at 1 MB) so a crafted archive cannot exhaust memory.
 */

export const MAX_OFFICE_TEXT = 1_000_000
const MAX_PART_BYTES = 50 * 1024 * 1024

export type OfficeKind = 'docx' | 'xlsx' | 'pptx' | 'odf'

const MIME: Record<string, OfficeKind> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odf',
  'application/vnd.oasis.opendocument.spreadsheet': 'odf',
  'application/vnd.oasis.opendocument.presentation': 'odf',
}
const EXTENSION: Record<string, OfficeKind> = { docx: 'docx', xlsx: 'xlsx', pptx: 'pptx', odt: 'odf', ods: 'odf', odp: 'odf' }

/** The office format of an attachment, by its type or else its name's extension; null for others. */
export function officeKind(contentType: string, filename: string): OfficeKind | null {
  const byType = MIME[contentType.toLowerCase().split(';')[0]!.trim()]
  if (byType) return byType
  const ext = /\.([a-z]{3,4})$/i.exec(filename)?.[1]?.toLowerCase()
  return ext ? (EXTENSION[ext] ?? null) : null
}

/** Walks an XML part: `open`/`close` per element (local name), `text` per run of characters. */
function walk(xml: Uint8Array, handlers: { open?: (name: string, attributes: Record<string, string>) => void; close?: (name: string) => void; text?: (text: string) => void }) {
  const parser = sax.parser(true, { trim: false, normalize: false })
  const local = (name: string) => name.slice(name.indexOf(':') + 1)
  parser.onopentag = (tag) => handlers.open?.(local(tag.name), tag.attributes as Record<string, string>)
  parser.onclosetag = (name) => handlers.close?.(local(name))
  parser.ontext = (text) => handlers.text?.(text)
  parser.oncdata = (text) => handlers.text?.(text)
  parser.write(new TextDecoder().decode(xml)).close()
}

/** Text of paragraphs: the characters inside `textTags`, a line per `paragraphTags`, tabs and breaks kept. */
function paragraphs(xml: Uint8Array, tags: { text: Set<string>; paragraph: Set<string>; tab: Set<string>; br: Set<string>; space?: string }): string {
  let out = ''
  let inText = 0
  walk(xml, {
    open(name, attributes) {
      if (tags.text.has(name)) inText++
      else if (tags.tab.has(name)) out += '\t'
      else if (tags.br.has(name)) out += '\n'
      else if (name === tags.space) out += ' '.repeat(Math.min(100, Number(attributes['text:c'] ?? 1) || 1))
    },
    close(name) {
      if (tags.text.has(name)) inText--
      if (tags.paragraph.has(name)) out += '\n'
    },
    text(text) {
      if (inText > 0) out += text
    },
  })
  return out
}

function xlsxText(parts: Record<string, Uint8Array>): string {
  const shared: string[] = []
  if (parts['xl/sharedStrings.xml']) {
    let current: string | null = null
    let inT = false
    walk(parts['xl/sharedStrings.xml'], {
      open: (name) => {
        if (name === 'si') current = ''
        if (name === 't') inT = true
      },
      close: (name) => {
        if (name === 't') inT = false
        if (name === 'si') shared.push(current ?? '')
      },
      text: (text) => {
        if (inT && current !== null) current += text
      },
    })
  }
  const sheets = Object.keys(parts)
    .filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n))
    .sort((a, b) => Number(/(\d+)\.xml$/.exec(a)![1]) - Number(/(\d+)\.xml$/.exec(b)![1]))
  const out: string[] = []
  for (const name of sheets) {
    let row: string[] = []
    let cellType = ''
    let value = ''
    let inValue = false
    walk(parts[name]!, {
      open: (tag, attributes) => {
        if (tag === 'c') {
          cellType = attributes.t ?? ''
          value = ''
        }
        if (tag === 'v' || (tag === 't' && cellType === 'inlineStr')) inValue = true
      },
      close: (tag) => {
        if (tag === 'v' || tag === 't') inValue = false
        if (tag === 'c') row.push(cellType === 's' ? (shared[Number(value)] ?? '') : value)
        if (tag === 'row') {
          if (row.some(Boolean)) out.push(row.join('\t'))
          row = []
        }
      },
      text: (text) => {
        if (inValue) value += text
      },
    })
  }
  return out.join('\n')
}

/** The document's text; null when it is not a readable office file. */
export function officeText(data: Buffer, kind: OfficeKind): string | null {
  try {
    const wanted = (name: string) =>
      kind === 'docx'
        ? name === 'word/document.xml'
        : kind === 'xlsx'
          ? name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/sheet\d+\.xml$/.test(name)
          : kind === 'pptx'
            ? /^ppt\/slides\/slide\d+\.xml$/.test(name)
            : name === 'content.xml'
    const parts = unzipSync(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), {
      filter: (file) => {
        if (!wanted(file.name)) return false
        if (file.originalSize > MAX_PART_BYTES) throw new Error('office part too large')
        return true
      },
    })
    let text: string
    if (kind === 'docx') {
      if (!parts['word/document.xml']) return null
      text = paragraphs(parts['word/document.xml'], { text: new Set(['t']), paragraph: new Set(['p']), tab: new Set(['tab']), br: new Set(['br', 'cr']) })
    } else if (kind === 'xlsx') {
      text = xlsxText(parts)
    } else if (kind === 'pptx') {
      const slides = Object.keys(parts).sort((a, b) => Number(/(\d+)\.xml$/.exec(a)![1]) - Number(/(\d+)\.xml$/.exec(b)![1]))
      text = slides.map((name) => paragraphs(parts[name]!, { text: new Set(['t']), paragraph: new Set(['p']), tab: new Set(), br: new Set(['br']) })).join('\n\f\n')
    } else {
      if (!parts['content.xml']) return null
      // In OpenDocument the characters sit directly in text:p / text:h (and their spans).
      let out = ''
      let depth = 0
      walk(parts['content.xml'], {
        open: (name, attributes) => {
          if (name === 'p' || name === 'h') depth++
          else if (depth && name === 's') out += ' '.repeat(Math.min(100, Number(attributes['text:c'] ?? 1) || 1))
          else if (depth && name === 'tab') out += '\t'
          else if (depth && name === 'line-break') out += '\n'
        },
        close: (name) => {
          if (name === 'p' || name === 'h') {
            depth--
            if (depth === 0) out += '\n'
          }
        },
        text: (t) => {
          if (depth) out += t
        },
      })
      text = out
    }
    return text
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
      .slice(0, MAX_OFFICE_TEXT)
  } catch {
    return null
  }
}
