/**
 * Near-duplicate detection of letter texts (issue 9, abuse checks): the same text sent by many
 * senders is a campaign, and a campaign belongs in a petition. Pure: no database, no clock.
 *
 * Pipeline: normalise → word shingles (k = 5) → 32-bit shingle hashes → MinHash signature
 * (128 values) → LSH banding (32 bands × 4 rows) to find candidates → MinHash estimate to rank them.
 */

/** Words per shingle. Five words keeps common phrases ("I am writing to you") from matching on their own. */
export const SHINGLE_SIZE = 5
/** Hashes per signature: the estimate's standard error is √(J(1−J)/128) ≤ 0.044. */
export const SIGNATURE_LENGTH = 128
/** LSH bands × rows = SIGNATURE_LENGTH. With 32 × 4 a pair at J = 0.8 is a candidate with
 * probability 1 − (1 − 0.8⁴)³² > 0.99999, at J = 0.6 > 0.98, at J = 0.2 only ≈ 0.05. */
export const BANDS = 32
export const ROWS_PER_BAND = SIGNATURE_LENGTH / BANDS
/** Seed of the hash family; changing it invalidates every stored signature (bump SIGNATURE_FORMAT). */
export const HASH_FAMILY_SEED = 0x9e3779b9
/** First byte of a serialised signature. */
export const SIGNATURE_FORMAT = 1

/** Largest 32-bit value: every slot of the signature of an empty text. */
const EMPTY_SLOT = 0xffffffff

export type Signature = Uint32Array

/** Lower-case, accents stripped (é → e), anything that is not a letter or digit becomes a space, spaces collapsed. */
export function normaliseLetterText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** The set of k-word shingles of a text; a text shorter than k words gives one shingle of all its words, an empty text none. */
export function shingles(text: string, k: number = SHINGLE_SIZE): Set<string> {
  const normalised = normaliseLetterText(text)
  const out = new Set<string>()
  if (normalised === '') return out
  const words = normalised.split(' ')
  if (words.length <= k) {
    out.add(words.join(' '))
    return out
  }
  for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(' '))
  return out
}

/** Exact Jaccard similarity |A ∩ B| / |A ∪ B|; 0 when either set is empty (an empty letter resembles nothing). */
export function exactJaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0
  let both = 0
  for (const s of a) if (b.has(s)) both++
  return both / (a.size + b.size - both)
}

/** FNV-1a over UTF-16 code units, then the murmur3 finaliser so that nearby strings spread over all 32 bits. */
function hashShingle(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers with good avalanche. */
function fmix32(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** mulberry32: a small seeded generator, used once to draw the hash family's parameters. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/**
 * The hash family: hᵢ(x) = fmix32((aᵢ·x + bᵢ) mod 2³²) with aᵢ odd, aᵢ and bᵢ drawn from
 * mulberry32(HASH_FAMILY_SEED). x ↦ aᵢ·x + bᵢ is a bijection mod 2³² (aᵢ odd) and so is fmix32,
 * so each hᵢ is a pseudo-random permutation of 32-bit values — what MinHash needs.
 */
const FAMILY_A = new Uint32Array(SIGNATURE_LENGTH)
const FAMILY_B = new Uint32Array(SIGNATURE_LENGTH)
{
  const next = mulberry32(HASH_FAMILY_SEED)
  for (let i = 0; i < SIGNATURE_LENGTH; i++) {
    FAMILY_A[i] = next() | 1
    FAMILY_B[i] = next()
  }
}

/** MinHash signature of a set of shingles; an empty set gives all slots 0xffffffff. */
export function signatureOfShingles(set: ReadonlySet<string>): Signature {
  const sig = new Uint32Array(SIGNATURE_LENGTH).fill(EMPTY_SLOT)
  for (const s of set) {
    const x = hashShingle(s)
    for (let i = 0; i < SIGNATURE_LENGTH; i++) {
      const h = fmix32((Math.imul(FAMILY_A[i]!, x) + FAMILY_B[i]!) >>> 0)
      if (h < sig[i]!) sig[i] = h
    }
  }
  return sig
}

/** The fingerprint of a letter: its MinHash signature. */
export function letterSignature(text: string): Signature {
  return signatureOfShingles(shingles(text))
}

/** True for the signature of an empty text. */
export function isEmptySignature(sig: Signature): boolean {
  for (let i = 0; i < sig.length; i++) if (sig[i] !== EMPTY_SLOT) return false
  return true
}

/** MinHash estimate of the Jaccard similarity: the share of equal slots; 0 when either text was empty. */
export function estimateSimilarity(a: Signature, b: Signature): number {
  if (a.length !== b.length) throw new RangeError('signatures of different lengths')
  let equal = 0
  let emptyA = true
  let emptyB = true
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x === y) equal++
    if (x !== EMPTY_SLOT) emptyA = false
    if (y !== EMPTY_SLOT) emptyB = false
  }
  if (emptyA || emptyB) return 0
  return equal / a.length
}

/** Compact storage: 1 format byte, then the 128 values as little-endian uint32 (513 bytes). */
export function signatureToBuffer(sig: Signature): Buffer {
  const buf = Buffer.alloc(1 + sig.length * 4)
  buf.writeUInt8(SIGNATURE_FORMAT, 0)
  for (let i = 0; i < sig.length; i++) buf.writeUInt32LE(sig[i]!, 1 + i * 4)
  return buf
}

