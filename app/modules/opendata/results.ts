import type { MethodResult } from '../voting/methods'

/** One row of a published voting result, whatever the method (pure). */
export interface ResultRow {
  pot: string | null
  option: string
  votes: number | null
  ballots: number | null
  rank: number | null
  outcome: string | null
  cost: number | null
}

const milli = (w: number) => Math.round(w) / 1000

/**
 * Flattens a method's result into rows: yes/no/abstain; approval and quadratic options with their
 * rank; participatory budget projects per pot with the outcome (selected, doesNotFit, noVotes)
 * and cost; ranked (Schulze) options with their level in the ranking (1 = best) and "winner".
 * Votes are in full votes (milli-weights / 1000), as the results page shows them.
 */
export function resultRows(result: MethodResult): ResultRow[] {
  switch (result.method) {
    case 'yesno':
      return (['yes', 'no', 'abstain'] as const).map((answer) => ({
        pot: null,
        option: answer,
        votes: milli(result[answer].weight),
        ballots: result[answer].ballots,
        rank: null,
        outcome: result.majority === answer ? 'majority' : null,
        cost: null,
      }))
    case 'approval':
      return result.options.map((o) => ({ pot: null, option: o.option, votes: milli(o.weight), ballots: o.ballots, rank: o.rank, outcome: null, cost: null }))
    case 'quadratic':
      return result.options.map((o) => ({ pot: null, option: o.option, votes: milli(o.votes), ballots: o.ballots, rank: o.rank, outcome: null, cost: null }))
    case 'budget':
      return result.pots.flatMap((pot) => pot.projects.map((p) => ({ pot: pot.pot, option: p.project, votes: milli(p.votes), ballots: p.ballots, rank: p.position, outcome: p.outcome, cost: p.cost })))
    case 'ranked': {
      const level = new Map<string, number>()
      result.ranking.forEach((options, i) => options.forEach((o) => level.set(o, i + 1)))
      return result.options.map((o) => ({
        pot: null,
        option: o,
        votes: null,
        ballots: null,
        rank: level.get(o) ?? null,
        outcome: result.winners.includes(o) ? 'winner' : null,
        cost: null,
      }))
    }
  }
}
