import { sql } from 'kysely'
import { database } from '../../lib/db.server'
import { notIndexed } from '../../lib/db/dialect'
import { config } from '../../lib/config.server'
import { defaultLanguageNames } from './names.server'
import { publicStates as publicPetitionStates } from '../petitions/states'
import { responseRates } from '../letters/representatives.server'
import { registerDataset } from './datasets.server'
import { keysetPage } from '../../lib/paged-export'

/**
 * The datasets of petitions (with their signatures per area) and representatives (with their
 * response rates). Only open and closed petitions (never drafts, sponsoring, pending, rejected or
 * hidden ones) and only counted signatures — never a signer.
 */

const base = () => config().PUBLIC_URL

export function registerPetitionAndRepresentativeDatasets() {
  registerDataset({
    name: 'petitions',
    geometry: 'point',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'title', type: 'string' },
      { name: 'action', type: 'string' },
      { name: 'state', type: 'string' },
      { name: 'target', type: 'string' },
      { name: 'department', type: 'string' },
      { name: 'representative_id', type: 'integer' },
      { name: 'restricted_to_area', type: 'string' },
      { name: 'signatures', type: 'integer' },
      { name: 'response_threshold', type: 'integer' },
      { name: 'debate_threshold', type: 'integer' },
      { name: 'opened_at', type: 'datetime' },
      { name: 'closes_at', type: 'datetime' },
      { name: 'closed_at', type: 'datetime' },
      { name: 'response_threshold_reached_at', type: 'datetime' },
      { name: 'responded_at', type: 'datetime' },
      { name: 'debate_threshold_reached_at', type: 'datetime' },
      { name: 'debated_at', type: 'datetime' },
      { name: 'lat', type: 'number' },
      { name: 'lng', type: 'number' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const rows = await database()
        .db.selectFrom('petitions as p')
        .leftJoin('departments as d', 'd.id', 'p.target_department_id')
        .leftJoin('areas as a', 'a.id', 'p.area_id')
        .select([
          'p.id',
          'p.title',
          'p.action',
          'p.state',
          'p.target_kind',
          'd.slug as department',
          'p.target_representative_id',
          'a.slug as area',
          'p.signature_count',
          'p.response_threshold',
          'p.debate_threshold',
          'p.opened_at',
          'p.closes_at',
          'p.closed_at',
          'p.response_threshold_reached_at',
          'p.responded_at',
          'p.debate_threshold_reached_at',
          'p.debated_at',
          'p.lat',
          'p.lng',
        ])
        .where(notIndexed(database().db, 'p.state'), 'in', [...publicPetitionStates])
        .$call((q) => keysetPage(q, 'p.id', after, limit))
        .execute()
      return rows.map((r) => ({
        key: r.id,
        point: r.lat === null || r.lng === null ? null : { lat: r.lat, lng: r.lng },
        row: {
          id: r.id,
          title: r.title,
          action: r.action,
          state: r.state,
          target: r.target_kind,
          department: r.department,
          representative_id: r.target_representative_id,
          restricted_to_area: r.area,
          signatures: r.signature_count,
          response_threshold: r.response_threshold,
          debate_threshold: r.debate_threshold,
          opened_at: r.opened_at,
          closes_at: r.closes_at,
          closed_at: r.closed_at,
          response_threshold_reached_at: r.response_threshold_reached_at,
          responded_at: r.responded_at,
          debate_threshold_reached_at: r.debate_threshold_reached_at,
          debated_at: r.debated_at,
          lat: r.lat,
          lng: r.lng,
          url: `${base()}/petitions/${r.id}`,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('petitions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', 'in', [...publicPetitionStates])
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })

  // Counted signatures per petition and area (districts and neighbourhoods), with the area's
  // boundary in GeoJSON: a choropleth anyone can draw. Keys: petition id × 100,000 + area id.
  registerDataset({
    name: 'petition-signatures-by-area',
    geometry: 'area',
    columns: [
      { name: 'petition_id', type: 'integer' },
      { name: 'petition_title', type: 'string' },
      { name: 'area', type: 'string' },
      { name: 'area_name', type: 'string' },
      { name: 'area_level', type: 'string' },
      { name: 'signatures', type: 'integer' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const start = Number.isFinite(after) ? after : 0
      const rows = await database()
        .db.selectFrom('petition_area_counts as c')
        .innerJoin('petitions as p', 'p.id', 'c.petition_id')
        .innerJoin('areas as a', 'a.id', 'c.area_id')
        .select(['c.petition_id', 'c.area_id', 'p.title', 'a.slug', 'a.name', 'a.level', 'a.geometry', 'c.signatures'])
        // Row-value comparison: a range on the primary key (petition_id, area_id).
        .where(sql<boolean>`(c.petition_id, c.area_id) > (${Math.floor(start / 100_000)}, ${start % 100_000})`)
        .where('p.state', 'in', [...publicPetitionStates])
        .where('c.signatures', '>', 0)
        .orderBy('c.petition_id')
        .orderBy('c.area_id')
        .limit(limit)
        .execute()
      return rows.map((r) => ({
        key: r.petition_id * 100_000 + r.area_id,
        geometryJson: r.geometry,
        row: {
          petition_id: r.petition_id,
          petition_title: r.title,
          area: r.slug,
          area_name: r.name,
          area_level: r.level,
          signatures: r.signatures,
          url: `${base()}/petitions/${r.petition_id}`,
        },
      }))
    },
    async count() {
      const r = await database()
        .db.selectFrom('petition_area_counts as c')
        .innerJoin('petitions as p', 'p.id', 'c.petition_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('p.state', 'in', [...publicPetitionStates])
        .where('c.signatures', '>', 0)
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })

  registerDataset({
    name: 'representatives',
    geometry: 'none',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'role', type: 'string' },
      { name: 'level', type: 'string' },
      { name: 'area', type: 'string' },
      { name: 'party', type: 'string' },
      { name: 'active_from', type: 'date' },
      { name: 'active_until', type: 'date' },
      { name: 'answers', type: 'integer' },
      { name: 'replied', type: 'integer' },
      { name: 'response_rate', type: 'number' },
      { name: 'interval_low', type: 'number' },
      { name: 'interval_high', type: 'number' },
      { name: 'too_few_answers', type: 'boolean' },
      { name: 'url', type: 'url' },
    ],
    async page(after, limit) {
      const rows = await database()
        .db.selectFrom('representatives as r')
        .innerJoin('areas as a', 'a.id', 'r.area_id')
        .select(['r.id', 'r.name', 'r.role', 'r.level', 'a.slug', 'r.party', 'r.active_from', 'r.active_until'])
        .$call((q) => keysetPage(q, 'r.id', after, limit))
        .execute()
      const rates = await responseRates(rows.map((r) => r.id))
      const localized = defaultLanguageNames()
      const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 10_000) / 10_000)
      return rows.map((r) => {
        const rate = rates.get(r.id)
        return {
          key: r.id,
          row: {
            id: r.id,
            name: r.name,
            role: localized(r.role),
            level: r.level,
            area: r.slug,
            party: r.party,
            active_from: r.active_from,
            active_until: r.active_until,
            answers: rate?.answers ?? 0,
            replied: rate?.responded ?? 0,
            response_rate: round(rate?.rate),
            interval_low: round(rate?.interval?.low),
            interval_high: round(rate?.interval?.high),
            too_few_answers: rate?.tooFewAnswers ?? true,
            url: `${base()}/representatives/${r.id}`,
          },
        }
      })
    },
    async count() {
      const r = await database()
        .db.selectFrom('representatives')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst()
      return Number(r?.n ?? 0)
    },
  })
}
