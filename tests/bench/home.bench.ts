import { load, printResults, startBare, startPlaza, target, type Verdict } from './lib'

/**
 * Foundation: the home page at 16 connections, beside a bare node:http server answering the same
 * page. Measured as installed (anonymous page cache on) and with every request rendered
 * (PAGE_CACHE=false), so both figures are on record. Targets: p95 ≤ 50 ms as installed, and
 * rendered every time (what a logged-in person gets; ADR 117).
 */
export async function benchHome(seconds: number): Promise<Verdict[]> {
  const connections = 16
  const rows = []
  let bareRps: number
  let installed
  let rendered
  {
    const plaza = await startPlaza({ PAGE_CACHE: 'false' })
    const page = await (await fetch(`${plaza.url}/`)).text()
    const bare = await startBare(page)
    try {
      const baseline = await load('bare node:http, same page', { url: `${bare.url}/`, connections, seconds, warmupSeconds: 1 })
      bareRps = baseline.rps
      rows.push(baseline)
    } finally {
      await bare.stop()
    }
    try {
      rendered = await load('Plaza /, every request rendered', { url: `${plaza.url}/`, connections, seconds, warmupSeconds: 2 })
      rows.push(rendered)
    } finally {
      await plaza.stop()
    }
  }
  {
    const plaza = await startPlaza()
    try {
      installed = await load('Plaza /, as installed (page cache)', { url: `${plaza.url}/`, connections, seconds, warmupSeconds: 2 })
      rows.push(installed)
    } finally {
      await plaza.stop()
    }
  }
  printResults(`Home page — ${connections} connections, ${seconds} s each, ${process.env.WEB_CONCURRENCY ?? 'default'} worker processes`, rows)
  console.log(`  ratio Plaza/bare requests/s: ${(installed.rps / bareRps).toFixed(3)} as installed, ${(rendered.rps / bareRps).toFixed(3)} rendered every time`)
  return [
    target(
      `home page p95 ≤ 50 ms at ${connections} connections (as installed)`,
      installed.p95 <= 50 && installed.errors === 0 && installed.non2xx === 0,
      `p95 ${installed.p95.toFixed(1)} ms as installed (${installed.rps.toFixed(0)} req/s); rendered every time p95 ${rendered.p95.toFixed(1)} ms`,
    ),
    target(
      `home page rendered every time p95 ≤ 50 ms at ${connections} connections`,
      rendered.p95 <= 50 && rendered.errors === 0 && rendered.non2xx === 0,
      `p95 ${rendered.p95.toFixed(1)} ms (${rendered.rps.toFixed(0)} req/s, ${(rendered.rps / bareRps).toFixed(3)} of bare)`,
    ),
  ]
}
