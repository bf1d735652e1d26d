import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { percentile, target, type Verdict } from './lib'
import { migrateOrThrow, openDatabase, useDatabase } from '../../app/lib/db.server'
import { LetterSimilarity } from '../../app/modules/letters/abuse.server'
import { letterSignature, signatureToBuffer } from '../../app/modules/letters/similarity'

/**
 * Letters: the campaign check of a new letter — its MinHash signature, the LSH query at
 * LETTER_SIMILARITY, and the decision (the matches' senders read from the database) — against
 * 100,000 stored fingerprints loaded from the database as the app loads them (the rebuild is timed
 * too). 2% of the stored letters are 20 campaigns of 100 near-copies; 10% of the new letters copy a
 * campaign. Baseline in the same run: SHA-256 of the same texts. Target: p95 ≤ 20 ms.
 */

const STORED = 100_000
const QUERIES = 1_000
const CAMPAIGNS = 20
const COPIES = 100

const WORDS = (
  'the a council street park bus stop water light school market tree river bridge square noise parking bike lane ' +
  'children elderly neighbours winter summer repair broken safety crossing traffic speed pavement shelter library pool ' +
  'please would could should ask request hope thank months weeks years since again still never always because when ' +
  'residents district neighbourhood mayor councillor budget plan works promise election meeting public health clean'
).split(' ')

function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const text = (r: () => number, words = 150 + Math.floor(r() * 150)) => Array.from({ length: words }, () => WORDS[Math.floor(r() * WORDS.length)]!).join(' ')
/** A near-copy: a few words changed at the end. */
const variant = (base: string, r: () => number) => `${base} ${text(r, 3)}`

export async function benchLetters(): Promise<Verdict[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-bench-letters-'))
  const database = openDatabase({ path: path.join(dir, 'bench.sqlite'), synchronous: 'NORMAL' })
  // The bench database made the process-wide one: the index's rebuild reads the council's settings
  // (the letters' retention) through database(), which otherwise opened ./data/plaza.sqlite, empty,
  // and the run died with "no such table: city_settings" after generating the fingerprints.
  const restore = useDatabase(database)
  try {
    await migrateOrThrow(database)
    const r = rng(42)
    const campaigns = Array.from({ length: CAMPAIGNS }, () => text(r))
    console.log(`\nLetters: the campaign check against ${STORED.toLocaleString('en')} stored fingerprints (generating them…)`)
    const startGen = performance.now()
    const now = new Date()
    const stmt = database.sqlite.prepare(
      `insert into letters (token_hash, status, sender_name, sender_email, sender_key, sender_address, subject, body, fingerprint, created_at, confirmed_at)
       values (?, 'confirmed', 'Bench', ?, ?, 'Street 1', 'Subject', ?, ?, ?, ?)`,
    )
    const insert = database.sqlite.transaction((rows: Array<[string, Buffer, string]>) => {
      for (const [email, fp, body] of rows) {
        const at = new Date(now.getTime() - Math.floor(r() * 20 * 86_400_000)).toISOString()
        stmt.run(crypto.randomUUID(), email, email, body, fp, at, at)
      }
    })
    let batch: Array<[string, Buffer, string]> = []
    for (let i = 0; i < STORED; i++) {
      const inCampaign = i < CAMPAIGNS * COPIES
      const body = inCampaign ? variant(campaigns[i % CAMPAIGNS]!, r) : text(r)
      batch.push([`sender${i}@example.org`, signatureToBuffer(letterSignature(body)), body.slice(0, 200)])
      if (batch.length === 5000) {
        insert(batch)
        batch = []
      }
    }
    insert(batch)
    console.log(`  generated in ${((performance.now() - startGen) / 1000).toFixed(1)} s`)

    const index = new LetterSimilarity(() => database)
    const t0 = performance.now()
    await index.rebuild()
    const rebuildMs = performance.now() - t0
    console.log(
      `  rebuild from the database: ${(rebuildMs / 1000).toFixed(2)} s, ${index.size.toLocaleString('en')} letters in the index, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
    )

    const letters = Array.from({ length: QUERIES }, (_, i) => (i % 10 === 0 ? variant(campaigns[i % CAMPAIGNS]!, r) : text(r)))
    const baseline: number[] = []
    for (const l of letters) {
      const s = performance.now()
      crypto.createHash('sha256').update(l).digest()
      baseline.push(performance.now() - s)
    }
    const times: number[] = []
    let frozen = 0
    let wrong = 0
    for (const [i, l] of letters.entries()) {
      const s = performance.now()
      const check = await index.check(letterSignature(l), 'new-sender@example.org')
      times.push(performance.now() - s)
      if (check.campaign) frozen++
      if (check.campaign !== (i % 10 === 0)) wrong++
    }
    times.sort((a, b) => a - b)
    baseline.sort((a, b) => a - b)
    const p95 = percentile(times, 95)
    console.log('  what                                   p50 ms   p95 ms   p99 ms    max ms')
    const row = (label: string, xs: number[]) =>
      console.log(
        `  ${label.padEnd(38)} ${percentile(xs, 50).toFixed(3).padStart(7)}  ${percentile(xs, 95).toFixed(3).padStart(7)}  ${percentile(xs, 99).toFixed(3).padStart(7)}  ${xs[xs.length - 1]!.toFixed(3).padStart(8)}`,
      )
    row('baseline: SHA-256 of the text', baseline)
    row('signature + query + decision', times)
    console.log(`  ${frozen} of ${QUERIES} new letters held as campaign copies (expected ${QUERIES / 10}); p95 is ${(p95 / percentile(baseline, 95)).toFixed(0)}× the baseline`)
    return [
      target('letters: campaign check p95 ≤ 20 ms against 100,000 fingerprints', p95 <= 20, `p95 ${p95.toFixed(2)} ms (rebuild ${(rebuildMs / 1000).toFixed(1)} s)`),
      target('letters: every campaign copy held, no other letter', frozen === QUERIES / 10 && wrong === 0, `${frozen} held of ${QUERIES / 10} copies, ${wrong} wrong decisions`),
    ]
  } finally {
    restore()
    await database.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
