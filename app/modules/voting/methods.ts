import { z } from 'zod'
import { assertExact, isMilliWeight, type MilliWeight, type Ratio } from './arithmetic'

/**
 * The five ballot methods of a voting process, as pure functions: what a process of each method
 * looks like (its spec, set by an administrator), which ballots it accepts (refusals as codes the
 * interface translates: voting:refusal.<code>), and how weighted ballots are counted into
 * everything a results page shows.
 *
 * Weights are milli-weights (integers in thousandths, see arithmetic.ts), so every tally below —
 * per answer, per option, per project, every cell of the Schulze matrices — is an integer sum that
 * anyone recomputes bit for bit. Counting trusts nothing it reads: a ballot it cannot count (an
 * unknown option, a weight that is not a milli-weight) throws CountError with its index, because a
 * tally that quietly skipped a ballot would be wrong without anyone knowing.
 */

export const methods = ['yesno', 'approval', 'quadratic', 'budget', 'ranked'] as const
export type Method = (typeof methods)[number]

// ---------------------------------------------------------------------------------------------
// Specs: how an administrator sets up each method
// ---------------------------------------------------------------------------------------------

/** Ids of options and projects: what the database and forms carry; never the label people read. */
export const OPTION_ID = /^[A-Za-z0-9_-]{1,64}$/
/** Schulze is O(n³) in the options and a ballot form with more than this is unusable anyway. */
export const MAX_OPTIONS = 200
/** Madrid's participatory budgets had a few hundred projects per district; room to spare. */
export const MAX_PROJECTS = 5000
/** Money is an integer in the currency's smallest unit (cents): sums of money are exact too. */
export const MAX_MONEY = 1e13
/** Voice credits per voter in quadratic voting (100 is the usual pilot figure). */
export const MAX_CREDITS = 1_000_000

const optionId = z.string('voting:spec.invalid').regex(OPTION_ID, 'voting:spec.invalid')
const unique = (ids: readonly string[]) => new Set(ids).size === ids.length
const optionList = z.array(optionId, 'voting:spec.invalid').min(2, 'voting:spec.tooFewOptions').max(MAX_OPTIONS, 'voting:spec.tooManyOptions').refine(unique, 'voting:spec.duplicateId')
const count = z.int('voting:spec.invalid').min(0, 'voting:spec.invalid')
const money = z.int('voting:spec.amount').min(1, 'voting:spec.amount').max(MAX_MONEY, 'voting:spec.amount')

const choiceLimits = <T extends { options: string[]; minChoices: number; maxChoices: number }>(spec: T) =>
  spec.minChoices <= spec.maxChoices && spec.maxChoices <= spec.options.length && spec.maxChoices >= 1

export const yesNoSpecSchema = z.object({ method: z.literal('yesno') })

/** Choose between minChoices and maxChoices (k) of the options. */
export const approvalSpecSchema = z
  .object({ method: z.literal('approval'), options: optionList, minChoices: count.default(0), maxChoices: count })
  .refine(choiceLimits, { message: 'voting:spec.choiceLimits', path: ['maxChoices'] })

/**
 * n votes on an option cost n² voice credits, out of `credits` per voter. Votes are non-negative
 * integers: a vote against would let a coalition spend credits cancelling an option a minority
 * cares about rather than supporting their own, and results would no longer read as support; the
 * pilots we know of (the Colorado House Democrats' budget priorities, 2019) used support only.
 * docs/voting.md.
 */
export const quadraticSpecSchema = z.object({
  method: z.literal('quadratic'),
  options: optionList,
  credits: z.int('voting:spec.amount').min(1, 'voting:spec.amount').max(MAX_CREDITS, 'voting:spec.amount'),
})

/** Rank between minChoices and maxChoices of the options, best first; the rest rank below, tied. */
export const rankedSpecSchema = z
  .object({ method: z.literal('ranked'), options: optionList, minChoices: count.default(0), maxChoices: count })
  .refine(choiceLimits, { message: 'voting:spec.choiceLimits', path: ['maxChoices'] })

