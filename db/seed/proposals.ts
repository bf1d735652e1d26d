import type { SeedStep } from './index'
import type { PlazaDatabase } from '../../app/lib/db.server'

/**
 * Proposal categories and Valmera's demo proposals (issue 7). Proposals are made through the
 * proposals module itself (so the map, tags, search index and hot scores are exactly as if people
 * had written them), by the demo citizens and a dozen census-verified neighbours (accounts without
 * a password: they cannot log in, they only give the demo its authors and supports), over the last
 * months. Most collect a few supports; one reaches the threshold, one has the council's answer,
 * two are archived (their months are over), and Rosa Resident has a draft. At scale < 1 (tests)
 * only the categories and two published proposals are made.
 */

export const proposalCategories = [
  { code: 'urbanism', name: { en: 'Urbanism and public space', es: 'Urbanismo y espacio público', fr: 'Urbanisme et espace public' } },
  { code: 'mobility', name: { en: 'Mobility and transport', es: 'Movilidad y transporte', fr: 'Mobilité et transports' } },
  { code: 'environment', name: { en: 'Environment and green spaces', es: 'Medio ambiente y zonas verdes', fr: 'Environnement et espaces verts' } },
  { code: 'culture', name: { en: 'Culture and sport', es: 'Cultura y deporte', fr: 'Culture et sport' } },
  { code: 'social', name: { en: 'Social rights and health', es: 'Derechos sociales y salud', fr: 'Droits sociaux et santé' } },
  { code: 'economy', name: { en: 'Economy and employment', es: 'Economía y empleo', fr: 'Économie et emploi' } },
]

interface DemoProposal {
  title: string
  summary: string
  body: string
  category: string
  tags: string
  /** Placed on the map at a random point inside the city. */
  located: boolean
}

