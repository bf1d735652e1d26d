import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { Database, VotingMethod, VotingProcessState, VotingProcessesTable } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { writeSetting } from '../../lib/settings.server'
import { supportedLocales, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { logger } from '../../lib/logger.server'
import { renderMarkdown } from '../../lib/markdown.server'
import { can, LEVEL, requiredLevel, type Principal } from '../accounts/policy'
import { recordAudit } from '../moderation/moderation.server'
import { attachProcess, onThresholdReached } from '../proposals/proposals.server'
import { formatWeight, parseWeight, type MilliWeight } from './arithmetic'
import { MAX_CREDITS, MAX_MONEY, MAX_OPTIONS, MAX_PROJECTS, methods, methodSpecSchema, type MethodSpec } from './methods'
import { describePolicy, MAX_RULES, residences, unreachableRules, weightPolicySchema, type Residence, type WeightPolicy } from './weights'
import { countProcess, snapshotDelegations, verifyProcess, type ProcessCount } from './voting.server'
import { voteEvent } from '../notifications/events.server'
import { citySettings } from '../city/settings.server'

/**
 * Administering voting processes: creating and editing them (only before they open), the state
 * machine draft → scheduled → open → closed → published (or cancelled), the background step that
 * opens and closes processes on their dates, publishing results, and the proposal → vote chain
 * (a proposal that reaches its threshold gets a yes/no process, automatically or from the admin
 * page). The only code that writes `voting_processes`, except the chain head and ballot count that
 * casting keeps (voting.server.ts). Every change is one transaction with its audit row.
 *
 * What an administrator types arrives as a flat form (repeated rows `option.3`, `project.2.cost`,
 * `rule.1.weight`, …) so that the pages work without JavaScript: processFromForm turns it into a
 * ProcessInput, createProcess/updateProcess check it against the voting core's own schemas
 * (methodSpecSchema, weightPolicySchema) and answer errors keyed by those same form fields.
 *
 * Options and projects are identified in the spec by ids (methods.ts never sees a label). The ids
 * are made from the labels (readable in the exported ballots: "riverside-park"), and the labels
 * travel in the stored spec JSON beside the method's own fields (voting.server.ts reads the same):
 *   { method, …spec, labels: { [optionOrProjectOrPotId]: text }, currency: 'EUR', liveResults: false }
 * methodSpecSchema drops the extra keys when the spec is parsed; readSpec gives them all.
 */

export const PROCESS_KIND = 'voting_process'
import { DESCRIPTION_MAX, LABEL_MAX, OPTION_ROWS, RULE_ROWS, TITLE_MAX, TITLE_MIN } from './limits'
export { DESCRIPTION_MAX, LABEL_MAX, OPTION_ROWS, RULE_ROWS, TITLE_MAX, TITLE_MIN }
/** The proposal → vote chain: the vote opens the next day and runs this long. */
export const AUTO_VOTE_DAYS = 14
export const THRESHOLD_SETTING = 'voting.onThreshold'
export type ThresholdBehaviour = 'auto' | 'manual'

export type FormValues = Record<string, string>
/** Field name → i18n key of the message shown next to it ('form' for the whole form). */
export type ProcessErrors = Record<string, string>

const now = () => new Date().toISOString()

export type ProcessRow = Selectable<VotingProcessesTable>

// ---------------------------------------------------------------------------------------------
// The state machine
// ---------------------------------------------------------------------------------------------

export const processStates: readonly VotingProcessState[] = ['draft', 'scheduled', 'open', 'closed', 'published', 'cancelled']

/** Who moves a process from one state to the next: an administrator, or the clock (advanceProcesses). */
export const transitions: Record<VotingProcessState, readonly VotingProcessState[]> = {
  draft: ['scheduled', 'cancelled'],
  // → closed: "Close now" once its opening time has passed, before the clock has opened it.
  scheduled: ['draft', 'open', 'closed', 'cancelled'],
  open: ['closed', 'cancelled'],
  closed: ['published', 'cancelled'],
  published: [],
  cancelled: [],
}
export const canTransition = (from: VotingProcessState, to: VotingProcessState) => transitions[from].includes(to)

/** A draft may be edited at any time; a scheduled process until it opens; later, never. */
export function isEditable(process: { state: VotingProcessState; opens_at: string }, at: string = now()) {
  return process.state === 'draft' || (process.state === 'scheduled' && process.opens_at > at)
}

// ---------------------------------------------------------------------------------------------
// Weight policies the form offers
// ---------------------------------------------------------------------------------------------

export const policyPresets = {
  /** One person, one vote: everyone who may vote (required level, residence if restricted) weighs 1. */
  equal: { rules: [], default: 1000 },
  /** The brief's example: verified residents 1, e-mail-confirmed residents 0.5, non-residents 0.25. */
  brief: {
    rules: [
      { minLevel: LEVEL.residenceVerified, residence: 'inside', weight: 1000 },
      { minLevel: LEVEL.emailConfirmed, residence: 'inside', weight: 500 },
      { minLevel: 0, residence: 'outside', weight: 250 },
    ],
    default: 0,
  },
  /** Only people who live in the eligible area. */
  residents: { rules: [{ minLevel: 0, residence: 'inside', weight: 1000 }], default: 0 },
} as const satisfies Record<string, WeightPolicy>
export type PolicyPreset = keyof typeof policyPresets | 'custom'
export const policyPresetNames = ['equal', 'brief', 'residents', 'custom'] as const satisfies readonly PolicyPreset[]

const presetPolicy = (name: keyof typeof policyPresets): WeightPolicy => weightPolicySchema.parse(policyPresets[name])

/** The preset a stored policy is, or 'custom'. */
export function presetOf(policy: WeightPolicy): PolicyPreset {
  const parsed = weightPolicySchema.safeParse(policy)
  if (!parsed.success) return 'custom'
  const text = JSON.stringify(parsed.data)
  for (const name of ['equal', 'brief', 'residents'] as const) if (JSON.stringify(presetPolicy(name)) === text) return name
  return 'custom'
}

// ---------------------------------------------------------------------------------------------
// The process as a whole: what createProcess and updateProcess take
// ---------------------------------------------------------------------------------------------

export interface ProcessInput {
  title: string
  /** Markdown. */
  description: string
  /** null: the whole city. */
  eligibleAreaId: number | null
  residentsOnly: boolean
  /** A proposal category code (delegation scope), or null. */
  category: string | null
  /** The method's settings as methodSpecSchema takes them (checked again here). */
  spec: { method: VotingMethod } & Record<string, unknown>
  /** Labels of the spec's options, projects and pots, by id. */
  labels: Record<string, string>
  /** ISO 4217 code of the budget's money (budgets only; kept for every method). */
  currency: string
  /** Voters see the running tally while the process is open (else only the published results). */
  liveResults?: boolean
  policy: WeightPolicy
  requiredLevel: number
  delegation: boolean
  /** ISO 8601 instants (UTC). */
  opensAt: string
  closesAt: string
  /** The proposal this vote decides (creation only). */
  proposalId?: number | null
}

export interface StoredSpec {
  spec: MethodSpec
  labels: Record<string, string>
  currency: string
  liveResults: boolean
}

/** A process's stored spec column: the method's spec, the labels and the currency. */
export function readSpec(json: string): StoredSpec {
  const raw = JSON.parse(json) as { labels?: Record<string, string>; currency?: string; liveResults?: boolean }
  return { spec: methodSpecSchema.parse(raw), labels: raw.labels ?? {}, currency: raw.currency ?? 'EUR', liveResults: raw.liveResults === true }
}

/** The label people read for an option, project or pot id (the id itself if it has none). */
export const labelOf = (stored: Pick<StoredSpec, 'labels'>, id: string) => stored.labels[id] ?? id

// ---------------------------------------------------------------------------------------------
// Reading the form
// ---------------------------------------------------------------------------------------------

export interface FormContext {
  /** Districts (the participatory budget's pots besides the city's). */
  districts: ReadonlyArray<{ id: number; slug: string; name: string }>
  cityName: string
}

export interface ParsedForm {
  /** The process, when the form has no errors of its own. */
  input: ProcessInput | null
  /** What could be read even with errors (null when the method is unknown), to check the rest. */
  draft: ProcessInput | null
  errors: ProcessErrors
  /** Where each spec/policy path ("options.2", "projects.0.cost", "rules.1.weight") sits in the form. */
  fieldOf: Record<string, string>
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/
/** A datetime-local value read as UTC ('2027-03-01T09:00' → '2027-03-01T09:00:00.000Z'), or null. */
export function parseUtcDateTime(value: string | undefined): string | null {
  const match = DATE_TIME.exec((value ?? '').trim())
  if (!match) return null
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  // 2027-02-31 would roll over into March: refuse rather than guess.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null
  if (y < 2000 || y > 2999) return null
  return date.toISOString()
}
/** An instant as a datetime-local value in UTC. */
export const toDateTimeLocal = (iso: string) => iso.slice(0, 16)

/**
 * Money as people type it → the smallest unit (cents): '250000', '250000.50', '1,500,000',
 * '1.500.000' or '1 500 000' (thousands grouped in threes), '99,90' (a decimal comma). Null for
 * anything else — a budget is never guessed.
 */
export function parseMoney(input: string | undefined): number | null {
  const text = (input ?? '').trim().replace(/[\s\u00a0\u202f_]/g, (c) => (c === '_' ? '' : ' '))
  let units: string
  let cents = '0'
  const grouped = /^(\d{1,3})((?:[., ]\d{3})+)$/.exec(text)
  if (grouped && new Set(grouped[2]!.replace(/\d/g, '')).size === 1) units = text.replace(/[., ]/g, '')
  else {
    const plain = /^(\d+|\d{1,3}(?:[ ,]\d{3})+|\d{1,3}(?:[ .]\d{3})+)(?:([.,])(\d{1,2}))?$/.exec(text)
    if (!plain) return null
    const separator = plain[2]
    // "1,234.5" and "1.234,5": the decimal sign must differ from the grouping one.
    if (separator && plain[1]!.includes(separator)) return null
    units = plain[1]!.replace(/[., ]/g, '')
    cents = (plain[3] ?? '0').padEnd(2, '0')
  }
  if (units.length > 15) return null
  const value = Number(units) * 100 + Number(cents)
  return Number.isSafeInteger(value) && value <= MAX_MONEY ? value : null
}
/** Cents as the form shows them back (no grouping: what parseMoney reads). */
export const formatMoneyInput = (cents: number) => (cents % 100 === 0 ? String(cents / 100) : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`)

/** An id made from a label, readable in exported ballots: 'Riverside Park (north)' → 'riverside-park-north'. */
export function idFromLabel(label: string, taken: Set<string>, fallback: string): string {
  const base =
    label
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || fallback
  let id = base
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`
  taken.add(id)
  return id
}

const rowCount = (value: string | undefined, fallback: number, max: number) => {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback
}
/** The row indexes a repeated field has in the form (0 … n-1), bounded by what was sent. */
function rowsOf(fields: FormValues, prefix: string, declared: string | undefined, fallback: number, max: number) {
  let highest = -1
  const pattern = new RegExp(`^${prefix.replace('.', '\\.')}\\.(\\d{1,5})(?:\\.|$)`)
  for (const key of Object.keys(fields)) {
    const m = pattern.exec(key)
    if (m) highest = Math.max(highest, Number(m[1]))
  }
  return Math.min(Math.max(rowCount(declared, fallback, max), highest + 1), max)
}

const integerField = (value: string | undefined): number | null => {
  const text = (value ?? '').trim()
  return /^\d{1,9}$/.test(text) ? Number(text) : null
}
const clean = (value: string | undefined) => (value ?? '').replace(/\r\n/g, '\n').trim()

export const currencyPattern = /^[A-Z]{3}$/

/**
 * What the form's parts share while reading it: the fields, the first error per field, where each
 * of the process's own error paths points in the form (fieldOf), the labels of ids and the ids taken.
 */
interface FormReader {
  fields: FormValues
  errors: ProcessErrors
  fieldOf: Record<string, string>
  labels: Record<string, string>
  taken: Set<string>
  fail(field: string, key: string): void
  label(field: string, value: string): string
}

function formReader(fields: FormValues): FormReader {
  const errors: ProcessErrors = {}
  const fail = (field: string, key: string) => {
    if (!errors[field]) errors[field] = key
  }
  return {
    fields,
    errors,
    fieldOf: {},
    labels: {},
    taken: new Set<string>(),
    fail,
    label(field, value) {
      if (value.length > LABEL_MAX) fail(field, 'votesAdmin:errors.labelTooLong')
      return value
    },
  }
}

/**
 * The administrator's form → a ProcessInput. Checks what only the form can get wrong (a date that
 * is no date, a cost that is no amount, a label too long); the rules of the process itself are
 * checked by createProcess/updateProcess, which map their errors back through `fieldOf`.
 */
export function processFromForm(fields: FormValues, context: FormContext): ParsedForm {
  const r = formReader(fields)
  const { errors, fieldOf, fail, labels } = r

  const method = fields.method as VotingMethod
  if (!(methods as readonly string[]).includes(method)) fail('method', 'votesAdmin:errors.method')

  const title = clean(fields.title).replace(/\s+/g, ' ')
  const description = clean(fields.description)

  let eligibleAreaId: number | null = null
  const area = (fields.area ?? '').trim()
  if (area !== '') {
    if (/^\d{1,12}$/.test(area)) eligibleAreaId = Number(area)
    else fail('area', 'votesAdmin:errors.area')
  }
  const category = (fields.category ?? '').trim() || null

  const level = integerField(fields.requiredLevel)
  if (level === null || level > LEVEL.verifiedInPerson) fail('requiredLevel', 'votesAdmin:errors.requiredLevel')

  const opensAt = parseUtcDateTime(fields.opensAt)
  if (!opensAt) fail('opensAt', 'votesAdmin:errors.dateTime')
  const closesAt = parseUtcDateTime(fields.closesAt)
  if (!closesAt) fail('closesAt', 'votesAdmin:errors.dateTime')

  const currency = (fields.currency ?? '').trim().toUpperCase() || 'EUR'
  if (!currencyPattern.test(currency)) fail('currency', 'votesAdmin:errors.currency')

  let spec: ProcessInput['spec'] = { method }
  if (method === 'approval' || method === 'quadratic' || method === 'ranked') spec = optionsSpecFromForm(r, method)
  else if (method === 'budget') spec = budgetSpecFromForm(r, context)
  const policy = policyFromForm(r)

  const proposal = (fields.proposal ?? '').trim()
  const proposalId = /^\d{1,12}$/.test(proposal) ? Number(proposal) : null

  if (!(methods as readonly string[]).includes(method)) return { input: null, draft: null, errors, fieldOf }
  const input: ProcessInput = {
    title,
    description,
    eligibleAreaId,
    residentsOnly: fields.residentsOnly === 'on',
    liveResults: fields.liveResults === 'on',
    category,
    spec,
    labels,
    currency,
    policy,
    requiredLevel: level ?? 0,
    delegation: fields.delegation === 'on',
    opensAt: opensAt ?? '',
    closesAt: closesAt ?? '',
    proposalId,
  }
  return { input: Object.keys(errors).length > 0 ? null : input, draft: input, errors, fieldOf }
}

/** The options of an approval, quadratic or ranked vote, with their limits. */
function optionsSpecFromForm(r: FormReader, method: 'approval' | 'quadratic' | 'ranked'): ProcessInput['spec'] {
  const { fields, fieldOf, fail, labels, taken, label } = r
  const options: string[] = []
  const seen = new Map<string, number>()
  const rows = rowsOf(fields, 'option', fields.optionRows, OPTION_ROWS, MAX_OPTIONS + OPTION_ROWS)
  for (let row = 0; row < rows; row++) {
    const text = label(`option.${row}`, clean(fields[`option.${row}`]).replace(/\s+/g, ' '))
    if (!text) continue
    const folded = text.toLocaleLowerCase()
    if (seen.has(folded)) fail(`option.${row}`, 'votesAdmin:errors.duplicateLabel')
    seen.set(folded, row)
    const id = idFromLabel(text, taken, `option-${options.length + 1}`)
    fieldOf[`options.${options.length}`] = `option.${row}`
    options.push(id)
    labels[id] = text
  }
  fieldOf.options = options.length < 2 ? 'option.0' : 'options'
  if (method === 'quadratic') {
    const credits = integerField(fields.credits)
    if (credits === null || credits < 1 || credits > MAX_CREDITS) fail('credits', 'votesAdmin:errors.credits')
    return { method, options, credits: credits ?? 0 }
  } else {
    const max = (fields.maxChoices ?? '').trim() === '' ? options.length : integerField(fields.maxChoices)
    const min = (fields.minChoices ?? '').trim() === '' ? 0 : integerField(fields.minChoices)
    if (max === null) fail('maxChoices', 'votesAdmin:errors.wholeNumber')
    if (min === null) fail('minChoices', 'votesAdmin:errors.wholeNumber')
    return { method, options, minChoices: min ?? 0, maxChoices: max ?? 0 }
  }
}

/** A budget's pots (the city's and each district's) and its projects. */
function budgetSpecFromForm(r: FormReader, context: FormContext): ProcessInput['spec'] {
  const { fields, fail } = r
  const pots = budgetPotsFromForm(r, context)
  const projects = budgetProjectsFromForm(r, new Map(pots.map((p) => [p.id, p.ballotLimit])))
  const maxDistricts = (fields.maxDistricts ?? '').trim() === '' ? 1 : integerField(fields.maxDistricts)
  if (maxDistricts === null) fail('maxDistricts', 'votesAdmin:errors.wholeNumber')
  return { method: 'budget', pots, projects, maxDistricts: maxDistricts ?? 1 }
}

function budgetPotsFromForm(r: FormReader, context: FormContext): Array<{ id: string; areaId: number | null; budget: number; ballotLimit: number }> {
  const { fields, fieldOf, fail, labels, taken } = r
  const pots: Array<{ id: string; areaId: number | null; budget: number; ballotLimit: number }> = []
  const potKeys = [{ key: 'city', areaId: null as number | null, name: context.cityName }, ...context.districts.map((d) => ({ key: d.slug, areaId: d.id, name: d.name }))]
  for (const pot of potKeys) {
    const budgetText = (fields[`pot.${pot.key}.budget`] ?? '').trim()
    const limitText = (fields[`pot.${pot.key}.limit`] ?? '').trim()
    if (!budgetText && !limitText) continue
    const budget = parseMoney(budgetText)
    if (budget === null || budget < 1) fail(`pot.${pot.key}.budget`, 'votesAdmin:errors.money')
    // A blank limit: a ballot may spend the whole pot (CONSUL's rule).
    const limit = limitText ? parseMoney(limitText) : budget
    if (limit === null || limit < 1) fail(`pot.${pot.key}.limit`, 'votesAdmin:errors.money')
    else if (budget !== null && limit > budget) fail(`pot.${pot.key}.limit`, 'votesAdmin:errors.limitOverBudget')
    const id = pot.key
    taken.add(id)
    fieldOf[`pots.${pots.length}`] = `pot.${pot.key}.budget`
    fieldOf[`pots.${pots.length}.budget`] = `pot.${pot.key}.budget`
    fieldOf[`pots.${pots.length}.ballotLimit`] = `pot.${pot.key}.limit`
    pots.push({ id, areaId: pot.areaId, budget: budget ?? 0, ballotLimit: limit ?? 0 })
    labels[id] = pot.name
  }
  fieldOf.pots = 'pots'
  return pots
}

function budgetProjectsFromForm(r: FormReader, limits: Map<string, number>): Array<{ id: string; pot: string; cost: number }> {
  const { fields, fieldOf, fail, labels, taken, label } = r
  const projects: Array<{ id: string; pot: string; cost: number }> = []
  const seen = new Set<string>()
  const rows = rowsOf(fields, 'project', fields.projectRows, OPTION_ROWS, MAX_PROJECTS + OPTION_ROWS)
  for (let row = 0; row < rows; row++) {
    const text = label(`project.${row}.title`, clean(fields[`project.${row}.title`]).replace(/\s+/g, ' '))
    const costText = (fields[`project.${row}.cost`] ?? '').trim()
    if (!text && !costText) continue
    if (!text) fail(`project.${row}.title`, 'votesAdmin:errors.projectTitle')
    if (text && seen.has(text.toLocaleLowerCase())) fail(`project.${row}.title`, 'votesAdmin:errors.duplicateLabel')
    seen.add(text.toLocaleLowerCase())
    const cost = parseMoney(costText)
    if (cost === null || cost < 1) fail(`project.${row}.cost`, 'votesAdmin:errors.money')
    const pot = (fields[`project.${row}.pot`] ?? '').trim()
    if (!limits.has(pot)) fail(`project.${row}.pot`, 'votesAdmin:errors.projectPot')
    else if (cost !== null && cost > limits.get(pot)!) fail(`project.${row}.cost`, 'votesAdmin:errors.costOverLimit')
    const id = idFromLabel(text, taken, `project-${projects.length + 1}`)
    fieldOf[`projects.${projects.length}`] = `project.${row}.title`
    fieldOf[`projects.${projects.length}.cost`] = `project.${row}.cost`
    fieldOf[`projects.${projects.length}.pot`] = `project.${row}.pot`
    projects.push({ id, pot, cost: cost ?? 0 })
    labels[id] = text
  }
  fieldOf.projects = projects.length === 0 ? 'project.0.title' : 'projects'
  return projects
}

/** The weight policy: a preset, or the custom rules and the default weight. */
function policyFromForm(r: FormReader): WeightPolicy {
  const { fields, fieldOf, fail } = r
  let policy: WeightPolicy = presetPolicy('equal')
  const preset = fields.policy as PolicyPreset
  if (preset === 'equal' || preset === 'brief' || preset === 'residents') policy = presetPolicy(preset)
  else if (preset === 'custom') {
    const rules: WeightPolicy['rules'] = []
    const rows = rowsOf(fields, 'rule', fields.ruleRows, RULE_ROWS, MAX_RULES + RULE_ROWS)
    for (let row = 0; row < rows; row++) {
      const weightText = (fields[`rule.${row}.weight`] ?? '').trim()
      if (!weightText) continue
      const weight = parseWeight(weightText)
      if (weight === null) fail(`rule.${row}.weight`, 'voting:policy.errors.weight')
      const minLevel = integerField(fields[`rule.${row}.minLevel`] || '0')
      if (minLevel === null || minLevel > LEVEL.verifiedInPerson) fail(`rule.${row}.minLevel`, 'voting:policy.errors.level')
      const residence = (fields[`rule.${row}.residence`] || 'any') as Residence
      if (!residences.includes(residence)) fail(`rule.${row}.residence`, 'voting:policy.errors.residence')
      fieldOf[`rules.${rules.length}`] = `rule.${row}.weight`
      fieldOf[`rules.${rules.length}.weight`] = `rule.${row}.weight`
      fieldOf[`rules.${rules.length}.minLevel`] = `rule.${row}.minLevel`
      fieldOf[`rules.${rules.length}.residence`] = `rule.${row}.residence`
      // A placeholder for a weight that could not be read, so that no second error ("nobody may vote") follows from it.
      rules.push({ minLevel: minLevel ?? 0, residence, weight: weight ?? 1000 })
    }
    const fallbackText = (fields.policyDefault ?? '').trim()
    const fallback = fallbackText === '' ? 0 : parseWeight(fallbackText)
    if (fallback === null) fail('policyDefault', 'voting:policy.errors.weight')
    policy = { rules, default: fallback ?? 0 }
    fieldOf.rules = 'policy'
    fieldOf.default = 'policyDefault'
  } else fail('policy', 'votesAdmin:errors.policy')
  fieldOf[''] = 'policy'
  return policy
}

// ---------------------------------------------------------------------------------------------
// Checking a process (form or not)
// ---------------------------------------------------------------------------------------------

type Executor = Kysely<Database> | Transaction<Database>

interface CheckedProcess {
  spec: MethodSpec
  policy: WeightPolicy
  eligibleAreaId: number | null
}

/**
 * Every rule a process must satisfy, as field errors: the texts, the area and category exist, the
 * method's spec and the weight policy pass the voting core's schemas, the labels are there, the
 * dates are in order and the close is in the future.
 */
async function checkProcess(db: Executor, input: ProcessInput, at: string, fieldOf: Record<string, string> = {}): Promise<{ ok: true; value: CheckedProcess } | { ok: false; errors: ProcessErrors }> {
  const errors: ProcessErrors = {}
  const fail = (field: string, key: string) => {
    if (!errors[field]) errors[field] = key
  }
  const title = input.title.trim()
  if (title.length < TITLE_MIN) fail('title', 'votesAdmin:errors.titleRequired')
  else if (title.length > TITLE_MAX) fail('title', 'votesAdmin:errors.titleTooLong')
  if (input.description.length > DESCRIPTION_MAX) fail('description', 'votesAdmin:errors.descriptionTooLong')

  let eligibleAreaId = input.eligibleAreaId
  if (eligibleAreaId !== null) {
    const area = await db.selectFrom('areas').select(['level']).where('id', '=', eligibleAreaId).executeTakeFirst()
    if (!area) fail('area', 'votesAdmin:errors.area')
    // The whole city is what null means: store it one way.
    else if (area.level === 'city') eligibleAreaId = null
  }
  if (input.category !== null) {
    const category = await db.selectFrom('proposal_categories').select('id').where('code', '=', input.category).executeTakeFirst()
    if (!category) fail('category', 'votesAdmin:errors.category')
  }
  if (!Number.isInteger(input.requiredLevel) || input.requiredLevel < 0 || input.requiredLevel > LEVEL.verifiedInPerson) fail('requiredLevel', 'votesAdmin:errors.requiredLevel')
  if (!currencyPattern.test(input.currency)) fail('currency', 'votesAdmin:errors.currency')

  const field = (path: PropertyKey[], fallback: string) => {
    const key = path.map(String).join('.')
    for (let n = path.length; n >= 1; n--) {
      const prefix = path.slice(0, n).map(String).join('.')
      if (fieldOf[prefix]) return fieldOf[prefix]!
    }
    return key || fallback
  }

  let spec: MethodSpec | null = null
  const parsedSpec = methodSpecSchema.safeParse(input.spec)
  if (!parsedSpec.success) for (const issue of parsedSpec.error.issues) fail(field(issue.path, 'method'), issue.message.includes(':') ? issue.message : 'voting:spec.invalid')
  else {
    spec = parsedSpec.data
    const ids = spec.method === 'budget' ? [...spec.projects.map((p) => p.id)] : spec.method === 'yesno' ? [] : spec.options
    ids.forEach((id, i) => {
      const text = input.labels[id]?.trim() ?? ''
      const where = field([spec!.method === 'budget' ? 'projects' : 'options', i], 'labels')
      if (!text) fail(where, 'votesAdmin:errors.labelRequired')
      else if (text.length > LABEL_MAX) fail(where, 'votesAdmin:errors.labelTooLong')
    })
    if (spec.method === 'budget') {
      const areas = new Map((await db.selectFrom('areas').select(['id', 'level']).execute()).map((a) => [a.id, a.level]))
      const limits = new Map(spec.pots.map((p) => [p.id, p.ballotLimit]))
      spec.pots.forEach((pot, i) => {
        if (pot.areaId !== null && areas.get(pot.areaId) !== 'district') fail(field(['pots', i], 'pots'), 'votesAdmin:errors.potArea')
        if (pot.ballotLimit > pot.budget) fail(field(['pots', i, 'ballotLimit'], 'pots'), 'votesAdmin:errors.limitOverBudget')
      })
      spec.projects.forEach((project, i) => {
        if ((limits.get(project.pot) ?? Infinity) < project.cost) fail(field(['projects', i, 'cost'], 'projects'), 'votesAdmin:errors.costOverLimit')
      })
    }
  }

  let policy: WeightPolicy | null = null
  const parsedPolicy = weightPolicySchema.safeParse(input.policy)
  if (!parsedPolicy.success) {
    for (const issue of parsedPolicy.error.issues)
      fail(issue.path.length ? field(issue.path, 'policy') : (fieldOf[''] ?? 'policy'), issue.message.includes(':') ? issue.message : 'voting:policy.errors.weight')
  } else policy = parsedPolicy.data

  if (!input.opensAt || Number.isNaN(Date.parse(input.opensAt))) fail('opensAt', 'votesAdmin:errors.dateTime')
  if (!input.closesAt || Number.isNaN(Date.parse(input.closesAt))) fail('closesAt', 'votesAdmin:errors.dateTime')
  else if (input.closesAt <= at) fail('closesAt', 'votesAdmin:errors.closesInPast')
  else if (input.opensAt && input.opensAt >= input.closesAt) fail('closesAt', 'votesAdmin:errors.closesBeforeOpens')

  if (Object.keys(errors).length > 0 || !spec || !policy) return { ok: false, errors }
  return { ok: true, value: { spec, policy, eligibleAreaId } }
}

const storedSpec = (spec: MethodSpec, input: ProcessInput) => {
  const ids = new Set(spec.method === 'budget' ? [...spec.pots.map((p) => p.id), ...spec.projects.map((p) => p.id)] : spec.method === 'yesno' ? [] : spec.options)
  const labels = Object.fromEntries(
    Object.entries(input.labels)
      .filter(([id]) => ids.has(id))
      .map(([id, text]) => [id, text.trim()]),
  )
  return JSON.stringify({ ...spec, labels, currency: input.currency, liveResults: input.liveResults === true })
}

/** What an audit row keeps of a process. */
function auditView(
  row: Pick<ProcessRow, 'title' | 'method' | 'state' | 'opens_at' | 'closes_at' | 'eligible_area_id' | 'residents_only' | 'required_level' | 'delegation' | 'category' | 'spec' | 'weight_policy'>,
) {
  return {
    title: row.title,
    method: row.method,
    state: row.state,
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    eligibleAreaId: row.eligible_area_id,
    residentsOnly: Boolean(row.residents_only),
    requiredLevel: row.required_level,
    delegation: Boolean(row.delegation),
    category: row.category,
    spec: JSON.parse(row.spec) as unknown,
    policy: JSON.parse(row.weight_policy) as unknown,
  }
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {}
  const a: Record<string, unknown> = {}
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key]
      a[key] = after[key]
    }
  }
  return { before: b, after: a }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export type Admin = Pick<Principal, 'id' | 'roles'>
