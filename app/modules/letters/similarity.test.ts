import { describe, expect, it } from 'vitest'
import {
  SIGNATURE_LENGTH,
  SimilarityIndex,
  estimateSimilarity,
  exactJaccard,
  isEmptySignature,
  letterSignature,
  normaliseLetterText,
  shingles,
  signatureFromBase64,
  signatureFromBuffer,
  signatureToBase64,
  signatureToBuffer,
} from './similarity'

const campaign = `Dear Councillor Smith,

I am writing to you as a resident of the Riverside ward about the proposed closure of the public
library on Mill Street. The library is used every day by children after school, by older people
who come to read the newspapers and keep warm, and by job seekers who have no computer at home.
Closing it would save a small sum in the council budget but would cost our neighbourhood far more
in lost opportunities and isolation. The building was renovated only six years ago with money
raised by local families, and the reading room is the only quiet public space within walking
distance for many of us. I ask you to vote against the closure at the next council meeting and
to look for savings elsewhere, for example in the consultancy contracts that were extended last
spring without a tender. Please let me know how you intend to vote and what you will do to keep
the library open for the people who depend on it.

Yours sincerely,
Jane Doe, 14 Canal Road`

const renamed = campaign.replace('Councillor Smith', 'Councillor Okafor').replace('Jane Doe, 14 Canal Road', 'Pedro Álvarez, 3 Orchard Lane')

const withSentence = campaign.replace('in lost opportunities and isolation.', 'in lost opportunities and isolation. My own daughter learnt to read in that library during the holidays.')

const unrelated = `Dear Mayor,

The traffic lights at the junction of Station Road and the High Street have been out of order for
three weeks. Every morning cars queue back past the school and parents cross between moving
vehicles with their children. Last Tuesday a cyclist was nearly hit by a delivery van turning left.
I reported the fault through the website twice and received an automatic acknowledgement each
time, but nothing has happened. Could you tell me when the repair is scheduled, and whether a
temporary crossing warden can be placed there until then? I would also like to know whether the
council plans to install a protected cycle lane on Station Road, as promised in the transport plan.

Kind regards,
Tom Brown`

const unrelated2 = `Hello, I would like to complain about the noise from the nightclub on Harbour Street, which plays
music until four in the morning on weekdays despite the licence conditions. Neighbours have
recorded the noise levels and sent them to the licensing team without an answer. Please ask the
licensing committee to review the licence. Thank you, Ana Costa`