const demoProposals: DemoProposal[] = [
  {
    title: 'Plant 1,000 shade trees along the Lume',
    summary: 'Line both river banks with native shade trees so the walk along the Lume is bearable in July and August.',
    body: 'Summers in Valmera are getting hotter and the river walk has almost no shade between the old bridge and the island.\n\n**What we propose**\n\n- 1,000 native trees (plane, ash, poplar) over three planting seasons\n- drip irrigation fed by the river pumps already there\n- a neighbourhood adoption scheme for watering in the first two summers\n\nÁrboles means shade, cooler streets and birds back on the banks.',
    category: 'environment',
    tags: 'árboles, river, shade',
    located: true,
  },
  {
    title: 'A protected cycle lane across the old bridge',
    summary: 'Separate bicycles from cars on the old bridge with a kerbed two-way lane, the missing link between both banks.',
    body: 'Crossing the old bridge by bike means sharing a narrow lane with buses. Many parents will not let their children cycle to school because of it.\n\nA two-way lane with a low kerb on the upstream side would connect the cycle paths that already exist on both banks.',
    category: 'mobility',
    tags: 'bike-lanes, bridge, safety',
    located: true,
  },
  {
    title: 'Open school playgrounds at weekends',
    summary: 'Let families use the playgrounds of public schools on Saturdays and Sundays, with a caretaker paid by the city.',
    body: 'Our neighbourhoods have few parks, while school playgrounds stay locked two days a week.\n\nBarcelona and Paris open theirs at weekends with a caretaker; Valmera could start with five schools as a pilot and extend it if it works.',
    category: 'social',
    tags: 'schools, children, public-space',
    located: false,
  },
  {
    title: 'A covered market hall for Sant Roc',
    summary: 'Turn the empty tram depot into a covered market for local producers, open every morning except Monday.',
    body: 'The tram depot has been empty for eleven years. A market hall would bring life back to the square and give the farmers of the valley a place to sell directly.\n\nThe roof and walls are sound; the city owns the building.',
    category: 'economy',
    tags: 'market, local-shops',
    located: true,
  },
  {
    title: 'Free public toilets in every park',
    summary: 'Clean, accessible and free toilets in the ten largest parks, open from sunrise to sunset.',
    body: 'Older people and families with small children avoid long walks in the parks because there is nowhere to go to the toilet. Several cafés now charge for it.\n\nWe ask for accessible toilets, cleaned twice a day, in the ten largest parks.',
    category: 'social',
    tags: 'parks, accessibility, health',
    located: false,
  },
  {
    title: 'Night buses on Friday and Saturday',
    summary: 'Run three night bus lines from midnight to 6 am at weekends, so people get home safely without a car.',
    body: 'The last bus leaves the centre at 23:40. Young people and night-shift workers either drive, pay for a taxi or walk home alone.\n\nThree lines (north bank, south bank, island) every 30 minutes would cover most of the city.',
    category: 'mobility',
    tags: 'buses, night, safety',
    located: false,
  },
  {
    title: 'A community garden on the empty lot by the station',
    summary: 'Lend the fenced lot behind the station to neighbours as allotments, with water and a tool shed.',
    body: 'The lot has been fenced and empty for years. Forty allotments, a shared compost and a tool shed would cost little and bring neighbours together.\n\nThe garden association of Ribera Nord offers to run it.',
    category: 'environment',
    tags: 'gardens, neighbours',
    located: true,
  },
  {
    title: 'Late opening of libraries during exams',
    summary: 'Keep two libraries open until midnight in January, May and June, when students have their exams.',
    body: 'Many students share small flats and cannot study at home. During exam periods the library reading rooms are full by 10 am.\n\nOpening two libraries until midnight in exam months would be enough.',
    category: 'culture',
    tags: 'libraries, students',
    located: false,
  },
  {
    title: 'Pedestrianise Carrer Major on Sundays',
    summary: 'Close the main street to cars on Sunday mornings for walking, cycling, street games and small stalls.',
    body: 'Carrer Major is the heart of the old town but on Sundays it is a car park. Closing it from 9 am to 2 pm, as many cities do, would make it a place to meet.\n\nDeliveries and residents’ access would be kept for emergencies.',
    category: 'urbanism',
    tags: 'pedestrian, old-town, public-space',
    located: true,
  },
  {
    title: 'Solar panels on every municipal roof',
    summary: 'Cover the roofs of schools, sports halls and offices owned by the city with solar panels within four years.',
    body: 'Valmera has more than 300 sunny days a year and dozens of flat municipal roofs.\n\nThe panels would pay for themselves in about eight years and the surplus could feed a local energy community for households in energy poverty.',
    category: 'environment',
    tags: 'energy, solar, climate',
    located: false,
  },
  {
    title: 'Benches and shade at every bus stop',
    summary: 'Put a bench and a shelter at the 120 bus stops that have neither, starting with those near health centres.',
    body: 'Waiting for the bus in the sun with nowhere to sit is hard for older people. Of the city’s bus stops, 120 have no bench and no shelter.\n\nStart with the stops near health centres and residences.',
    category: 'mobility',
    tags: 'buses, accessibility, shade',
    located: false,
  },
  {
    title: 'A youth centre in the old fire station',
    summary: 'Refurbish the old fire station as a youth centre with rehearsal rooms, a study room and a skate area.',
    body: 'Teenagers in the south bank have nowhere to go in the evening. The old fire station is big, central and empty.\n\nRehearsal rooms, a study room with wifi and a small skate area outside would make it the place to be.',
    category: 'culture',
    tags: 'youth, music, sport',
    located: true,
  },
  {
    title: 'Affordable rent in empty municipal flats',
    summary: 'Renovate the 85 empty flats the city owns and rent them at social prices to young people and families.',
    body: 'The city owns 85 flats that have been empty for more than two years, many needing only small repairs.\n\nRenting them at no more than 30% of household income would help young people stay in the neighbourhoods where they grew up.',
    category: 'social',
    tags: 'housing, rent, youth',
    located: false,
  },
  {
    title: 'A swimming area on the river island',
    summary: 'Create a supervised swimming area on the island with changing rooms and lifeguards in July and August.',
    body: 'People swam in the Lume until the 1970s. The water quality has improved a lot and the island has a gentle beach.\n\nA supervised area with lifeguards and changing rooms would give everyone a place to cool down.',
    category: 'culture',
    tags: 'river, swimming, summer',
    located: true,
  },
  {
    title: 'Speed limit of 30 km/h in residential streets',
    summary: 'Lower the speed limit to 30 km/h in every residential street, as most European cities have done.',
    body: 'At 30 km/h a pedestrian hit by a car survives in nine cases out of ten; at 50 km/h, in fewer than half.\n\nWe ask for 30 km/h in residential streets, with 50 km/h kept on the main avenues.',
    category: 'mobility',
    tags: 'safety, speed, pedestrian',
    located: false,
  },
  {
    title: 'Repair cafés in every district',
    summary: 'A monthly repair café in each district where volunteers help fix clothes, bikes, toys and small appliances.',
    body: 'Things are thrown away that could be repaired in half an hour. Volunteers are ready; they need a room, tools and a little insurance.\n\nThe city could lend civic centre rooms once a month.',
    category: 'environment',
    tags: 'repair, waste, neighbours',
    located: false,
  },
  {
    title: 'Wider pavements on Avinguda del Riu',
    summary: 'Take one of the four car lanes of Avinguda del Riu to widen the pavements and plant trees.',
    body: 'The pavements of Avinguda del Riu are so narrow that two pushchairs cannot pass. The avenue has four car lanes and traffic has fallen since the ring road opened.\n\nOne lane less, wider pavements and a row of trees.',
    category: 'urbanism',
    tags: 'pedestrian, trees, streets',
    located: true,
  },
  {
    title: 'Support for shops on the high street',
    summary: 'Lower the municipal tax for small shops that open on streets where more than a third of premises are empty.',
    body: 'Empty shop fronts make streets feel unsafe and drive more shops away. A temporary tax cut for new small shops on streets with many empty premises would help reverse it.',
    category: 'economy',
    tags: 'local-shops, taxes',
    located: false,
  },
  {
    title: 'Drinking fountains along the cycle paths',
    summary: 'Install drinking fountains every two kilometres along the cycle paths and in every park.',
    body: 'In summer cyclists and runners carry litres of water or buy plastic bottles. Fountains every two kilometres would solve it and cut plastic waste.',
    category: 'environment',
    tags: 'water, bike-lanes, summer',
    located: false,
  },
  {
    title: 'An open-air cinema in the summer',
    summary: 'Free open-air cinema on Thursday nights in July and August, moving between the districts.',
    body: 'A screen, some chairs and a good film bring neighbours out on summer nights. Moving the cinema between districts would let everyone enjoy it near home.',
    category: 'culture',
    tags: 'cinema, summer, neighbours',
    located: false,
  },
  {
    title: 'A home help service for people living alone',
    summary: 'Weekly visits and small errands for people over 80 who live alone, with trained volunteers and social workers.',
    body: 'More than 3,000 people over 80 live alone in Valmera. Loneliness is a health problem.\n\nA weekly visit, help with shopping and a phone line would keep many of them well at home.',
    category: 'social',
    tags: 'elderly, loneliness, health',
    located: false,
  },
  {
    title: 'Safe routes to school',
    summary: 'Mark safe walking routes to every primary school, with wider crossings and volunteers at the busiest points.',
    body: 'Most children are driven to school although they live less than a kilometre away. Safe routes, painted and signposted, with wider crossings and volunteers at peak times, would change that.',
    category: 'mobility',
    tags: 'schools, children, safety',
    located: true,
  },
  {
    title: 'Co-working space for freelancers in the library',
    summary: 'Turn a floor of the central library into a free co-working space with desks, wifi and meeting rooms.',
    body: 'Freelancers and remote workers pay high rents for co-working or work at home alone. A free space in the central library would help them and bring new users to the library.',
    category: 'economy',
    tags: 'employment, libraries',
    located: false,
  },
  {
    title: 'Light the football pitches until 11 pm',
    summary: 'Keep the lights of the neighbourhood football pitches on until 11 pm so people can play after work.',
    body: 'The municipal pitches turn their lights off at 9 pm. Adults who work until 7 have almost no time to play. LED floodlights cost little to run.',
    category: 'culture',
    tags: 'sport, lighting',
    located: true,
  },
  {
    title: 'A green corridor between the parks of the north bank',
    summary: 'Connect the three parks of the north bank with tree-lined streets, so birds and people can move between them.',
    body: 'The three parks of the north bank are only 400 metres apart but separated by wide, bare streets.\n\nPlanting trees and hedges along two streets would create a green corridor for birds, insects and people walking.',
    category: 'urbanism',
    tags: 'trees, parks, biodiversity',
    located: true,
  },
]