/**
 * A participatory budget. Money sits in pots: city-wide pots (areaId null) and district pots (the
 * id of the district's area). Every project belongs to one pot. In each pot a ballot may spend up
 * to `ballotLimit` (CONSUL spends the pot itself, ballotLimit = budget; a city may ask for less),
 * and the pot funds winners up to `budget`. A ballot may choose in every city-wide pot and in at
 * most `maxDistricts` district pots (CONSUL: one district per ballot).
 */
export const budgetSpecSchema = z
  .object({
    method: z.literal('budget'),
    pots: z
      .array(z.object({ id: optionId, areaId: z.int('voting:spec.invalid').positive('voting:spec.invalid').nullable(), budget: money, ballotLimit: money }), 'voting:spec.invalid')
      .min(1, 'voting:spec.invalid')
      .max(MAX_OPTIONS, 'voting:spec.invalid')
      .refine((pots) => unique(pots.map((p) => p.id)), 'voting:spec.duplicateId'),
    projects: z
      .array(z.object({ id: optionId, pot: optionId, cost: money }), 'voting:spec.invalid')
      .min(1, 'voting:spec.invalid')
      .max(MAX_PROJECTS, 'voting:spec.invalid')
      .refine((projects) => unique(projects.map((p) => p.id)), 'voting:spec.duplicateId'),
    maxDistricts: count.default(1),
  })
  .superRefine((spec, ctx) => {
    const pots = new Set(spec.pots.map((p) => p.id))
    spec.projects.forEach((project, i) => {
      if (!pots.has(project.pot)) ctx.addIssue({ code: 'custom', message: 'voting:spec.unknownPot', path: ['projects', i, 'pot'] })
    })
  })

export const methodSpecSchema = z.discriminatedUnion('method', [yesNoSpecSchema, approvalSpecSchema, quadraticSpecSchema, budgetSpecSchema, rankedSpecSchema])

export type MethodSpec = z.output<typeof methodSpecSchema>
export type YesNoSpec = z.output<typeof yesNoSpecSchema>
export type ApprovalSpec = z.output<typeof approvalSpecSchema>
export type QuadraticSpec = z.output<typeof quadraticSpecSchema>
export type BudgetSpec = z.output<typeof budgetSpecSchema>
export type RankedSpec = z.output<typeof rankedSpecSchema>
export type BudgetPot = BudgetSpec['pots'][number]
export type BudgetProject = BudgetSpec['projects'][number]

// ---------------------------------------------------------------------------------------------
// Ballots: what a voter's choices look like, and why a ballot is refused
// ---------------------------------------------------------------------------------------------

export const answers = ['yes', 'no', 'abstain'] as const
export type YesNoAnswer = (typeof answers)[number]

export interface YesNoChoices {
  answer: YesNoAnswer
}
/** Options approved, in the process's option order once validated. */
export interface ApprovalChoices {
  approved: string[]
}
/** Votes per option; options without votes are left out once validated. */
export interface QuadraticChoices {
  votes: Record<string, number>
}
/** Projects chosen, in the process's project order once validated. */
export interface BudgetChoices {
  projects: string[]
}
/** Options ranked, best first; options not listed rank below all of them, tied. */
export interface RankedChoices {
  ranking: string[]
}

export interface ChoicesByMethod {
  yesno: YesNoChoices
  approval: ApprovalChoices
  quadratic: QuadraticChoices
  budget: BudgetChoices
  ranked: RankedChoices
}
export type Choices = ChoicesByMethod[Method]

/** Why a ballot is refused: `code` is the key under voting:refusal, the other fields its values. */
export type Refusal =
  | { code: 'malformed' }
  | { code: 'unknownOption'; option: string }
  | { code: 'duplicateChoice'; option: string }
  | { code: 'duplicateRank'; option: string }
  | { code: 'tooManyChoices'; max: number; given: number }
  | { code: 'tooFewChoices'; min: number; given: number }
  | { code: 'invalidVotes'; option: string }
  | { code: 'overCredits'; credits: number; used: number }
  | { code: 'overBudget'; pot: string; limit: number; total: number }
  | { code: 'tooManyDistricts'; max: number; given: number }
  | { code: 'districtNotAllowed'; pot: string }
export type RefusalCode = Refusal['code']

export const refusalCodes = [
  'malformed',
  'unknownOption',
  'duplicateChoice',
  'duplicateRank',
  'tooManyChoices',
  'tooFewChoices',
  'invalidVotes',
  'overCredits',
  'overBudget',
  'tooManyDistricts',
  'districtNotAllowed',
] as const satisfies readonly RefusalCode[]

