import { describe, expect, it } from 'vitest'
import { formatPercent } from './arithmetic'
import {
  CountError,
  countApproval,
  countBallots,
  countBudget,
  countQuadratic,
  countRanked,
  countYesNo,
  methodSpecSchema,
  pairwiseMatrix,
  schulze,
  validateBallot,
  type ApprovalSpec,
  type BudgetSpec,
  type QuadraticSpec,
  type RankedChoices,
  type RankedSpec,
  type WeightedBallot,
  type YesNoChoices,
} from './methods'

const spec = <T>(input: unknown) => methodSpecSchema.parse(input) as T

describe('yes / no / abstain', () => {
  it('totals by weight and by head, the share of yes among yes and no, the turnout weight', () => {
    const result = countYesNo([
      { choices: { answer: 'yes' }, weight: 1000 },
      { choices: { answer: 'yes' }, weight: 500 },
      { choices: { answer: 'no' }, weight: 1000 },
      { choices: { answer: 'abstain' }, weight: 250 },
    ])
    expect(result.yes).toEqual({ weight: 1500, ballots: 2 })
    expect(result.no).toEqual({ weight: 1000, ballots: 1 })
    expect(result.abstain).toEqual({ weight: 250, ballots: 1 })
    expect(result.turnout).toEqual({ weight: 2750, ballots: 4 })
    expect(result.yesShare).toEqual({ numerator: 1500, denominator: 2500 })
    expect(formatPercent(result.yesShare)).toBe('60.0%')
    expect(formatPercent(result.yesShareByHead)).toBe('66.7%')
    expect(formatPercent(result.yesShareByHead, 'fr')).toMatch(/^66,7\s%$/)
    expect(result.majority).toBe('yes')
  })

  it('says when there is nothing to share or a tie', () => {
    const none = countYesNo([{ choices: { answer: 'abstain' }, weight: 1000 }])
    expect(none.majority).toBe('none')
    expect(formatPercent(none.yesShare)).toBeNull()
    expect(
      countYesNo([
        { choices: { answer: 'yes' }, weight: 500 },
        { choices: { answer: 'no' }, weight: 250 },
        { choices: { answer: 'no' }, weight: 250 },
      ]).majority,
    ).toBe('tie')
  })

  it('counts a million ballots in one linear pass, exactly (timing belongs to npm run bench)', () => {
    const answers = ['yes', 'no', 'abstain'] as const
    const weights = [1000, 500, 250, 125]
    const ballots: WeightedBallot<YesNoChoices>[] = Array.from({ length: 1_000_000 }, (_, i) => ({
      choices: { answer: answers[i % 3]! },
      weight: weights[i % 4]!,
    }))
    const result = countYesNo(ballots)
    expect(result.turnout).toEqual({ weight: 250 * 1875 * 1000, ballots: 1_000_000 })
    expect(result.yes.ballots + result.no.ballots + result.abstain.ballots).toBe(1_000_000)
    expect(result.yes.weight + result.no.weight + result.abstain.weight).toBe(result.turnout.weight)
  })

  it('refuses an answer that is not yes, no or abstain', () => {
    expect(validateBallot({ method: 'yesno' }, { answer: 'maybe' })).toEqual({ ok: false, refusals: [{ code: 'malformed' }] })
    expect(validateBallot({ method: 'yesno' }, { answer: 'no' })).toEqual({ ok: true, choices: { answer: 'no' } })
  })
})

