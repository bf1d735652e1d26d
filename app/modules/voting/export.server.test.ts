import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { streamText } from '../../lib/paged-export'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { castBallot } from './voting.server'
import { ballotListStream, publishedBallots, type PublishedBallot } from './export.server'

const HOUR = 3_600_000
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString()

let processId: number
const info = () => ({ id: processId, title: 'Park "Nord", phase 2', method: 'approval' as const, chainHead: 'head' })

beforeAll(async () => {
  await seededDatabase()
  const at = new Date().toISOString()
  const spec = { method: 'approval', options: ['a', 'b', 'c'], maxChoices: 3, minChoices: 0 }
  processId = await database().write(async (trx) => {
    const row = await trx
      .insertInto('voting_processes')
      .values({
        title: 'Export test',
        description_md: 'Test',
        description_html: '<p>Test</p>',
        eligible_area_id: null,
        residents_only: 0,
        category: null,
        method: 'approval',
        spec: JSON.stringify(spec),
        weight_policy: JSON.stringify({ rules: [], default: 1000 }),
        required_level: 1,
        delegation: 0,
        state: 'open',
        opens_at: iso(-HOUR),
        closes_at: iso(HOUR),
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
  // Five ballots, one of them replaced: choices hold quotes and commas, so CSV cells need quoting.
  const voters = await Promise.all([1, 2, 3, 4].map((level) => makeUser(Math.min(level, 2))))
  for (const [i, voter] of voters.entries()) {
    const result = await castBallot({ id: voter.id }, processId, { approved: ['a', 'b', 'c'].slice(0, (i % 3) + 1) })
    expect(result.kind).toBe('cast')
  }
  expect((await castBallot({ id: voters[0]!.id }, processId, { approved: ['c'] })).kind).toBe('cast')
})

/** The ballot list as it was written by hand before app/lib/csv.ts: the published format. */
function handWrittenCsv(rows: PublishedBallot[]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)
  return 'receipt,cast_at,weight,choices,counted,prev_hash,hash\n' + rows.map((r) => `${r.receipt},${r.castAt},${r.weight},${field(r.choices)},${r.counted},${r.prevHash},${r.hash}\n`).join('')
}

describe('the published ballot list', () => {
  it('writes the same CSV bytes as the hand-written list, across pages of any size', async () => {
    const { rows } = await publishedBallots(processId, 0, 100)
    expect(rows).toHaveLength(5)
    expect(rows.filter((r) => !r.counted)).toHaveLength(1)
    const expected = handWrittenCsv(rows)
    // The choices are JSON objects: quoted, with doubled quotes.
    expect(expected).toContain(',"{""approved"":[""a""]}",')
    for (const pageSize of [1, 2, 5, 100]) expect(await streamText(ballotListStream(info(), 'csv', pageSize))).toBe(expected)
  })

  it('writes JSON a program can read, with every ballot once, across pages', async () => {
    const { rows } = await publishedBallots(processId, 0, 100)
    for (const pageSize of [1, 2, 5, 100]) {
      const text = await streamText(ballotListStream(info(), 'json', pageSize))
      expect(text.endsWith('\n]}\n')).toBe(true)
      const doc = JSON.parse(text) as { process: number; title: string; chainHead: string; ballots: Array<{ receipt: string; choices: unknown; counted: boolean }> }
      expect(doc).toMatchObject({ process: processId, title: 'Park "Nord", phase 2', chainHead: 'head' })
      expect(doc.ballots.map((b) => b.receipt)).toEqual(rows.map((r) => r.receipt))
      expect(doc.ballots[0]!.choices).toEqual(JSON.parse(rows[0]!.choices))
      expect(doc.ballots.map((b) => b.counted)).toEqual(rows.map((r) => r.counted))
    }
  })

  it('an empty list is the header alone, or an empty JSON array', async () => {
    const none = { ...info(), id: -1 }
    expect(await streamText(ballotListStream(none, 'csv'))).toBe('receipt,cast_at,weight,choices,counted,prev_hash,hash\n')
    expect(JSON.parse(await streamText(ballotListStream(none, 'json')))).toMatchObject({ process: -1, ballots: [] })
  })
})