/** The i18n key of a refusal's message; its values are the refusal's other fields. */
export const refusalKey = (code: RefusalCode) => `voting:refusal.${code}` as const

/** What the server knows about the voter that a ballot's validity depends on. */
export interface BallotContext {
  /** Budget: the areas the voter lives in; a district pot outside them is refused. Absent: any district. */
  voterAreaIds?: readonly number[]
}

// A refusal travels inside zod as a custom issue: message = its i18n key, params = the refusal.
type RefusalContext = { addIssue: (issue: { code: 'custom'; message: string; params: Refusal; path?: PropertyKey[] }) => void }
const refuse = (ctx: RefusalContext, refusal: Refusal, path?: PropertyKey[]) => ctx.addIssue({ code: 'custom', message: refusalKey(refusal.code), params: refusal, ...(path ? { path } : {}) })

// Beyond this a list is not a ballot but an attempt to make the server work.
const MAX_LIST = 10_000
const idList = z.array(z.string()).max(MAX_LIST)

/** Unknown and repeated ids in a list of choices, reported once each. */
function checkIds(ids: readonly string[], known: ReadonlySet<string>, ctx: RefusalContext, repeated: 'duplicateChoice' | 'duplicateRank') {
  const seen = new Set<string>()
  ids.forEach((id, i) => {
    if (!known.has(id)) refuse(ctx, { code: 'unknownOption', option: id }, [i])
    else if (seen.has(id)) refuse(ctx, { code: repeated, option: id }, [i])
    seen.add(id)
  })
  return seen.size
}

function checkCount(given: number, min: number, max: number, ctx: RefusalContext) {
  if (given > max) refuse(ctx, { code: 'tooManyChoices', max, given })
  else if (given < min) refuse(ctx, { code: 'tooFewChoices', min, given })
}

const inOrder = (order: readonly string[], chosen: readonly string[]) => {
  const set = new Set(chosen)
  return order.filter((id) => set.has(id))
}

export const yesNoBallotSchema = () => z.object({ answer: z.enum(answers) }).strict()

export const approvalBallotSchema = (spec: ApprovalSpec) => {
  const known = new Set(spec.options)
  return z
    .object({ approved: idList })
    .strict()
    .superRefine((ballot, ctx) => checkCount(checkIds(ballot.approved, known, ctx, 'duplicateChoice'), spec.minChoices, spec.maxChoices, ctx))
    .transform((ballot): ApprovalChoices => ({ approved: inOrder(spec.options, ballot.approved) }))
}

export const quadraticBallotSchema = (spec: QuadraticSpec) => {
  const known = new Set(spec.options)
  return z
    .object({ votes: z.record(z.string(), z.unknown()).refine((votes) => Object.keys(votes).length <= MAX_LIST) })
    .strict()
    .superRefine((ballot, ctx) => {
      let used = 0
      for (const [option, votes] of Object.entries(ballot.votes)) {
        if (!known.has(option)) refuse(ctx, { code: 'unknownOption', option }, ['votes', option])
        else if (!Number.isSafeInteger(votes) || (votes as number) < 0) refuse(ctx, { code: 'invalidVotes', option }, ['votes', option])
        else used += (votes as number) ** 2
      }
      if (used > spec.credits) refuse(ctx, { code: 'overCredits', credits: spec.credits, used })
    })
    .transform((ballot): QuadraticChoices => {
      const votes: Record<string, number> = {}
      for (const option of spec.options) if (((ballot.votes[option] as number | undefined) ?? 0) > 0) votes[option] = ballot.votes[option] as number
      return { votes }
    })
}

