import type { Choices, MethodSpec, Refusal } from '../methods'
import { labelOf } from './ballot-form'

/**
 * Refusals and ballots in words, through the i18n function: option and pot ids become the labels
 * people read, money is formatted. Pure (no server imports): the route calls them in its loader
 * and action.
 */

type Translate = (key: string, values?: Record<string, unknown>) => string

export type VoterRefusal =
  | Refusal
  | { code: 'notOpen'; when: 'before' | 'after'; opensAt: string; closesAt: string }
  | { code: 'levelTooLow'; required: number; level: number }
  | { code: 'notEligibleArea'; area: string | null }
  | { code: 'weightZero' }
  | { code: 'unknownVoter' }

export interface MessageContext {
  labels: Record<string, string>
  money: (amount: number) => string
  dateTime: (iso: string) => string
}

// Literal keys, so the catalogs' test sees every one of them.
const LEVEL_KEYS = ['votes:levels.0', 'votes:levels.1', 'votes:levels.2', 'votes:levels.3'] as const
export const levelName = (t: Translate, level: number) => t(LEVEL_KEYS[Math.max(0, Math.min(3, level))]!)

export function refusalMessage(t: Translate, refusal: VoterRefusal, c: MessageContext): string {
  const label = (id: string) => labelOf(c.labels, id)
  switch (refusal.code) {
    case 'notOpen':
      return refusal.when === 'before' ? t('votes:refusal.notOpenBefore', { date: c.dateTime(refusal.opensAt) }) : t('votes:refusal.notOpenAfter', { date: c.dateTime(refusal.closesAt) })
    case 'levelTooLow':
      return t('votes:refusal.levelTooLow', { required: refusal.required, requiredName: levelName(t, refusal.required), level: refusal.level, levelName: levelName(t, refusal.level) })
    case 'notEligibleArea':
      return refusal.area ? t('votes:refusal.notEligibleArea', { area: refusal.area }) : t('votes:refusal.notEligibleCity')
    case 'weightZero':
      return t('votes:refusal.weightZero')
    case 'unknownVoter':
      return t('votes:refusal.unknownVoter')
    case 'malformed':
      return t('voting:refusal.malformed')
    case 'unknownOption':
      return t('voting:refusal.unknownOption', { option: refusal.option.slice(0, 64) })
    case 'duplicateChoice':
      return t('voting:refusal.duplicateChoice', { option: label(refusal.option) })
    case 'duplicateRank':
      return t('voting:refusal.duplicateRank', { option: label(refusal.option) })
    case 'tooManyChoices':
      return t('voting:refusal.tooManyChoices', { max: refusal.max, given: refusal.given })
    case 'tooFewChoices':
      return t('voting:refusal.tooFewChoices', { min: refusal.min, given: refusal.given })
    case 'invalidVotes':
      return t('voting:refusal.invalidVotes', { option: label(refusal.option) })
    case 'overCredits':
      return t('voting:refusal.overCredits', { used: refusal.used, credits: refusal.credits })
    case 'overBudget':
      return t('voting:refusal.overBudget', { pot: label(refusal.pot), total: c.money(refusal.total), limit: c.money(refusal.limit) })
    case 'tooManyDistricts':
      return t('voting:refusal.tooManyDistricts', { max: refusal.max, given: refusal.given })
    case 'districtNotAllowed':
      return t('voting:refusal.districtNotAllowed', { pot: label(refusal.pot) })
  }
}

/** The part of the ballot a refusal concerns (see BallotError), or null for the whole ballot. */
export function refusalField(spec: MethodSpec, refusal: VoterRefusal): string | null {
  switch (refusal.code) {
    case 'overBudget':
    case 'districtNotAllowed':
      return `pot:${refusal.pot}`
    case 'duplicateChoice': {
      const project = spec.method === 'budget' ? spec.projects.find((p) => p.id === refusal.option) : undefined
      return project ? `pot:${project.pot}` : null
    }
    case 'invalidVotes':
    case 'duplicateRank':
      return `option:${refusal.option}`
    case 'tooManyDistricts':
      return 'districts'
    case 'overCredits':
      return 'credits'
    default:
      return null
  }
}

/** A ballot in one sentence: "Yes", "Parks, Libraries", "Parks: 3 votes; Bikes: 1 vote", "1. A, 2. B". */
export function describeChoices(t: Translate, spec: MethodSpec, choices: Choices, c: Pick<MessageContext, 'labels'>): string {
  const label = (id: string) => labelOf(c.labels, id)
  const ch = choices as unknown as Record<string, unknown>
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : [])
  switch (spec.method) {
    case 'yesno':
      return ch.answer === 'yes' || ch.answer === 'no' || ch.answer === 'abstain' ? t(`voting:answer.${ch.answer}`) : '—'
    case 'approval': {
      const approved = list(ch.approved)
      return approved.length ? approved.map(label).join(', ') : t('votes:viewer.blank')
    }
    case 'budget': {
      const projects = list(ch.projects)
      return projects.length ? projects.map(label).join(', ') : t('votes:viewer.blank')
    }
    case 'quadratic': {
      const votes = Object.entries((typeof ch.votes === 'object' && ch.votes !== null ? ch.votes : {}) as Record<string, number>)
      return votes.length ? votes.map(([id, n]) => t('votes:viewer.votesFor', { option: label(id), count: n })).join('; ') : t('votes:viewer.blank')
    }
    case 'ranked': {
      const ranking = list(ch.ranking)
      return ranking.length ? ranking.map((id, i) => `${i + 1}. ${label(id)}`).join(', ') : t('votes:viewer.blank')
    }
  }
}

/** "3 days, 4 hours", "2 hours, 5 minutes", "12 minutes", "less than a minute". */
export function durationWords(t: Translate, ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 1) return t('votes:time.lessThanMinute')
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const mins = minutes % 60
  if (days > 0) return hours > 0 ? `${t('votes:time.days', { count: days })}, ${t('votes:time.hours', { count: hours })}` : t('votes:time.days', { count: days })
  if (hours > 0) return mins > 0 ? `${t('votes:time.hours', { count: hours })}, ${t('votes:time.minutes', { count: mins })}` : t('votes:time.hours', { count: hours })
  return t('votes:time.minutes', { count: mins })
}

/** A delegation scope in words: "everything", "Sant Roc", "the category Parks". */
export function scopeLabel(t: Translate, scope: string, names: { areas: Record<string, string>; categories: Record<string, string> }): string {
  if (scope === 'all') return t('votes:scope.all')
  if (scope.startsWith('area:')) return t('votes:scope.area', { area: names.areas[scope.slice(5)] ?? scope.slice(5) })
  if (scope.startsWith('category:')) return t('votes:scope.category', { category: names.categories[scope.slice(9)] ?? scope.slice(9) })
  return scope
}
