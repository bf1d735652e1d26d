import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database, type PlazaDatabase } from '../../lib/db.server'
import { normaliseSignatureEmail } from '../petitions/email'
import { rateLimitKey } from '../petitions/fraud'
import { letterSignature, signatureFromBuffer, SimilarityIndex, type Signature } from './similarity'
import { citySettings, citySettingsNow } from '../city/settings.server'

/**
 * The abuse checks a letter passes before it is sent (issue 9):
 * - at submission: letters per sender (normalised e-mail, LETTER_LIMIT_SENDER) and per client IP
 *   (LETTER_LIMIT_IP, IPv6 by /64), counted from the letters table itself over the window, inside
 *   the write that stores the letter (so parallel submissions cannot all slip under); and a letter
 *   whose sender is one of its own recipients;
 * - at confirmation: near-identical text from at least LETTER_CAMPAIGN_SENDERS other senders in the
 *   last LETTER_RETENTION_DAYS days (MinHash, similarity.ts) freezes the letter for review.
 */

/** The key letters are counted by: the e-mail normalised as for petition signatures (dots, +tags, case). */
export function senderKeyOf(email: string): string {
  return normaliseSignatureEmail(email) ?? email.trim().toLowerCase()
}

/** The key IP limits count by (an IPv6 /64 is one client). */
export function ipKeyOf(ip: string): string {
  return rateLimitKey(ip) ?? ip.trim().toLowerCase().slice(0, 64)
}

export type LimitDecision = { kind: 'ok' } | { kind: 'sender' | 'ip'; retryAfterSeconds: number }

/**
 * Whether one more letter from this sender and this IP is allowed at `now`. Runs on the caller's
 * transaction (inside the write that stores the letter) or on the database.
 */
export async function checkLetterLimits(executor: Transaction<Database> | Kysely<Database>, keys: { senderKey: string; ipKey: string | null }, now: Date = new Date()): Promise<LimitDecision> {
  const { LETTER_LIMIT_SENDER: perSender, LETTER_LIMIT_IP: perIp } = config()
  const rules: Array<{ kind: 'sender' | 'ip'; column: 'sender_key' | 'ip_key'; key: string | null; rule: { points: number; seconds: number } | null }> = [
    { kind: 'sender', column: 'sender_key', key: keys.senderKey, rule: perSender },
    { kind: 'ip', column: 'ip_key', key: keys.ipKey, rule: perIp },
  ]
  for (const { kind, column, key, rule } of rules) {
    if (!rule || !key) continue
    const since = new Date(now.getTime() - rule.seconds * 1000).toISOString()
    const rows = await executor.selectFrom('letters').select('created_at').where(column, '=', key).where('created_at', '>', since).orderBy('created_at').limit(rule.points).execute()
    if (rows.length >= rule.points) {
      // The oldest letter in the window leaves it first.
      const frees = Date.parse(rows[0]!.created_at) + rule.seconds * 1000
      return { kind, retryAfterSeconds: Math.max(1, Math.ceil((frees - now.getTime()) / 1000)) }
    }
  }
  return { kind: 'ok' }
}

/** The recipients the sender is writing to themselves as (their normalised e-mail is the representative's). */
export function selfRecipients<R extends { email: string }>(senderEmail: string, recipients: readonly R[]): R[] {
  const sender = senderKeyOf(senderEmail)
  return recipients.filter((r) => senderKeyOf(r.email) === sender)
}

// ---------------------------------------------------------------- near-identical letters

export interface CampaignCheck {
  /** True when letters from at least LETTER_CAMPAIGN_SENDERS other senders are near-identical. */
  campaign: boolean
  /** Distinct other senders among the confirmed near-identical letters (counted up to what decides). */
  senders: number
  /** Near-identical confirmed letters of other senders, most similar first (ids and similarity). */
  matches: Array<{ id: number; similarity: number }>
}

const REFRESH_MS = 5_000
const REBUILD_MS = 3600_000

/**
 * The per-process index of letter fingerprints: rebuilt from the stored fingerprints of the last
 * LETTER_RETENTION_DAYS days at first use (and every hour, which also drops letters past the
 * retention), kept up to date with letters written in this process, and refreshed from the database
 * every few seconds for letters written by other processes (by id: new rows only). It holds every
 * letter with a fingerprint; whether a match counts (confirmed, another sender) is read from the
 * database for the few matches a query returns.
 */
export class LetterSimilarity {
  private index = new SimilarityIndex<number>()
  private lastId = 0
  private builtAt = 0
  private refreshedAt = 0
  private building: Promise<void> | null = null

  constructor(private readonly db: () => PlazaDatabase = database) {}

  get size() {
    return this.index.size
  }

