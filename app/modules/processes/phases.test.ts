import { describe, expect, it } from 'vitest'
import { currentPhase, nextPhaseWith, noComponents, parseComponents, phaseTime, ruleOpen } from './phases'

const phase = (id: number, start: string, end: string, on: Array<keyof ReturnType<typeof noComponents>> = []) => ({
  id,
  startsAt: `2030-01-${start}T00:00:00.000Z`,
  endsAt: `2030-01-${end}T00:00:00.000Z`,
  components: { ...noComponents(), ...Object.fromEntries(on.map((r) => [r, true])) },
})
const phases = [phase(1, '01', '03', ['submit']), phase(2, '03', '05', ['supports']), phase(3, '07', '09', ['vote'])]
const at = (day: string, time = '12:00') => new Date(`2030-01-${day}T${time}:00.000Z`)

describe('the current phase, from the dates and a clock', () => {
  it('is the phase whose [start, end) holds the instant; none before, between or after', () => {
    expect(currentPhase(phases, at('01'))?.id).toBe(1)
    expect(currentPhase(phases, new Date('2030-01-03T00:00:00.000Z'))?.id).toBe(2)
    expect(currentPhase(phases, new Date('2029-12-31T23:59:59.000Z'))).toBeNull()
    expect(currentPhase(phases, at('06'))).toBeNull()
    expect(currentPhase(phases, at('10'))).toBeNull()
  })
  it('where phases overlap, the one that started last wins', () => {
    expect(currentPhase([phase(1, '01', '10'), phase(2, '04', '06')], at('05'))?.id).toBe(2)
  })
  it('rules are on only in the phase that turns them on', () => {
    expect(ruleOpen(phases, 'submit', at('02'))).toBe(true)
    expect(ruleOpen(phases, 'submit', at('04'))).toBe(false)
    expect(ruleOpen(phases, 'supports', at('04'))).toBe(true)
    expect(ruleOpen(phases, 'vote', at('06'))).toBe(false)
    expect(nextPhaseWith(phases, 'vote', at('04'))?.id).toBe(3)
    expect(nextPhaseWith(phases, 'submit', at('04'))).toBeNull()
  })
  it('timeline times: past, current, upcoming', () => {
    const current = currentPhase(phases, at('04'))
    expect(phases.map((p) => phaseTime(p, current, at('04')))).toEqual(['past', 'current', 'upcoming'])
  })
  it('a stored components column: unknown keys dropped, anything but true is off, broken JSON turns all off', () => {
    expect(parseComponents('{"submit":true,"vote":"yes","x":true}')).toEqual({ ...noComponents(), submit: true })
    expect(parseComponents('{broken')).toEqual(noComponents())
  })
})
