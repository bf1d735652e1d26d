import { z } from 'zod'
import { LEVEL } from '../accounts/policy'
import { formatWeight, type MilliWeight } from './arithmetic'

/**
 * Weight policies: the published rule that gives a ballot its weight from the voter's verification
 * level and residence at the moment the ballot is cast. A policy is data — rules tried in order,
 * the first that fits the voter gives the weight, `default` when none fits — so the same object is
 * stored with the process, applied by weightOf and shown to voters by describePolicy.
 *
 *   { rules: [{ minLevel: 2, residence: 'inside', weight: 1000 },
 *             { minLevel: 1, residence: 'inside', weight: 500 },
 *             { residence: 'outside', weight: 250 }], default: 0 }
 *
 * Weights are milli-weights (arithmetic.ts): 1000 is a full vote, 0 means "may not vote".
 */

export const residences = ['inside', 'outside', 'any'] as const
/** Where the voter lives relative to the process's eligible area. */
export type Residence = (typeof residences)[number]

export interface WeightRule {
  /** The voter's verification level is at least this (accounts LEVEL: 0…3). Absent: 0, anyone. */
  minLevel?: number
  /** Absent: 'any'. */
  residence?: Residence
  weight: MilliWeight
}

export interface WeightPolicy {
  rules: WeightRule[]
  /** The weight when no rule fits; 0 (may not vote) unless said otherwise. */
  default?: MilliWeight
}

export interface Voter {
  level: number
  /** Lives inside the process's eligible area. */
  residesInside: boolean
}

/** A hundredfold vote is already more than any policy we know of asks for; beyond is a typo. */
export const MAX_WEIGHT = 100_000
export const MAX_RULES = 20
const MAX_LEVEL = Math.max(...Object.values(LEVEL))

const milliWeight = z.int('voting:policy.errors.weight').min(0, 'voting:policy.errors.weight').max(MAX_WEIGHT, 'voting:policy.errors.weight')

/** A policy as an administrator submits it (weights already in milli-weights: parseWeight). */
export const weightPolicySchema = z
  .object({
    rules: z
      .array(
        z
          .object({
            minLevel: z.int('voting:policy.errors.level').min(0, 'voting:policy.errors.level').max(MAX_LEVEL, 'voting:policy.errors.level').default(0),
            residence: z.enum(residences, 'voting:policy.errors.residence').default('any'),
            weight: milliWeight,
          })
          .strict(),
      )
      .max(MAX_RULES, 'voting:policy.errors.tooManyRules'),
    default: milliWeight.default(0),
  })
  .strict()
  .refine((policy) => policy.default > 0 || policy.rules.some((rule) => rule.weight > 0), 'voting:policy.errors.nobody')

const fits = (rule: WeightRule, voter: Voter) => {
  if (voter.level < (rule.minLevel ?? 0)) return false
  const residence = rule.residence ?? 'any'
  return residence === 'any' || (residence === 'inside') === voter.residesInside
}

/** The weight of this voter's ballot: the first rule that fits, else the default. */
export function weightOf(policy: WeightPolicy, voter: Voter): MilliWeight {
  for (const rule of policy.rules) if (fits(rule, voter)) return rule.weight
  return policy.default ?? 0
}

/** True when an earlier rule fits every voter this one fits, so this one never applies. */
function shadowed(rules: readonly WeightRule[], at: number) {
  const rule = rules[at]!
  const earlier = rules.slice(0, at).filter((e) => (e.minLevel ?? 0) <= (rule.minLevel ?? 0))
  const covered = (where: 'inside' | 'outside') => earlier.some((e) => (e.residence ?? 'any') === 'any' || e.residence === where)
  const residence = rule.residence ?? 'any'
  return residence === 'any' ? covered('inside') && covered('outside') : covered(residence)
}

/** Indexes of rules no voter can reach (shown to the administrator as a warning). */
export const unreachableRules = (policy: WeightPolicy) => policy.rules.flatMap((_, i) => (shadowed(policy.rules, i) ? [i] : []))

export type Translate = (key: string, values?: Record<string, string | number>) => string

// Literal keys, so the catalogs' test sees every one of them.
const WHO = {
  any: { any: 'voting:policy.who.anyone', level: 'voting:policy.who.anyoneLevel' },
  inside: { any: 'voting:policy.who.inside', level: 'voting:policy.who.insideLevel' },
  outside: { any: 'voting:policy.who.outside', level: 'voting:policy.who.outsideLevel' },
} as const satisfies Record<Residence, { any: string; level: string }>
const LEVEL_NAME: Record<number, string> = {
  [LEVEL.emailConfirmed]: 'voting:policy.level.1',
  [LEVEL.residenceVerified]: 'voting:policy.level.2',
  [LEVEL.verifiedInPerson]: 'voting:policy.level.3',
}

export interface DescribeOptions {
  /** The eligible area's name; "the voting area" when absent. */
  areaName?: string
  /** For the numbers (0.5 or 0,5). */
  locale?: string
}

/**
 * The policy in plain words, one sentence a line, through the i18n function: rules that can never
 * apply are left out (they change nothing), and so is "everyone else" when a rule fits everyone.
 */
export function describePolicy(policy: WeightPolicy, t: Translate, options: DescribeOptions = {}): string[] {
  const area = options.areaName ?? t('voting:policy.theArea')
  const weight = (milli: MilliWeight) => formatWeight(milli, options.locale)
  const fallback = policy.default ?? 0
  if (policy.rules.length === 0) return [fallback > 0 ? t('voting:policy.everyone', { weight: weight(fallback) }) : t('voting:policy.nobody')]

  const lines = [t('voting:policy.intro')]
  policy.rules.forEach((rule, i) => {
    if (shadowed(policy.rules, i)) return
    const level = rule.minLevel ?? 0
    const keys = WHO[rule.residence ?? 'any']
    const who = level > 0 ? t(keys.level, { area, level, levelName: t(LEVEL_NAME[level] ?? 'voting:policy.level.3') }) : t(keys.any, { area })
    lines.push(rule.weight > 0 ? t('voting:policy.rule', { who, weight: weight(rule.weight) }) : t('voting:policy.excluded', { who }))
  })
  const noLevel = new Set(policy.rules.filter((rule) => (rule.minLevel ?? 0) === 0).map((rule) => rule.residence ?? 'any'))
  const everyoneFits = noLevel.has('any') || (noLevel.has('inside') && noLevel.has('outside'))
  if (!everyoneFits) lines.push(fallback > 0 ? t('voting:policy.otherwise', { weight: weight(fallback) }) : t('voting:policy.otherwiseExcluded'))
  return lines
}
