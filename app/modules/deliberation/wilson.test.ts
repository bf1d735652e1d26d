import { describe, expect, it } from 'vitest'
import { wilsonLowerBound } from './wilson'

describe('wilsonLowerBound', () => {
  it('is 0 without votes and below the raw share with few votes', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0)
    expect(wilsonLowerBound(1, 0)).toBeCloseTo(0.2065, 3)
    expect(wilsonLowerBound(9, 1)).toBeCloseTo(0.5958, 3)
  })

  it('ranks 90 of 100 above 1 of 1 and 9 of 10', () => {
    const many = wilsonLowerBound(90, 10)
    expect(many).toBeGreaterThan(wilsonLowerBound(9, 1))
    expect(many).toBeGreaterThan(wilsonLowerBound(1, 0))
    expect(many).toBeCloseTo(0.8256, 3)
  })
})