export type CommandResult<T = object> =
  | ({ kind: 'ok' } & T)
  | { kind: 'forbidden' }
  | { kind: 'notFound' }
  | { kind: 'invalid'; errors: ProcessErrors }
  /** The process is not in a state that allows this (e.g. editing an open process). */
  | { kind: 'wrongState'; state: VotingProcessState }

const mayAdminister = (admin: Admin) => can({ ...admin, verificationLevel: 0 }, 'admin:settings')

async function insertProcess(trx: Transaction<Database>, actorId: number | null, input: ProcessInput, checked: CheckedProcess, state: 'draft' | 'scheduled') {
  const at = now()
  const values = {
    title: input.title.trim().replace(/\s+/g, ' '),
    description_md: input.description,
    description_html: renderMarkdown(input.description),
    proposal_id: input.proposalId ?? null,
    eligible_area_id: checked.eligibleAreaId,
    residents_only: input.residentsOnly ? 1 : 0,
    category: input.category,
    method: checked.spec.method,
    spec: storedSpec(checked.spec, input),
    weight_policy: JSON.stringify(checked.policy),
    required_level: input.requiredLevel,
    delegation: input.delegation ? 1 : 0,
    state,
    opens_at: input.opensAt,
    closes_at: input.closesAt,
    created_by: actorId,
    created_at: at,
    updated_at: at,
  }
  const row = await trx.insertInto('voting_processes').values(values).returning('id').executeTakeFirstOrThrow()
  await recordAudit(trx, { actorId, action: 'voting.create', targetKind: PROCESS_KIND, targetId: row.id, after: auditView(values) })
  if (input.proposalId) {
    // The proposal moves to 'voting' and points at its process (the proposals module writes proposals).
    // Callers checked in this transaction that it waits for a vote; anything else rolls the process back.
    const attached = await attachProcess(trx, input.proposalId, row.id)
    if (attached.kind !== 'ok') throw new Error(`proposal ${input.proposalId} cannot move to its vote: ${attached.kind}`)
  }
  return row.id
}

