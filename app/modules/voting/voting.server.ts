import { registerDataExporter } from '../accounts/accounts.server'
import { votingDataOf } from './export.server'

/**
 * The voting engine's server side: who may vote in a process and with what weight, casting
 * ballots (one write: the previous ballot marked replaced, the new one appended to the hash chain,
 * the chain head and the running tallies updated), the live tally, the full count with
 * delegation, delegations themselves, and verification of everything from the ballots.
 *
 * The only code that writes `ballots`, `tallies`, `delegations` and `delegation_weights`; it writes
 * `voting_processes` only for `chain_head` and `ballots` (the chain's length), in the ballot's own
 * transaction. Processes are created, scheduled, closed and published by processes.server.ts.
 *
 * Tally keys (table `tallies`, one row per key, weight in milli-weights and a head count):
 *   every method   'ballots'          weight of the active direct ballots, and how many
 *   yesno          'yes' | 'no' | 'abstain'
 *   approval       'option:<id>'      weight of the ballots approving it; 'blank' for empty ballots
 *   quadratic      'option:<id>'      Σ weight × votes (milli-votes), ballots giving it ≥ 1 vote;
 *                  'raw:<id>'         Σ votes, unweighted (in the weight column);
 *                  'credits'          Σ votes², the voice credits spent (in the weight column)
 *   budget         'option:<id>'      weight of the ballots choosing the project;
 *                  'pot:<id>'         weight of the ballots choosing in that pot
 *   ranked         'pair:<a>><b>'     weight of the ballots ranking a above b (b lower or unranked),
 *                                     so Schulze runs from the tallies alone
 * Delegation is not in the tallies: it is resolved when counting (countProcess).
 */

// The engine by sub-capability; this file keeps the module's public face, so importers need not
// know the split.
//   process-info.server.ts  a process row parsed (cached), areas, eligibility and weight
//   voter-view.server.ts    the list of processes and one process as a viewer sees it
//   cast.server.ts          casting a ballot (the hot path)
//   tally.server.ts         tally contributions, the live tally, the full count
//   delegation.server.ts    the delegation graph of a process, giving and revoking delegations
//   chain.server.ts         verification from the ballots, receipts
//   export.server.ts        the published ballot list, a person's data export
// HTTP (the fast form post, the ballot-list answers) lives in app/http/votes.server.ts.

export { areaNames, categoryNames, forgetVotingCaches, homeAreasOf, isOpen, phaseOf, processSpec } from './process-info.server'
export type { Eligibility, EligibilityRefusal, Phase, ProcessInfo, VoterFacts } from './process-info.server'
export { listProcesses, processForVoter } from './voter-view.server'
export type { ProcessSummary, ViewerBallot, ViewerDelegation, VoterView } from './voter-view.server'
export { castBallot } from './cast.server'
export type { CastRefusal, CastResult } from './cast.server'
export { countProcess, liveTally, publishedCount, publishedResult, resultFromTallies, tallyContributions, tallyRows } from './tally.server'
export type { Contribution, ProcessCount } from './tally.server'
export { delegate, delegationScopeOptions, delegationsOf, revokeDelegation, snapshotDelegations } from './delegation.server'
export type { DelegateResult, DelegationEntry, DelegationSummary } from './delegation.server'
export { checkReceipt, verifyProcess } from './chain.server'
export type { ReceiptCheck, Verification, VerifyFigures } from './chain.server'
export { ballotList, ballotListStream, publishedBallots, votingDataOf } from './export.server'
export type { BallotList, PublishedBallot } from './export.server'
export { GENESIS_HASH } from './chain'

/** Called once per process from app/modules/registry.server.ts. */
export function registerVoting() {
  registerDataExporter('voting', votingDataOf)
}
