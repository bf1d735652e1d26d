/**
 * `npx tsx tests/bench/render-profile.ts [--seconds N] [--db PATH]`: where a rendered page's CPU goes.
 * Seeds the demo city with 30,000 proposals and 100,000 reports (or reuses --db), then for each of `/`,
 * `/proposals` and `/council/reports` (roads staff) starts one server process (PAGE_CACHE=false,
 * WEB_CONCURRENCY=1) under `node --cpu-prof`, loads the page at 16 connections, stops it and prints the
 * profile's top costs by self time, grouped (React, Remix/router, i18next, SQL, app code, GC, …).
 * docs/performance.md records the figures.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { load, startPlaza } from './lib'
import { fillProposals } from './proposals.bench'
import { fillReports, login } from './council.bench'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, db: { type: 'string' }, pages: { type: 'string', default: 'home,proposals,council' }, summarize: { type: 'string' } },
})
const seconds = Number(values.seconds)

function group(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC'
  if (name === '(program)' || name === '(idle)' || name === '(root)') return name
  if (url.includes('react-dom')) return 'React rendering'
  if (url.includes('@remix-run/router') || url.includes('react-router')) return 'router'
  if (url.includes('turbo-stream')) return 'turbo-stream (loader data)'
  if (url.includes('@remix-run')) return 'Remix runtime'
  if (url.includes('i18next')) return 'i18next'
  if (url.includes('kysely')) return 'Kysely'
  if (url.includes('better-sqlite3') || name === 'all' || name === 'get' || name === 'prepare' || name === 'run' || name === 'iterate') return 'SQLite'
  if (url.includes('express') || url.includes('compression') || url.includes('/send/') || url.includes('finalhandler')) return 'express/compression'
  if (url.includes('pino')) return 'logging'
  if (url.includes('zod')) return 'zod'
  if (url.includes('/build/index.js')) return 'app (build)'
  if (url.startsWith('node:') || url === '') return `node internals`
  if (url.includes('/app/')) return 'app (server)'
  return path.basename(url.split('node_modules/').pop() ?? url).slice(0, 40)
}

/** Self time per profile node over the profile's last `windowSeconds` (the load; start-up left out), less the last 0.3 s (the stop). */
export function summarize(file: string, windowSeconds: number) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  const times: number[] = []
  let at = 0
  for (const delta of profile.timeDeltas) times.push((at += delta))
  const from = at - (windowSeconds + 0.3) * 1e6
  const to = at - 0.3e6
  profile.samples.forEach((id, i) => {
    const t = times[i] ?? 0
    if (t >= from && t <= to) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  let busy = 0
  const groups = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, us] of self) {
    const node = byId.get(id)!
    const g = group(node.callFrame.url, node.callFrame.functionName)
    if (g === '(idle)') continue
    busy += us
    groups.set(g, (groups.get(g) ?? 0) + us)
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`
    functions.set(key, (functions.get(key) ?? 0) + us)
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `    ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`)
  return { busyMs: busy / 1000, groups: top(groups, 14), functions: top(functions, 25) }
}

if (values.summarize) {
  for (const file of values.summarize.split(',')) {
    const summary = summarize(file, seconds)
    console.log(`\n${file}: busy ${summary.busyMs.toFixed(0)} ms in the last ${seconds} s\n${summary.groups.join('\n')}\n  top functions:\n${summary.functions.join('\n')}`)
  }
  process.exit(0)
}

let databasePath = values.db
if (!databasePath) {
  const plaza = await startPlaza()
  databasePath = plaza.databasePath!
  try {
    fillReports(databasePath, 100_000)
    fillProposals(databasePath)
  } finally {
    await plaza.stop()
  }
  // Statistics of the full tables: fillProposals' PRAGMA optimize would otherwise keep whatever an earlier
  // optimize measured. With statistics of a 60-report city the planner drove the council list's details
  // query from departments through every report (88 ms instead of 2.6 ms a request).
  const analyzed = new SQLite(databasePath)
  analyzed.exec('ANALYZE')
  analyzed.close()
  console.log(`database: ${databasePath}`)
}

const pages: Record<string, { path: string; staff?: string }> = {
  home: { path: '/' },
  proposals: { path: '/proposals' },
  council: { path: '/council/reports', staff: 'roads@valmera.example' },
  // Issue 21's pages: a database with tests/bench/processes.bench.ts's rows (seedProcessRows) is needed.
  processes: { path: '/processes/bench-budget' },
  results: { path: '/results' },
}
for (const name of values.pages.split(',')) {
  const page = pages[name]!
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plaza-prof-${name}-`))
  process.env.BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`
  const server = await startPlaza({ DATABASE_PATH: databasePath, PAGE_CACHE: 'false', WEB_CONCURRENCY: '1', LOG_LEVEL: 'warn', BACKGROUND_JOBS: 'false' })
  let result: Awaited<ReturnType<typeof load>>
  try {
    const cookie = page.staff ? await login(server.url, page.staff) : ''
    result = await load(`${page.path} rendered`, {
      url: `${server.url}${page.path}`,
      connections: 16,
      seconds,
      warmupSeconds: 2,
      headers: { accept: 'text/html', 'accept-language': 'en', ...(cookie ? { cookie } : {}) },
    })
  } finally {
    await server.stop()
  }
  delete process.env.BENCH_NODE_ARGS
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no profile in ${dir}`)
  const summary = summarize(path.join(dir, file), seconds)
  const requests = Math.round(result.rps * seconds)
  console.log(
    `\n${page.path}: ${result.rps.toFixed(0)} req/s, p95 ${result.p95.toFixed(1)} ms; profile ${path.join(dir, file)}; ${(summary.busyMs / requests).toFixed(2)} ms busy CPU per request (${summary.busyMs.toFixed(0)} ms over ~${requests} requests)`,
  )
  console.log('  by group (share of busy CPU):')
  console.log(summary.groups.join('\n'))
  console.log('  top functions (self time):')
  console.log(summary.functions.join('\n'))
}