export const budgetBallotSchema = (spec: BudgetSpec, context: BallotContext = {}) => {
  const projects = new Map(spec.projects.map((p) => [p.id, p]))
  const pots = new Map(spec.pots.map((p) => [p.id, p]))
  const allowedAreas = context.voterAreaIds ? new Set(context.voterAreaIds) : null
  return z
    .object({ projects: idList })
    .strict()
    .superRefine((ballot, ctx) => {
      checkIds(ballot.projects, new Set(projects.keys()), ctx, 'duplicateChoice')
      const spent = new Map<string, number>()
      for (const id of new Set(ballot.projects)) {
        const project = projects.get(id)
        if (project) spent.set(project.pot, (spent.get(project.pot) ?? 0) + project.cost)
      }
      let districts = 0
      for (const [potId, total] of spent) {
        const pot = pots.get(potId)!
        if (total > pot.ballotLimit) refuse(ctx, { code: 'overBudget', pot: pot.id, limit: pot.ballotLimit, total })
        if (pot.areaId === null) continue
        districts += 1
        if (allowedAreas && !allowedAreas.has(pot.areaId)) refuse(ctx, { code: 'districtNotAllowed', pot: pot.id })
      }
      if (districts > spec.maxDistricts) refuse(ctx, { code: 'tooManyDistricts', max: spec.maxDistricts, given: districts })
    })
    .transform((ballot): BudgetChoices => ({ projects: inOrder([...projects.keys()], ballot.projects) }))
}

export const rankedBallotSchema = (spec: RankedSpec) => {
  const known = new Set(spec.options)
  return z
    .object({ ranking: idList })
    .strict()
    .superRefine((ballot, ctx) => checkCount(checkIds(ballot.ranking, known, ctx, 'duplicateRank'), spec.minChoices, spec.maxChoices, ctx))
    .transform((ballot): RankedChoices => ({ ranking: [...ballot.ranking] }))
}

const schemas = new Map<string, z.ZodType<Choices>>()
const SCHEMAS_MAX = 200

/**
 * The schema of a ballot in this process; its output is the normalised choices to store. Made once per spec
 * (and budget context) and kept: building a zod schema, and zod compiling its first parse, cost more than the
 * parse itself (a fifth of a ballot's validation CPU on the casting bench, issue 20).
 */
export function ballotSchema(spec: MethodSpec, context: BallotContext = {}): z.ZodType<Choices> {
  const key = JSON.stringify(spec) + (spec.method === 'budget' && context.voterAreaIds ? `|${context.voterAreaIds.join(',')}` : '')
  let schema = schemas.get(key)
  if (!schema) {
    if (schemas.size >= SCHEMAS_MAX) schemas.clear()
    schemas.set(key, (schema = makeBallotSchema(spec, context)))
  }
  return schema
}

function makeBallotSchema(spec: MethodSpec, context: BallotContext): z.ZodType<Choices> {
  switch (spec.method) {
    case 'yesno':
      return yesNoBallotSchema()
    case 'approval':
      return approvalBallotSchema(spec)
    case 'quadratic':
      return quadraticBallotSchema(spec)
    case 'budget':
      return budgetBallotSchema(spec, context)
    case 'ranked':
      return rankedBallotSchema(spec)
  }
}

export type BallotCheck<C = Choices> = { ok: true; choices: C } | { ok: false; refusals: Refusal[] }

/**
 * A ballot's choices checked against the process: the normalised choices, or every refusal (a
 * shape that is not this method's ballot at all is one refusal, `malformed`).
 */
export function validateBallot<S extends MethodSpec>(spec: S, input: unknown, context: BallotContext = {}): BallotCheck<ChoicesByMethod[S['method']]> {
  const parsed = ballotSchema(spec, context).safeParse(input)
  if (parsed.success) return { ok: true, choices: parsed.data as ChoicesByMethod[S['method']] }
  const refusals: Refusal[] = []
  for (const issue of parsed.error.issues) {
    const refusal = issue.code === 'custom' ? (issue.params as Refusal | undefined) : undefined
    if (refusal?.code) refusals.push(refusal)
    else if (!refusals.some((r) => r.code === 'malformed')) refusals.push({ code: 'malformed' })
  }
  return { ok: false, refusals }
}

// ---------------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------------

export interface WeightedBallot<C> {
  choices: C
  weight: MilliWeight
}

/** A count both ways: by weight (milli-weights) and by head (ballots). */
export interface Tally {
  weight: MilliWeight
  ballots: number
}

/** A ballot that cannot be counted: the tally stops rather than skipping it. */
export class CountError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`ballot ${index}: ${reason}`)
    this.name = 'CountError'
  }
}

