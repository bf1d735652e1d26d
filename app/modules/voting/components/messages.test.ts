import { describe, expect, it } from 'vitest'
import type { MethodSpec } from '../methods'
import { refusalField } from './messages'
import { ballotFieldId } from './ballot-form'

/** Which part of a ballot each refusal is printed beside (issue 18: not only at the top of the form). */
describe('refusalField', () => {
  const budget = {
    method: 'budget',
    pots: [
      { id: 'city', areaId: null, budget: 1000, ballotLimit: 500 },
      { id: 'north', areaId: 7, budget: 300, ballotLimit: 300 },
    ],
    projects: [
      { id: 'bus', pot: 'city', cost: 400 },
      { id: 'trees', pot: 'north', cost: 200 },
    ],
    maxDistricts: 1,
  } as unknown as MethodSpec
  const quadratic = { method: 'quadratic', options: ['a', 'b'], credits: 9 } as unknown as MethodSpec

  it('puts a budget refusal in the pot it concerns', () => {
    expect(refusalField(budget, { code: 'overBudget', pot: 'city', total: 800, limit: 500 })).toBe('pot:city')
    expect(refusalField(budget, { code: 'districtNotAllowed', pot: 'north' })).toBe('pot:north')
    // A project chosen twice: the pot of that project.
    expect(refusalField(budget, { code: 'duplicateChoice', option: 'trees' })).toBe('pot:north')
    expect(refusalField(budget, { code: 'tooManyDistricts', max: 1, given: 2 })).toBe('districts')
  })

  it('puts an option refusal beside its field, and the rest on the whole ballot', () => {
    expect(refusalField(quadratic, { code: 'invalidVotes', option: 'b' })).toBe('option:b')
    expect(refusalField(quadratic, { code: 'overCredits', credits: 9, used: 10 })).toBe('credits')
    expect(refusalField(quadratic, { code: 'duplicateRank', option: 'a' })).toBe('option:a')
    // Nothing to point at: an unknown option, a ballot that cannot be read, a voter who may not vote.
    expect(refusalField(budget, { code: 'unknownOption', option: 'nope' })).toBeNull()
    expect(refusalField(budget, { code: 'duplicateChoice', option: 'nope' })).toBeNull()
    expect(refusalField(quadratic, { code: 'malformed' })).toBeNull()
    expect(refusalField(quadratic, { code: 'weightZero' })).toBeNull()
  })

  it('gives every part an element id a link can point at', () => {
    expect(ballotFieldId('pot:city')).toBe('ballot-pot-city')
    expect(ballotFieldId('option:a b"<')).toBe('ballot-option-a-b--')
  })
})