describe('approval (choose up to k of n)', () => {
  const approval = spec<ApprovalSpec>({ method: 'approval', options: ['a', 'b', 'c', 'd'], maxChoices: 2 })

  it('accepts up to k known options, blank included, and stores them in option order', () => {
    expect(validateBallot(approval, { approved: ['b', 'a'] })).toEqual({ ok: true, choices: { approved: ['a', 'b'] } })
    expect(validateBallot(approval, { approved: [] })).toEqual({ ok: true, choices: { approved: [] } })
  })

  it('refuses too many, too few, unknown and repeated choices with codes', () => {
    expect(validateBallot(approval, { approved: ['a', 'b', 'c'] })).toEqual({ ok: false, refusals: [{ code: 'tooManyChoices', max: 2, given: 3 }] })
    expect(validateBallot(approval, { approved: ['a', 'a'] })).toEqual({ ok: false, refusals: [{ code: 'duplicateChoice', option: 'a' }] })
    expect(validateBallot(approval, { approved: ['z'] })).toEqual({ ok: false, refusals: [{ code: 'unknownOption', option: 'z' }] })
    expect(validateBallot(approval, { approved: 'a' })).toEqual({ ok: false, refusals: [{ code: 'malformed' }] })
    expect(validateBallot(approval, { approved: [], extra: 1 })).toEqual({ ok: false, refusals: [{ code: 'malformed' }] })
    const atLeastOne = spec<ApprovalSpec>({ method: 'approval', options: ['a', 'b'], minChoices: 1, maxChoices: 1 })
    expect(validateBallot(atLeastOne, { approved: [] })).toEqual({ ok: false, refusals: [{ code: 'tooFewChoices', min: 1, given: 0 }] })
  })

  it('orders options by weighted approvals; equal weights share a rank', () => {
    const result = countApproval(approval, [
      { choices: { approved: ['a', 'b'] }, weight: 1000 },
      { choices: { approved: ['b', 'c'] }, weight: 500 },
      { choices: { approved: ['c'] }, weight: 250 },
      { choices: { approved: [] }, weight: 1000 },
      { choices: { approved: ['a', 'b'] }, weight: 500 },
      { choices: { approved: ['c'] }, weight: 750 },
    ])
    expect(result.options).toEqual([
      { option: 'b', weight: 2000, ballots: 3, rank: 1 },
      { option: 'a', weight: 1500, ballots: 2, rank: 2 },
      { option: 'c', weight: 1500, ballots: 3, rank: 2 },
      { option: 'd', weight: 0, ballots: 0, rank: 4 },
    ])
    expect(result.blank).toEqual({ weight: 1000, ballots: 1 })
    expect(result.turnout).toEqual({ weight: 4000, ballots: 6 })
  })
})

describe('quadratic (9 voice credits, n votes cost n²)', () => {
  const quadratic = spec<QuadraticSpec>({ method: 'quadratic', options: ['x', 'y', 'z'], credits: 9 })

  it('accepts 3 votes on one option (9 credits) and 2 + 2 (8 credits)', () => {
    expect(validateBallot(quadratic, { votes: { x: 3 } })).toEqual({ ok: true, choices: { votes: { x: 3 } } })
    expect(validateBallot(quadratic, { votes: { y: 2, x: 2, z: 0 } })).toEqual({ ok: true, choices: { votes: { x: 2, y: 2 } } })
  })

  it('refuses 3 + 1 (10 credits), negative or fractional votes and unknown options', () => {
    expect(validateBallot(quadratic, { votes: { x: 3, y: 1 } })).toEqual({ ok: false, refusals: [{ code: 'overCredits', credits: 9, used: 10 }] })
    expect(validateBallot(quadratic, { votes: { x: -1 } })).toEqual({ ok: false, refusals: [{ code: 'invalidVotes', option: 'x' }] })
    expect(validateBallot(quadratic, { votes: { x: 1.5 } })).toEqual({ ok: false, refusals: [{ code: 'invalidVotes', option: 'x' }] })
    expect(validateBallot(quadratic, { votes: { w: 1 } })).toEqual({ ok: false, refusals: [{ code: 'unknownOption', option: 'w' }] })
  })

  it('sums weighted votes per option', () => {
    const result = countQuadratic(quadratic, [
      { choices: { votes: { x: 3 } }, weight: 1000 },
      { choices: { votes: { x: 2, y: 2 } }, weight: 500 },
      { choices: { votes: { y: 1, z: 2 } }, weight: 250 },
    ])
    expect(result.options).toEqual([
      { option: 'x', votes: 4000, rawVotes: 5, ballots: 2, rank: 1 },
      { option: 'y', votes: 1250, rawVotes: 3, ballots: 2, rank: 2 },
      { option: 'z', votes: 500, rawVotes: 2, ballots: 1, rank: 3 },
    ])
    expect(result.creditsSpent).toBe(9 + 8 + 5)
    expect(result.creditsAvailable).toBe(27)
    expect(result.turnout).toEqual({ weight: 1750, ballots: 3 })
  })
})