const weightOf = (ballot: WeightedBallot<unknown>, index: number): MilliWeight => {
  if (!isMilliWeight(ballot.weight)) throw new CountError(index, `weight ${String(ballot.weight)} is not a milli-weight`)
  return ballot.weight
}

const emptyTally = (): Tally => ({ weight: 0, ballots: 0 })

/** Competition ranking over a list already sorted best first: equal keys share a rank (1, 2, 2, 4). */
function withRanks<T>(sorted: T[], same: (a: T, b: T) => boolean): Array<T & { rank: number }> {
  let rank = 0
  return sorted.map((item, i) => {
    if (i === 0 || !same(sorted[i - 1]!, item)) rank = i + 1
    return { ...item, rank }
  })
}

function indexOfOptions(options: readonly string[]) {
  return new Map(options.map((id, i) => [id, i]))
}

function optionIndex(index: ReadonlyMap<string, number>, id: unknown, ballot: number): number {
  const i = typeof id === 'string' ? index.get(id) : undefined
  if (i === undefined) throw new CountError(ballot, `unknown option ${String(id)}`)
  return i
}

// yes / no / abstain ----------------------------------------------------------------------------

export interface YesNoResult {
  method: 'yesno'
  yes: Tally
  no: Tally
  abstain: Tally
  /** Every ballot counted; its weight is the turnout weight. */
  turnout: Tally
  /** Weight of yes over weight of yes and no (abstentions left out). */
  yesShare: Ratio
  /** The same by head. */
  yesShareByHead: Ratio
  /** Which answer has more weight; a process's quorum or threshold is judged on top of this. */
  majority: 'yes' | 'no' | 'tie' | 'none'
}

export function countYesNo(ballots: readonly WeightedBallot<YesNoChoices>[]): YesNoResult {
  let yesW = 0,
    noW = 0,
    abstainW = 0,
    yesN = 0,
    noN = 0,
    abstainN = 0
  for (let i = 0; i < ballots.length; i++) {
    const ballot = ballots[i]!
    const w = weightOf(ballot, i)
    const answer = ballot.choices?.answer
    if (answer === 'yes') {
      yesW += w
      yesN += 1
    } else if (answer === 'no') {
      noW += w
      noN += 1
    } else if (answer === 'abstain') {
      abstainW += w
      abstainN += 1
    } else throw new CountError(i, `unknown answer ${String(answer)}`)
  }
  const turnoutWeight = assertExact(yesW + noW + abstainW, 'turnout weight')
  return {
    method: 'yesno',
    yes: { weight: yesW, ballots: yesN },
    no: { weight: noW, ballots: noN },
    abstain: { weight: abstainW, ballots: abstainN },
    turnout: { weight: turnoutWeight, ballots: ballots.length },
    yesShare: { numerator: yesW, denominator: yesW + noW },
    yesShareByHead: { numerator: yesN, denominator: yesN + noN },
    majority: yesW + noW === 0 ? 'none' : yesW > noW ? 'yes' : noW > yesW ? 'no' : 'tie',
  }
}

// approval ------------------------------------------------------------------------------------

export interface OptionTally extends Tally {
  option: string
  /** 1 is first; options with equal weight share a rank. */
  rank: number
}

export interface ApprovalResult {
  method: 'approval'
  /** By weight of approvals, most first; equal weights in the process's option order. */
  options: OptionTally[]
  /** Ballots approving nothing (a blank vote, when minChoices is 0). */
  blank: Tally
  turnout: Tally
}

export function countApproval(spec: Pick<ApprovalSpec, 'options'>, ballots: readonly WeightedBallot<ApprovalChoices>[]): ApprovalResult {
  const index = indexOfOptions(spec.options)
  const weight = new Array<number>(spec.options.length).fill(0)
  const heads = new Array<number>(spec.options.length).fill(0)
  const seen = new Int32Array(spec.options.length).fill(-1)
  const blank = emptyTally()
  let turnout = 0
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b]!
    const w = weightOf(ballot, b)
    const approved = ballot.choices?.approved
    if (!Array.isArray(approved)) throw new CountError(b, 'no list of approvals')
    for (const id of approved) {
      const i = optionIndex(index, id, b)
      if (seen[i] === b) throw new CountError(b, `option ${id} approved twice`)
      seen[i] = b
      weight[i]! += w
      heads[i]! += 1
    }
    if (approved.length === 0) {
      blank.weight += w
      blank.ballots += 1
    }
    turnout += w
  }
  const options = spec.options.map((option, i) => ({ option, weight: assertExact(weight[i]!, option), ballots: heads[i]! })).sort((a, b) => b.weight - a.weight)
  return {
    method: 'approval',
    options: withRanks(options, (a, b) => a.weight === b.weight),
    blank,
    turnout: { weight: assertExact(turnout, 'turnout weight'), ballots: ballots.length },
  }
}

