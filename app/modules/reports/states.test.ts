import { describe, expect, it } from 'vitest'
import { canTransition, defaultStates, isPublic, open311Status } from './states'

describe('report states', () => {
  it('has FixMyStreet’s set, each with a kind', () => {
    expect(defaultStates.map((s) => s.code)).toEqual(
      expect.arrayContaining([
        'unconfirmed',
        'confirmed',
        'investigating',
        'action_scheduled',
        'in_progress',
        'fixed',
        'closed',
        'duplicate',
        'not_responsible',
        'unable_to_fix',
        'internal_referral',
        'hidden',
      ]),
    )
  })

  it.each([
    ['system', 'unconfirmed', 'open', true],
    ['system', 'open', 'closed', false],
    ['reporter', 'open', 'fixed', true],
    ['reporter', 'fixed', 'open', true],
    ['reporter', 'closed', 'open', true],
    ['reporter', 'open', 'closed', false],
    ['reporter', 'open', 'hidden', false],
    ['staff', 'open', 'fixed', true],
    ['staff', 'fixed', 'closed', true],
    ['staff', 'open', 'hidden', true],
    ['staff', 'unconfirmed', 'open', false],
    ['staff', 'open', 'unconfirmed', false],
  ] as const)('%s: %s → %s is %s', (actor, from, to, allowed) => {
    expect(canTransition(from, to, actor)).toBe(allowed)
  })

  it('publishes only confirmed, visible reports and maps kinds to Open311 statuses', () => {
    expect(isPublic('unconfirmed')).toBe(false)
    expect(isPublic('hidden')).toBe(false)
    expect(isPublic('open')).toBe(true)
    expect(open311Status('open')).toBe('open')
    expect(open311Status('fixed')).toBe('closed')
  })
})
