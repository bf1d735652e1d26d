import crypto from 'node:crypto'
import SQLite from 'better-sqlite3'
import { createCookie } from '@remix-run/node'
import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { load, printResults, startBare, startPlaza, target, type Verdict } from './lib'
import { mulberry32 } from '../../db/seed/random'
import { wilsonLowerBound as wilson } from '../../app/modules/deliberation/wilson'

/**
 * Deliberation: the first page of a 5,000-comment discussion (rendered for every request: no page
 * cache on discussions) beside a bare node:http server answering the same bytes; and posting
 * comments over HTTP by many people at once. Targets: page p95 ≤ 100 ms; posting ≥ 300/s.
 */

/** 1,000 people with sessions, and 5,000 comments (1,000 threads with replies to depth 5) on one area. */

export function fillDiscussion(databasePath: string) {
  const db = new SQLite(databasePath)
  db.pragma('busy_timeout = 10000')
  const areaId = (db.prepare(`select id from areas where slug = 'ribera-nord'`).get() as { id: number }).id
  const random = mulberry32(42)
  const stamp = new Date(Date.now() - 90 * 86_400_000).toISOString()
  const tokens: string[] = []
  const users: number[] = []
  db.transaction(() => {
    const insertUser = db.prepare(`insert into users (email, email_confirmed_at, display_name, verification_level, created_at, updated_at) values (?, ?, ?, 1, ?, ?)`)
    const insertSession = db.prepare(`insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)`)
    for (let i = 0; i < 1000; i++) {
      const id = Number(insertUser.run(`bench${i}@example.org`, stamp, `Neighbour ${i}`, stamp, stamp).lastInsertRowid)
      users.push(id)
      const token = encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))
      insertSession.run(encodeHexLowerCase(sha256(new TextEncoder().encode(token))), id, Date.now() + 30 * 86_400_000, stamp)
      tokens.push(token)
    }
    const insert = db.prepare(`insert into comments (target_kind, target_id, parent_id, root_id, depth, author_id, body_md, body_html, stance, status, helpful, unhelpful, score, created_at)
      values ('area', ?, ?, ?, ?, ?, ?, ?, ?, 'visible', ?, ?, ?, ?)`)
    const bump = db.prepare(`update comments set replies = replies + 1 where id = ?`)
    const all: Array<{ id: number; depth: number; root: number }> = []
    const stances = ['for', 'neutral', 'against']
    for (let i = 0; i < 5000; i++) {
      const parent = i < 1000 || random() < 0.2 ? null : all[Math.floor(random() * all.length)]!
      const usable = parent && parent.depth < 5 ? parent : null
      const up = Math.floor(random() * 20)
      const down = Math.floor(random() * 6)
      const text = `Comment ${i}: the square needs ${['shade', 'benches', 'a fountain', 'less traffic'][i % 4]}. ${'More detail about the proposal and why it matters to the neighbourhood. '.repeat(1 + (i % 3))}`
      const id = Number(
        insert.run(
          areaId,
          usable?.id ?? null,
          usable ? usable.root : null,
          usable ? usable.depth + 1 : 0,
          users[i % users.length],
          text,
          `<p>${text}</p>`,
          stances[i % 3],
          up,
          down,
          wilson(up, down),
          stamp,
        ).lastInsertRowid,
      )
      if (usable) bump.run(usable.id)
      all.push({ id, depth: usable ? usable.depth + 1 : 0, root: usable ? usable.root : id })
    }
    db.prepare(`update comments set descendants = (select count(*) from comments d where d.root_id = comments.id) where parent_id is null`).run()
  })()
  db.close()
  return { areaId, tokens }
}

export async function benchDeliberation(seconds: number): Promise<Verdict[]> {
  // Rendered for every request first (PAGE_CACHE=false), then as installed (anonymous page cache).
  const rendered = await startPlaza({ PAGE_CACHE: 'false' })
  let renderedPage
  try {
    const { areaId } = fillDiscussion(rendered.databasePath!)
    renderedPage = await load('first page, rendered every time', { url: `${rendered.url}/discussions/area/${areaId}`, connections: 16, seconds, warmupSeconds: 2 })
  } finally {
    await rendered.stop()
  }
  const plaza = await startPlaza()
  try {
    const { areaId, tokens } = fillDiscussion(plaza.databasePath!)
    const url = `${plaza.url}/discussions/area/${areaId}`
    const page = await (await fetch(url)).text()
    if (!page.includes('Comment ')) throw new Error('the discussion page did not render the seeded comments')
    const bare = await startBare(page)
    let firstPage
    let baseline
    try {
      baseline = await load('bare node:http, same page', { url: `${bare.url}/`, connections: 16, seconds, warmupSeconds: 1 })
      firstPage = await load('first page, as installed (page cache)', { url, connections: 16, seconds, warmupSeconds: 2 })
    } finally {
      await bare.stop()
    }
    const cookie = createCookie('plaza_session', { path: '/', httpOnly: true, sameSite: 'lax' })
    const cookies = await Promise.all(tokens.map(async (t) => (await cookie.serialize(t)).split(';')[0]!))
    let n = 0
    const posting = await load('posting comments (1,000 people)', {
      url,
      method: 'POST',
      connections: 32,
      seconds,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url },
      setupRequest: (request) => {
        n++
        return {
          ...request,
          method: 'POST',
          headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url, cookie: cookies[n % cookies.length]! },
          body: `body=${encodeURIComponent(`Benchmark comment ${n} about the square.`)}&stance=${['for', 'neutral', 'against'][n % 3]}`,
        }
      },
    })
    const db = new SQLite(plaza.databasePath!, { readonly: true })
    const stored = (db.prepare(`select count(*) as n from comments`).get() as { n: number }).n - 5000
    db.close()
    printResults(`Deliberation — 5,000 comments; ${(page.length / 1024).toFixed(0)} KB first page; posts answer 302 (counted as non-2xx)`, [baseline, renderedPage, firstPage, posting])
    const postsPerSecond = stored / seconds
    console.log(`  comments stored while posting: ${stored} (${postsPerSecond.toFixed(0)}/s); page ratio Plaza/bare ${(firstPage.rps / baseline.rps).toFixed(3)}`)
    return [
      target(
        'first page of a 5,000-comment discussion p95 ≤ 100 ms',
        firstPage.p95 <= 100 && firstPage.errors === 0 && firstPage.non2xx === 0,
        `p95 ${firstPage.p95.toFixed(1)} ms as installed (${firstPage.rps.toFixed(0)} req/s); rendered every time p95 ${renderedPage.p95.toFixed(1)} ms (${renderedPage.rps.toFixed(0)} req/s)`,
      ),
      target('posting comments ≥ 300/s', postsPerSecond >= 300 && posting.errors === 0, `${postsPerSecond.toFixed(0)} comments/s stored, p95 ${posting.p95.toFixed(1)} ms`),
    ]
  } finally {
    await plaza.stop()
  }
}