// quadratic -------------------------------------------------------------------------------------

export interface QuadraticOptionTally {
  option: string
  /** Σ weight × votes, in milli-votes: one voter of weight 1 casting 3 votes gives 3000. */
  votes: number
  /** Σ votes, unweighted. */
  rawVotes: number
  /** Ballots giving this option at least one vote. */
  ballots: number
  rank: number
}

export interface QuadraticResult {
  method: 'quadratic'
  /** By weighted votes, most first; equal in the process's option order. */
  options: QuadraticOptionTally[]
  /** Voice credits spent over all ballots (Σ votes², unweighted) against credits × ballots. */
  creditsSpent: number
  creditsAvailable: number
  turnout: Tally
}

export function countQuadratic(spec: Pick<QuadraticSpec, 'options' | 'credits'>, ballots: readonly WeightedBallot<QuadraticChoices>[]): QuadraticResult {
  const index = indexOfOptions(spec.options)
  const votes = new Array<number>(spec.options.length).fill(0)
  const raw = new Array<number>(spec.options.length).fill(0)
  const heads = new Array<number>(spec.options.length).fill(0)
  let turnout = 0
  let spent = 0
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b]!
    const w = weightOf(ballot, b)
    const given = ballot.choices?.votes
    if (typeof given !== 'object' || given === null) throw new CountError(b, 'no votes')
    for (const [id, n] of Object.entries(given)) {
      const i = optionIndex(index, id, b)
      if (!Number.isSafeInteger(n) || n < 0) throw new CountError(b, `votes on ${id} are not a whole number ≥ 0`)
      if (n === 0) continue
      votes[i]! += w * n
      raw[i]! += n
      heads[i]! += 1
      spent += n * n
    }
    turnout += w
  }
  const options = spec.options.map((option, i) => ({ option, votes: assertExact(votes[i]!, option), rawVotes: raw[i]!, ballots: heads[i]! })).sort((a, b) => b.votes - a.votes)
  return {
    method: 'quadratic',
    options: withRanks(options, (a, b) => a.votes === b.votes),
    creditsSpent: assertExact(spent, 'credits spent'),
    creditsAvailable: spec.credits * ballots.length,
    turnout: { weight: assertExact(turnout, 'turnout weight'), ballots: ballots.length },
  }
}

// participatory budget ------------------------------------------------------------------------

export type ProjectOutcome = 'selected' | 'doesNotFit' | 'noVotes'

export interface ProjectRow {
  /** 1-based place in the pot's ordered list. */
  position: number
  project: string
  cost: number
  /** Weighted votes (milli-weights) and the ballots that chose it. */
  votes: MilliWeight
  ballots: number
  outcome: ProjectOutcome
  /** Money left in the pot when the walk reached this project (before funding it, if it was). */
  moneyLeft: number
}

export interface PotResult {
  pot: string
  areaId: number | null
  budget: number
  spent: number
  left: number
  /** Ballots that chose at least one project in this pot. */
  turnout: Tally
  /** Every project of the pot in the order of the walk. */
  projects: ProjectRow[]
}

export interface BudgetResult {
  method: 'budget'
  pots: PotResult[]
  turnout: Tally
}

/**
 * Winners by CONSUL's rule, per pot: projects by weighted votes, most first (equal votes: the
 * cheaper first, so the money goes further; then by id, so the order never depends on the
 * database); walk the list funding each project the money left allows, skipping one that does
 * not fit and going on, so a cheaper project further down can still be funded. Unlike CONSUL
 * (ties by newest id, and it funds projects nobody voted for when money is left over), a project
 * without votes is never selected — as in Decidim.
 */
