import { describe, expect, it } from 'vitest'
import en from '../../locales/en/voting.json'
import es from '../../locales/es/voting.json'
import fr from '../../locales/fr/voting.json'
import { formatWeight, parseWeight } from './arithmetic'
import { refusalCodes } from './methods'
import { describePolicy, unreachableRules, weightOf, weightPolicySchema, type Translate, type WeightPolicy } from './weights'

/** A t() over one catalog, with i18next's {{value}} interpolation. */
const translator =
  (catalog: object): Translate =>
  (key, values = {}) => {
    const text = key
      .replace(/^voting:/, '')
      .split('.')
      .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], catalog)
    if (typeof text !== 'string') throw new Error(`no key ${key}`)
    return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]))
  }

// The brief's example: level 2+ residents 1, level 1 residents 0.5, non-residents 0.25.
const brief: WeightPolicy = {
  rules: [
    { minLevel: 2, residence: 'inside', weight: 1000 },
    { minLevel: 1, residence: 'inside', weight: 500 },
    { residence: 'outside', weight: 250 },
  ],
  default: 0,
}

describe('weightOf', () => {
  it('takes the first rule that fits', () => {
    expect(weightOf(brief, { level: 3, residesInside: true })).toBe(1000)
    expect(weightOf(brief, { level: 2, residesInside: true })).toBe(1000)
    expect(weightOf(brief, { level: 1, residesInside: true })).toBe(500)
  })

  it('weighs people living outside by the outside rule, whatever their level', () => {
    expect(weightOf(brief, { level: 0, residesInside: false })).toBe(250)
    expect(weightOf(brief, { level: 3, residesInside: false })).toBe(250)
  })

  it('gives 0 (may not vote) when the level is too low for every rule', () => {
    expect(weightOf(brief, { level: 0, residesInside: true })).toBe(0)
    const strict: WeightPolicy = { rules: [{ minLevel: 2, residence: 'any', weight: 1000 }] }
    expect(weightOf(strict, { level: 1, residesInside: true })).toBe(0)
    expect(weightOf({ rules: [], default: 1000 }, { level: 0, residesInside: false })).toBe(1000)
  })
})

describe('weightPolicySchema', () => {
  it('accepts the brief’s policy and fills in the defaults', () => {
    expect(weightPolicySchema.parse(brief).rules[2]).toEqual({ minLevel: 0, residence: 'outside', weight: 250 })
    expect(weightPolicySchema.parse({ rules: [{ weight: 1000 }] })).toEqual({ rules: [{ minLevel: 0, residence: 'any', weight: 1000 }], default: 0 })
  })

  it('refuses what an administrator could get wrong, with catalog keys', () => {
    const errors = (input: unknown) => weightPolicySchema.safeParse(input).error?.issues.map((i) => i.message)
    expect(errors({ rules: [{ minLevel: 4, weight: 1000 }] })).toEqual(['voting:policy.errors.level'])
    expect(errors({ rules: [{ weight: 0.5 }] })).toEqual(['voting:policy.errors.weight'])
    expect(errors({ rules: [{ residence: 'nearby', weight: 1000 }] })).toEqual(['voting:policy.errors.residence'])
    expect(errors({ rules: [{ weight: 0 }], default: 0 })).toEqual(['voting:policy.errors.nobody'])
    expect(errors({ rules: Array.from({ length: 21 }, () => ({ weight: 1000 })) })).toEqual(['voting:policy.errors.tooManyRules'])
  })

  it('finds rules no voter can reach', () => {
    expect(unreachableRules(brief)).toEqual([])
    expect(unreachableRules({ rules: [{ weight: 1000 }, { minLevel: 2, weight: 500 }] })).toEqual([1])
    expect(
      unreachableRules({
        rules: [
          { residence: 'inside', weight: 1000 },
          { residence: 'outside', weight: 500 },
          { minLevel: 3, weight: 2000 },
        ],
      }),
    ).toEqual([2])
    expect(
      unreachableRules({
        rules: [
          { minLevel: 2, weight: 1000 },
          { minLevel: 1, residence: 'inside', weight: 500 },
        ],
      }),
    ).toEqual([])
  })

  it('reads weights as people write them', () => {
    expect([parseWeight('1'), parseWeight('0.25'), parseWeight('0,5'), parseWeight(0.125), parseWeight(' 2 ')]).toEqual([1000, 250, 500, 125, 2000])
    expect([parseWeight('0.0001'), parseWeight('-1'), parseWeight('1e3'), parseWeight(''), parseWeight(Number.NaN)]).toEqual([null, null, null, null, null])
    expect([formatWeight(250), formatWeight(1000), formatWeight(500, 'es'), formatWeight(1125, 'fr')]).toEqual(['0.25', '1', '0,5', '1,125'])
  })
})

describe('describePolicy', () => {
  it('says the brief’s policy in plain words', () => {
    expect(describePolicy(brief, translator(en), { areaName: 'Villa Verde' })).toEqual([
      'Each ballot has a weight, fixed when it is cast: a ballot of weight 1 is one full vote, a ballot of weight 0.5 half a vote. The first line that fits the voter applies.',
      'People who live inside Villa Verde with verification level 2 (residence verified) or higher: each ballot has weight 1.',
      'People who live inside Villa Verde with verification level 1 (e-mail confirmed) or higher: each ballot has weight 0.5.',
      'People who live outside Villa Verde: each ballot has weight 0.25.',
      'Everyone else may not vote.',
    ])
  })

  it('speaks Spanish and French, with their decimal commas', () => {
    const inSpanish = describePolicy(brief, translator(es), { locale: 'es' })
    expect(inSpanish[2]).toBe('Quienes viven dentro de la zona de la votación con nivel de verificación 1 (correo confirmado) o superior: cada papeleta tiene peso 0,5.')
    const inFrench = describePolicy(brief, translator(fr), { areaName: 'Villa Verde', locale: 'fr' })
    expect(inFrench[3]).toBe('Les personnes qui habitent hors de Villa Verde : chaque bulletin a un poids de 0,25.')
  })

  it('leaves out what never applies and covers the simple cases', () => {
    const t = translator(en)
    expect(describePolicy({ rules: [], default: 1000 }, t)).toEqual(['Every ballot has the same weight: 1.'])
    expect(describePolicy({ rules: [] }, t)).toEqual(['Nobody may vote in this process.'])
    expect(
      describePolicy(
        {
          rules: [
            { residence: 'inside', weight: 1000 },
            { residence: 'outside', minLevel: 3, weight: 0 },
            { residence: 'outside', weight: 500 },
            { minLevel: 2, weight: 2000 },
          ],
          default: 100,
        },
        t,
      ).slice(1),
    ).toEqual([
      'People who live inside the voting area: each ballot has weight 1.',
      'People who live outside the voting area with verification level 3 (verified in person) or higher: may not vote.',
      'People who live outside the voting area: each ballot has weight 0.5.',
    ])
  })
})

describe('the voting catalogs', () => {
  it('have a message for every refusal code, in every language', () => {
    for (const catalog of [en, es, fr]) for (const code of refusalCodes) expect(catalog.refusal[code], code).toMatch(/\S/)
  })
})