describe('participatory budget (CONSUL rule)', () => {
  const cityOnly = spec<BudgetSpec>({
    method: 'budget',
    pots: [{ id: 'city', areaId: null, budget: 100, ballotLimit: 100 }],
    projects: [
      { id: 'A', pot: 'city', cost: 60 },
      { id: 'B', pot: 'city', cost: 50 },
      { id: 'C', pot: 'city', cost: 30 },
      { id: 'D', pot: 'city', cost: 20 },
      { id: 'E', pot: 'city', cost: 10 },
      { id: 'F', pot: 'city', cost: 10 },
      { id: 'G', pot: 'city', cost: 15 },
    ],
  })

  it('walks the list by votes: a project that does not fit is skipped and cheaper ones below it are still funded', () => {
    const ballots = (
      [
        [['A', 'D'], 1000],
        [['A', 'G'], 1000],
        [['A', 'C'], 1000],
        [['A', 'G'], 1000],
        [['A', 'E'], 1000],
        [['B', 'G', 'C'], 1000],
        [['B', 'C'], 1000],
        [['B', 'D'], 500],
        [['B', 'D'], 500],
        [['B'], 1000],
      ] as const
    ).map(([projects, weight]) => ({ choices: { projects: [...projects] }, weight }))
    for (const ballot of ballots) expect(validateBallot(cityOnly, ballot.choices).ok).toBe(true)

    const [city] = countBudget(cityOnly, ballots).pots
    // A (most votes) takes 60 of 100. B, second, costs 50 > 40 left: skipped, not the end of the walk.
    // G and C tie on votes: the cheaper G first. G fits (25 left), C does not, D does (5 left), E does not.
    expect(city!.projects).toEqual([
      { position: 1, project: 'A', cost: 60, votes: 5000, ballots: 5, outcome: 'selected', moneyLeft: 100 },
      { position: 2, project: 'B', cost: 50, votes: 4000, ballots: 5, outcome: 'doesNotFit', moneyLeft: 40 },
      { position: 3, project: 'G', cost: 15, votes: 3000, ballots: 3, outcome: 'selected', moneyLeft: 40 },
      { position: 4, project: 'C', cost: 30, votes: 3000, ballots: 3, outcome: 'doesNotFit', moneyLeft: 25 },
      { position: 5, project: 'D', cost: 20, votes: 2000, ballots: 3, outcome: 'selected', moneyLeft: 25 },
      { position: 6, project: 'E', cost: 10, votes: 1000, ballots: 1, outcome: 'doesNotFit', moneyLeft: 5 },
      { position: 7, project: 'F', cost: 10, votes: 0, ballots: 0, outcome: 'noVotes', moneyLeft: 5 },
    ])
    expect(city).toMatchObject({ budget: 100, spent: 95, left: 5, turnout: { weight: 9000, ballots: 10 } })
  })

  it('breaks a tie of votes and cost by id, whatever order the projects come in', () => {
    const tied = spec<BudgetSpec>({
      method: 'budget',
      pots: [{ id: 'city', areaId: null, budget: 10, ballotLimit: 20 }],
      projects: [
        { id: 'q', pot: 'city', cost: 10 },
        { id: 'p', pot: 'city', cost: 10 },
      ],
    })
    const [city] = countBudget(tied, [{ choices: { projects: ['p', 'q'] }, weight: 1000 }]).pots
    expect(city!.projects.map((row) => [row.project, row.outcome])).toEqual([
      ['p', 'selected'],
      ['q', 'doesNotFit'],
    ])
  })

  const districts = spec<BudgetSpec>({
    method: 'budget',
    pots: [
      { id: 'city', areaId: null, budget: 100, ballotLimit: 100 },
      { id: 'north', areaId: 1, budget: 50, ballotLimit: 50 },
      { id: 'south', areaId: 2, budget: 40, ballotLimit: 40 },
    ],
    projects: [
      { id: 'c1', pot: 'city', cost: 60 },
      { id: 'c2', pot: 'city', cost: 50 },
      { id: 'n1', pot: 'north', cost: 30 },
      { id: 'n2', pot: 'north', cost: 25 },
      { id: 's1', pot: 'south', cost: 40 },
      { id: 's2', pot: 'south', cost: 10 },
    ],
  })

  it('applies the money limit per pot, one district per ballot (by default) and the voter’s own district when asked', () => {
    expect(districts.maxDistricts).toBe(1)
    expect(validateBallot(districts, { projects: ['n1', 'c1'] })).toEqual({ ok: true, choices: { projects: ['c1', 'n1'] } })
    expect(validateBallot(districts, { projects: ['c1', 'n1', 's1'] })).toEqual({ ok: false, refusals: [{ code: 'tooManyDistricts', max: 1, given: 2 }] })
    expect(validateBallot(districts, { projects: ['n1', 'n2'] })).toEqual({ ok: false, refusals: [{ code: 'overBudget', pot: 'north', limit: 50, total: 55 }] })
    expect(validateBallot(districts, { projects: ['c1', 'c2'] })).toEqual({ ok: false, refusals: [{ code: 'overBudget', pot: 'city', limit: 100, total: 110 }] })
    expect(validateBallot(districts, { projects: ['n1'] }, { voterAreaIds: [2] })).toEqual({ ok: false, refusals: [{ code: 'districtNotAllowed', pot: 'north' }] })
    expect(validateBallot(districts, { projects: ['s1', 'c1'] }, { voterAreaIds: [2] }).ok).toBe(true)
    expect(validateBallot(districts, { projects: ['c1', 'c1'] })).toEqual({ ok: false, refusals: [{ code: 'duplicateChoice', option: 'c1' }] })
    expect(validateBallot(districts, { projects: ['x9'] })).toEqual({ ok: false, refusals: [{ code: 'unknownOption', option: 'x9' }] })
  })

  it('counts each pot on its own money', () => {
    const result = countBudget(districts, [
      { choices: { projects: ['c1', 'n1'] }, weight: 1000 },
      { choices: { projects: ['c2', 'n2'] }, weight: 1000 },
      { choices: { projects: ['c2', 's1'] }, weight: 500 },
      { choices: { projects: ['s2'] }, weight: 1000 },
    ])
    const summary = result.pots.map((pot) => ({
      pot: pot.pot,
      left: pot.left,
      turnout: pot.turnout,
      rows: pot.projects.map((row) => `${row.project} ${row.votes} ${row.outcome} ${row.moneyLeft}`),
    }))
    expect(summary).toEqual([
      { pot: 'city', left: 50, turnout: { weight: 2500, ballots: 3 }, rows: ['c2 1500 selected 100', 'c1 1000 doesNotFit 50'] },
      // n1 and n2 tie on votes: the cheaper n2 first.
      { pot: 'north', left: 25, turnout: { weight: 2000, ballots: 2 }, rows: ['n2 1000 selected 50', 'n1 1000 doesNotFit 25'] },
      { pot: 'south', left: 30, turnout: { weight: 1500, ballots: 2 }, rows: ['s2 1000 selected 40', 's1 500 doesNotFit 30'] },
    ])
    expect(result.turnout).toEqual({ weight: 3500, ballots: 4 })
  })

  it('refuses a spec whose project is in no pot', () => {
    const parsed = methodSpecSchema.safeParse({
      method: 'budget',
      pots: [{ id: 'city', areaId: null, budget: 10, ballotLimit: 10 }],
      projects: [{ id: 'p', pot: 'nowhere', cost: 5 }],
    })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['voting:spec.unknownPot'])
  })
})

