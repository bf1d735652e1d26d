import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { load, printResults, root, startBare, startPlaza, target, type Verdict } from './lib'

/**
 * Open311 GeoReport v2: `GET requests.json` answering 1,000 requests (the spec's default limit) out of
 * 1,500 public reports filed in the last 80 days through the reports module (a third of them
 * triaged with a public update, a quarter with a photo), 16 connections, every answer computed; beside
 * a bare node:http server sending the same bytes. The XML form is measured too.
 * Target: p95 ≤ 100 ms for 1,000 items.
 */

const REPORTS = 1500
const SEED_FLAG = '--open311-bench-seed'

/** Runs in a child process (its own database singleton): files the reports into `file`. */
async function seedReports(file: string, count: number) {
  process.env.DATABASE_PATH = file
  process.env.LOG_LEVEL = 'silent'
  const { database } = await import('../../app/lib/db.server')
  const { fileReport, triageReport } = await import('../../app/modules/reports/reports.server')
  const { categoriesServing } = await import('../../app/modules/reports/department-routing.server')
  const db = database()
  const points = await db.db.selectFrom('reports').select(['lat', 'lng']).execute()
  if (points.length === 0) throw new Error('no demo reports to take points from')
  const served = await Promise.all(points.map((p) => categoriesServing(p.lat, p.lng)))
  const admin = await db.db.selectFrom('user_roles').select('user_id').where('role', '=', 'admin').executeTakeFirstOrThrow()
  const actor = { userId: admin.user_id, departments: 'all' as const, source: 'web' as const }
  const now = Date.now()
  const ids: number[] = []
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, (_, j) => {
      const i = start + j
      const p = points[i % points.length]!
      const codes = served[i % points.length]!
      return fileReport(
        {
          categoryCode: codes[i % codes.length]!.code,
          title: `Benchmark report ${i}`,
          description: `Filed by the Open311 benchmark, number ${i}, with a description of ordinary length <&>.`,
          lat: p.lat,
          lng: p.lng,
          address: i % 2 ? `${i} Carrer Major` : null,
          anonymous: i % 5 === 0,
          locale: 'en',
          createdAt: new Date(now - ((i * 80) / count) * 86_400_000 - 60_000).toISOString(),
        },
        { kind: 'api', apiKeyId: 0, email: null, name: 'Benchmark', confirmed: true },
      )
    })
    for (const r of await Promise.all(batch)) if (r.kind === 'filed') ids.push(r.id)
  }
  const triage = ids.filter((_, i) => i % 3 === 0).map((id, i) => triageReport(actor, id, { state: i % 2 ? 'fixed' : 'investigating', update: 'Inspected by the benchmark crew.' }))
  await Promise.all(triage)
  // A photo row on a quarter of them (media_url); the bytes are never served here.
  await db.write(async (trx) => {
    for (const id of ids.filter((_, i) => i % 4 === 0)) {
      await trx.insertInto('report_photos').values({ report_id: id, position: 0, upload_key: 'bench', width: 1600, height: 1200, created_at: new Date().toISOString() }).execute()
      await trx.updateTable('reports').set({ photo_count: 1 }).where('id', '=', id).execute()
    }
  })
  await db.close()
  return ids.length
}

if (process.argv.includes(SEED_FLAG)) {
  const at = process.argv.indexOf(SEED_FLAG)
  const filed = await seedReports(process.argv[at + 1]!, Number(process.argv[at + 2]))
  console.log(`filed ${filed}`)
  process.exit(0)
}

async function seedInChild(file: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), SEED_FLAG, file, String(count)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c))
  child.stderr.on('data', (c: Buffer) => (out += c))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`seeding failed:\n${out}`)
}

export async function benchOpen311(seconds: number): Promise<Verdict[]> {
  const connections = 16
  const plaza = await startPlaza()
  try {
    const started = Date.now()
    await seedInChild(plaza.databasePath!, REPORTS)
    console.log(`  filed ${REPORTS} reports through the reports module in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const since = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 19) + 'Z'
    const json = `${plaza.url}/open311/v2/requests.json?start_date=${since}`
    const xml = `${plaza.url}/open311/v2/requests.xml?start_date=${since}`
    const body = await (await fetch(json)).text()
    const items = (JSON.parse(body) as unknown[]).length
    if (items !== 1000) throw new Error(`requests.json answered ${items} items, not 1000`)
    const bare = await startBare(body)
    let baseline
    try {
      baseline = await load('bare node:http, same bytes', { url: `${bare.url}/`, connections, seconds, warmupSeconds: 1 })
    } finally {
      await bare.stop()
    }
    // As installed, a list asked again within 5 s is reused (app/modules/open311/open311-http.server.ts);
    // `Cache-Control: no-cache` makes every request compute its answer.
    const fresh = { 'cache-control': 'no-cache' }
    const plazaJson = await load('requests.json, as installed', { url: json, connections, seconds, warmupSeconds: 2 })
    const computedJson = await load('requests.json, computed every time', { url: json, connections, seconds, warmupSeconds: 1, headers: fresh })
    const gzipped = await load('requests.json, gzip, as installed', { url: json, connections, seconds, warmupSeconds: 1, headers: { 'accept-encoding': 'gzip' } })
    const plazaXml = await load('requests.xml, as installed', { url: xml, connections, seconds, warmupSeconds: 1 })
    const computedXml = await load('requests.xml, computed every time', { url: xml, connections, seconds, warmupSeconds: 1, headers: fresh })
    printResults(`Open311 GET requests, 1,000 items — ${connections} connections, ${seconds} s each, ${(body.length / 1024).toFixed(0)} KB of JSON`, [
      baseline,
      plazaJson,
      computedJson,
      gzipped,
      plazaXml,
      computedXml,
    ])
    console.log(`  ratio Plaza/bare requests/s: ${(plazaJson.rps / baseline.rps).toFixed(3)} as installed, ${(computedJson.rps / baseline.rps).toFixed(3)} computed every time (JSON)`)
    return [
      target(
        'Open311 GET requests.json of 1,000 items p95 ≤ 100 ms',
        plazaJson.p95 <= 100 && plazaJson.errors === 0 && plazaJson.non2xx === 0,
        `p95 ${plazaJson.p95.toFixed(1)} ms as installed (${plazaJson.rps.toFixed(0)} req/s, ${connections} connections); computed every time p95 ${computedJson.p95.toFixed(1)} ms; gzip p95 ${gzipped.p95.toFixed(1)} ms; XML p95 ${plazaXml.p95.toFixed(1)} / ${computedXml.p95.toFixed(1)} ms`,
      ),
    ]
  } finally {
    await plaza.stop()
  }
}
