import { describe, expect, it } from 'vitest'
import { MIN_ANSWERS_FOR_RATE, countsAsResponse, responseRate, responseRateFromCounts, wilsonInterval } from './stats'

describe('wilsonInterval', () => {
  it('8 of 10 → [0.490, 0.943]', () => {
    // By hand, z = 1.96, z² = 3.8415, n = 10, p = 0.8:
    //   denominator = 1 + 3.8415/10                          = 1.38415
    //   centre      = (0.8 + 3.8415/20) / 1.38415 = 0.99207/1.38415 = 0.71674
    //   margin      = 1.96 · √(0.16/10 + 3.8415/400) / 1.38415
    //               = 1.96 · √(0.016 + 0.0096037) / 1.38415 = 1.96 · 0.16001 / 1.38415 = 0.22658
    //   interval    = [0.71674 − 0.22658, 0.71674 + 0.22658] = [0.49016, 0.94332]
    const { low, high } = wilsonInterval(8, 10)
    expect(low).toBeCloseTo(0.4902, 3)
    expect(high).toBeCloseTo(0.9433, 3)
  })

  it('0 of 5 → [0, 0.435] and 5 of 5 → [0.565, 1]', () => {
    // n = 5, p = 0: denominator = 1 + 3.8415/5 = 1.7683; centre = (3.8415/10)/1.7683 = 0.21724;
    //   margin = 1.96 · √(3.8415/100)/1.7683 = 1.96 · 0.19600/1.7683 = 0.21724 → [0, 0.43448].
    // p = 1 is the mirror image: [1 − 0.43448, 1] = [0.56552, 1].
    const none = wilsonInterval(0, 5)
    expect(none.low).toBe(0)
    expect(none.high).toBeCloseTo(0.4345, 3)
    const all = wilsonInterval(5, 5)
    expect(all.low).toBeCloseTo(0.5655, 3)
    expect(all.high).toBe(1)
  })

  it('45 of 100 → [0.356, 0.548]', () => {
    // denominator = 1.038415; centre = (0.45 + 0.0192073)/1.038415 = 0.45185;
    //   margin = 1.96 · √(0.2475/100 + 3.8415/40000)/1.038415 = 1.96 · √0.0025710/1.038415
    //          = 1.96 · 0.050705/1.038415 = 0.095705 → [0.35614, 0.54755]
    const { low, high } = wilsonInterval(45, 100)
    expect(low).toBeCloseTo(0.3561, 3)
    expect(high).toBeCloseTo(0.5476, 3)
  })

  it('is [0, 1] without answers and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 })
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError)
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError)
    expect(() => wilsonInterval(1.5, 2)).toThrow(RangeError)
  })
})

describe('responseRate', () => {
  it('counts yes and unsatisfactory as responses, no and not yet as none', () => {
    expect(countsAsResponse('yes')).toBe(true)
    expect(countsAsResponse('unsatisfactory')).toBe(true)
    expect(countsAsResponse('no')).toBe(false)
    expect(countsAsResponse('not_yet')).toBe(false)
  })

  it('8 responses of 10 answers → 0.8 with its interval', () => {
    const r = responseRate(['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'unsatisfactory', 'unsatisfactory', 'no', 'not_yet'])
    expect(r.answers).toBe(10)
    expect(r.responded).toBe(8)
    expect(r.byAnswer).toEqual({ yes: 6, no: 1, not_yet: 1, unsatisfactory: 2 })
    expect(r.rate).toBe(0.8)
    expect(r.interval!.low).toBeCloseTo(0.4902, 3)
    expect(r.interval!.high).toBeCloseTo(0.9433, 3)
    expect(r.unsatisfactoryShare).toBe(0.25)
    expect(r.tooFewAnswers).toBe(false)
  })

  it('says too few answers below the minimum', () => {
    expect(MIN_ANSWERS_FOR_RATE).toBe(5)
    const four = responseRate(['yes', 'yes', 'no', 'yes'])
    expect(four.tooFewAnswers).toBe(true)
    expect(four.rate).toBe(0.75)
    expect(responseRate(['yes', 'yes', 'no', 'yes', 'no']).tooFewAnswers).toBe(false)
    expect(responseRate(['yes'], 1).tooFewAnswers).toBe(false)
  })

  it('has no rate without answers', () => {
    const r = responseRate([])
    expect(r).toMatchObject({ answers: 0, responded: 0, rate: null, interval: null, unsatisfactoryShare: null, tooFewAnswers: true })
  })

  it('gives the same from counts as from answers', () => {
    expect(responseRateFromCounts({ yes: 6, unsatisfactory: 2, no: 1, not_yet: 1 })).toEqual(
      responseRate(['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'unsatisfactory', 'unsatisfactory', 'no', 'not_yet']),
    )
    expect(responseRateFromCounts({ no: 3 }).rate).toBe(0)
  })
})