describe('ranked, counted by Schulze', () => {
  // Wikipedia, "Schulze method", the example with 45 voters and 5 candidates.
  const options = ['A', 'B', 'C', 'D', 'E']
  const wikipedia: Array<[number, string]> = [
    [5, 'ACBED'],
    [5, 'ADECB'],
    [8, 'BEDAC'],
    [3, 'CABED'],
    [7, 'CAEBD'],
    [2, 'CBADE'],
    [7, 'DCEBA'],
    [8, 'EBADC'],
  ]
  const ballots = (groups: Array<[number, string]>, weight = 1000): WeightedBallot<RankedChoices>[] =>
    groups.flatMap(([voters, order]) => Array.from({ length: voters }, () => ({ choices: { ranking: [...order] }, weight })))
  const ranked = spec<RankedSpec>({ method: 'ranked', options, maxChoices: 5 })

  it('finds the full d and p matrices of the Wikipedia example, and E as the winner', () => {
    const result = countRanked(ranked, ballots(wikipedia))
    const thousands = (m: number[][]) => m.map((row) => row.map((cell) => cell / 1000))
    expect(thousands(result.d)).toEqual([
      [0, 20, 26, 30, 22],
      [25, 0, 16, 33, 18],
      [19, 29, 0, 17, 24],
      [15, 12, 28, 0, 14],
      [23, 27, 21, 31, 0],
    ])
    expect(thousands(result.p)).toEqual([
      [0, 28, 28, 30, 24],
      [25, 0, 28, 33, 24],
      [25, 29, 0, 29, 24],
      [25, 28, 28, 0, 24],
      [25, 28, 28, 31, 0],
    ])
    expect(result.winners).toEqual(['E'])
    expect(result.ranking).toEqual([['E'], ['A'], ['C'], ['B'], ['D']])
    expect(result.turnout).toEqual({ weight: 45_000, ballots: 45 })
  })

  it('lets weights decide a cycle: C wins by head, A by weight', () => {
    const abc = spec<RankedSpec>({ method: 'ranked', options: ['A', 'B', 'C'], maxChoices: 3 })
    const byHead = countRanked(abc, [...ballots([[2, 'ABC']]), ...ballots([[3, 'BCA']]), ...ballots([[4, 'CAB']])])
    expect(byHead.ranking).toEqual([['C'], ['A'], ['B']])
    // Ranked by weight 1, 0.5 and 0.25: d(A,B) = 2000 + 1000, d(B,C) = 2000 + 1500, d(C,A) = 1500 + 1000.
    const weighted = countRanked(abc, [...ballots([[2, 'ABC']], 1000), ...ballots([[3, 'BCA']], 500), ...ballots([[4, 'CAB']], 250)])
    expect(weighted.d).toEqual([
      [0, 3000, 2000],
      [1500, 0, 3500],
      [2500, 1000, 0],
    ])
    expect(weighted.p).toEqual([
      [0, 3000, 3000],
      [2500, 0, 3500],
      [2500, 2500, 0],
    ])
    expect(weighted.winners).toEqual(['A'])
    expect(weighted.ranking).toEqual([['A'], ['B'], ['C']])
  })

  it('puts unranked options below the ranked ones, tied among themselves, and reports ties', () => {
    const abc = ['A', 'B', 'C']
    expect(pairwiseMatrix(abc, [{ choices: { ranking: ['B'] }, weight: 500 }])).toEqual([
      [0, 0, 0],
      [500, 0, 500],
      [0, 0, 0],
    ])
    const tie = countRanked({ options: abc }, [
      { choices: { ranking: ['A', 'B'] }, weight: 1000 },
      { choices: { ranking: ['B', 'A'] }, weight: 1000 },
    ])
    expect(tie.winners).toEqual(['A', 'B'])
    expect(tie.ranking).toEqual([['A', 'B'], ['C']])
    expect(schulze(abc, pairwiseMatrix(abc, [])).ranking).toEqual([['A', 'B', 'C']])
  })

  it('refuses an option ranked twice, unknown options and too long a ranking', () => {
    expect(validateBallot(ranked, { ranking: ['A', 'B', 'A'] })).toEqual({ ok: false, refusals: [{ code: 'duplicateRank', option: 'A' }] })
    expect(validateBallot(ranked, { ranking: ['Q'] })).toEqual({ ok: false, refusals: [{ code: 'unknownOption', option: 'Q' }] })
    const topTwo = spec<RankedSpec>({ method: 'ranked', options, maxChoices: 2 })
    expect(validateBallot(topTwo, { ranking: ['E', 'A', 'C'] })).toEqual({ ok: false, refusals: [{ code: 'tooManyChoices', max: 2, given: 3 }] })
    expect(validateBallot(topTwo, { ranking: ['E', 'A'] })).toEqual({ ok: true, choices: { ranking: ['E', 'A'] } })
  })
})

