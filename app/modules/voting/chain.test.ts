import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GENESIS_HASH, ballotHash, canonicalJson, normaliseReceipt, receiptCode, verifyChain, type ChainLink, type ChainValue } from './chain'

function chainOf(ballots: ChainValue[]): ChainLink[] {
  let previousHash = GENESIS_HASH
  return ballots.map((ballot) => {
    const hash = ballotHash(previousHash, ballot)
    const link = { previousHash, hash, ballot }
    previousHash = hash
    return link
  })
}

const ballots: ChainValue[] = [
  { process: 7, receipt: 'AAAA-BBBB-CCCC-DDDD', choices: { answer: 'yes' }, weight: 1000 },
  { process: 7, receipt: 'EEEE-FFFF-GGGG-HHHH', choices: { answer: 'no' }, weight: 500 },
  { process: 7, receipt: 'JJJJ-KKKK-MMMM-NNNN', choices: { answer: 'yes' }, weight: 250 },
  { process: 7, receipt: 'PPPP-QQQQ-RRRR-SSSS', choices: { answer: 'abstain' }, weight: 1000 },
]

describe('canonical serialisation', () => {
  it('sorts keys at every depth and writes no spaces, so key order never changes a hash', () => {
    expect(canonicalJson({ b: [3, { z: true, a: null }], a: 'é' })).toBe('{"a":"é","b":[3,{"a":null,"z":true}]}')
    expect(ballotHash(GENESIS_HASH, { weight: 1000, choices: { answer: 'yes' } })).toBe(ballotHash(GENESIS_HASH, { choices: { answer: 'yes' }, weight: 1000 }))
  })

  it('refuses numbers that are not integers, and undefined', () => {
    expect(() => canonicalJson({ weight: 0.5 })).toThrow(TypeError)
    expect(() => canonicalJson({ weight: Number.NaN })).toThrow(TypeError)
    expect(() => canonicalJson({ weight: 2 ** 53 })).toThrow(TypeError)
    expect(() => canonicalJson({ weight: undefined } as unknown as ChainValue)).toThrow(TypeError)
  })

  it('is SHA-256 over the previous hash, a newline and the canonical ballot', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n{"a":1}`).digest('hex')
    expect(ballotHash(GENESIS_HASH, { a: 1 })).toBe(expected)
    expect(() => ballotHash('nothex', { a: 1 })).toThrow(TypeError)
  })
})

describe('verifyChain', () => {
  it('accepts an untouched chain and reports its head', () => {
    const links = chainOf(ballots)
    expect(verifyChain(links)).toEqual({ ok: true, length: 4, head: links[3]!.hash })
    expect(verifyChain([])).toEqual({ ok: true, length: 0, head: GENESIS_HASH })
  })

  it('catches an edited ballot at its own index', () => {
    const links = chainOf(ballots)
    const edited = links.map((link, i) => (i === 2 ? { ...link, ballot: { ...(link.ballot as object), weight: 1000 } } : link))
    expect(verifyChain(edited)).toEqual({ ok: false, index: 2, reason: 'hash' })
  })

  it('catches an edited ballot whose hash was recomputed, at the next link', () => {
    const links = chainOf(ballots)
    const ballot = { ...(links[1]!.ballot as object), choices: { answer: 'yes' } }
    const forged = links.map((link, i) => (i === 1 ? { ...link, ballot, hash: ballotHash(link.previousHash, ballot) } : link))
    expect(verifyChain(forged)).toEqual({ ok: false, index: 2, reason: 'previous' })
  })

  it('catches a deleted ballot where the chain resumes', () => {
    const links = chainOf(ballots)
    expect(verifyChain([links[0]!, links[2]!, links[3]!])).toEqual({ ok: false, index: 1, reason: 'previous' })
    expect(verifyChain(links.slice(1))).toEqual({ ok: false, index: 0, reason: 'previous' })
  })

  it('catches the newest ballots deleted when given the head kept beside the tally', () => {
    const links = chainOf(ballots)
    const head = links[3]!.hash
    expect(verifyChain(links.slice(0, 3))).toMatchObject({ ok: true })
    expect(verifyChain(links.slice(0, 3), { head })).toEqual({ ok: false, index: 3, reason: 'head' })
    expect(verifyChain(links, { head })).toMatchObject({ ok: true })
  })

  it('reads any iterable, so rows can stream', () => {
    const links = chainOf(ballots)
    function* rows() {
      yield* links
    }
    expect(verifyChain(rows())).toMatchObject({ ok: true, length: 4 })
  })
})

describe('receipts', () => {
  it('are four groups of four Crockford base32 characters, random each time', () => {
    const codes = Array.from({ length: 200 }, receiptCode)
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/)
    expect(new Set(codes).size).toBe(200)
    // Every character of the alphabet turns up: the bits are spread evenly, not stuck.
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32)
  })

  it('normalise case, spaces, hyphens and look-alike letters', () => {
    expect(normaliseReceipt('7kq2 m9xd-4ab0-zz1t')).toBe('7KQ2-M9XD-4AB0-ZZ1T')
    expect(normaliseReceipt('  7KQ2–M9XD–4ABO–ZZIT ')).toBe('7KQ2-M9XD-4AB0-ZZ1T')
    expect(normaliseReceipt('7kq2m9xd4abozzlt')).toBe('7KQ2-M9XD-4AB0-ZZ1T')
    const code = receiptCode()
    expect(normaliseReceipt(code.toLowerCase())).toBe(code)
  })

  it('refuse what cannot be a receipt', () => {
    expect(normaliseReceipt('7KQ2-M9XD-4AB0')).toBeNull()
    expect(normaliseReceipt('7KQ2-M9XD-4AB0-ZZ1TX')).toBeNull()
    expect(normaliseReceipt('7KQ2-M9XD-4AB0-ZZ1U')).toBeNull()
    expect(normaliseReceipt('')).toBeNull()
  })
})
