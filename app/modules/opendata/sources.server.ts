import { sql } from 'kysely'
import { database } from '../../lib/db.server'
import { notIndexed } from '../../lib/db/dialect'
import { config } from '../../lib/config.server'
import { defaultLanguageNames } from './names.server'
import { publicStates } from '../proposals/states'
import { labelOf, readSpec } from '../voting/processes.server'
import type { MethodResult } from '../voting/methods'
import { registerDataset, type DatasetRow } from './datasets.server'
import { keysetPage } from '../../lib/paged-export'
import { resultRows } from './results'

/**
 * The datasets of reports, proposals and votes. Only what the public sees on the site: reports
 * that are confirmed and not hidden, proposals in a public state, results of published votes,
 * ballots of closed votes (anonymised exactly as /votes/:id/ballots.csv). Never a person's name,
 * e-mail or account.
 */

// Small lookup tables (areas, categories, departments) read once per few seconds, not per row.
const LOOKUP_MS = 10_000
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  let at = 0
  return () => {
    if (!value || Date.now() - at > LOOKUP_MS) {
      at = Date.now()
      value = load().catch((e) => {
        value = undefined
        throw e
      })
    }
    return value
  }
}

const areaSlugs = cached(async () => new Map((await database().db.selectFrom('areas').select(['id', 'slug']).execute()).map((a) => [a.id, a.slug])))
const proposalCategories = cached(async () => new Map((await database().db.selectFrom('proposal_categories').select(['id', 'code']).execute()).map((c) => [c.id, c.code])))

const base = () => config().PUBLIC_URL

