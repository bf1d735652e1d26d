import type { PlazaDatabase } from '../../app/lib/db.server'
import type { SeedOptions, SeedStep } from './index'

/**
 * Valmera's demo voting processes (issue 7), made through the voting modules themselves (the admin
 * form's own reading of fields, createProcess, scheduleProcess, the clock's advanceProcesses,
 * castBallot, publishResults), so every row, audit entry, chain and tally is as if people had
 * done it:
 *
 *  - an open participatory budget for 2027: a city-wide pot and four district pots, 13 projects;
 *  - an open quadratic vote on the priorities for the riverside (5 options, 9 voice credits);
 *  - a yes/no vote on a past proposal, closed and published, with a handful of ballots from the
 *    demo's verified neighbours;
 *  - a scheduled ranked vote on the name of the new footbridge.
 *
 * At scale < 1 (tests) only the quadratic process is made, without ballots.
 */

type Fields = Record<string, string>
const DAY = 86_400_000
const local = (ms: number) => new Date(ms).toISOString().slice(0, 16)

const budgetProjects: Array<{ title: string; cost: string; pot: string }> = [
  { title: 'Night bus line N3 linking both banks', cost: '450000', pot: 'city' },
  { title: 'Solar panels on ten school roofs', cost: '600000', pot: 'city' },
  { title: 'Riverside cycle path from the old bridge to the island', cost: '750000', pot: 'city' },
  { title: 'Free Wi-Fi in the eight public libraries', cost: '120000', pot: 'city' },
  { title: 'Drinking fountains in every park', cost: '90000', pot: 'city' },
  { title: 'Shade trees on the Passeig del Lume', cost: '140000', pot: 'ribera-nord' },
  { title: 'A covered skate park at El Molinar', cost: '180000', pot: 'ribera-nord' },
  { title: 'Step-free access to the river at La Riera', cost: '210000', pot: 'ribera-sud' },
  { title: 'A community garden at Can Miró', cost: '60000', pot: 'ribera-sud' },
  { title: 'Wider pavements on Carrer del Carme', cost: '250000', pot: 'sant-roc' },
  { title: 'A playground for toddlers at La Marina', cost: '75000', pot: 'sant-roc' },
  { title: 'Restore the clock tower of the old market', cost: '160000', pot: 'ciutat-vella' },
  { title: "Benches and lighting in Plaça de l'Illa", cost: '85000', pot: 'ciutat-vella' },
]

const riversideOptions = ['More shade trees on both banks', 'A bathing area in the river', 'Continuous walking and cycling paths', 'Kiosks and cafés by the water', 'A wildlife refuge on the island']
const bridgeNames = ['Pont de la Lume', 'Passarel·la de les Dones de Valmera', 'Pont del Mil·lenni', 'Passarel·la de Santa Eulàlia']

const rows = (prefix: string, labels: string[]) => Object.fromEntries(labels.map((label, i) => [`${prefix}.${i}`, label]))