/** The proposal a new process would decide: it must be waiting for its vote (threshold reached, no process yet). */
async function proposalAwaitingVote(db: Executor, proposalId: number) {
  return db
    .selectFrom('proposals')
    .select(['id', 'title', 'summary', 'district_id', 'category_id', 'state', 'process_id'])
    .where('id', '=', proposalId)
    .where('state', '=', 'threshold_reached')
    .where('process_id', 'is', null)
    .executeTakeFirst()
}

export interface CommandOptions {
  /** From processFromForm: puts the errors next to the form's fields. */
  fieldOf?: Record<string, string>
  /** The clock (tests). */
  now?: Date
}

/** A new process, as a draft. With `proposalId`, the vote on that proposal (which moves to 'voting'). */
export async function createProcess(admin: Admin, input: ProcessInput, options: CommandOptions = {}): Promise<CommandResult<{ id: number }>> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const at = (options.now ?? new Date()).toISOString()
  return database().write(async (trx) => {
    const checked = await checkProcess(trx, input, at, options.fieldOf)
    if (!checked.ok) return { kind: 'invalid', errors: checked.errors }
    if (input.proposalId && !(await proposalAwaitingVote(trx, input.proposalId))) return { kind: 'invalid', errors: { form: 'votesAdmin:errors.proposalNotWaiting' } }
    const id = await insertProcess(trx, admin.id, input, checked.value, 'draft')
    return { kind: 'ok', id }
  })
}