export function signatureFromBuffer(buf: Uint8Array): Signature {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  if (b.length !== 1 + SIGNATURE_LENGTH * 4 || b.readUInt8(0) !== SIGNATURE_FORMAT) {
    throw new RangeError('not a letter signature of format ' + SIGNATURE_FORMAT)
  }
  const sig = new Uint32Array(SIGNATURE_LENGTH)
  for (let i = 0; i < SIGNATURE_LENGTH; i++) sig[i] = b.readUInt32LE(1 + i * 4)
  return sig
}

/** Base64 (684 characters) for a text column. */
export function signatureToBase64(sig: Signature): string {
  return signatureToBuffer(sig).toString('base64')
}

export function signatureFromBase64(text: string): Signature {
  return signatureFromBuffer(Buffer.from(text, 'base64'))
}

export interface SimilarLetter<Id> {
  id: Id
  similarity: number
}

/** One band's key: the 4 rows mixed into one 32-bit number. Collisions only add candidates, which the estimate then rejects. */
function bandKey(sig: Signature, band: number): number {
  let h = band
  const start = band * ROWS_PER_BAND
  for (let r = 0; r < ROWS_PER_BAND; r++) h = fmix32(h ^ sig[start + r]!) + 0x9e3779b9
  return h >>> 0
}

/**
 * In-memory LSH index of letter signatures. A query looks at the 32 buckets its signature falls in
 * and scores only the letters found there, so its cost grows with the number of near-duplicates,
 * not with the number of letters stored. Empty texts are never stored nor found.
 */
export class SimilarityIndex<Id = string> {
  /** Per band: bucket key → slot, or slots once two letters share it (most buckets hold one letter; a bare number saves an array each). */
  private readonly bands: Map<number, number | number[]>[] = Array.from({ length: BANDS }, () => new Map())
  private readonly slots: (Signature | undefined)[] = []
  private readonly ids: (Id | undefined)[] = []
  private readonly slotOf = new Map<Id, number>()
  /** Visit stamps, so a candidate found in several bands is scored once without allocating a Set per query. */
  private seen = new Uint32Array(0)
  private stamp = 0

  get size(): number {
    return this.slotOf.size
  }

  /** Stores a signature under an id; an id stored again replaces its earlier signature. */
  add(id: Id, sig: Signature): void {
    if (sig.length !== SIGNATURE_LENGTH) throw new RangeError('signature of the wrong length')
    this.remove(id)
    if (isEmptySignature(sig)) return
    const slot = this.slots.length
    this.slots.push(sig)
    this.ids.push(id)
    this.slotOf.set(id, slot)
    for (let b = 0; b < BANDS; b++) {
      const key = bandKey(sig, b)
      const bucket = this.bands[b]!.get(key)
      if (bucket === undefined) this.bands[b]!.set(key, slot)
      else if (typeof bucket === 'number') this.bands[b]!.set(key, [bucket, slot])
      else bucket.push(slot)
    }
  }

  /** Forgets an id (e.g. when a letter is rejected and should not count against later ones). */
  remove(id: Id): boolean {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return false
    const sig = this.slots[slot]!
    for (let b = 0; b < BANDS; b++) {
      const key = bandKey(sig, b)
      const bucket = this.bands[b]!.get(key)
      if (bucket === undefined) continue
      const rest = typeof bucket === 'number' ? [] : bucket.filter((s) => s !== slot)
      if (rest.length === 0) this.bands[b]!.delete(key)
      else this.bands[b]!.set(key, rest.length === 1 ? rest[0]! : rest)
    }
    this.slots[slot] = undefined
    this.ids[slot] = undefined
    this.slotOf.delete(id)
    return true
  }

  /** Stored letters whose estimated similarity is at least `threshold`, most similar first. */
  query(sig: Signature, threshold: number): SimilarLetter<Id>[] {
    if (sig.length !== SIGNATURE_LENGTH) throw new RangeError('signature of the wrong length')
    if (isEmptySignature(sig)) return []
    if (this.seen.length < this.slots.length) {
      const grown = new Uint32Array(Math.max(1024, this.slots.length * 2))
      grown.set(this.seen)
      this.seen = grown
    }
    this.stamp = (this.stamp + 1) >>> 0
    if (this.stamp === 0) {
      this.seen.fill(0)
      this.stamp = 1
    }
    const found: SimilarLetter<Id>[] = []
    for (let b = 0; b < BANDS; b++) {
      const bucket = this.bands[b]!.get(bandKey(sig, b))
      if (bucket === undefined) continue
      if (typeof bucket === 'number') this.score(sig, bucket, threshold, found)
      else for (const slot of bucket) this.score(sig, slot, threshold, found)
    }
    return found.sort((x, y) => y.similarity - x.similarity)
  }

  private score(sig: Signature, slot: number, threshold: number, found: SimilarLetter<Id>[]): void {
    if (this.seen[slot] === this.stamp) return
    this.seen[slot] = this.stamp
    const similarity = estimateSimilarity(sig, this.slots[slot]!)
    if (similarity >= threshold) found.push({ id: this.ids[slot]!, similarity })
  }
}
