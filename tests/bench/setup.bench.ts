import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { root, target, type Verdict } from './lib'

/**
 * `npm run bench -- setup`: a city's geography import at scale (issue 16). The work runs in a child
 * process (tests/bench/setup-worker.ts) so that its peak RSS is measured alone.
 */
export async function benchSetup(): Promise<Verdict[]> {
  console.log('\nsetup — geography import (10,000 neighbourhoods) and re-import over 1,000,000 located items')
  const run = (phase: string) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'tests/bench/setup-worker.ts'), phase], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 })
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
  }
  const g = run('generate')
  const i = run('import')
  const m = run('reimport')
  const r = { ...g, ...i, ...m } as {
    polygons: number
    vertices: number
    importSeconds: number
    importCpuSeconds: number
    items: number
    moved: number
    reimportSeconds: number
    reimportCpuSeconds: number
    lookupsPerSecond: number
    lookupsPerCpuSecond: number
    peakRssMb: number
  }
  const fmt = (n: number, d = 1) => n.toLocaleString('en', { maximumFractionDigits: d })
  return [
    target(
      'import of 10,000 neighbourhood polygons ≤ 60 s',
      r.importSeconds <= 60,
      `${fmt(r.polygons, 0)} polygons, ${fmt(r.vertices, 0)} vertices in ${fmt(r.importSeconds)} s (${fmt(r.importCpuSeconds)} s of CPU)`,
    ),
    target('peak RSS of the import process ≤ 1 GB (reading, checking and writing the 10,000)', r.peakRssMb <= 1024, `${fmt(r.peakRssMb, 0)} MB`),
    target(
      're-import recomputing 1,000,000 located items ≤ 120 s',
      r.reimportSeconds <= 120,
      `${fmt(r.items, 0)} items, ${fmt(r.moved, 0)} moved, in ${fmt(r.reimportSeconds)} s (${fmt(r.reimportCpuSeconds)} s of CPU)`,
    ),
    target('areasContaining ≥ 20,000 lookups/s on the imported geometry', r.lookupsPerSecond >= 20_000, `${fmt(r.lookupsPerSecond, 0)} lookups/s (${fmt(r.lookupsPerCpuSecond, 0)} per CPU second)`),
  ]
}