/**
 * The admin form, whole: read it, check it, create (id null) or update the process. Errors come
 * back keyed by the form's fields, all of them at once (the form's own and the process's rules).
 */
export async function submitProcessForm(admin: Admin, fields: FormValues, id: number | null, options: Pick<CommandOptions, 'now'> = {}): Promise<CommandResult<{ id: number }>> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const parsed = processFromForm(fields, await formContext())
  if (!parsed.input) {
    const at = (options.now ?? new Date()).toISOString()
    const more = parsed.draft ? await checkProcess(database().db, parsed.draft, at, parsed.fieldOf) : null
    return { kind: 'invalid', errors: { ...(more && !more.ok ? more.errors : {}), ...parsed.errors } }
  }
  if (id === null) return createProcess(admin, parsed.input, { fieldOf: parsed.fieldOf, now: options.now })
  const updated = await updateProcess(admin, id, parsed.input, { fieldOf: parsed.fieldOf, now: options.now })
  return updated.kind === 'ok' ? { kind: 'ok', id } : updated
}

/** Changes a process while it is a draft, or scheduled and not yet open. */
export async function updateProcess(admin: Admin, id: number, input: ProcessInput, options: CommandOptions = {}): Promise<CommandResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const at = (options.now ?? new Date()).toISOString()
  return database().write(async (trx) => {
    const row = await trx.selectFrom('voting_processes').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return { kind: 'notFound' }
    if (!isEditable(row, at)) return { kind: 'wrongState', state: row.state }
    const checked = await checkProcess(trx, input, at, options.fieldOf)
    if (!checked.ok) return { kind: 'invalid', errors: checked.errors }
    const values = {
      title: input.title.trim().replace(/\s+/g, ' '),
      description_md: input.description,
      description_html: renderMarkdown(input.description),
      eligible_area_id: checked.value.eligibleAreaId,
      residents_only: input.residentsOnly ? 1 : 0,
      category: input.category,
      method: checked.value.spec.method,
      spec: storedSpec(checked.value.spec, input),
      weight_policy: JSON.stringify(checked.value.policy),
      required_level: input.requiredLevel,
      delegation: input.delegation ? 1 : 0,
      opens_at: input.opensAt,
      closes_at: input.closesAt,
      updated_at: at,
    }
    // Conditional: a process that opened meanwhile (another server's clock step) is not changed.
    const result = await trx
      .updateTable('voting_processes')
      .set(values)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('state', '=', 'draft'), eb.and([eb('state', '=', 'scheduled'), eb('opens_at', '>', at)])]))
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return { kind: 'wrongState', state: row.state }
    const change = changedFields(auditView(row), auditView({ ...row, ...values }))
    if (Object.keys(change.after).length > 0) await recordAudit(trx, { actorId: admin.id, action: 'voting.update', targetKind: PROCESS_KIND, targetId: id, ...change })
    return { kind: 'ok' }
  })
}