describe('counting stored ballots', () => {
  it('dispatches on the method and stops loudly at a ballot it cannot count', () => {
    const approval = spec<ApprovalSpec>({ method: 'approval', options: ['a', 'b'], maxChoices: 1 })
    expect(countBallots(approval, [{ choices: { approved: ['a'] }, weight: 1000 }]).method).toBe('approval')
    expect(() =>
      countBallots(approval, [
        { choices: { approved: ['a'] }, weight: 1000 },
        { choices: { approved: ['zz'] }, weight: 1000 },
      ]),
    ).toThrow(new CountError(1, 'unknown option zz'))
    expect(() => countBallots({ method: 'yesno' }, [{ choices: { answer: 'yes' }, weight: 0.5 }])).toThrow(CountError)
    expect(() => countBallots({ method: 'yesno' }, [{ choices: { answer: 'perhaps' }, weight: 1000 }])).toThrow(CountError)
  })

  it('refuses specs an administrator could get wrong', () => {
    const bad = (input: unknown) => methodSpecSchema.safeParse(input).error?.issues.map((i) => i.message)
    expect(bad({ method: 'approval', options: ['a', 'b'], maxChoices: 3 })).toEqual(['voting:spec.choiceLimits'])
    expect(bad({ method: 'approval', options: ['a', 'a'], maxChoices: 1 })).toEqual(['voting:spec.duplicateId'])
    expect(bad({ method: 'quadratic', options: ['a', 'b'], credits: 0 })).toEqual(['voting:spec.amount'])
    expect(bad({ method: 'ranked', options: ['a'], maxChoices: 1 })).toEqual(['voting:spec.tooFewOptions'])
  })
})
