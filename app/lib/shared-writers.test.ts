import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { parse } from 'csv-parse/sync'
import { describe, expect, it, vi } from 'vitest'
import { csvCell, csvHeader, csvRow, csvRows } from './csv'
import { escapeXml, escapeXmlText } from './xml'
import { feedFile, feedLinkDescriptors, feedResponse, renderAtom, renderRss, type Feed } from './feed'
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import { keysetPage, pagedExport, streamText } from './paged-export'
import { logger } from './logger.server'

const HOSTILE = ['=HYPERLINK("http://evil.example","click")', '+1+2', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '＝1+1']

describe('csv (app/lib/csv.ts)', () => {
  it('neutralises every cell a spreadsheet would run as a formula, and round-trips through a parser', () => {
    for (const text of HOSTILE) expect(csvCell(text).replace(/^"/, '').startsWith("'")).toBe(true)
    const file = csvHeader(['id', 'title']) + csvRows(HOSTILE.map((t, i) => [i, t]))
    const rows = parse(file.slice(1), { columns: true }) as Array<{ id: string; title: string }>
    expect(rows.map((r) => r.title)).toEqual(HOSTILE.map((t) => `'${t}`))
  })

  it('quotes delimiters, quotes and line breaks; keeps numbers (negative too) and writes null as empty', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell('lone\rreturn')).toBe('"lone\rreturn"')
    expect(csvCell(-1.52)).toBe('-1.52')
    expect(csvCell(Number.NaN)).toBe('')
    expect(csvCell(null)).toBe('')
    expect(csvCell(true)).toBe('true')
    expect(csvRow(['a', 1, null])).toBe('a,1,\r\n')
    expect(csvRow(['a', 'b'], '\n')).toBe('a,b\n')
    expect(csvRows([])).toBe('')
    expect(csvHeader(['a'])).toBe('\ufeffa\r\n')
    expect(csvHeader(['a'], { bom: false, newline: '\n' })).toBe('a\n')
  })
})

describe('xml (app/lib/xml.ts)', () => {
  it('escapes markup for elements and attributes, and drops characters XML 1.0 cannot carry', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;')
    expect(escapeXml('bell\u0007 form\u000c null\u0000 nonchar\uffff lone\ud800 pair\ud83d\ude00')).toBe('bell form null nonchar lone pair\ud83d\ude00')
    // Tab, line feed and carriage return are allowed in XML and stay.
    expect(escapeXml('a\tb\nc\rd')).toBe('a\tb\nc\rd')
    expect(escapeXmlText('say "hi" & <go>\u0008')).toBe('say "hi" &amp; &lt;go&gt;')
    expect(escapeXml('plain 123')).toBe('plain 123')
    const doc = `<r a="${escapeXml('"\'<&\u0001')}">${escapeXmlText('<\u001f&')}</r>`
    expect(XMLValidator.validate(doc)).toBe(true)
  })
})

describe('feed (app/lib/feed.ts)', () => {
  const feed: Feed = {
    title: 'Reports & <things>',
    description: 'Newest\u0007 reports',
    link: 'https://plaza.example/reports?a=1&b=2',
    self: 'https://plaza.example/feeds/reports.rss',
    language: 'en',
    author: 'Valmera "City"',
    entries: [
      {
        link: 'https://plaza.example/reports/1',
        title: '=HYPERLINK("x") <b>',
        text: 'Text\u000b with & control',
        published: '2026-03-03T10:00:00.000Z',
        updated: '2026-03-04T10:00:00.000Z',
        categories: ['Roads & paths'],
        point: { lat: 39.5, lng: -0.4 },
      },
      { link: 'https://plaza.example/reports/2', title: 'Second', text: 'No point', published: '2026-03-01T10:00:00.000Z', updated: '2026-03-01T10:00:00.000Z', categories: [] },
    ],
  }
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' })

  it('renders RSS 2.0 that parses, with the elements RSS requires and escaped text', () => {
    const xml = renderRss(feed)
    expect(XMLValidator.validate(xml)).toBe(true)
    const channel = parser.parse(xml).rss.channel
    expect(channel.title).toBe('Reports & <things>')
    expect(channel.link).toBe(feed.link)
    expect(channel.description).toBe('Newest reports')
    expect(channel['atom:link']['@href']).toBe(feed.self)
    expect(channel.lastBuildDate).toBe('Wed, 04 Mar 2026 10:00:00 GMT')
    expect(channel.item).toHaveLength(2)
    expect(channel.item[0].title).toBe('=HYPERLINK("x") <b>')
    expect(channel.item[0].guid['#text']).toBe('https://plaza.example/reports/1')
    expect(channel.item[0]['georss:point']).toBe('39.5 -0.4')
    expect(channel.item[1]['georss:point']).toBeUndefined()
  })

  it('renders Atom 1.0 that parses, with id, title, updated and links on the feed and each entry', () => {
    const xml = renderAtom(feed)
    expect(XMLValidator.validate(xml)).toBe(true)
    const root = parser.parse(xml).feed
    expect(root['@xmlns']).toBe('http://www.w3.org/2005/Atom')
    expect(root.id).toBe(feed.self)
    expect(root.updated).toBe('2026-03-04T10:00:00.000Z')
    expect(root.author.name).toBe('Valmera "City"')
    for (const entry of root.entry) {
      expect(entry.id).toMatch(/^https:\/\/plaza\.example\/reports\/\d$/)
      expect(entry.title['#text']).toBeTruthy()
      expect(entry.updated).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(entry.link['@rel']).toBe('alternate')
    }
    expect(root.entry[0].summary['#text']).toBe('Text with & control')
  })

  it('answers with the media type and caching, parses file names and refuses others', async () => {
    const response = feedResponse(feed, 'atom')
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    expect(XMLValidator.validate(await response.text())).toBe(true)
    expect(feedFile('sant-roc.rss')).toEqual({ name: 'sant-roc', format: 'rss' })
    for (const bad of ['sant-roc.xml', '../x.rss', 'Sant.rss', '.rss', undefined]) expect(feedFile(bad)).toBeNull()
    expect(feedLinkDescriptors(['all'], (_s, f) => `/feeds/x.${f}`, 'T').map((d) => d.href)).toEqual(['/feeds/x.rss', '/feeds/x.atom'])
  })
})

