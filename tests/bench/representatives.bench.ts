import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { load, percentile, printResults, startPlaza, target, type Verdict } from './lib'
import { migrateOrThrow, openDatabase, useDatabase } from '../../app/lib/db.server'
import { seedDemo } from '../../db/seed/index'
import { areasContaining } from '../../app/modules/geo/lookup.server'
import { representativesFor } from '../../app/modules/letters/representatives.server'

/**
 * Representatives (issue 9): (1) representativesFor a point, in process, over 10,000 random points
 * in and around the city with the demo's representatives plus 2,000 more spread over every area,
 * beside areasContaining alone (the baseline: the lookup cannot be faster than finding the areas).
 * Target: p95 ≤ 5 ms. (2) The /representatives page over HTTP (for information).
 */

const EXTRA = 2000
const POINTS = 10_000

export async function benchRepresentatives(seconds: number): Promise<Verdict[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-bench-reps-'))
  const db = openDatabase({ path: path.join(dir, 'plaza.sqlite'), synchronous: 'NORMAL' })
  const restore = useDatabase(db)
  try {
    await migrateOrThrow(db)
    await seedDemo(db, { seed: 1, scale: 0.01 })
    const areas = await db.db.selectFrom('areas').select(['id', 'level']).execute()
    const levelOf = { city: 'mayor', district: 'district', neighbourhood: 'neighbourhood' } as const
    const now = new Date().toISOString()
    await db.write(async (trx) => {
      for (let i = 0; i < EXTRA; i++) {
        const area = areas[i % areas.length]!
        await trx
          .insertInto('representatives')
          .values({
            name: `Bench Person ${i}`,
            role: 'Councillor',
            level: levelOf[area.level],
            area_id: area.id,
            party: null,
            email: `bench${i}@example.org`,
            active_from: i % 7 === 0 ? '2030-01-01' : null,
            active_until: null,
            created_at: now,
            updated_at: now,
          })
          .execute()
      }
    })
    const city = await db.db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirstOrThrow()
    // 10% margin around the city's box: some points fall outside (no groups).
    const w = city.max_lng - city.min_lng
    const h = city.max_lat - city.min_lat
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const points = Array.from({ length: POINTS }, () => ({ lat: city.min_lat - 0.1 * h + random() * 1.2 * h, lng: city.min_lng - 0.1 * w + random() * 1.2 * w }))
    for (const p of points.slice(0, 200)) await representativesFor(p)
    const baseline: number[] = []
    const lookup: number[] = []
    let found = 0
    for (const p of points) {
      let t = performance.now()
      await areasContaining(p.lat, p.lng, db)
      baseline.push(performance.now() - t)
      t = performance.now()
      const groups = await representativesFor(p)
      lookup.push(performance.now() - t)
      if (groups.length) found++
    }
    baseline.sort((a, b) => a - b)
    lookup.sort((a, b) => a - b)
    const p95 = percentile(lookup, 95)
    const base95 = percentile(baseline, 95)
    console.log(`\nRepresentative lookup for a point (${POINTS} points, ${found} inside the city, ${EXTRA} extra representatives)`)
    console.log(`  areasContaining alone   p50 ${percentile(baseline, 50).toFixed(3)} ms  p95 ${base95.toFixed(3)} ms`)
    console.log(`  representativesFor      p50 ${percentile(lookup, 50).toFixed(3)} ms  p95 ${p95.toFixed(3)} ms  (${(p95 / base95).toFixed(1)}× the baseline)`)
    const verdicts = [target('representative lookup p95 ≤ 5 ms', p95 <= 5, `${p95.toFixed(3)} ms (areasContaining ${base95.toFixed(3)} ms)`)]

    const server = await startPlaza()
    try {
      const cached = await load('/representatives (anonymous, cached)', { url: `${server.url}/representatives`, connections: 10, seconds: Math.max(3, seconds / 2), headers: { accept: 'text/html' } })
      const fresh = await load('/representatives?area=… (find mine)', {
        url: `${server.url}/representatives?area=el-molinar`,
        connections: 10,
        seconds: Math.max(3, seconds / 2),
        headers: { accept: 'text/html', cookie: 'bench=1' },
      })
      printResults('The /representatives page over HTTP (for information)', [cached, fresh])
    } finally {
      await server.stop()
    }
    return verdicts
  } finally {
    restore()
    await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