  /** Rebuilds from the database (what first use does). */
  async rebuild(now: Date = new Date()): Promise<void> {
    const since = new Date(now.getTime() - (await citySettings()).LETTER_RETENTION_DAYS * 86_400_000).toISOString()
    const next = new SimilarityIndex<number>()
    let lastId = 0
    // In pages by id, so a large table is not held twice in memory.
    for (;;) {
      const rows = await this.db()
        .db.selectFrom('letters')
        .select(['id', 'fingerprint'])
        .where('id', '>', lastId)
        .where('fingerprint', 'is not', null)
        .where('created_at', '>=', since)
        .orderBy('id')
        .limit(5000)
        .execute()
      for (const r of rows) addStored(next, r.id, r.fingerprint)
      if (rows.length < 5000) break
      lastId = rows[rows.length - 1]!.id
    }
    const max = await this.db()
      .db.selectFrom('letters')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst()
    this.index = next
    this.lastId = Math.max(lastId, Number(max?.max ?? 0))
    this.builtAt = this.refreshedAt = Date.now()
  }

  /** New letters of other processes since the last look (cheap: the primary key). */
  async refresh(): Promise<void> {
    const rows = await this.db().db.selectFrom('letters').select(['id', 'fingerprint']).where('id', '>', this.lastId).orderBy('id').limit(10_000).execute()
    for (const r of rows) {
      addStored(this.index, r.id, r.fingerprint)
      this.lastId = Math.max(this.lastId, r.id)
    }
    this.refreshedAt = Date.now()
  }

  /** Ready to query: built, and refreshed within the last few seconds. */
  async ensureFresh(now: Date = new Date()): Promise<void> {
    if (this.building) return this.building
    const stale = this.builtAt === 0 || Date.now() - this.builtAt > REBUILD_MS
    const due = Date.now() - this.refreshedAt > REFRESH_MS
    if (!stale && !due) return
    this.building = (stale ? this.rebuild(now) : this.refresh()).finally(() => {
      this.building = null
    })
    return this.building
  }

  /** A letter written in this process. */
  add(id: number, signature: Signature) {
    this.index.add(id, signature)
  }

  remove(id: number) {
    this.index.remove(id)
  }

  /** Near-identical letters, without the database (for the bench and the admin page's sample). */
  similar(signature: Signature, threshold: number = citySettingsNow().LETTER_SIMILARITY) {
    return this.index.query(signature, threshold)
  }

  /**
   * Whether a letter with this signature, from this sender, belongs to a campaign: confirmed letters
   * (confirmed_at set: a real mailbox stood behind them) of at least LETTER_CAMPAIGN_SENDERS other
   * senders within LETTER_SIMILARITY. The letter itself (`excludeId`) never counts.
   */
  async check(signature: Signature, senderKey: string, excludeId?: number): Promise<CampaignCheck> {
    await this.ensureFresh()
    const { LETTER_SIMILARITY: threshold, LETTER_CAMPAIGN_SENDERS: needed } = await citySettings()
    const hits = this.index.query(signature, threshold).filter((h) => h.id !== excludeId)
    const senders = new Set<string>()
    const matches: CampaignCheck['matches'] = []
    // Most similar first, in chunks: a big campaign decides after the first chunk.
    for (let i = 0; i < hits.length && senders.size < needed; i += 500) {
      const chunk = hits.slice(i, i + 500)
      const rows = await this.db()
        .db.selectFrom('letters')
        .select(['id', 'sender_key'])
        .where(
          'id',
          'in',
          chunk.map((h) => h.id),
        )
        .where('confirmed_at', 'is not', null)
        .where('sender_key', '!=', senderKey)
        .execute()
      const keyOf = new Map(rows.map((r) => [r.id, r.sender_key]))
      for (const h of chunk) {
        const key = keyOf.get(h.id)
        if (key === undefined) continue
        senders.add(key)
        matches.push(h)
      }
    }
    return { campaign: senders.size >= needed, senders: senders.size, matches }
  }
}

function addStored(index: SimilarityIndex<number>, id: number, fingerprint: Uint8Array | Buffer | null) {
  if (!fingerprint) return
  try {
    index.add(id, signatureFromBuffer(fingerprint))
  } catch {
    // A fingerprint of another format (SIGNATURE_FORMAT bumped): this letter is not compared.
  }
}

// One per process, for the process's database.
const instances = new WeakMap<PlazaDatabase, LetterSimilarity>()
export function letterSimilarity(): LetterSimilarity {
  const db = database()
  let found = instances.get(db)
  if (!found) {
    found = new LetterSimilarity(() => db)
    instances.set(db, found)
  }
  return found
}

export { letterSignature }