export function countBudget(spec: Pick<BudgetSpec, 'pots' | 'projects'>, ballots: readonly WeightedBallot<BudgetChoices>[]): BudgetResult {
  const index = indexOfOptions(spec.projects.map((p) => p.id))
  const potIndex = indexOfOptions(spec.pots.map((p) => p.id))
  const projectPot = spec.projects.map((p) => {
    const i = potIndex.get(p.pot)
    if (i === undefined) throw new RangeError(`project ${p.id} is in unknown pot ${p.pot}`)
    return i
  })
  const votes = new Array<number>(spec.projects.length).fill(0)
  const heads = new Array<number>(spec.projects.length).fill(0)
  const seen = new Int32Array(spec.projects.length).fill(-1)
  const potSeen = new Int32Array(spec.pots.length).fill(-1)
  const potTurnout = spec.pots.map(emptyTally)
  let turnout = 0
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b]!
    const w = weightOf(ballot, b)
    const chosen = ballot.choices?.projects
    if (!Array.isArray(chosen)) throw new CountError(b, 'no list of projects')
    for (const id of chosen) {
      const i = optionIndex(index, id, b)
      if (seen[i] === b) throw new CountError(b, `project ${id} chosen twice`)
      seen[i] = b
      votes[i]! += w
      heads[i]! += 1
      const pot = projectPot[i]!
      if (potSeen[pot] !== b) {
        potSeen[pot] = b
        potTurnout[pot]!.weight += w
        potTurnout[pot]!.ballots += 1
      }
    }
    turnout += w
  }
  const pots = spec.pots.map((pot, p): PotResult => {
    const rows = spec.projects
      .map((project, i) => ({ project, votes: assertExact(votes[i]!, project.id), ballots: heads[i]!, pot: projectPot[i]! }))
      .filter((row) => row.pot === p)
      .sort((a, b) => b.votes - a.votes || a.project.cost - b.project.cost || compareIds(a.project.id, b.project.id))
    let left = pot.budget
    const projects = rows.map((row, i): ProjectRow => {
      const moneyLeft = left
      const outcome: ProjectOutcome = row.votes === 0 ? 'noVotes' : row.project.cost <= left ? 'selected' : 'doesNotFit'
      if (outcome === 'selected') left -= row.project.cost
      return { position: i + 1, project: row.project.id, cost: row.project.cost, votes: row.votes, ballots: row.ballots, outcome, moneyLeft }
    })
    return { pot: pot.id, areaId: pot.areaId, budget: pot.budget, spent: pot.budget - left, left, turnout: potTurnout[p]!, projects }
  })
  return { method: 'budget', pots, turnout: { weight: assertExact(turnout, 'turnout weight'), ballots: ballots.length } }
}

/** Code-unit order, the same in every locale and database. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

// ranked, counted by Schulze -----------------------------------------------------------------

export interface RankedResult {
  method: 'ranked'
  /** The matrices' row and column order: the process's option order. */
  options: string[]
  /** d[i][j]: weight (milli-weights) of the ballots ranking option i above option j. */
  d: number[][]
  /** p[i][j]: strength of the strongest (widest) path from i to j; 0 where there is none. */
  p: number[][]
  /** Options no other option beats: one, or several when tied. */
  winners: string[]
  /** The Schulze order as levels, best first; options in one level are tied. */
  ranking: string[][]
  turnout: Tally
}

/**
 * The weighted pairwise matrix. Identical rankings are grouped first, so a million ballots over a
 * handful of orders cost a handful of matrix updates rather than a million.
 */
