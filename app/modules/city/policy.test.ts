import { describe, expect, it } from 'vitest'
import { contrastRatio, DEFAULT_PRIMARY, normaliseLanguages, primaryColourProblem, shade } from './policy'
import { settingsFormSchema, settingsFromForm, settingsToForm } from './settings-definitions'

describe('primary colour contrast (WCAG AA, 4.5:1 against white)', () => {
  it('computes the WCAG ratio: black on white is 21, white on white 1', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1)
    // WebAIM's published figure for #767676 on white: 4.54:1.
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2)
  })

  it('accepts Plaza’s own colour and dark ones; refuses light ones with their ratio, and bad formats', () => {
    expect(primaryColourProblem(DEFAULT_PRIMARY)).toBeNull()
    expect(primaryColourProblem('#767676')).toBeNull()
    expect(primaryColourProblem('#777777')).toEqual({ kind: 'contrast', ratio: 4.47 })
    expect(primaryColourProblem('#ffcc00')).toMatchObject({ kind: 'contrast' })
    expect(primaryColourProblem('red')).toEqual({ kind: 'format' })
    expect(primaryColourProblem('#12345')).toEqual({ kind: 'format' })
  })

  it('darkens for hover', () => {
    expect(shade('#ffffff', 0.5)).toBe('#808080')
    expect(contrastRatio(shade(DEFAULT_PRIMARY), '#ffffff')).toBeGreaterThan(contrastRatio(DEFAULT_PRIMARY, '#ffffff'))
  })
})

describe('languages', () => {
  it('keeps Plaza’s order and needs the default among the enabled ones', () => {
    expect(normaliseLanguages(['fr', 'en'], 'fr')).toEqual({ languages: ['en', 'fr'], defaultLocale: 'fr' })
    expect(normaliseLanguages(['fr'], 'es')).toBeNull()
    expect(normaliseLanguages([], 'en')).toBeNull()
    expect(normaliseLanguages(['de', 'en'], 'en')).toEqual({ languages: ['en'], defaultLocale: 'en' })
  })
})

describe('the settings form', () => {
  const valid = {
    PROPOSAL_THRESHOLD: '1%',
    PROPOSAL_MONTHS: '12',
    PETITION_SPONSORS: '5',
    PETITION_RESPONSE_THRESHOLD: '1000',
    PETITION_DEBATE_THRESHOLD: '10000',
    PETITION_MONTHS: '6',
    PETITION_COUNT_LOGGED_IN: 'true',
    PETITION_IP_BURST: '10',
    PETITION_IP_HOURLY: '100',
    VERIFICATION_LEVELS_comment: '1',
    VERIFICATION_LEVELS_propose: '1',
    VERIFICATION_LEVELS_report: '0',
    VERIFICATION_LEVELS_support: '2',
    VERIFICATION_LEVELS_sign: '2',
    VERIFICATION_LEVELS_vote: '2',
    LETTER_RETENTION_DAYS: '28',
    LETTER_SIMILARITY: '0,8',
    LETTER_CAMPAIGN_SENDERS: '3',
    MODERATION_AUTO_HIDE: '3',
    PREMODERATION: 'false',
    COMMENT_EDIT_MINUTES: '15',
    OPEN_DATA_LICENCE: 'CC-BY-4.0',
  }

  it('parses today’s defaults and writes them back the same (a decimal comma accepted)', () => {
    const parsed = settingsFormSchema.parse(valid)
    const settings = settingsFromForm(parsed)
    expect(settings.PROPOSAL_THRESHOLD).toEqual({ kind: 'percent', percent: 1 })
    expect(settings.VERIFICATION_LEVELS).toEqual({ comment: 1, propose: 1, report: 0, support: 2, sign: 2, vote: 2 })
    expect(settings.LETTER_SIMILARITY).toBe(0.8)
    expect(settingsToForm(settings)).toEqual({ ...valid, LETTER_SIMILARITY: '0.8' })
  })

  it.each([
    [{ PETITION_RESPONSE_THRESHOLD: '20000' }, 'PETITION_RESPONSE_THRESHOLD', 'city:errors.responseAboveDebate'],
    [{ PETITION_IP_BURST: '1000' }, 'PETITION_IP_BURST', 'city:errors.burstAboveHourly'],
    [{ PROPOSAL_MONTHS: '121' }, 'PROPOSAL_MONTHS', 'city:errors.between|1|120'],
    [{ PETITION_SPONSORS: '-1' }, 'PETITION_SPONSORS', 'city:errors.wholeNumber'],
    [{ PROPOSAL_THRESHOLD: '0%' }, 'PROPOSAL_THRESHOLD', 'city:errors.threshold'],
    [{ LETTER_SIMILARITY: '0.2' }, 'LETTER_SIMILARITY', 'city:errors.between|0.5|1'],
    [{ VERIFICATION_LEVELS_vote: '4' }, 'VERIFICATION_LEVELS_vote', 'city:errors.level'],
    [{ OPEN_DATA_LICENCE: 'MIT' }, 'OPEN_DATA_LICENCE', 'city:errors.licence'],
  ])('refuses %o on its field', (change, field, message) => {
    const result = settingsFormSchema.safeParse({ ...valid, ...change })
    expect(result.success).toBe(false)
    expect(result.error!.issues.find((i) => i.path[0] === field)?.message).toBe(message)
  })
})
