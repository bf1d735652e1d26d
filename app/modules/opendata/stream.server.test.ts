import { describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import type { Dataset } from './datasets.server'
import { csvCell } from '../../lib/csv'
import { datasetStream } from './stream.server'
import { resultRows } from './results'

const columns = [
  { name: 'id', type: 'integer' as const },
  { name: 'title', type: 'string' as const },
  { name: 'lat', type: 'number' as const },
  { name: 'lng', type: 'number' as const },
  { name: 'ok', type: 'boolean' as const },
]

// A dataset of n rows with gaps in the keys, read a page at a time.
function fake(n: number, calls: number[] = []): Dataset {
  const all = Array.from({ length: n }, (_, i) => ({
    key: i * 3 + 1,
    row: { id: i * 3 + 1, title: i % 5 === 0 ? `=SUM(A${i}), "quoted"\nline` : `Row ${i}`, lat: 39.4 + i / 1e4, lng: -0.37, ok: i % 2 === 0 },
    point: i % 7 === 0 ? null : { lat: 39.4 + i / 1e4, lng: -0.37 },
  }))
  return {
    name: 'fake',
    geometry: 'point',
    columns,
    async page(after, limit) {
      calls.push(after)
      return all.filter((r) => r.key > after).slice(0, limit)
    },
    async count() {
      return n
    },
  }
}
const meta = { title: 'Fake', description: 'Rows', columns: columns.map((c) => ({ ...c, description: c.name })) }
// Decoded keeping the byte order mark (Response.text() would drop it).
async function read(s: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  let out = ''
  for await (const chunk of s as unknown as AsyncIterable<Uint8Array>) out += decoder.decode(chunk, { stream: true })
  return out + decoder.decode()
}

describe('datasetStream', () => {
  for (const n of [0, 1, 6, 7, 8, 50]) {
    it(`streams ${n} rows in pages of 7 as CSV, JSON and GeoJSON with every row once`, async () => {
      const calls: number[] = []
      const csv = await read(datasetStream(fake(n, calls), 'csv', meta, 7))
      expect(csv.startsWith('\ufeffid,title,lat,lng,ok\r\n')).toBe(true)
      const rows = parse(csv.slice(1), { columns: true }) as Array<Record<string, string>>
      expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: n }, (_, i) => i * 3 + 1))
      // One query per page, plus the last (short or empty) one.
      expect(calls.length).toBe(Math.floor(n / 7) + 1)

      const json = JSON.parse(await read(datasetStream(fake(n), 'json', meta, 7))) as { rows: Array<Record<string, unknown>>; licence: { id: string }; columns: unknown[] }
      expect(json.rows).toHaveLength(n)
      expect(json.licence.id).toBe('CC-BY-4.0')
      expect(json.columns).toHaveLength(columns.length)
      if (n > 5) expect(json.rows[5]).toEqual({ id: 16, title: '=SUM(A5), "quoted"\nline', lat: 39.4005, lng: -0.37, ok: false })

      const geo = JSON.parse(await read(datasetStream(fake(n), 'geojson', meta, 7))) as {
        type: string
        features: Array<{ type: string; id: number; geometry: { type: string; coordinates: number[] } | null; properties: Record<string, unknown> }>
      }
      expect(geo.type).toBe('FeatureCollection')
      expect(geo.features).toHaveLength(n)
      geo.features.forEach((f, i) => {
        expect(f.type).toBe('Feature')
        expect(f.id).toBe(i * 3 + 1)
        if (i % 7 === 0) expect(f.geometry).toBeNull()
        else expect(f.geometry).toEqual({ type: 'Point', coordinates: [-0.37, 39.4 + i / 1e4] })
      })
    })
  }

  it('guards CSV cells a spreadsheet would run as formulas, keeps numbers and quotes', async () => {
    expect(csvCell('=1+1')).toBe("'=1+1")
    expect(csvCell('@cmd')).toBe("'@cmd")
    expect(csvCell('-2+3')).toBe("'-2+3")
    expect(csvCell(-0.37)).toBe('-0.37')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell(null)).toBe('')
    expect(csvCell(Number.NaN)).toBe('')
    const csv = await read(datasetStream(fake(1), 'csv', meta, 7))
    expect((parse(csv.slice(1), { columns: true }) as Array<Record<string, string>>)[0]!.title).toBe(`'=SUM(A0), "quoted"\nline`)
  })

  it('reads a page only when the previous one has been taken (backpressure)', async () => {
    const calls: number[] = []
    const reader = datasetStream(fake(100, calls), 'csv', meta, 7).getReader()
    await reader.read() // the header
    await reader.read() // the first page
    await new Promise((r) => setTimeout(r, 20))
    expect(calls.length).toBeLessThanOrEqual(2)
    await reader.cancel()
  })
})

describe('resultRows', () => {
  it('flattens a yes/no result with the majority marked and votes in full votes', () => {
    const rows = resultRows({
      method: 'yesno',
      yes: { weight: 3500, ballots: 11 },
      no: { weight: 500, ballots: 1 },
      abstain: { weight: 250, ballots: 1 },
      turnout: { weight: 4250, ballots: 13 },
      yesShare: { numerator: 3500, denominator: 4000 },
      yesShareByHead: { numerator: 11, denominator: 12 },
      majority: 'yes',
    })
    expect(rows.map((r) => [r.option, r.votes, r.ballots, r.outcome])).toEqual([
      ['yes', 3.5, 11, 'majority'],
      ['no', 0.5, 1, null],
      ['abstain', 0.25, 1, null],
    ])
  })

  it('flattens budget pots and ranked levels', () => {
    const budget = resultRows({
      method: 'budget',
      turnout: { weight: 2000, ballots: 2 },
      pots: [
        {
          pot: 'city',
          areaId: null,
          budget: 100,
          spent: 60,
          left: 40,
          turnout: { weight: 2000, ballots: 2 },
          projects: [
            { position: 1, project: 'park', cost: 60, votes: 2000, ballots: 2, outcome: 'selected', moneyLeft: 100 },
            { position: 2, project: 'pool', cost: 90, votes: 1000, ballots: 1, outcome: 'doesNotFit', moneyLeft: 40 },
          ],
        },
      ],
    })
    expect(budget.map((r) => [r.pot, r.option, r.votes, r.rank, r.outcome, r.cost])).toEqual([
      ['city', 'park', 2, 1, 'selected', 60],
      ['city', 'pool', 1, 2, 'doesNotFit', 90],
    ])
    const ranked = resultRows({ method: 'ranked', options: ['a', 'b', 'c'], d: [], p: [], winners: ['b'], ranking: [['b'], ['a', 'c']], turnout: { weight: 3000, ballots: 3 } })
    expect(ranked.map((r) => [r.option, r.rank, r.outcome])).toEqual([
      ['a', 2, null],
      ['b', 1, 'winner'],
      ['c', 2, null],
    ])
  })
})