export function pairwiseMatrix(options: readonly string[], ballots: readonly WeightedBallot<RankedChoices>[]): number[][] {
  const n = options.length
  const index = indexOfOptions(options)
  const groups = new Map<string, { ranking: number[]; weight: number }>()
  const seen = new Int32Array(n).fill(-1)
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b]!
    const w = weightOf(ballot, b)
    const ranking = ballot.choices?.ranking
    if (!Array.isArray(ranking)) throw new CountError(b, 'no ranking')
    // Option ids cannot contain a space (OPTION_ID), so this key is unambiguous.
    const key = ranking.join(' ')
    const group = groups.get(key)
    if (group) {
      group.weight += w
      continue
    }
    const indices = ranking.map((id) => {
      const i = optionIndex(index, id, b)
      if (seen[i] === b) throw new CountError(b, `option ${id} ranked twice`)
      seen[i] = b
      return i
    })
    groups.set(key, { ranking: indices, weight: w })
  }
  const d = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  const ranked = new Uint8Array(n)
  for (const { ranking, weight } of groups.values()) {
    if (weight === 0) continue
    ranked.fill(0)
    for (const i of ranking) ranked[i] = 1
    for (let a = 0; a < ranking.length; a++) {
      const row = d[ranking[a]!]!
      // Above every option ranked lower…
      for (let b = a + 1; b < ranking.length; b++) row[ranking[b]!]! += weight
      // …and above every option not ranked at all.
      for (let u = 0; u < n; u++) if (!ranked[u]) row[u]! += weight
    }
  }
  for (const row of d) for (const cell of row) assertExact(cell, 'pairwise count')
  return d
}

/**
 * Schulze from the pairwise matrix (Schulze 2011, §2.3): p[i][j] = d[i][j] where i beats j, else 0;
 * then widest paths by Floyd–Warshall, a path being as strong as its weakest link. Option i beats
 * j when p[i][j] > p[j][i]; that relation is transitive (ibid. §4.1), so peeling off the unbeaten
 * level by level gives the full order with ties. No tie-breaking: tied options are reported tied.
 */
export function schulze(options: readonly string[], d: readonly (readonly number[])[]) {
  const n = options.length
  const p = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i !== j && d[i]![j]! > d[j]![i]! ? d[i]![j]! : 0)))
  for (let i = 0; i < n; i++) {
    const pi = p[i]!
    for (let j = 0; j < n; j++) {
      if (j === i) continue
      const pj = p[j]!
      const ji = pj[i]!
      if (ji === 0) continue
      for (let k = 0; k < n; k++) {
        if (k === i || k === j) continue
        const via = Math.min(ji, pi[k]!)
        if (via > pj[k]!) pj[k] = via
      }
    }
  }
  const beats = (i: number, j: number) => p[i]![j]! > p[j]![i]!
  const ranking: string[][] = []
  let remaining = options.map((_, i) => i)
  while (remaining.length > 0) {
    const level = remaining.filter((i) => !remaining.some((j) => beats(j, i)))
    // Cannot happen (the relation is a strict partial order), but never loop forever on a bug.
    if (level.length === 0) throw new Error('Schulze: no unbeaten option left')
    ranking.push(level.map((i) => options[i]!))
    remaining = remaining.filter((i) => !level.includes(i))
  }
  return { p, winners: ranking[0] ?? [], ranking }
}

export function countRanked(spec: Pick<RankedSpec, 'options'>, ballots: readonly WeightedBallot<RankedChoices>[]): RankedResult {
  const d = pairwiseMatrix(spec.options, ballots)
  const { p, winners, ranking } = schulze(spec.options, d)
  let turnout = 0
  for (const ballot of ballots) turnout += ballot.weight
  return {
    method: 'ranked',
    options: [...spec.options],
    d,
    p,
    winners,
    ranking,
    turnout: { weight: assertExact(turnout, 'turnout weight'), ballots: ballots.length },
  }
}

// any method ----------------------------------------------------------------------------------

export type MethodResult = YesNoResult | ApprovalResult | QuadraticResult | BudgetResult | RankedResult

/**
 * Counts ballots read back from storage under the process's spec. Choices are checked while
 * counting (CountError on anything a valid ballot cannot contain); limits such as credits or money
 * per ballot were enforced when the ballot was cast and are guarded by the hash chain.
 */
export function countBallots(spec: MethodSpec, ballots: readonly WeightedBallot<unknown>[]): MethodResult {
  switch (spec.method) {
    case 'yesno':
      return countYesNo(ballots as readonly WeightedBallot<YesNoChoices>[])
    case 'approval':
      return countApproval(spec, ballots as readonly WeightedBallot<ApprovalChoices>[])
    case 'quadratic':
      return countQuadratic(spec, ballots as readonly WeightedBallot<QuadraticChoices>[])
    case 'budget':
      return countBudget(spec, ballots as readonly WeightedBallot<BudgetChoices>[])
    case 'ranked':
      return countRanked(spec, ballots as readonly WeightedBallot<RankedChoices>[])
  }
}