/** Moves a process along one transition, if it is in `from` (conditional: two clicks change it once). */
async function transition(
  admin: Admin,
  id: number,
  from: readonly VotingProcessState[],
  to: VotingProcessState,
  action: string,
  extra: { reason?: string | null; check?: (row: ProcessRow) => ProcessErrors | null; set?: Partial<Record<'closes_at', string>>; during?: (trx: Transaction<Database>) => Promise<void> } = {},
): Promise<CommandResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  return database().write(async (trx) => {
    const row = await trx.selectFrom('voting_processes').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return { kind: 'notFound' }
    if (!from.includes(row.state)) return { kind: 'wrongState', state: row.state }
    const problem = extra.check?.(row)
    if (problem) return { kind: 'invalid', errors: problem }
    const at = now()
    const result = await trx
      .updateTable('voting_processes')
      .set({ state: to, updated_at: at, ...extra.set })
      .where('id', '=', id)
      .where('state', '=', row.state)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return { kind: 'wrongState', state: row.state }
    await extra.during?.(trx)
    await recordAudit(trx, {
      actorId: admin.id,
      action,
      targetKind: PROCESS_KIND,
      targetId: id,
      before: { state: row.state, ...(extra.set ? { closesAt: row.closes_at } : {}) },
      after: { state: to, ...(extra.set ? { closesAt: extra.set.closes_at } : {}) },
      reason: extra.reason ?? null,
    })
    return { kind: 'ok' }
  })
}

