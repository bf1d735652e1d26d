import { z } from 'zod'

/**
 * The settings a council decides (issue 16 part 5), shared by server and browser: each one's kind,
 * bounds and group. Their plain-words explanations are `city:settings.<KEY>.label/.help` in every
 * language. The operator's settings (ports, paths, SMTP, secrets) stay environment variables.
 */

export const civicActions = ['comment', 'propose', 'report', 'support', 'sign', 'vote'] as const
export type CivicActionName = (typeof civicActions)[number]

export const licences = ['CC-BY-4.0', 'CC0-1.0', 'ODbL-1.0', 'OGL-UK-3.0'] as const
export type LicenceId = (typeof licences)[number]

export type ProposalThreshold = { kind: 'percent'; percent: number } | { kind: 'supports'; supports: number }

export interface CitySettings {
  PROPOSAL_THRESHOLD: ProposalThreshold
  PROPOSAL_MONTHS: number
  PETITION_SPONSORS: number
  PETITION_RESPONSE_THRESHOLD: number
  PETITION_DEBATE_THRESHOLD: number
  PETITION_MONTHS: number
  PETITION_COUNT_LOGGED_IN: boolean
  PETITION_IP_BURST: number
  PETITION_IP_HOURLY: number
  /** The level each civic action needs (every action present). */
  VERIFICATION_LEVELS: Record<CivicActionName, number>
  LETTER_RETENTION_DAYS: number
  LETTER_SIMILARITY: number
  LETTER_CAMPAIGN_SENDERS: number
  MODERATION_AUTO_HIDE: number
  PREMODERATION: boolean
  COMMENT_EDIT_MINUTES: number
  OPEN_DATA_LICENCE: LicenceId
}
export type CitySettingKey = keyof CitySettings

type Spec = { kind: 'int'; min: number; max: number } | { kind: 'decimal'; min: number; max: number } | { kind: 'bool' } | { kind: 'threshold' } | { kind: 'levels' } | { kind: 'licence' }

export const settingGroups = ['proposals', 'petitions', 'verification', 'letters', 'moderation', 'opendata'] as const
export type SettingGroup = (typeof settingGroups)[number]

/** In the order the admin page shows them. Bounds are those the environment variables always had. */
export const settingDefinitions: Array<{ key: CitySettingKey; group: SettingGroup; spec: Spec }> = [
  { key: 'PROPOSAL_THRESHOLD', group: 'proposals', spec: { kind: 'threshold' } },
  { key: 'PROPOSAL_MONTHS', group: 'proposals', spec: { kind: 'int', min: 1, max: 120 } },
  { key: 'PETITION_SPONSORS', group: 'petitions', spec: { kind: 'int', min: 0, max: 100 } },
  { key: 'PETITION_RESPONSE_THRESHOLD', group: 'petitions', spec: { kind: 'int', min: 1, max: 100_000_000 } },
  { key: 'PETITION_DEBATE_THRESHOLD', group: 'petitions', spec: { kind: 'int', min: 1, max: 100_000_000 } },
  { key: 'PETITION_MONTHS', group: 'petitions', spec: { kind: 'int', min: 1, max: 36 } },
  { key: 'PETITION_COUNT_LOGGED_IN', group: 'petitions', spec: { kind: 'bool' } },
  { key: 'PETITION_IP_BURST', group: 'petitions', spec: { kind: 'int', min: 1, max: 100_000 } },
  { key: 'PETITION_IP_HOURLY', group: 'petitions', spec: { kind: 'int', min: 1, max: 1_000_000 } },
  { key: 'VERIFICATION_LEVELS', group: 'verification', spec: { kind: 'levels' } },
  { key: 'LETTER_RETENTION_DAYS', group: 'letters', spec: { kind: 'int', min: 1, max: 3650 } },
  { key: 'LETTER_SIMILARITY', group: 'letters', spec: { kind: 'decimal', min: 0.5, max: 1 } },
  { key: 'LETTER_CAMPAIGN_SENDERS', group: 'letters', spec: { kind: 'int', min: 1, max: 10_000 } },
  { key: 'MODERATION_AUTO_HIDE', group: 'moderation', spec: { kind: 'int', min: 0, max: 1000 } },
  { key: 'PREMODERATION', group: 'moderation', spec: { kind: 'bool' } },
  { key: 'COMMENT_EDIT_MINUTES', group: 'moderation', spec: { kind: 'int', min: 0, max: 10080 } },
  { key: 'OPEN_DATA_LICENCE', group: 'opendata', spec: { kind: 'licence' } },
]

