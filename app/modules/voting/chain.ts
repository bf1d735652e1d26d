import { createHash, randomBytes } from 'node:crypto'

/**
 * The ballot hash chain and receipt codes. Each ballot stores the hash of the one before it and
 * its own hash over (previous hash, canonical ballot), so editing a stored ballot breaks its own
 * hash and deleting or reordering one breaks the next link; deleting the newest ones is caught by
 * comparing the last hash with the head kept beside the tally (verifyChain's `head`).
 *
 * Uses node:crypto: import it from server code only (the browser has no node:crypto).
 */

/** The "previous hash" of a process's first ballot. */
export const GENESIS_HASH = '0'.repeat(64)

/** What a ballot may contain: JSON without fractions, so its bytes are the same everywhere. */
export type ChainValue = string | number | boolean | null | ChainValue[] | { [key: string]: ChainValue }

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as RFC 8785), no spaces, numbers as
 * integers only (a float could print differently elsewhere; weights are milli-weights for this
 * reason). `undefined`, NaN, fractions or unsafe integers throw rather than hash something else.
 */
export function canonicalJson(value: ChainValue): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`a ballot holds integers only, not ${value}`)
      return String(value)
    case 'object': {
      // Plain loops: this runs for every ballot of a million-ballot tally:verify.
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]!)
        return out + ']'
      }
      const keys = Object.keys(value).sort()
      let out = '{'
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!
        const item = value[key]
        if (item === undefined) throw new TypeError(`a ballot's ${key} is undefined`)
        out += (i ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(item)
      }
      return out + '}'
    }
    default:
      throw new TypeError(`a ballot cannot hold a ${typeof value}`)
  }
}

const HASH = /^[0-9a-f]{64}$/

/** SHA-256 (hex) of the previous hash, a newline and the canonical ballot. */
export function ballotHash(previousHash: string, ballot: ChainValue): string {
  if (!HASH.test(previousHash)) throw new TypeError('the previous hash is not 64 lowercase hex digits')
  return hashLink(previousHash, ballot)
}

const hashLink = (previousHash: string, ballot: ChainValue) =>
  createHash('sha256')
    .update(`${previousHash}\n${canonicalJson(ballot)}`)
    .digest('hex')

export interface ChainLink {
  previousHash: string
  hash: string
  ballot: ChainValue
}

export type ChainCheck =
  | { ok: true; length: number; head: string }
  | {
      ok: false
      /** The first link that does not hold; links.length when the chain is fine but shorter than the head says. */
      index: number
      /** previous: a ballot before it was deleted or reordered; hash: this ballot was changed; head: newest ones deleted. */
      reason: 'previous' | 'hash' | 'head'
    }

/**
 * Checks links in chain order, fed one at a time (so a million rows can come from the database page by page,
 * ADR 158): `add` answers false from the first link that does not hold on; `finish` gives the check.
 */
export class ChainChecker {
  private expected = GENESIS_HASH
  private index = 0
  private broken: Extract<ChainCheck, { ok: false }> | null = null

  add(link: ChainLink): boolean {
    if (this.broken) return false
    if (link.previousHash !== this.expected) this.broken = { ok: false, index: this.index, reason: 'previous' }
    // previousHash equals a hash already checked (or the genesis), so it is well formed.
    else if (hashLink(link.previousHash, link.ballot) !== link.hash) this.broken = { ok: false, index: this.index, reason: 'hash' }
    if (this.broken) return false
    this.expected = link.hash
    this.index += 1
    return true
  }

  /** `head`, when given, is the hash the last link must have. */
  finish(options: { head?: string } = {}): ChainCheck {
    if (this.broken) return this.broken
    if (options.head !== undefined && options.head !== this.expected) return { ok: false, index: this.index, reason: 'head' }
    return { ok: true, length: this.index, head: this.expected }
  }
}

/**
 * Checks links in chain order (any iterable). `head`, when given, is the hash the last link must have.
 */
export function verifyChain(links: Iterable<ChainLink>, options: { head?: string } = {}): ChainCheck {
  const checker = new ChainChecker()
  for (const link of links) if (!checker.add(link)) break
  return checker.finish(options)
}

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

const group = (code: string) => code.match(/.{4}/g)!.join('-')

/** A receipt: 16 Crockford base32 characters (80 random bits) in groups of four, "7KQ2-M9XD-…". */
export function receiptCode(): string {
  const bytes = randomBytes(10)
  let bits = 0
  let buffer = 0
  let code = ''
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      code += ALPHABET[(buffer >> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  return group(code)
}

/**
 * A receipt as someone typed it → its canonical form, or null if it cannot be one: case, spaces
 * and hyphens (any dash) ignored, O read as 0, I and L as 1 (Crockford's decoding rules).
 */
export function normaliseReceipt(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s\-‐-―−_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (code.length !== 16 || [...code].some((c) => !ALPHABET.includes(c))) return null
  return group(code)
}

/**
 * The part of a ballot the chain hashes: everything the published ballot list shows, so anyone can
 * recompute each hash from it — and nothing that names the voter or marks it replaced.
 * hash = SHA-256(prev_hash + "\n" + canonical JSON of { castAt, choices, process, receipt, weight }).
 */
export function hashedBallot(processId: number, receipt: string, choices: ChainValue, weight: number, castAt: string): ChainValue {
  return { castAt, choices, process: processId, receipt, weight }
}
