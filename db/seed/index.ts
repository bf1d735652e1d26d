import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import type { PlazaDatabase } from '../../app/lib/db.server'
import { bboxOf, areaSquareMetres, type AreaGeometry } from '../../app/modules/geo/geometry'
import { generateCity } from './city'
import { accountsStep } from './accounts'
import { demoReportsStep, reportsStep } from './reports'
import { proposalsStep } from './proposals'
import { votingStep } from './voting'
import { representativesStep } from './representatives'
import { petitionsStep } from './petitions'
import { lettersStep } from './letters'
import { foiStep } from './foi'
import { sampleSteps, seedSampleItems } from '../../app/modules/geo/sample.server'
import { DEMO_MARKER } from '../../app/lib/mail/dev-mail.server'

/**
 * The demo city. Deterministic (same seed → same city) and idempotent (a step that finds its data
 * already there does nothing). Later capabilities add their own steps; `scale` multiplies the
 * amount of generated content for benchmarks.
 */

export interface SeedOptions {
  seed: number
  scale: number
  /** Called as work advances: (done, total, label). */
  onProgress?: (done: number, total: number, label: string) => void
}

export interface SeedStep {
  name: string
  /** Units of work, for the progress bar. */
  size(options: SeedOptions): number
  run(database: PlazaDatabase, options: SeedOptions, progress: (units: number) => void): Promise<{ created: number }>
}

const areasStep: SeedStep = {
  name: 'areas',
  size: () => 1,
  async run(database, options, progress) {
    const existing = await database.db
      .selectFrom('areas')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    if (existing.n > 0) {
      progress(1)
      return { created: 0 }
    }
    const city = generateCity(options.seed)
    const created = await database.write(async (trx) => {
      const ids = new Map<string, number>()
      // Parents come before children in generateCity's order; sort by level to be sure.
      const order = { city: 0, district: 1, neighbourhood: 2 } as const
      const areas = [...city.areas].sort((a, b) => order[a.level] - order[b.level])
      for (const area of areas) {
        const [minLng, minLat, maxLng, maxLat] = bboxOf(area.geometry)
        const row = await trx
          .insertInto('areas')
          .values({
            slug: area.slug,
            name: area.name,
            level: area.level,
            code: area.slug,
            names: JSON.stringify({ en: area.name }),
            depth: order[area.level],
            parent_id: area.parentSlug ? ids.get(area.parentSlug)! : null,
            geometry: JSON.stringify(area.geometry),
            min_lng: minLng,
            min_lat: minLat,
            max_lng: maxLng,
            max_lat: maxLat,
            area_m2: areaSquareMetres(area.geometry),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        ids.set(area.slug, row.id)
      }
      const now = new Date().toISOString()
      await trx
        .insertInto('settings')
        .values({ key: 'city', value: JSON.stringify({ name: city.name, slug: city.slug, river: city.river }), updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: now }))
        .execute()
      return areas.length
    })
    progress(1)
    return { created }
  },
}

/** The demo city's streets, squares, parks and address points: written as an .osm.pbf and imported as a city's extract would be. */
const streetsStep: SeedStep = {
  name: 'streets',
  size: () => 1,
  async run(database, options, progress) {
    const { currentBasemap, importBasemap } = await import('../../app/modules/basemap/basemap.server')
    if (await currentBasemap(database)) {
      progress(1)
      return { created: 0 }
    }
    const { demoStreets } = await import('./streets')
    const { writeOsmPbf } = await import('../../app/modules/basemap/osm-pbf-writer')
    // The city's outline as the areas step stored it (generating the city again costs seconds).
    const city = await database.db.selectFrom('areas').select('geometry').where('level', '=', 'city').executeTakeFirst()
    if (!city) {
      progress(1)
      return { created: 0 }
    }
    const streets = demoStreets(JSON.parse(city.geometry) as AreaGeometry)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-streets-'))
    const file = path.join(dir, 'valmera.osm.pbf')
    try {
      writeOsmPbf(file, streets.nodes, streets.ways, streets.bbox)
      const result = await importBasemap(file, { fileName: 'valmera.osm.pbf' }, database)
      if (result.kind !== 'done') throw new Error(`demo streets: ${result.problem} ${result.detail}`)
      progress(1)
      return { created: result.counts.addresses }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  },
}

/** Steps in order; capabilities append theirs (each must be idempotent). */
export const seedSteps: SeedStep[] = [areasStep, streetsStep, accountsStep, reportsStep, demoReportsStep, proposalsStep, votingStep]

// Representatives before any letters step (letters are written to them).
seedSteps.push(representativesStep)
// Demo petitions in every state (after the representatives: one petition asks one of them).
seedSteps.push(petitionsStep)
// Demo letters, their deliveries and questionnaire answers (after the representatives).
seedSteps.push(lettersStep)
// Freedom-of-information bodies and requests (issue 22).
seedSteps.push(foiStep)

// Benchmark data on the one map: only when --scale > 1 (scale × 10,000 synthetic "sample" items).
seedSteps.push({
  name: 'map sample items',
  size: (options) => sampleSteps(options.scale),
  run: async (database, options, progress) => ({ created: await seedSampleItems(database, options, progress) }),
})

// Last: the marker that this database holds the demo city, read by app/lib/mail/dev-mail.server.ts
// (the demo site alone, outside development and tests, shows its outbox at /dev/mail).
seedSteps.push({
  name: 'demo marker',
  size: () => 1,
  async run(database, options, progress) {
    const now = new Date().toISOString()
    const result = await database.write((trx) =>
      trx
        .insertInto('settings')
        .values({ key: DEMO_MARKER, value: JSON.stringify({ seed: options.seed, seededAt: now }), updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst(),
    )
    progress(1)
    return { created: Number(result.numInsertedOrUpdatedRows ?? 0) }
  },
})

export async function seedDemo(database: PlazaDatabase, options: SeedOptions) {
  const total = seedSteps.reduce((sum, step) => sum + step.size(options), 0)
  let done = 0
  const report: Record<string, number> = {}
  for (const step of seedSteps) {
    const result = await step.run(database, options, (units) => {
      done += units
      options.onProgress?.(done, total, step.name)
    })
    report[step.name] = result.created
  }
  return report
}

/** True when nothing has been seeded yet (a fresh database). */
export async function isEmpty(database: PlazaDatabase): Promise<boolean> {
  const row = await database.db
    .selectFrom('areas')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  return row.n === 0
}
