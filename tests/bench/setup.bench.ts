import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { root, target, type Verdict } from './lib'

/**
 * `npm run bench -- setup`: a city's geography import at scale (issue 16). The work runs in a child
 * process (tests/bench/setup-worker.ts) so that its peak RSS is measured alone.
 */
export async function benchSetup(): Promise<Verdict[]> {
  console.log('\nsetup — geography import (10,000 neighbourhoods) and re-import over 1,000,000 located items')
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'tests/bench/setup-worker.ts')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 })
  const r = JSON.parse(out.trim().split('\n').pop()!) as {
    polygons: number
    vertices: number
    importSeconds: number
    items: number
    moved: number
    reimportSeconds: number
    lookupsPerSecond: number
    peakRssMb: number
  }
  const fmt = (n: number, d = 1) => n.toLocaleString('en', { maximumFractionDigits: d })
  return [
    target('import of 10,000 neighbourhood polygons ≤ 60 s', r.importSeconds <= 60, `${fmt(r.polygons, 0)} polygons, ${fmt(r.vertices, 0)} vertices in ${fmt(r.importSeconds)} s`),
    target('peak RSS of the import process ≤ 1 GB', r.peakRssMb <= 1024, `${fmt(r.peakRssMb, 0)} MB`),
    target('re-import recomputing 1,000,000 located items ≤ 120 s', r.reimportSeconds <= 120, `${fmt(r.items, 0)} items, ${fmt(r.moved, 0)} moved, in ${fmt(r.reimportSeconds)} s`),
    target('areasContaining ≥ 20,000 lookups/s on the imported geometry', r.lookupsPerSecond >= 20_000, `${fmt(r.lookupsPerSecond, 0)} lookups/s`),
  ]
}
