import SQLite from 'better-sqlite3'
import { load, printResults, startBare, startPlaza, target, type LoadResult, type Verdict } from './lib'

/**
 * Widget pages (issue 10: a widget page p95 ≤ 30 ms), 16 connections each, as installed (the
 * anonymous page cache, which widget pages opt into for 5 s), beside a bare node:http server
 * answering the same bytes as the petition widget. A city page with a widget is visited by
 * anonymous people only (a frame on another site carries no session), so "as installed" is what
 * they get; rendered every time is measured for the record.
 */
export async function benchEmbed(seconds: number): Promise<Verdict[]> {
  const connections = 16
  const headers = { accept: 'text/html', 'accept-language': 'en' }
  const rows: LoadResult[] = []
  const verdicts: Verdict[] = []
  const plaza = await startPlaza()
  try {
    const db = new SQLite(plaza.databasePath!, { readonly: true })
    const petition = (db.prepare(`select id from petitions where state = 'open' order by signature_count desc limit 1`).get() as { id: number }).id
    const proposal = (db.prepare(`select id from proposals where state = 'published' order by supports desc limit 1`).get() as { id: number }).id
    db.close()
    const widgets: Array<[string, string]> = [
      ['petition', `/embed/petitions/${petition}`],
      ['proposal', `/embed/proposals/${proposal}`],
      ['reports list', '/embed/reports?area=sant-roc&limit=5'],
      ['map', '/embed/map?area=sant-roc&layers=reports,proposals,petitions'],
    ]
    const page = await (await fetch(`${plaza.url}${widgets[0]![1]}`, { headers })).text()
    const bare = await startBare(page)
    try {
      rows.push(await load('bare node:http, petition widget bytes', { url: `${bare.url}/`, connections, seconds, warmupSeconds: 1 }))
    } finally {
      await bare.stop()
    }
    for (const [name, path] of widgets) {
      const result = await load(`${name}, as installed`, { url: `${plaza.url}${path}`, connections, seconds, headers, warmupSeconds: 1 })
      rows.push(result)
      verdicts.push({ name, ok: result.p95 <= 30 && result.errors === 0 && result.non2xx === 0, detail: `p95 ${result.p95.toFixed(1)} ms (${result.rps.toFixed(0)} req/s)` })
    }
  } finally {
    await plaza.stop()
  }
  {
    // For the record: every request rendered.
    const rendered = await startPlaza({ PAGE_CACHE: 'false' })
    try {
      rows.push(await load('reports list, rendered every time', { url: `${rendered.url}/embed/reports?area=sant-roc&limit=5`, connections, seconds, headers, warmupSeconds: 1 }))
    } finally {
      await rendered.stop()
    }
  }
  printResults(`Widget pages — ${connections} connections, ${seconds} s each`, rows)
  return verdicts.map((v) => target(`widget page (${v.name}) p95 ≤ 30 ms at ${connections} connections`, v.ok, v.detail))
}