/** How a value appears in its form field (the threshold as "1%" or "5000"). */
export function formatSetting(key: CitySettingKey, value: CitySettings[CitySettingKey]): string {
  if (key === 'PROPOSAL_THRESHOLD') {
    const v = value as ProposalThreshold
    return v.kind === 'percent' ? `${v.percent}%` : String(v.supports)
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

/** Form field names: one per setting, and one per action for the verification levels. */
export const levelField = (action: CivicActionName) => `VERIFICATION_LEVELS_${action}`

const intField = (min: number, max: number) =>
  z
    .string('city:errors.number')
    .trim()
    .regex(/^\d{1,10}$/, 'city:errors.wholeNumber')
    .transform(Number)
    .refine((v) => v >= min && v <= max, `city:errors.between|${min}|${max}`)

const decimalField = (min: number, max: number) =>
  z
    .string('city:errors.number')
    .trim()
    .transform((v) => v.replace(',', '.'))
    .refine((v) => /^\d+(\.\d{1,4})?$/.test(v), 'city:errors.number')
    .transform(Number)
    .refine((v) => v >= min && v <= max, `city:errors.between|${min}|${max}`)

const thresholdField = z
  .string('city:errors.threshold')
  .trim()
  .regex(/^(\d{1,9}|\d{1,3}([.,]\d{1,4})?\s?%)$/, 'city:errors.threshold')
  .transform((v): ProposalThreshold => (v.endsWith('%') ? { kind: 'percent', percent: Number(v.slice(0, -1).trim().replace(',', '.')) } : { kind: 'supports', supports: Number(v) }))
  .refine((v) => (v.kind === 'percent' ? v.percent > 0 && v.percent <= 100 : v.supports >= 1), 'city:errors.threshold')

const boolField = z.enum(['true', 'false'], 'city:errors.choose').transform((v) => v === 'true')
const levelValue = z.enum(['0', '1', '2', '3'], 'city:errors.level').transform(Number)

/**
 * The whole settings form. Messages are i18n keys; "key|a|b" carries values for the message
 * (the route splits them). The response threshold may not exceed the debate threshold.
 */
export const settingsFormSchema = z
  .object({
    PROPOSAL_THRESHOLD: thresholdField,
    PROPOSAL_MONTHS: intField(1, 120),
    PETITION_SPONSORS: intField(0, 100),
    PETITION_RESPONSE_THRESHOLD: intField(1, 100_000_000),
    PETITION_DEBATE_THRESHOLD: intField(1, 100_000_000),
    PETITION_MONTHS: intField(1, 36),
    PETITION_COUNT_LOGGED_IN: boolField,
    PETITION_IP_BURST: intField(1, 100_000),
    PETITION_IP_HOURLY: intField(1, 1_000_000),
    VERIFICATION_LEVELS_comment: levelValue,
    VERIFICATION_LEVELS_propose: levelValue,
    VERIFICATION_LEVELS_report: levelValue,
    VERIFICATION_LEVELS_support: levelValue,
    VERIFICATION_LEVELS_sign: levelValue,
    VERIFICATION_LEVELS_vote: levelValue,
    LETTER_RETENTION_DAYS: intField(1, 3650),
    LETTER_SIMILARITY: decimalField(0.5, 1),
    LETTER_CAMPAIGN_SENDERS: intField(1, 10_000),
    MODERATION_AUTO_HIDE: intField(0, 1000),
    PREMODERATION: boolField,
    COMMENT_EDIT_MINUTES: intField(0, 10080),
    OPEN_DATA_LICENCE: z.enum(licences, 'city:errors.licence'),
  })
  .superRefine((v, ctx) => {
    if (v.PETITION_RESPONSE_THRESHOLD > v.PETITION_DEBATE_THRESHOLD) {
      ctx.addIssue({ code: 'custom', path: ['PETITION_RESPONSE_THRESHOLD'], message: 'city:errors.responseAboveDebate' })
    }
    if (v.PETITION_IP_BURST > v.PETITION_IP_HOURLY) {
      ctx.addIssue({ code: 'custom', path: ['PETITION_IP_BURST'], message: 'city:errors.burstAboveHourly' })
    }
  })

/** The parsed form as settings. */
export function settingsFromForm(v: z.infer<typeof settingsFormSchema>): CitySettings {
  return {
    PROPOSAL_THRESHOLD: v.PROPOSAL_THRESHOLD,
    PROPOSAL_MONTHS: v.PROPOSAL_MONTHS,
    PETITION_SPONSORS: v.PETITION_SPONSORS,
    PETITION_RESPONSE_THRESHOLD: v.PETITION_RESPONSE_THRESHOLD,
    PETITION_DEBATE_THRESHOLD: v.PETITION_DEBATE_THRESHOLD,
    PETITION_MONTHS: v.PETITION_MONTHS,
    PETITION_COUNT_LOGGED_IN: v.PETITION_COUNT_LOGGED_IN,
    PETITION_IP_BURST: v.PETITION_IP_BURST,
    PETITION_IP_HOURLY: v.PETITION_IP_HOURLY,
    VERIFICATION_LEVELS: Object.fromEntries(civicActions.map((a) => [a, v[`VERIFICATION_LEVELS_${a}`]])) as Record<CivicActionName, number>,
    LETTER_RETENTION_DAYS: v.LETTER_RETENTION_DAYS,
    LETTER_SIMILARITY: v.LETTER_SIMILARITY,
    LETTER_CAMPAIGN_SENDERS: v.LETTER_CAMPAIGN_SENDERS,
    MODERATION_AUTO_HIDE: v.MODERATION_AUTO_HIDE,
    PREMODERATION: v.PREMODERATION,
    COMMENT_EDIT_MINUTES: v.COMMENT_EDIT_MINUTES,
    OPEN_DATA_LICENCE: v.OPEN_DATA_LICENCE,
  }
}

/** The settings as form values (to fill the form). */
export function settingsToForm(s: CitySettings): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { key } of settingDefinitions) {
    if (key === 'VERIFICATION_LEVELS') for (const a of civicActions) out[levelField(a)] = String(s.VERIFICATION_LEVELS[a])
    else out[key] = formatSetting(key, s[key])
  }
  return out
}