/** draft → scheduled: it opens by itself at opens_at (advanceProcesses). */
export function scheduleProcess(admin: Admin, id: number, at: Date = new Date()) {
  return transition(admin, id, ['draft'], 'scheduled', 'voting.schedule', {
    check: (row) => (row.closes_at <= at.toISOString() ? { closesAt: 'votesAdmin:errors.closesInPast' } : null),
  })
}

/** scheduled → draft, before it opens (to work on it without the risk of it opening). */
export function unscheduleProcess(admin: Admin, id: number, at: Date = new Date()) {
  return transition(admin, id, ['scheduled'], 'draft', 'voting.unschedule', {
    check: (row) => (row.opens_at <= at.toISOString() ? { form: 'votesAdmin:errors.alreadyOpening' } : null),
  })
}

/** Any state before the results are published → cancelled (kept, with its ballots, for the record). */
export function cancelProcess(admin: Admin, id: number, reason: string | null = null) {
  const text = reason?.trim().slice(0, 2000) || null
  return transition(admin, id, ['draft', 'scheduled', 'open', 'closed'], 'cancelled', 'voting.cancel', { reason: text })
}

/**
 * "Close now": the close moves to this instant and the process closes (delegations snapshotted).
 * A scheduled process past its opening time is open to voters already (the clock has not caught up).
 */
export function closeProcessNow(admin: Admin, id: number, at: Date = new Date()) {
  return transition(admin, id, ['open', 'scheduled'], 'closed', 'voting.close', {
    check: (row) => (row.state === 'scheduled' && row.opens_at > at.toISOString() ? { form: 'votesAdmin:errors.notOpenYet' } : null),
    set: { closes_at: at.toISOString() },
    during: async (trx) => {
      await snapshotDelegations(trx, id)
      await voteEvent(trx, id, 'closed', admin.id)
    },
  })
}

// ---------------------------------------------------------------------------------------------
// The clock: opening and closing on their dates
// ---------------------------------------------------------------------------------------------

/**
 * Opens the scheduled processes whose time has come and closes the open ones whose time is up
 * (snapshotting the delegators' weights in the same transaction). Every change is a conditional
 * update (`where state = …`), so two runs at once — two servers, or a run that overlaps the
 * previous one — change each process once; running it again changes nothing.
 */
export async function advanceProcesses(at: Date = new Date()): Promise<{ opened: number[]; closed: number[] }> {
  const instant = at.toISOString()
  const { db } = database()
  const due = await db
    .selectFrom('voting_processes')
    .select(['id', 'state'])
    .where((eb) => eb.or([eb.and([eb('state', '=', 'scheduled'), eb('opens_at', '<=', instant)]), eb.and([eb('state', '=', 'open'), eb('closes_at', '<=', instant)])]))
    .orderBy('id')
    .execute()
  const opened: number[] = []
  const closed: number[] = []
  for (const process of due) {
    try {
      await database().write(async (trx) => {
        if (process.state === 'scheduled') {
          const open = await trx
            .updateTable('voting_processes')
            .set({ state: 'open', updated_at: instant })
            .where('id', '=', process.id)
            .where('state', '=', 'scheduled')
            .where('opens_at', '<=', instant)
            .executeTakeFirst()
          if (Number(open.numUpdatedRows) === 1) {
            opened.push(process.id)
            await recordAudit(trx, { actorId: null, action: 'voting.open', targetKind: PROCESS_KIND, targetId: process.id, before: { state: 'scheduled' }, after: { state: 'open' } })
            await voteEvent(trx, process.id, 'opened')
          }
        }
        // A process whose whole voting period passed before this run opens and closes at once.
        const close = await trx
          .updateTable('voting_processes')
          .set({ state: 'closed', updated_at: instant })
          .where('id', '=', process.id)
          .where('state', '=', 'open')
          .where('closes_at', '<=', instant)
          .executeTakeFirst()
        if (Number(close.numUpdatedRows) === 1) {
          await snapshotDelegations(trx, process.id)
          closed.push(process.id)
          await recordAudit(trx, { actorId: null, action: 'voting.close', targetKind: PROCESS_KIND, targetId: process.id, before: { state: 'open' }, after: { state: 'closed' } })
          await voteEvent(trx, process.id, 'closed')
        }
      })
    } catch (error) {
      // One process that cannot close (its snapshot failed) must not hold up the others; the next run retries it.
      logger().error({ err: error, processId: process.id }, 'voting process could not advance')
    }
  }
  return { opened, closed }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export interface PublishedResults {
  /** countProcess's output at publication. */
  count: ProcessCount
  /** The weight policy that produced it, as data and in the words voters read, in every language. */
  policy: WeightPolicy
  policyText: Record<Locale, string[]>
  requiredLevel: number
  eligibleArea: { id: number; name: string } | null
  residentsOnly: boolean
  ballots: number
  closedAt: string
  publishedAt: string
}

async function areaName(db: Executor, id: number | null) {
  if (id === null) return null
  const row = await db.selectFrom('areas').select(['id', 'name']).where('id', '=', id).executeTakeFirst()
  return row ?? null
}

/** The policy in the words voters read, in every language Plaza speaks. */
export function policyInWords(policy: WeightPolicy, area: string | null): Record<Locale, string[]> {
  return Object.fromEntries(
    supportedLocales.map((locale) => {
      const t = translator(locale)
      return [locale, describePolicy(policy, (key, values) => t(key, values ?? {}) as string, { areaName: area ?? undefined, locale })]
    }),
  ) as Record<Locale, string[]>
}

export type ResultsPublishedListener = (trx: Transaction<Database>, process: { id: number; proposalId: number | null }) => Promise<void>
const publishedListeners: ResultsPublishedListener[] = []
/** Called inside the transaction that publishes a process's results (e.g. the proposal's answer queue). */
export function onResultsPublished(listener: ResultsPublishedListener) {
  publishedListeners.push(listener)
}

/** The count a publication would publish now (closed processes; the page shows it before "Publish"). */
export async function previewResults(id: number) {
  const row = await database().db.selectFrom('voting_processes').select(['state']).where('id', '=', id).executeTakeFirst()
  if (!row) return null
  return countProcess(id)
}

/** closed → published: the results (the count and the policy that produced it) become public. */
export async function publishResults(admin: Admin, id: number): Promise<CommandResult<{ results: PublishedResults }>> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const { db } = database()
  const row = await db.selectFrom('voting_processes').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) return { kind: 'notFound' }
  if (row.state !== 'closed') return { kind: 'wrongState', state: row.state }
  // Counted before the write (counting a large process must not hold the write queue); a closed
  // process takes no more ballots, so the count cannot change before the update below.
  const count = await countProcess(id)
  if (!count) return { kind: 'notFound' }
  const policy = weightPolicySchema.parse(JSON.parse(row.weight_policy))
  const area = await areaName(db, row.eligible_area_id)
  const at = now()
  const results: PublishedResults = {
    count,
    policy,
    policyText: policyInWords(policy, area?.name ?? null),
    requiredLevel: row.required_level,
    eligibleArea: area,
    residentsOnly: Boolean(row.residents_only),
    ballots: row.ballots,
    closedAt: row.closes_at,
    publishedAt: at,
  }
  return database().write(async (trx) => {
    const done = await trx
      .updateTable('voting_processes')
      .set({ state: 'published', results: JSON.stringify(results), published_at: at, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'closed')
      .executeTakeFirst()
    if (Number(done.numUpdatedRows) !== 1) {
      const now = await trx.selectFrom('voting_processes').select('state').where('id', '=', id).executeTakeFirstOrThrow()
      return { kind: 'wrongState', state: now.state }
    }
    await recordAudit(trx, { actorId: admin.id, action: 'voting.publish', targetKind: PROCESS_KIND, targetId: id, before: { state: 'closed' }, after: { state: 'published', publishedAt: at } })
    await voteEvent(trx, id, 'published', admin.id)
    for (const listener of publishedListeners) await listener(trx, { id, proposalId: row.proposal_id })
    return { kind: 'ok', results }
  })
}