export function registerCoreDatasets() {
  registerDataset({
    name: 'reports',
    geometry: 'point',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'category', type: 'string' },
      { name: 'category_name', type: 'string' },
      { name: 'department', type: 'string' },
      { name: 'status', type: 'string' },
      { name: 'state', type: 'string' },
      { name: 'neighbourhood', type: 'string' },
      { name: 'district', type: 'string' },
      { name: 'lat', type: 'number' },
      { name: 'lng', type: 'number' },
      { name: 'supports', type: 'integer' },
      { name: 'created_at', type: 'datetime' },
      { name: 'first_response_at', type: 'datetime' },
      { name: 'fixed_at', type: 'datetime' },
      { name: 'closed_at', type: 'datetime' },
      { name: 'updated_at', type: 'datetime' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit): Promise<DatasetRow[]> {
      // The row comes out of SQLite with the dataset's column names (small joins on primary keys
      // are cheaper there than building a second object per row here).
      const rows = await database()
        .db.selectFrom('reports as r')
        .leftJoin('report_categories as c', 'c.id', 'r.category_id')
        .leftJoin('departments as d', 'd.id', 'r.department_id')
        .leftJoin('areas as n', 'n.id', 'r.area_id')
        .leftJoin('areas as a', 'a.id', 'r.district_id')
        .select([
          'r.id',
          'r.title',
          'r.description',
          'c.code as category',
          'c.name as category_name',
          'd.slug as department',
          'r.state_kind as status',
          'r.state',
          'n.slug as neighbourhood',
          'a.slug as district',
          'r.lat',
          'r.lng',
          'r.supports',
          'r.created_at',
          'r.first_response_at',
          'r.fixed_at',
          'r.closed_at',
          'r.updated_at',
          sql<string>`${`${base()}/reports/`} || r.id`.as('url'),
        ])
        // The unary + keeps SQLite on the primary key (a range scan in id order) instead of the
        // state index, which would read and sort every public report for each page.
        .where(notIndexed(database().db, 'r.state_kind'), 'in', ['open', 'fixed', 'closed'])
        .$call((q) => keysetPage(q, 'r.id', after, limit))
        .execute()
      // Names are stored per language: the file gives the site's default language (same column).
      const name = defaultLanguageNames()
      return rows.map((row) => {
        row.category_name = name(row.category_name)
        return { key: row.id, point: { lat: row.lat, lng: row.lng }, row }
      })
    },
    async count() {
      const r = await database()
        .db.selectFrom('reports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state_kind', 'in', ['open', 'fixed', 'closed'])
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })

  registerDataset({
    name: 'proposals',
    geometry: 'point',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'string' },
      { name: 'summary', type: 'string' },
      { name: 'category', type: 'string' },
      { name: 'tags', type: 'string' },
      { name: 'state', type: 'string' },
      { name: 'supports', type: 'integer' },
      { name: 'neighbourhood', type: 'string' },
      { name: 'district', type: 'string' },
      { name: 'lat', type: 'number' },
      { name: 'lng', type: 'number' },
      { name: 'published_at', type: 'datetime' },
      { name: 'expires_at', type: 'datetime' },
      { name: 'threshold_reached_at', type: 'datetime' },
      { name: 'answered_at', type: 'datetime' },
      { name: 'vote_id', type: 'integer' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const [areas, cats] = await Promise.all([areaSlugs(), proposalCategories()])
      const rows = await database()
        .db.selectFrom('proposals')
        .select([
          'id',
          'title',
          'summary',
          'category_id',
          'tags',
          'state',
          'supports',
          'area_id',
          'district_id',
          'lat',
          'lng',
          'published_at',
          'expires_at',
          'threshold_reached_at',
          'answered_at',
          'process_id',
        ])
        .where(notIndexed(database().db, 'state'), 'in', [...publicStates])
        .$call((q) => keysetPage(q, 'id', after, limit))
        .execute()
      const url = `${base()}/proposals/`
      return rows.map((r) => ({
        key: r.id,
        point: r.lat === null || r.lng === null ? null : { lat: r.lat, lng: r.lng },
        row: {
          id: r.id,
          title: r.title,
          summary: r.summary,
          category: r.category_id === null ? null : (cats.get(r.category_id) ?? null),
          tags: r.tags,
          state: r.state,
          supports: r.supports,
          neighbourhood: r.area_id === null ? null : (areas.get(r.area_id) ?? null),
          district: r.district_id === null ? null : (areas.get(r.district_id) ?? null),
          lat: r.lat,
          lng: r.lng,
          published_at: r.published_at,
          expires_at: r.expires_at,
          threshold_reached_at: r.threshold_reached_at,
          answered_at: r.answered_at,
          vote_id: r.process_id,
          url: url + r.id,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('proposals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', 'in', [...publicStates])
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })

  // Published results: few processes, a few dozen rows each; keys are process id × 10,000 + row.
  const resultRowsAll = async (): Promise<DatasetRow[]> => {
    const processes = await database()
      .db.selectFrom('voting_processes')
      .select(['id', 'title', 'method', 'spec', 'opens_at', 'closes_at', 'published_at', 'results'])
      .where('state', '=', 'published')
      .where('results', 'is not', null)
      .orderBy('id')
      .execute()
    const out: DatasetRow[] = []
    for (const p of processes) {
      let result: MethodResult | undefined
      let labels: (id: string) => string = (id) => id
      try {
        result = (JSON.parse(p.results!) as { count?: { result?: MethodResult } }).count?.result
        const stored = readSpec(p.spec)
        labels = (id) => labelOf(stored, id)
      } catch {
        result = undefined
      }
      if (!result) continue
      resultRows(result).forEach((r, i) =>
        out.push({
          key: p.id * 10_000 + i,
          row: {
            vote_id: p.id,
            vote_title: p.title,
            method: p.method,
            opens_at: p.opens_at,
            closes_at: p.closes_at,
            published_at: p.published_at,
            pot: r.pot,
            option: r.option,
            label: r.pot === null && p.method === 'yesno' ? r.option : labels(r.option),
            votes: r.votes,
            ballots: r.ballots,
            rank: r.rank,
            outcome: r.outcome,
            cost: r.cost,
            url: `${base()}/votes/${p.id}`,
          },
        }),
      )
    }
    return out
  }
  registerDataset({
    name: 'vote-results',
    geometry: 'none',
    columns: [
      { name: 'vote_id', type: 'integer' },
      { name: 'vote_title', type: 'string' },
      { name: 'method', type: 'string' },
      { name: 'opens_at', type: 'datetime' },
      { name: 'closes_at', type: 'datetime' },
      { name: 'published_at', type: 'datetime' },
      { name: 'pot', type: 'string' },
      { name: 'option', type: 'string' },
      { name: 'label', type: 'string' },
      { name: 'votes', type: 'number' },
      { name: 'ballots', type: 'integer' },
      { name: 'rank', type: 'integer' },
      { name: 'outcome', type: 'string' },
      { name: 'cost', type: 'integer' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      return (await resultRowsAll()).filter((r) => r.key > after).slice(0, limit)
    },
    async count() {
      return (await resultRowsAll()).length
    },
  })

  registerDataset({
    name: 'ballots',
    geometry: 'none',
    columns: [
      { name: 'vote_id', type: 'integer' },
      { name: 'receipt', type: 'string' },
      { name: 'cast_at', type: 'datetime' },
      { name: 'weight_thousandths', type: 'integer' },
      { name: 'choices', type: 'string' },
      { name: 'counted', type: 'boolean' },
      { name: 'prev_hash', type: 'string' },
      { name: 'hash', type: 'string' },
    ],
    async page(after, limit) {
      const rows = await database()
        .db.selectFrom('ballots as b')
        .innerJoin('voting_processes as p', 'p.id', 'b.process_id')
        .select(['b.id', 'b.process_id', 'b.receipt', 'b.cast_at', 'b.weight', 'b.choices', 'b.replaced_at', 'b.prev_hash', 'b.hash'])
        .where('p.state', 'in', ['closed', 'published'])
        .$call((q) => keysetPage(q, 'b.id', after, limit))
        .execute()
      return rows.map((r) => ({
        key: r.id,
        row: {
          vote_id: r.process_id,
          receipt: r.receipt,
          cast_at: r.cast_at,
          weight_thousandths: r.weight,
          choices: r.choices,
          counted: r.replaced_at === null,
          prev_hash: r.prev_hash,
          hash: r.hash,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('ballots as b')
        .innerJoin('voting_processes as p', 'p.id', 'b.process_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('p.state', 'in', ['closed', 'published'])
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })
}