describe('paged export (app/lib/paged-export.ts)', () => {
  it('writes head, every page once in order, and tail; reads a page only when the previous one is taken', async () => {
    const calls: number[] = []
    const stream = pagedExport({
      start: 0,
      head: () => '[',
      async page(after: number) {
        calls.push(after)
        const ids = [after + 1, after + 2, after + 3].filter((n) => n <= 7)
        return { text: ids.map((n) => `${n},`).join(''), next: ids.at(-1) ?? after, last: ids.length < 3 }
      },
      tail: () => ']',
    })
    const reader = stream.getReader()
    expect((await reader.read()).value).toBeDefined()
    expect(calls).toEqual([])
    await reader.read()
    expect(calls).toEqual([0])
    reader.releaseLock()
    expect(await streamText(stream)).toBe('4,5,6,7,]')
    expect(calls).toEqual([0, 3, 6])
  })

  it('skips pages with no text and passes a failing page on as a stream error', async () => {
    let n = 0
    const empty = pagedExport({ start: 0, page: async () => ({ text: ++n < 3 ? '' : 'x', next: n, last: n >= 3 }) })
    expect(await streamText(empty)).toBe('x')
    const failing = pagedExport({ start: 0, page: async () => Promise.reject(new Error('disk')) })
    await expect(streamText(failing)).rejects.toThrow('disk')
  })

  it('logs a page that fails mid-file: what was exported and how far it got', async () => {
    const logged = vi.spyOn(logger(), 'error')
    let n = 0
    const failing = pagedExport({
      name: 'opendata:reports.csv',
      start: 0,
      head: () => 'id\n',
      page: async (after: number) => (++n < 3 ? { text: `${after + 1}\n`, next: after + 1, last: false } : Promise.reject(new Error('database gone'))),
    })
    await expect(streamText(failing)).rejects.toThrow('database gone')
    expect(logged).toHaveBeenCalledTimes(1)
    const [fields, message] = logged.mock.calls[0] as unknown as [Record<string, unknown>, string]
    expect(message).toBe('streaming export failed mid-file')
    expect(fields).toMatchObject({ export: 'opendata:reports.csv', pages: 2, bytes: 7, after: '2' })
    expect((fields.err as Error).message).toBe('database gone')
    logged.mockRestore()
  })

  it('keysetPage: rows after the key, in key order, a page long; the start (-Infinity) reads from the first id', () => {
    // Compiled only (no connection): the SQL every dataset's page runs.
    const db = new Kysely<{ reports: { id: number; state: string } }>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new SqliteIntrospector(k),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    })
    const first = keysetPage(db.selectFrom('reports').select('id').where('state', '=', 'open'), 'id', -Infinity, 500).compile()
    expect(first.sql).toBe('select "id" from "reports" where "state" = ? and "id" > ? order by "id" limit ?')
    expect(first.parameters).toEqual(['open', 0, 500])
    expect(keysetPage(db.selectFrom('reports').select('id'), 'id', 1234, 10).compile().parameters).toEqual([1234, 10])
  })
})