/** "Verify the tally": the voting engine recounts from the ballots and the chain (admins only). */
export async function verifyTally(admin: Admin, id: number) {
  if (!mayAdminister(admin)) return { kind: 'forbidden' } as const
  const row = await database().db.selectFrom('voting_processes').select('id').where('id', '=', id).executeTakeFirst()
  if (!row) return { kind: 'notFound' } as const
  return { kind: 'ok', verification: await verifyProcess(id) } as const
}

// ---------------------------------------------------------------------------------------------
// The proposal → vote chain
// ---------------------------------------------------------------------------------------------

export async function thresholdBehaviour(db: Executor = database().db): Promise<ThresholdBehaviour> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', THRESHOLD_SETTING).executeTakeFirst()
  if (!row) return 'manual'
  try {
    return JSON.parse(row.value) === 'auto' ? 'auto' : 'manual'
  } catch {
    return 'manual'
  }
}

export async function setThresholdBehaviour(admin: Admin, value: string): Promise<CommandResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  if (value !== 'auto' && value !== 'manual') return { kind: 'invalid', errors: { onThreshold: 'votesAdmin:errors.onThreshold' } }
  return database().write(async (trx) => {
    const before = await thresholdBehaviour(trx)
    if (before === value) return { kind: 'ok' }
    await writeSetting(trx, THRESHOLD_SETTING, value)
    await recordAudit(trx, { actorId: admin.id, action: 'voting.settings', targetKind: 'setting', targetId: 0, before: { [THRESHOLD_SETTING]: before }, after: { [THRESHOLD_SETTING]: value } })
    return { kind: 'ok' }
  })
}

const DAY = 86_400_000
/** The next day's start (UTC) and 14 days later: when an automatic vote runs. */
export function autoVoteDates(at: Date = new Date()) {
  const opens = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) + DAY)
  return { opensAt: opens.toISOString(), closesAt: new Date(opens.getTime() + AUTO_VOTE_DAYS * DAY).toISOString() }
}

/** The yes/no vote on a proposal as the form (or the automatic chain) first proposes it. */
export async function voteForProposal(db: Executor, proposalId: number, at: Date = new Date()): Promise<ProcessInput | null> {
  const proposal = await db
    .selectFrom('proposals')
    .leftJoin('proposal_categories', 'proposal_categories.id', 'proposals.category_id')
    .select(['proposals.id', 'proposals.title', 'proposals.summary', 'proposals.district_id', 'proposal_categories.code as category'])
    .where('proposals.id', '=', proposalId)
    .executeTakeFirst()
  if (!proposal) return null
  const t = translator(config().DEFAULT_LOCALE)
  const { opensAt, closesAt } = autoVoteDates(at)
  return {
    title: proposal.title,
    description: `${proposal.summary}\n\n${t('votesAdmin:auto.readProposal', { url: `/proposals/${proposal.id}` })}`,
    eligibleAreaId: proposal.district_id,
    residentsOnly: false,
    category: proposal.category,
    spec: { method: 'yesno' },
    labels: {},
    currency: 'EUR',
    policy: presetPolicy('brief'),
    requiredLevel: requiredLevel('vote', (await citySettings()).VERIFICATION_LEVELS),
    delegation: true,
    opensAt,
    closesAt,
    proposalId: proposal.id,
  }
}

/**
 * A proposal reached its threshold (inside the support's transaction). With 'voting.onThreshold'
 * = 'auto', its yes/no vote is created there and then, scheduled for the next day; with 'manual'
 * (the default) it waits on /admin/votes for an administrator.
 */
export async function handleThresholdReached(trx: Transaction<Database>, proposal: { id: number }, at: Date = new Date()): Promise<number | null> {
  if ((await thresholdBehaviour(trx)) !== 'auto') return null
  if (!(await proposalAwaitingVote(trx, proposal.id))) return null
  const input = await voteForProposal(trx, proposal.id, at)
  if (!input) return null
  const checked = await checkProcess(trx, input, at.toISOString())
  if (!checked.ok) {
    // Cannot happen with the fixed settings above unless the data is odd; the proposal then waits for an administrator.
    logger().warn({ proposalId: proposal.id, errors: checked.errors }, 'automatic vote not created')
    return null
  }
  return insertProcess(trx, null, input, checked.value, 'scheduled')
}

let chained = false
/** Subscribes the proposal → vote chain to the proposals module (once per process; the registry calls it). */
export function registerProposalVoting() {
  if (chained) return
  chained = true
  onThresholdReached((trx, proposal) => handleThresholdReached(trx, proposal).then(() => undefined))
}

// ---------------------------------------------------------------------------------------------
// What the admin pages read
// ---------------------------------------------------------------------------------------------

export interface ProcessListItem {
  id: number
  title: string
  method: VotingMethod
  state: VotingProcessState
  opensAt: string
  closesAt: string
  ballots: number
  proposalId: number | null
}

