/**
 * `npm run tally:verify -- --process ID [--json]`: recomputes a voting process from its ballots and
 * the delegation graph (app/modules/voting/voting.server.ts verifyProcess): the hash chain over
 * every ballot against the stored head, the running tallies key by key against a recount, and the
 * result (against the published one, once published). Prints the figures; exits 0 when everything
 * matches, 1 naming each difference, 2 on a usage error or an unknown process.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { database } from '../app/lib/db.server'
import { formatWeight } from '../app/modules/voting/arithmetic'
import type { MethodResult } from '../app/modules/voting/methods'
import { verifyProcess, type Verification } from '../app/modules/voting/voting.server'

function usage(message?: string): never {
  if (message) console.error(message)
  console.error('Usage: npm run tally:verify -- --process ID [--json]')
  process.exit(2)
}

let args
try {
  args = parseArgs({ options: { process: { type: 'string' }, json: { type: 'boolean', default: false } }, allowPositionals: true })
} catch (error) {
  usage((error as Error).message)
}
const id = Number(args.values.process ?? args.positionals[0])
if (!Number.isSafeInteger(id) || id <= 0) usage(args.values.process ? `Not a process id: ${args.values.process}` : undefined)

const w = (milli: number) => formatWeight(milli, 'en')

function resultLines(result: MethodResult): string[] {
  switch (result.method) {
    case 'yesno':
      return [
        `yes ${w(result.yes.weight)} (${result.yes.ballots} ballots), no ${w(result.no.weight)} (${result.no.ballots}), abstain ${w(result.abstain.weight)} (${result.abstain.ballots}); majority: ${result.majority}`,
      ]
    case 'approval':
      return result.options.map((o) => `${o.rank}. ${o.option}: ${w(o.weight)} (${o.ballots} ballots)`)
    case 'quadratic':
      return result.options.map((o) => `${o.rank}. ${o.option}: ${w(o.votes)} votes (${o.rawVotes} unweighted, ${o.ballots} ballots)`)
    case 'budget':
      return result.pots.flatMap((pot) => [
        `pot ${pot.pot}: ${pot.spent} of ${pot.budget} spent`,
        ...pot.projects.map((p) => `  ${p.position}. ${p.project} (${p.cost}): ${w(p.votes)} — ${p.outcome}`),
      ])
    case 'ranked':
      return [`order: ${result.ranking.map((level) => level.join(' = ')).join(' > ') || '—'}`, `winners: ${result.winners.join(', ') || '—'}`]
  }
}

function print(v: Verification) {
  const f = v.figures
  const lines = [
    `Voting process ${f.processId} (${f.method})`,
    `  ballots in the chain: ${f.chainLength} (the process records ${f.storedLength}); head ${f.head}`,
    `  active ballots: ${f.activeBallots}, replaced by a later ballot: ${f.replacedBallots}`,
    `  direct weight: ${w(f.directWeight)}`,
    `  delegation: ${f.delegation.source === 'none' ? 'none' : `${f.delegation.delegators} delegators (${f.delegation.source}), ${f.delegation.reached} reached a direct voter carrying ${w(f.delegation.carriedWeight)}, ${f.delegation.lost} reached nobody (${w(f.delegation.lostWeight)} not counted)`}`,
    `  tally keys stored: ${f.tallyKeys}`,
    ...(f.result ? ['  result (with delegation):', ...resultLines(f.result).map((l) => `    ${l}`)] : []),
    `  verified in ${f.seconds.toFixed(2)} s`,
  ]
  console.log(lines.join('\n'))
}

try {
  loadConfig()
  let verification: Verification
  try {
    verification = await verifyProcess(id)
  } catch (error) {
    if (/There is no voting process/.test((error as Error).message)) {
      console.error((error as Error).message)
      process.exit(2)
    }
    throw error
  }
  if (args.values.json) console.log(JSON.stringify(verification, null, 2))
  else print(verification)
  if (verification.ok) {
    console.log('OK: the chain, the tallies and the result match the ballots.')
  } else {
    console.error(`\nFAILED: ${verification.problems.length} difference${verification.problems.length === 1 ? '' : 's'} in voting process ${id}:`)
    for (const problem of verification.problems) console.error(`  ✗ ${problem}`)
  }
  await database().close()
  process.exit(verification.ok ? 0 : 1)
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error)))
  process.exit(1)
}