const answer = `Thank you to everyone who supported this proposal.

The council will include a **first phase of 300 trees** in next year's budget, planted along the north bank between the old bridge and the island, with drip irrigation. The parks department will publish the planting calendar in the spring and invite neighbours to the planting days.`

const neighbourNames = ['Núria Ferrer', 'Jordi Puig', 'Aisha Benali', 'Pau Serra', 'Marta Vidal', 'Hugo Martín', 'Elena Soler', 'Omar Haddad', 'Laia Roca', 'Iván López', 'Clara Mas', 'Teo Costa']

export const proposalsStep: SeedStep = {
  name: 'demo proposals',
  size: () => 2,
  async run(database, options, progress) {
    let created = 0
    if (!(await database.db.selectFrom('proposal_categories').select('id').limit(1).executeTakeFirst())) {
      await database.write(async (trx) => {
        await trx
          .insertInto('proposal_categories')
          .values(proposalCategories.map((c, position) => ({ code: c.code, name: JSON.stringify(c.name), position })))
          .execute()
      })
      created += proposalCategories.length
    }
    progress(1)
    if (await database.db.selectFrom('proposals').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created }
    }
    const { useDatabase } = await import('../../app/lib/db.server')
    const proposals = await import('../../app/modules/proposals/proposals.server')
    // The proposals module writes through database(): point it at the database being seeded.
    const restore = useDatabase(database)
    proposals.forgetProposalCategories()
    proposals.forgetCensusCount()
    try {
      created += await seedProposals(database, options.seed, options.scale, proposals)
    } finally {
      restore()
      proposals.forgetProposalCategories()
      proposals.forgetCensusCount()
    }
    progress(1)
    return { created }
  },
}