export async function listProcesses(): Promise<ProcessListItem[]> {
  const rows = await database()
    .db.selectFrom('voting_processes')
    .select(['id', 'title', 'method', 'state', 'opens_at', 'closes_at', 'ballots', 'proposal_id'])
    .orderBy(sql`case state when 'open' then 0 when 'closed' then 1 when 'scheduled' then 2 when 'draft' then 3 when 'published' then 4 else 5 end`)
    .orderBy('opens_at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute()
  return rows.map((r) => ({ id: r.id, title: r.title, method: r.method, state: r.state, opensAt: r.opens_at, closesAt: r.closes_at, ballots: r.ballots, proposalId: r.proposal_id }))
}

/** Proposals that reached their threshold and have no vote yet ("Proposals waiting for a vote"). */
export async function proposalsWaitingForVote() {
  return database()
    .db.selectFrom('proposals')
    .select(['id', 'title', 'supports', 'threshold_reached_at', 'district_id'])
    .where('state', '=', 'threshold_reached')
    .where('process_id', 'is', null)
    .orderBy('threshold_reached_at')
    .limit(200)
    .execute()
}

export async function processRow(id: number) {
  return (await database().db.selectFrom('voting_processes').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
}

/** The districts a budget can have pots for, and the city's name (the city-wide pot). */
export async function formContext(): Promise<FormContext> {
  const { db } = database()
  const [districts, city] = await Promise.all([
    db.selectFrom('areas').select(['id', 'slug', 'name']).where('level', '=', 'district').orderBy('name').execute(),
    db.selectFrom('areas').select('name').where('level', '=', 'city').executeTakeFirst(),
  ])
  return { districts, cityName: city?.name ?? 'City' }
}

/** Areas a process may be restricted to (districts with their neighbourhoods) and proposal categories. */
export async function formChoices(locale: string) {
  const { db } = database()
  const [areas, categories] = await Promise.all([
    db.selectFrom('areas').select(['id', 'name', 'level', 'parent_id']).where('level', '!=', 'city').orderBy('name').execute(),
    db.selectFrom('proposal_categories').select(['code', 'name']).orderBy('position').orderBy('name').execute(),
  ])
  const districts = areas.filter((a) => a.level === 'district')
  return {
    areas: districts.map((d) => ({ id: d.id, name: d.name, neighbourhoods: areas.filter((n) => n.parent_id === d.id).map((n) => ({ id: n.id, name: n.name })) })),
    categories: categories.map((c) => ({ code: c.code, name: namesIn(locale)(c.name) })),
  }
}

/** The form's starting values for a new process of a method (or the vote on a proposal). */
export async function newProcessValues(method: VotingMethod, proposalId: number | null = null, at: Date = new Date()): Promise<FormValues> {
  const level = requiredLevel('vote', (await citySettings()).VERIFICATION_LEVELS)
  const start = autoVoteDates(at)
  const base: FormValues = {
    method,
    requiredLevel: String(level),
    delegation: 'on',
    policy: 'equal',
    opensAt: toDateTimeLocal(start.opensAt),
    closesAt: toDateTimeLocal(start.closesAt),
    currency: 'EUR',
    credits: method === 'quadratic' ? '9' : '',
    maxDistricts: '1',
  }
  if (proposalId !== null) {
    const input = await voteForProposal(database().db, proposalId, at)
    if (input) return { ...valuesOf(input), proposal: String(proposalId) }
  }
  return base
}

/** A stored process (or an input) as the form's values, rows included. */
export function valuesOf(input: ProcessInput): FormValues {
  const values: FormValues = {
    title: input.title,
    description: input.description,
    area: input.eligibleAreaId === null ? '' : String(input.eligibleAreaId),
    category: input.category ?? '',
    method: input.spec.method,
    requiredLevel: String(input.requiredLevel),
    opensAt: input.opensAt ? toDateTimeLocal(input.opensAt) : '',
    closesAt: input.closesAt ? toDateTimeLocal(input.closesAt) : '',
    currency: input.currency,
    maxDistricts: '1',
  }
  if (input.residentsOnly) values.residentsOnly = 'on'
  if (input.liveResults) values.liveResults = 'on'
  if (input.delegation) values.delegation = 'on'
  const spec = input.spec as Partial<MethodSpec> & { method: VotingMethod }
  if ('options' in spec && Array.isArray(spec.options)) {
    spec.options.forEach((id, i) => (values[`option.${i}`] = input.labels[id] ?? id))
    values.optionRows = String(Math.max(OPTION_ROWS, spec.options.length + 2))
  }
  if (spec.method === 'quadratic' && 'credits' in spec) values.credits = String(spec.credits)
  if ((spec.method === 'approval' || spec.method === 'ranked') && 'maxChoices' in spec) {
    values.maxChoices = String(spec.maxChoices)
    values.minChoices = String(spec.minChoices ?? 0)
  }
  if (spec.method === 'budget' && 'pots' in spec && spec.pots && spec.projects) {
    for (const pot of spec.pots) {
      values[`pot.${pot.id}.budget`] = formatMoneyInput(pot.budget)
      if (pot.ballotLimit !== pot.budget) values[`pot.${pot.id}.limit`] = formatMoneyInput(pot.ballotLimit)
    }
    spec.projects.forEach((project, i) => {
      values[`project.${i}.title`] = input.labels[project.id] ?? project.id
      values[`project.${i}.cost`] = formatMoneyInput(project.cost)
      values[`project.${i}.pot`] = project.pot
    })
    values.projectRows = String(Math.max(OPTION_ROWS, spec.projects.length + 2))
    values.maxDistricts = String(spec.maxDistricts ?? 1)
  }
  const preset = presetOf(input.policy)
  values.policy = preset
  // The rules are shown in the advanced editor whatever the preset, so switching to 'custom' starts from them.
  const policy = weightPolicySchema.safeParse(input.policy)
  const rules = policy.success ? policy.data.rules : input.policy.rules
  rules.forEach((rule, i) => {
    values[`rule.${i}.minLevel`] = String(rule.minLevel ?? 0)
    values[`rule.${i}.residence`] = rule.residence ?? 'any'
    values[`rule.${i}.weight`] = formatWeight(rule.weight, 'en')
  })
  values.ruleRows = String(Math.max(RULE_ROWS, rules.length + 1))
  values.policyDefault = formatWeight(input.policy.default ?? 0, 'en')
  if (input.proposalId) values.proposal = String(input.proposalId)
  return values
}

/** A stored row as a ProcessInput (for the edit form). */
export function inputOf(row: ProcessRow): ProcessInput {
  const stored = JSON.parse(row.spec) as ProcessInput['spec'] & { labels?: Record<string, string>; currency?: string; liveResults?: boolean }
  const { labels = {}, currency = 'EUR', liveResults = false, ...spec } = stored
  return {
    title: row.title,
    description: row.description_md,
    eligibleAreaId: row.eligible_area_id,
    residentsOnly: Boolean(row.residents_only),
    category: row.category,
    spec: spec as ProcessInput['spec'],
    labels,
    currency,
    liveResults,
    policy: JSON.parse(row.weight_policy) as WeightPolicy,
    requiredLevel: row.required_level,
    delegation: Boolean(row.delegation),
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    proposalId: row.proposal_id,
  }
}

/** Warnings for the administrator: rules that never apply (pre-empted, or below the required level). */
export function policyWarnings(policy: WeightPolicy, level: number): { unreachable: number[]; belowLevel: number[] } {
  const parsed = weightPolicySchema.safeParse(policy)
  if (!parsed.success) return { unreachable: [], belowLevel: [] }
  const unreachable = unreachableRules(parsed.data)
  // A rule for voters below the required level only applies to people who may not vote anyway…
  // unless a higher level also fits it: then it is not dead, so only rules capped below are flagged.
  const belowLevel = parsed.data.rules.flatMap((rule, i) => (rule.weight > 0 && (rule.minLevel ?? 0) < level && isCappedBelow(parsed.data.rules, i, level) ? [i] : []))
  return { unreachable, belowLevel }
}
/** True when every voter at the required level or above is caught by an earlier rule than `at`. */
function isCappedBelow(rules: WeightPolicy['rules'], at: number, level: number) {
  const rule = rules[at]!
  const residence = rule.residence ?? 'any'
  const earlier = rules.slice(0, at).filter((e) => (e.minLevel ?? 0) <= level)
  const covered = (where: 'inside' | 'outside') => earlier.some((e) => (e.residence ?? 'any') === 'any' || e.residence === where)
  return residence === 'any' ? covered('inside') && covered('outside') : covered(residence)
}

export type { MilliWeight }
