import crypto from 'node:crypto'
import SQLite from 'better-sqlite3'
import { createCookie } from '@remix-run/node'
import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { load, printResults, startBare, startPlaza, target, type Verdict } from './lib'

/**
 * Reports: filing over HTTP (the real /reports/new action: routing by category and area, the
 * report row, its timeline, the map index and its cluster cells, all in one write) by 500 logged-in
 * people at once, without photos; beside a bare node:http server answering the same redirect.
 * Target: ≥ 200 reports/s stored.
 */

/** People with sessions, and points inside the city (taken from the demo reports). */
function prepare(databasePath: string, people: number) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const stamp = new Date().toISOString()
  const tokens: string[] = []
  db.transaction(() => {
    const insertUser = db.prepare(`insert into users (email, email_confirmed_at, display_name, verification_level, created_at, updated_at) values (?, ?, ?, 1, ?, ?)`)
    const insertSession = db.prepare(`insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)`)
    for (let i = 0; i < people; i++) {
      const id = Number(insertUser.run(`reporter${i}@example.org`, stamp, `Reporter ${i}`, stamp, stamp).lastInsertRowid)
      const token = encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))
      insertSession.run(encodeHexLowerCase(sha256(new TextEncoder().encode(token))), id, Date.now() + 86_400_000, stamp)
      tokens.push(token)
    }
  })()
  const points = db.prepare(`select lat, lng from reports`).all() as Array<{ lat: number; lng: number }>
  db.close()
  return { tokens, points }
}

const countReports = (databasePath: string) => {
  const db = new SQLite(databasePath, { readonly: true })
  const counts = db.prepare(`select (select count(*) from reports) as r, (select count(*) from map_items where kind = 'reports') as m`).get() as { r: number; m: number }
  db.close()
  return counts
}

export async function benchReports(seconds: number): Promise<Verdict[]> {
  const plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
  try {
    const { tokens, points } = prepare(plaza.databasePath!, 500)
    if (points.length === 0) throw new Error('no demo reports to take points from')
    const cookie = createCookie('plaza_session', { path: '/', httpOnly: true, sameSite: 'lax' })
    const cookies = await Promise.all(tokens.map(async (t) => (await cookie.serialize(t)).split(';')[0]!))
    const fileBody = (n: number) => {
      const p = points[n % points.length]!
      return new URLSearchParams({
        intent: 'file',
        lat: String(p.lat),
        lng: String(p.lng),
        category: 'pothole',
        'attribute[depth]': 'deep',
        title: `Benchmark pothole ${n}`,
        description: 'A pothole filed by the benchmark, deep enough to matter.',
      }).toString()
    }
    const headers = (n: number) => ({ 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url, cookie: cookies[n % cookies.length]! })
    // Four reports filed at once before the load (four connections, so every worker files one), not
    // counted: the first filing of a fresh server loads the route and its modules (3.9 s at load 13,
    // then 0.4 s and 22 ms), which at 32 connections and a 2 s measurement left every request of the
    // load unanswered (0 requests, 0 stored).
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const res = await fetch(`${plaza.url}/reports/new`, { method: 'POST', redirect: 'manual', headers: headers(i), body: fileBody(i) })
        await res.arrayBuffer()
        if (res.status !== 302) throw new Error(`filing a report answered ${res.status}, not 302`)
      }),
    )
    const before = countReports(plaza.databasePath!)
    const bare = await startBare('')
    let baseline
    try {
      baseline = await load('bare node:http, same requests', { url: `${bare.url}/`, method: 'POST', connections: 32, seconds, body: 'x=1' })
    } finally {
      await bare.stop()
    }
    let n = 0
    const url = `${plaza.url}/reports/new`
    const filing = await load('filing reports (500 people, no photos)', {
      url,
      method: 'POST',
      connections: 32,
      seconds,
      warmupSeconds: 0,
      setupRequest: (request) => {
        n++
        return { ...request, method: 'POST', headers: headers(n), body: fileBody(n) }
      },
    })
    // Requests still in flight when the load stops land a moment later: let them, then read both
    // counts in one statement (one snapshot).
    await new Promise((r) => setTimeout(r, 1000))
    const counts = countReports(plaza.databasePath!)
    const stored = counts.r - before.r
    const onMap = counts.m - before.m
    printResults('Reports — filing over HTTP (answers 302, counted as non-2xx)', [baseline, filing])
    const perSecond = stored / seconds
    console.log(`  reports stored: ${stored} (${perSecond.toFixed(0)}/s), on the map: ${onMap}; ratio Plaza/bare ${(filing.rps / baseline.rps).toFixed(3)}`)
    return [
      target('filing reports over HTTP ≥ 200/s (no photos)', perSecond >= 200 && filing.errors === 0 && stored === onMap, `${perSecond.toFixed(0)} reports/s stored, p95 ${filing.p95.toFixed(1)} ms`),
    ]
  } finally {
    await plaza.stop()
  }
}