type ProposalsModule = typeof import('../../app/modules/proposals/proposals.server')

async function seedProposals(database: PlazaDatabase, seed: number, scale: number, proposals: ProposalsModule): Promise<number> {
  const { db } = database
  const { mulberry32 } = await import('./random')
  const { areasContaining } = await import('../../app/modules/geo/lookup.server')
  const { normaliseTags } = await import('../../app/modules/proposals/schema')
  const random = mulberry32(seed + 707)
  const city = await db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirst()
  const demo = await db.selectFrom('users').select(['id', 'email', 'verification_level']).where('email', 'like', '%@valmera.example').execute()
  const resident = demo.find((u) => u.email === 'resident@valmera.example')
  const citizen = demo.find((u) => u.email === 'citizen@valmera.example')
  const admin = demo.find((u) => u.email === 'admin@valmera.example')
  if (!city || !resident || !citizen) return 0
  const principal = (u: { id: number; verification_level: number }) => ({ id: u.id, verificationLevel: u.verification_level, roles: [] })

  async function somewhere() {
    for (let attempt = 0; attempt < 50; attempt++) {
      const lng = city!.min_lng + random() * (city!.max_lng - city!.min_lng)
      const lat = city!.min_lat + random() * (city!.max_lat - city!.min_lat)
      if ((await areasContaining(lat, lng)).length >= 2) return { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 }
    }
    return null
  }
  const inputOf = async (p: DemoProposal) => ({
    title: p.title,
    summary: p.summary,
    body: p.body,
    categoryCode: p.category,
    tags: normaliseTags(p.tags).tags,
    location: p.located ? await somewhere() : null,
  })

  const day = 86_400_000
  const now = Date.now()
  const iso = (ms: number) => new Date(ms).toISOString()

  // Tests: two published proposals, no extra accounts, no supports.
  if (scale < 1) {
    let made = 0
    for (const [i, p] of demoProposals.slice(0, 2).entries()) {
      const result = await proposals.createProposal(principal(i === 0 ? resident : citizen), await inputOf(p), { publish: true, at: iso(now - (10 - i) * day) })
      if (result.kind === 'saved') made++
    }
    return made
  }

  // A dozen neighbours, each verified against a census record nobody uses (from the end of the
  // census: the first records are the ones the README offers for trying verification).
  const free = await db
    .selectFrom('census_records')
    .select(['id', 'area_id'])
    .where('id', 'not in', (eb) => eb.selectFrom('users').select('census_record_id').where('census_record_id', 'is not', null).$narrowType<{ census_record_id: number }>())
    .orderBy('id', 'desc')
    .limit(neighbourNames.length)
    .execute()
  const stamp = iso(now - 400 * day)
  const neighbours = await database.write(async (trx) => {
    const out: Array<{ id: number; verification_level: number }> = []
    for (const [i, record] of free.entries()) {
      const row = await trx
        .insertInto('users')
        .values({
          email: `neighbour${String(i + 1).padStart(2, '0')}@valmera.example`,
          email_confirmed_at: stamp,
          display_name: neighbourNames[i]!,
          password_hash: null,
          verification_level: 2,
          census_record_id: record.id,
          home_area_id: record.area_id,
          verified_at: stamp,
          verified_by: null,
          locale: null,
          created_at: stamp,
          updated_at: stamp,
          deleted_at: null,
        })
        .returning(['id', 'verification_level'])
        .executeTakeFirstOrThrow()
      out.push(row)
    }
    return out
  })
  const authors = [resident, citizen, ...neighbours]
  const supporters = [resident, ...(admin && admin.verification_level >= 2 ? [admin] : []), ...neighbours]
  const threshold = await proposals.supportThreshold()

  let made = 0
  const published: Array<{ id: number; at: number }> = []
  for (const [i, p] of demoProposals.entries()) {
    const author = i === 0 ? resident : authors[Math.floor(random() * authors.length)]!
    // The first two are the oldest (one answered, one about to be archived), the rest over ten months.
    const ageDays = i === 0 ? 200 : i === 1 ? 380 : i === 2 ? 372 : Math.floor(random() ** 1.5 * 300) + 1
    const at = now - ageDays * day - Math.floor(random() * day)
    const result = await proposals.createProposal(principal(author), await inputOf(p), { publish: true, at: iso(at) })
    if (result.kind !== 'saved') continue
    made++
    published.push({ id: result.id, at })
  }

  // Supports: the first proposal reaches the threshold (if the demo has enough verified people)
  // and is answered; the others get fewer than the threshold, more recently for newer ones.
  for (const [i, p] of published.entries()) {
    const wanted = i === 0 ? threshold : Math.min(threshold - 1, Math.floor(random() * threshold), supporters.length)
    const pool = [...supporters].sort(() => random() - 0.5).slice(0, wanted)
    const times = pool.map(() => p.at + random() ** 0.5 * (now - 3_600_000 - p.at)).sort((a, b) => a - b)
    for (const [k, supporter] of pool.entries()) await proposals.supportProposal(supporter.id, p.id, { at: iso(times[k]!) })
  }
  if (admin && published[0]) {
    await proposals.answerProposal({ id: admin.id, verificationLevel: admin.verification_level, roles: [{ role: 'admin', departmentId: null }] }, published[0].id, answer)
  }
  // A second one reaches the threshold and waits for its vote.
  const waiting = published.find((p, i) => i > 2 && now - p.at < 60 * day)
  if (waiting) {
    const have = await db.selectFrom('proposals').select('supports').where('id', '=', waiting.id).executeTakeFirstOrThrow()
    const already = new Set((await db.selectFrom('proposal_supports').select('user_id').where('proposal_id', '=', waiting.id).execute()).map((r) => r.user_id))
    for (const supporter of supporters.filter((s) => !already.has(s.id)).slice(0, Math.max(0, threshold - have.supports))) {
      await proposals.supportProposal(supporter.id, waiting.id, { at: iso(now - Math.floor(random() * 5 * day)) })
    }
  }
  // Rosa Resident's draft, which only she sees.
  const draft = await proposals.createProposal(
    principal(resident),
    {
      title: 'Quiet hours for leaf blowers',
      summary: 'Ban petrol leaf blowers before 9 am and after 8 pm, and replace the city’s own with electric ones.',
      body: 'Draft — still collecting figures on noise levels from the neighbourhood association.',
      categoryCode: 'environment',
      tags: ['noise'],
      location: null,
    },
    { publish: false, at: iso(now - 2 * day) },
  )
  if (draft.kind === 'saved') made++
  // The two oldest proposals' twelve months are over.
  await proposals.archiveExpiredProposals(new Date(now))
  await proposals.refreshHotScores(now)
  return made
}
