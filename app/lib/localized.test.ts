import { describe, expect, it } from 'vitest'
import { localize, parseLocalized } from './localized'

describe('localize', () => {
  it('reads a stored name in the language asked for, else the default, else any', () => {
    const stored = '{"en":"Roads","es":"Vías"}'
    expect(localize(stored, 'es', 'en')).toBe('Vías')
    // The same text again (answered from the parsed names kept): the same answers.
    expect(localize(stored, 'es', 'en')).toBe('Vías')
    expect(localize(stored, 'fr', 'en')).toBe('Roads')
    expect(localize(stored, 'fr', 'es')).toBe('Vías')
    expect(localize('Plain name', 'fr')).toBe('Plain name')
    expect(localize(null, 'en')).toBe('')
    expect(localize({ fr: 'Voirie' }, 'en')).toBe('Voirie')
  })

  it('is not changed by a caller changing what parseLocalized gave it', () => {
    const stored = '{"en":"Parks"}'
    expect(localize(stored, 'en')).toBe('Parks')
    const parsed = parseLocalized(stored)
    parsed.en = 'Changed'
    expect(localize(stored, 'en')).toBe('Parks')
  })
})