describe('normalising and shingling', () => {
  it('lower-cases, strips accents and punctuation, collapses spaces', () => {
    expect(normaliseLetterText('  Héllo,   WORLD!!\n Ça va?  ')).toBe('hello world ca va')
    expect(normaliseLetterText('Pedro Álvarez — n° 3')).toBe('pedro alvarez n 3')
  })

  it('makes 5-word shingles, one shingle for a shorter text, none for an empty one', () => {
    expect([...shingles('one two three four five six')]).toEqual(['one two three four five', 'two three four five six'])
    expect([...shingles('Save our library!')]).toEqual(['save our library'])
    expect(shingles('').size).toBe(0)
    expect(shingles(' ?! … ').size).toBe(0)
  })

  it('computes exact Jaccard', () => {
    expect(exactJaccard(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBeCloseTo(2 / 4)
    expect(exactJaccard(new Set(['a']), new Set(['a']))).toBe(1)
    expect(exactJaccard(new Set(), new Set())).toBe(0)
  })
})

describe('MinHash signatures', () => {
  it('are deterministic and of the documented length', () => {
    const a = letterSignature(campaign)
    const b = letterSignature(campaign)
    expect(a).toHaveLength(SIGNATURE_LENGTH)
    expect(Array.from(a)).toEqual(Array.from(b))
    // Pinned so that a change to the hash family (which would invalidate stored signatures) is noticed.
    expect(Array.from(letterSignature('save our library')).slice(0, 4)).toEqual([308251855, 3147445629, 377213394, 3296106452])
  })

  it('ignore case, accents and punctuation', () => {
    expect(estimateSimilarity(letterSignature(campaign), letterSignature(campaign.toUpperCase().replace(/,/g, '')))).toBe(1)
  })

  it('score identical and lightly edited letters above 0.8 and unrelated ones below 0.2', () => {
    const sig = letterSignature(campaign)
    expect(estimateSimilarity(sig, letterSignature(campaign))).toBe(1)
    for (const edited of [renamed, withSentence]) {
      expect(exactJaccard(shingles(campaign), shingles(edited))).toBeGreaterThan(0.8)
      expect(estimateSimilarity(sig, letterSignature(edited))).toBeGreaterThan(0.8)
    }
    for (const other of [unrelated, unrelated2]) {
      expect(exactJaccard(shingles(campaign), shingles(other))).toBeLessThan(0.2)
      expect(estimateSimilarity(sig, letterSignature(other))).toBeLessThan(0.2)
    }
  })

  it('track the exact Jaccard within the MinHash error', () => {
    // Half of the words replaced: the estimate stays within 3 standard errors (3 × 0.044) of the truth.
    const words = campaign.split(/\s+/)
    const half = words.map((w, i) => (i % 20 < 10 ? w : `x${i}`)).join(' ')
    const exact = exactJaccard(shingles(campaign), shingles(half))
    expect(Math.abs(estimateSimilarity(letterSignature(campaign), letterSignature(half)) - exact)).toBeLessThan(0.13)
  })

  it('make empty texts resemble nothing, and short texts work', () => {
    const empty = letterSignature('   ')
    expect(isEmptySignature(empty)).toBe(true)
    expect(estimateSimilarity(empty, letterSignature(''))).toBe(0)
    expect(estimateSimilarity(empty, letterSignature(campaign))).toBe(0)
    expect(estimateSimilarity(letterSignature('Save our library!'), letterSignature('save our LIBRARY'))).toBe(1)
    expect(estimateSimilarity(letterSignature('Save our library!'), letterSignature('Fix the lights'))).toBeLessThan(0.2)
  })

  it('survive a round-trip through Buffer and base64', () => {
    const sig = letterSignature(campaign)
    const buf = signatureToBuffer(sig)
    expect(buf.length).toBe(1 + SIGNATURE_LENGTH * 4)
    expect(Array.from(signatureFromBuffer(buf))).toEqual(Array.from(sig))
    expect(Array.from(signatureFromBuffer(new Uint8Array(buf)))).toEqual(Array.from(sig))
    const text = signatureToBase64(sig)
    expect(Array.from(signatureFromBase64(text))).toEqual(Array.from(sig))
    expect(() => signatureFromBuffer(buf.subarray(0, 100))).toThrow(RangeError)
    expect(() => signatureFromBase64('AAAA')).toThrow(RangeError)
  })
})

describe('SimilarityIndex', () => {
  function filledIndex(): SimilarityIndex<string> {
    const index = new SimilarityIndex<string>()
    index.add('campaign', letterSignature(campaign))
    index.add('lights', letterSignature(unrelated))
    index.add('noise', letterSignature(unrelated2))
    // Background letters: random word salad, unrelated to everything.
    let seed = 7
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: 80 }, () => `w${Math.floor(rand() * 5000)}`).join(' ')
      index.add(`bg${i}`, letterSignature(text))
    }
    return index
  }

  it('finds identical and lightly edited letters, best first, and not unrelated ones', () => {
    const index = filledIndex()
    expect(index.size).toBe(303)
    expect(index.query(letterSignature(campaign), 0.8)).toEqual([{ id: 'campaign', similarity: 1 }])
    for (const edited of [renamed, withSentence]) {
      const found = index.query(letterSignature(edited), 0.8)
      expect(found.map((f) => f.id)).toEqual(['campaign'])
      expect(found[0]!.similarity).toBeGreaterThan(0.8)
    }
    index.add('renamed', letterSignature(renamed))
    const both = index.query(letterSignature(campaign), 0.5)
    expect(both.map((f) => f.id)).toEqual(['campaign', 'renamed'])
    expect(both[0]!.similarity).toBeGreaterThanOrEqual(both[1]!.similarity)
    expect(index.query(letterSignature('The bins on Elm Street were not collected this week, please send a lorry.'), 0.2)).toEqual([])
  })

  it('ignores empty texts, replaces an id added twice, and forgets removed ids', () => {
    const index = new SimilarityIndex<number>()
    index.add(1, letterSignature(''))
    expect(index.size).toBe(0)
    expect(index.query(letterSignature(''), 0)).toEqual([])
    index.add(2, letterSignature(campaign))
    index.add(2, letterSignature(unrelated))
    expect(index.size).toBe(1)
    expect(index.query(letterSignature(campaign), 0.5)).toEqual([])
    expect(index.query(letterSignature(unrelated), 0.5)).toEqual([{ id: 2, similarity: 1 }])
    expect(index.remove(2)).toBe(true)
    expect(index.remove(2)).toBe(false)
    expect(index.size).toBe(0)
    expect(index.query(letterSignature(unrelated), 0.5)).toEqual([])
  })

  it('works after a signature has been stored and read back', () => {
    const index = new SimilarityIndex()
    index.add('stored', signatureFromBase64(signatureToBase64(letterSignature(campaign))))
    expect(index.query(letterSignature(renamed), 0.8).map((f) => f.id)).toEqual(['stored'])
  })
})
