/**
 * `npm run bench [-- NAME ...] [-- --seconds N] [-- --soak-minutes N] [-- --size MB] [-- --engine postgres]`: builds, then runs each
 * benchmark against Plaza on 127.0.0.1 beside a baseline measured in the same run, prints the figures and PASS/FAIL
 * per target. With `--engine postgres` each benchmark runs on SQLite and then on a throwaway PostgreSQL (the same
 * demo city, moved by db:copy; fsync on), and the verdicts are printed side by side.
 */
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { removeScratch, root, type Verdict } from './lib'
import { benchHome } from './home.bench'
import { benchMap } from './map.bench'
import { benchLogin } from './login.bench'
import { benchDeliberation } from './deliberation.bench'
import { benchReports } from './reports.bench'
import { benchOpen311 } from './open311.bench'
import { benchCouncil } from './council.bench'
import { benchProposals } from './proposals.bench'
import { benchVoting } from './voting.bench'
import { benchOpendata } from './opendata.bench'
import { benchLetters } from './letters.bench'
import { benchRepresentatives } from './representatives.bench'
import { benchPetitions } from './petitions.bench'
import { benchEmbed } from './embed.bench'
import { benchFaults } from './faults.bench'
import { benchSetup } from './setup.bench'
import { benchPhone } from './phone.bench'
import { benchDelivery } from './delivery.bench'
import { benchProcesses } from './processes.bench'
import { benchFoi } from './foi.bench'
import { benchBasemap } from './basemap.bench'

const benches: Record<string, (seconds: number) => Promise<Verdict[]>> = {
  home: benchHome,
  map: benchMap,
  login: benchLogin,
  deliberation: benchDeliberation,
  reports: benchReports,
  open311: benchOpen311,
  council: benchCouncil,
  proposals: benchProposals,
  voting: benchVoting,
  opendata: benchOpendata,
  letters: benchLetters,
  representatives: benchRepresentatives,
  petitions: benchPetitions,
  embed: benchEmbed,
  faults: benchFaults,
  setup: benchSetup,
  phone: benchPhone,
  delivery: benchDelivery,
  processes: benchProcesses,
  foi: benchFoi,
  basemap: benchBasemap,
}

// `npm run bench -- petitions -- --seconds 5` passes a literal `--`, which would end the options: it is dropped.
const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { seconds: { type: 'string', default: '10' }, 'soak-minutes': { type: 'string' }, size: { type: 'string' }, engine: { type: 'string', default: 'sqlite' } },
  allowPositionals: true,
})
const seconds = Number(values.seconds)
// The faults bench's soak (default 30 minutes); BENCH_SOAK_MINUTES works too.
if (values['soak-minutes']) process.env.BENCH_SOAK_MINUTES = values['soak-minutes']
// The basemap bench's synthetic extract in MB (default 100); BENCH_BASEMAP_MB works too.
if (values.size) process.env.BENCH_BASEMAP_MB = values.size
const selected = positionals.length ? positionals : Object.keys(benches)
for (const name of selected) {
  if (!benches[name]) {
    console.error(`Unknown benchmark "${name}". Known: ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
}

// The benchmarks whose fixtures and checks run on either engine (tests/bench/lib.ts benchCity).
const onPostgres = new Set(['petitions', 'voting', 'proposals'])
const engine = values.engine
if (engine !== 'sqlite' && engine !== 'postgres') {
  console.error(`--engine must be sqlite or postgres (got "${engine}")`)
  process.exit(2)
}

execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], { cwd: root, stdio: 'ignore' })
console.log(`Plaza benchmarks — ${new Date().toISOString()} — node ${process.version}${engine === 'postgres' ? ' — SQLite, then PostgreSQL' : ''}`)
const verdicts: Verdict[] = []
const pairs: Array<{ sqlite: Verdict; postgres?: Verdict; name: string }> = []
for (const name of selected) {
  process.env.BENCH_ENGINE = 'sqlite'
  const onSqlite = await benches[name]!(seconds)
  // Each bench's databases go when it ends (a full run would otherwise leave gigabytes in the temporary directory).
  removeScratch()
  verdicts.push(...onSqlite)
  if (engine !== 'postgres') continue
  if (!onPostgres.has(name)) {
    console.log(`\n${name}: not yet runnable on PostgreSQL (its fixtures are SQLite-only); SQLite figures only`)
    pairs.push(...onSqlite.map((v) => ({ sqlite: v, name })))
    continue
  }
  process.env.BENCH_ENGINE = 'postgres'
  const onPg = await benches[name]!(seconds)
  removeScratch()
  verdicts.push(...onPg)
  pairs.push(...onSqlite.map((v) => ({ sqlite: v, postgres: onPg.find((p) => p.name === v.name), name })))
}
if (engine === 'postgres') {
  console.log('\nSQLite beside PostgreSQL')
  for (const p of pairs) {
    console.log(`  ${p.sqlite.name}`)
    console.log(`    SQLite      ${p.sqlite.ok ? 'PASS' : 'FAIL'}  ${p.sqlite.detail}`)
    console.log(`    PostgreSQL  ${p.postgres ? `${p.postgres.ok ? 'PASS' : 'FAIL'}  ${p.postgres.detail}` : '—  not run on PostgreSQL yet'}`)
  }
}
const failed = verdicts.filter((v) => !v.ok)
console.log(`\nbench: ${verdicts.length - failed.length} targets met, ${failed.length} missed`)
process.exit(failed.length ? 1 : 0)