export const votingStep: SeedStep = {
  name: 'demo voting processes',
  size: () => 1,
  async run(database, options, progress) {
    if (await database.db.selectFrom('voting_processes').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const { useDatabase } = await import('../../app/lib/db.server')
    const voting = await import('../../app/modules/voting/voting.server')
    // The voting modules write through database(): point them at the database being seeded.
    const restore = useDatabase(database)
    voting.forgetVotingCaches()
    try {
      const created = await seedProcesses(database, options)
      progress(1)
      return { created }
    } finally {
      restore()
      voting.forgetVotingCaches()
    }
  },
}

async function seedProcesses(database: PlazaDatabase, options: SeedOptions): Promise<number> {
  const { db } = database
  const processes = await import('../../app/modules/voting/processes.server')
  const { castBallot } = await import('../../app/modules/voting/voting.server')
  const { mulberry32 } = await import('./random')
  const random = mulberry32(options.seed + 808)

  const adminRow = await db.selectFrom('user_roles').select('user_id').where('role', '=', 'admin').orderBy('user_id').executeTakeFirst()
  if (!adminRow) return 0
  const admin = { id: adminRow.user_id, roles: [{ role: 'admin' as const, departmentId: null }] }
  const context = await processes.formContext()
  // Delegation scopes come from the proposals' categories (seeded by the proposals step, if it ran).
  const categories = new Set((await db.selectFrom('proposal_categories').select('code').execute()).map((c) => c.code))
  const category = (code: string) => (categories.has(code) ? code : '')
  const districts = new Set(context.districts.map((d) => d.slug))
  const now = Date.now()

  /** A process from the admin form's fields, validated as the form is; returns its id. */
  async function make(fields: Fields, at: number = now) {
    const parsed = processes.processFromForm({ requiredLevel: '2', delegation: 'on', currency: 'EUR', ...fields }, context)
    if (!parsed.input) throw new Error(`demo process "${fields.title}": ${JSON.stringify(parsed.errors)}`)
    const result = await processes.createProcess(admin, parsed.input, { fieldOf: parsed.fieldOf, now: new Date(at) })
    if (result.kind !== 'ok') throw new Error(`demo process "${fields.title}": ${JSON.stringify(result)}`)
    const scheduled = await processes.scheduleProcess(admin, result.id, new Date(at))
    if (scheduled.kind !== 'ok') throw new Error(`demo process "${fields.title}" not scheduled: ${scheduled.kind}`)
    return result.id
  }

  const quadratic = async () =>
    make({
      method: 'quadratic',
      title: 'Priorities for the riverside',
      description:
        'The city is preparing a ten-year plan for both banks of the Lume. Which of these matter most to you?\n\nYou have **9 voice credits**: one vote on an option costs 1 credit, two votes cost 4, three votes cost 9. Spread them, or put them where you care most.',
      category: category('environment'),
      policy: 'brief',
      opensAt: local(now - 3 * DAY),
      closesAt: local(now + 21 * DAY),
      credits: '9',
      liveResults: 'on',
      ...rows('option', riversideOptions),
    })

  // Tests: one process, quickly.
  if (options.scale < 1) {
    await quadratic()
    await processes.advanceProcesses(new Date(now))
    return 1
  }

  // The demo's verified neighbours vote; the accounts people log in with (README) are left to them.
  const { demoUsers } = await import('./accounts')
  const voters = await db
    .selectFrom('users')
    .select('id')
    .where('verification_level', '>=', 2)
    .where('deleted_at', 'is', null)
    .where('home_area_id', 'is not', null)
    .where(
      'email',
      'not in',
      demoUsers.map((u) => u.email),
    )
    .orderBy('id')
    .limit(20)
    .execute()
  let created = 0

  // 1. The past yes/no, first: the clock is moved over its dates before the others exist.
  const past = await db
    .selectFrom('proposals')
    .select(['id', 'title', 'summary', 'district_id'])
    .where('state', 'in', ['answered', 'threshold_reached'])
    .orderBy('threshold_reached_at')
    .executeTakeFirst()
  const opened = now - 60 * DAY
  const closed = now - 46 * DAY
  const yesno = await make(
    {
      method: 'yesno',
      title: past ? past.title : 'Plant 1,000 shade trees along the Lume',
      description: past
        ? `${past.summary}\n\nThis proposal reached its threshold of supports and went to a vote of the residents. [Read the proposal](/proposals/${past.id}).`
        : 'Line both river banks with native shade trees so the walk along the Lume is bearable in July and August.',
      area: past?.district_id ? String(past.district_id) : '',
      category: category('environment'),
      policy: 'brief',
      opensAt: local(opened),
      closesAt: local(closed),
    },
    opened - DAY,
  )
  created++
  await processes.advanceProcesses(new Date(opened))
  for (const [i, voter] of voters.slice(0, 14).entries()) {
    const answer = random() < 0.72 ? 'yes' : random() < 0.8 ? 'no' : 'abstain'
    await castBallot(voter, yesno, { answer }, { at: new Date(opened + (i + 1) * 0.9 * DAY) })
  }
  await processes.advanceProcesses(new Date(closed))
  await processes.publishResults(admin, yesno)
  if (past) {
    // The proposal was answered without passing through attachProcess (the proposals seed answers
    // it directly): the vote names its proposal so the council's list and the results connect.
    await database.write(async (trx) => {
      await trx.updateTable('voting_processes').set({ proposal_id: past.id }).where('id', '=', yesno).execute()
    })
  }

  // 2. The open participatory budget for 2027.
  const pots: Fields = { 'pot.city.budget': '2000000', 'pot.city.limit': '800000' }
  for (const slug of ['ribera-nord', 'ribera-sud', 'sant-roc', 'ciutat-vella']) if (districts.has(slug)) pots[`pot.${slug}.budget`] = '300000'
  const projects = budgetProjects.filter((p) => p.pot === 'city' || districts.has(p.pot))
  const budget = await make({
    method: 'budget',
    title: 'Participatory budget 2027',
    description:
      'Valmera sets aside **€3.2 million** of the 2027 budget for projects chosen by its residents: €2 million for the whole city and €300,000 for each of four districts.\n\nChoose city-wide projects worth up to €800,000 and, in your own district, projects up to its €300,000. The most voted projects are funded while the money lasts.',
    policy: 'residents',
    opensAt: local(now - 10 * DAY),
    closesAt: local(now + 30 * DAY),
    maxDistricts: '1',
    projectRows: String(projects.length),
    ...pots,
    ...Object.fromEntries(
      projects.flatMap((p, i) => [
        [`project.${i}.title`, p.title],
        [`project.${i}.cost`, p.cost],
        [`project.${i}.pot`, p.pot],
      ]),
    ),
  })
  created++

  // 3. The open quadratic vote.
  const riverside = await quadratic()
  created++

  // 4. The scheduled ranked vote.
  await make({
    method: 'ranked',
    title: 'A name for the new footbridge',
    description: 'The footbridge between Santa Eulàlia and the island opens next spring. Rank the names proposed by the neighbourhood associations, your favourite first.',
    category: category('culture'),
    policy: 'equal',
    opensAt: local(now + 20 * DAY),
    closesAt: local(now + 34 * DAY),
    ...rows('option', bridgeNames),
  })
  created++

  await processes.advanceProcesses(new Date(now))

  // A few ballots in the open processes, so their pages have something to show.
  const spec = processes.readSpec((await db.selectFrom('voting_processes').select('spec').where('id', '=', riverside).executeTakeFirstOrThrow()).spec).spec
  const options3 = spec.method === 'quadratic' ? spec.options : []
  const splits = [[3], [2, 2, 1], [1, 1, 1, 1, 1], [2, 1, 1, 1]]
  for (const voter of voters.slice(0, 8)) {
    const split = splits[Math.floor(random() * splits.length)]!
    const chosen = [...options3].sort(() => random() - 0.5).slice(0, split.length)
    await castBallot(voter, riverside, { votes: Object.fromEntries(chosen.map((o, i) => [o, split[i]!])) }, { at: new Date(now - Math.floor(random() * 3 * DAY)) })
  }
  const budgetSpec = processes.readSpec((await db.selectFrom('voting_processes').select('spec').where('id', '=', budget).executeTakeFirstOrThrow()).spec).spec
  if (budgetSpec.method === 'budget') {
    const cityProjects = budgetSpec.projects.filter((p) => p.pot === 'city')
    for (const voter of voters.slice(0, 8)) {
      const picks: string[] = []
      let spent = 0
      for (const p of [...cityProjects].sort(() => random() - 0.5)) {
        if (spent + p.cost <= 80_000_000) {
          picks.push(p.id)
          spent += p.cost
        }
      }
      await castBallot(voter, budget, { projects: picks }, { at: new Date(now - Math.floor(random() * 10 * DAY)) })
    }
  }
  return created
}
