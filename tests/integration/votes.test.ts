import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countBallots, type MethodSpec } from '../../app/modules/voting/methods'
import { GENESIS_HASH, verifyChain } from '../../app/modules/voting/chain'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/** Votes over real HTTP, as people without JavaScript use them: every method, refusals, receipts, results, the ballot list, delegations. */

let plaza: RunningPlaza
let db: TestSql
let residentHome: number
let otherArea: number
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
  db = sqlOf(plaza)
  residentHome = await db.value<number>(`select home_area_id from users where email = 'resident@valmera.example'`)
  otherArea = await db.value<number>(`select id from areas where level = 'district' and id != (select coalesce(parent_id, id) from areas where id = ?) order by slug limit 1`, residentHome)
})
afterAll(async () => {
  await db?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const HOUR = 3_600_000
const iso = (offset: number) => new Date(Date.now() + offset).toISOString()

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

async function makeProcess(
  spec: MethodSpec & Record<string, unknown>,
  o: { state?: string; opensAt?: string; closesAt?: string; level?: number; area?: number | null; residentsOnly?: boolean; policy?: object; title?: string } = {},
) {
  const at = iso(0)
  return db.value<number>(
    `insert into voting_processes (title, description_md, description_html, eligible_area_id, residents_only, method, spec, weight_policy, required_level, delegation, state, opens_at, closes_at, created_at, updated_at)
       values (?, '', '<p>What should the city do?</p>', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) returning id`,
    o.title ?? `Vote ${spec.method}`,
    o.area ?? null,
    o.residentsOnly ? 1 : 0,
    spec.method,
    JSON.stringify(spec),
    JSON.stringify(
      o.policy ?? {
        rules: [
          { minLevel: 2, residence: 'inside', weight: 1000 },
          { minLevel: 1, weight: 500 },
        ],
        default: 0,
      },
    ),
    o.level ?? 1,
    o.state ?? 'open',
    o.opensAt ?? iso(-HOUR),
    o.closesAt ?? iso(HOUR),
    at,
    at,
  )
}

const fields = (entries: Array<[string, string]>) => {
  const form = new FormData()
  for (const [k, v] of entries) form.append(k, v)
  return form
}
const receiptIn = (html: string) => /data-testid="receipt">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</.exec(html)?.[1]
// NUL bytes: React 18.3's renderToPipeableStream pads a 2,048-byte chunk with zeros when a multibyte
// character does not fit at its end (react/react#31134); browsers drop them, so does this reading.
const text = (html: string) =>
  html
    .replace(/\u0000/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
const activeBallots = (id: number) => db.value<number>('select count(*) from ballots where process_id = ? and replaced_at is null', id)

describe('/votes', () => {
  it('lists open, upcoming and closed processes with their dates and method, never drafts', async () => {
    await makeProcess({ method: 'yesno' }, { title: 'Open question' })
    await makeProcess({ method: 'yesno' }, { title: 'Later question', state: 'scheduled', opensAt: iso(24 * HOUR), closesAt: iso(48 * HOUR) })
    await makeProcess({ method: 'yesno' }, { title: 'Past question', state: 'closed', opensAt: iso(-48 * HOUR), closesAt: iso(-24 * HOUR) })
    await makeProcess({ method: 'yesno' }, { title: 'Secret draft', state: 'draft' })
    const res = await fetch(`${plaza.url}/votes`, { headers: { 'accept-language': 'en' } })
    expect(res.status).toBe(200)
    const html = await res.text()
    const page = text(html)
    const [open, upcoming, closed] = ['votes-open', 'votes-upcoming', 'votes-closed'].map((id) => html.indexOf(`id="${id}"`)) as [number, number, number]
    expect(open).toBeLessThan(upcoming)
    expect(upcoming).toBeLessThan(closed)
    const at = (title: string) => html.indexOf(title)
    expect(at('Open question')).toBeGreaterThan(open)
    expect(at('Open question')).toBeLessThan(upcoming)
    expect(at('Later question')).toBeGreaterThan(upcoming)
    expect(at('Later question')).toBeLessThan(closed)
    expect(at('Past question')).toBeGreaterThan(closed)
    expect(page).toContain('Yes / no')
    expect(page).toMatch(/Opens \w+ \d+, \d{4}/)
    expect(page).not.toContain('Secret draft')
  })

  it('shows every demo process, whatever its state', async () => {
    const demo = await db.all<{ id: number; state: string }>(`select id, state from voting_processes where state != 'draft' order by id`)
    for (const p of demo) {
      const res = await fetch(`${plaza.url}/votes/${p.id}`, { headers: { 'accept-language': 'en' } })
      expect(res.status, `process ${p.id}`).toBe(200)
      const page = text(await res.text())
      if (p.state === 'published') expect(page).toContain('Results published')
    }
  })

  it('answers 404 for drafts and unknown ids', async () => {
    const draft = await makeProcess({ method: 'yesno' }, { state: 'draft' })
    expect((await fetch(`${plaza.url}/votes/${draft}`)).status).toBe(404)
    expect((await fetch(`${plaza.url}/votes/99999999`)).status).toBe(404)
    expect((await fetch(`${plaza.url}/votes/abc`)).status).toBe(404)
  })
})

describe('casting without JavaScript', () => {
  it('yes/no: cast, see the ballot and the receipt, change it', async () => {
    const id = await makeProcess({ method: 'yesno' }, { area: residentHome })
    const anonymous = await (await fetch(`${plaza.url}/votes/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(anonymous).toContain('Log in to vote')
    expect(text(anonymous)).toContain('People who live inside')
    const v = await as('resident')
    const page = await (await v.get(`/votes/${id}`)).text()
    expect(page).toContain('name="answer" value="yes"')
    expect(text(page)).toContain('Your ballot will have weight 1.')
    const res = await v.post(`/votes/${id}`, { intent: 'cast', answer: 'yes' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/votes/${id}?cast=new#your-vote`)
    const after = await (await v.get(`/votes/${id}?cast=new`)).text()
    expect(text(after)).toContain('Your ballot was cast.')
    expect(/data-testid="your-ballot">Yes</.test(after)).toBe(true)
    const first = receiptIn(after)
    expect(first).toBeTruthy()
    expect(text(after)).toContain('Change your ballot')
    // The form shows the ballot cast, to change it.
    expect(after).toMatch(/checked="" value="yes"/)
    const change = await v.post(`/votes/${id}`, { intent: 'cast', answer: 'no' })
    expect(change.headers.get('location')).toBe(`/votes/${id}?cast=changed#your-vote`)
    const changed = await (await v.get(`/votes/${id}?cast=changed`)).text()
    expect(text(changed)).toContain('Your ballot was changed')
    expect(/data-testid="your-ballot">No</.test(changed)).toBe(true)
    expect(receiptIn(changed)).not.toBe(first)
    expect(await activeBallots(id)).toBe(1)
    expect(await db.value('select count(*) from ballots where process_id = ?', id)).toBe(2)
  })

  it('approval: checkboxes up to k; too many is refused next to the form, choices kept', async () => {
    const id = await makeProcess({
      method: 'approval',
      options: ['parks', 'bikes', 'library'],
      maxChoices: 2,
      minChoices: 0,
      labels: { parks: 'More parks', bikes: 'Bike lanes', library: 'A library' },
    })
    const v = await as('resident')
    const page = text(await (await v.get(`/votes/${id}`)).text())
    expect(page).toContain('Choose up to 2 options')
    expect(page).toContain('Bike lanes')
    const refused = await v.post(
      `/votes/${id}`,
      fields([
        ['intent', 'cast'],
        ['approved', 'parks'],
        ['approved', 'bikes'],
        ['approved', 'library'],
      ]),
    )
    expect(refused.status).toBe(400)
    const html = await refused.text()
    expect(text(html)).toContain('Your ballot was not cast: You chose 3; this vote allows at most 2.')
    expect(html).toMatch(/checked="" value="library"/)
    const ok = await v.post(
      `/votes/${id}`,
      fields([
        ['intent', 'cast'],
        ['approved', 'parks'],
        ['approved', 'library'],
      ]),
    )
    expect(ok.status).toBe(302)
    expect(/data-testid="your-ballot">More parks, A library</.test(await (await v.get(`/votes/${id}`)).text())).toBe(true)
  })

  it('quadratic: a number per option with its cost; over the credits is refused', async () => {
    const id = await makeProcess({ method: 'quadratic', options: ['a', 'b'], credits: 9, labels: { a: 'Trees', b: 'Benches' } })
    const v = await as('resident')
    const page = await (await v.get(`/votes/${id}`)).text()
    expect(page).toContain('name="votes.a"')
    expect(text(page)).toContain('Giving an option n votes costs n × n credits')
    const over = await v.post(`/votes/${id}`, { intent: 'cast', 'votes.a': '2', 'votes.b': '3' })
    expect(over.status).toBe(400)
    const html = await over.text()
    expect(text(html)).toContain('These votes cost 13 credits and you have 9.')
    expect(html).toMatch(/name="votes.b"[^>]*value="3"/)
    const bad = await v.post(`/votes/${id}`, { intent: 'cast', 'votes.a': '-1' })
    expect(bad.status).toBe(400)
    expect(text(await bad.text())).toContain('The votes for “Trees” must be a whole number, 0 or more.')
    expect((await v.post(`/votes/${id}`, { intent: 'cast', 'votes.a': '2', 'votes.b': '2' })).status).toBe(302)
    expect(text(await (await v.get(`/votes/${id}`)).text())).toContain('Trees: 2 votes; Benches: 2 votes')
  })

  it('budget: projects by pot with costs and the limit; over the budget is refused', async () => {
    const id = await makeProcess({
      method: 'budget',
      pots: [{ id: 'city', areaId: null, budget: 500000, ballotLimit: 300000 }],
      projects: [
        { id: 'pool', pot: 'city', cost: 200000 },
        { id: 'square', pot: 'city', cost: 150000 },
      ],
      maxDistricts: 1,
      labels: { city: 'City-wide budget', pool: 'Open-air pool', square: 'New square' },
      currency: 'EUR',
    })
    const v = await as('resident')
    const raw = await (await v.get(`/votes/${id}`)).text()
    const page = text(raw)
    expect(page).toContain('City-wide budget — spend up to €3,000.00')
    expect(page).toContain('Open-air pool (€2,000.00)')
    const over = await v.post(
      `/votes/${id}`,
      fields([
        ['intent', 'cast'],
        ['projects', 'pool'],
        ['projects', 'square'],
      ]),
    )
    expect(over.status).toBe(400)
    expect(text(await over.text())).toContain('Your projects in City-wide budget cost €3,500.00, more than the €3,000.00 you can spend there.')
    expect(
      (
        await v.post(
          `/votes/${id}`,
          fields([
            ['intent', 'cast'],
            ['projects', 'square'],
          ]),
        )
      ).status,
    ).toBe(302)
  })

  it('ranked: a rank per option; duplicate ranks are refused', async () => {
    const id = await makeProcess({ method: 'ranked', options: ['x', 'y', 'z'], maxChoices: 3, minChoices: 1, labels: { x: 'Apples', y: 'Pears', z: 'Plums' } })
    const v = await as('resident')
    const page = await (await v.get(`/votes/${id}`)).text()
    expect(page).toContain('name="rank.x"')
    expect(text(page)).toContain('Not ranked')
    const twice = await v.post(`/votes/${id}`, { intent: 'cast', 'rank.x': '1', 'rank.y': '1' })
    expect(twice.status).toBe(400)
    expect(text(await twice.text())).toContain('ranked more than once')
    const none = await v.post(`/votes/${id}`, { intent: 'cast' })
    expect(none.status).toBe(400)
    expect(text(await none.text())).toContain('You chose 0; this vote asks for at least 1.')
    expect((await v.post(`/votes/${id}`, { intent: 'cast', 'rank.y': '1', 'rank.x': '2' })).status).toBe(302)
    expect(text(await (await v.get(`/votes/${id}`)).text())).toContain('1. Pears, 2. Apples')
  })
})

describe('refusals, with a message next to the form', () => {
  it('before the opening and after the close', async () => {
    const v = await as('resident')
    const early = await makeProcess({ method: 'yesno' }, { state: 'scheduled', opensAt: iso(2 * HOUR), closesAt: iso(3 * HOUR) })
    const res = await v.post(`/votes/${early}`, { intent: 'cast', answer: 'yes' })
    expect(res.status).toBe(409)
    expect(text(await res.text())).toMatch(/This vote opens on .* \(UTC\)/)
    const late = await makeProcess({ method: 'yesno' }, { opensAt: iso(-3 * HOUR), closesAt: iso(-2 * HOUR) })
    const after = await v.post(`/votes/${late}`, { intent: 'cast', answer: 'yes' })
    expect(after.status).toBe(409)
    expect(text(await after.text())).toMatch(/This vote closed on .* Ballots are no longer accepted/)
    expect((await activeBallots(early)) + (await activeBallots(late))).toBe(0)
  })

  it('below the level, and outside the area when residents only', async () => {
    const levelled = await makeProcess({ method: 'yesno' }, { level: 2 })
    const citizen = await as('citizen')
    const low = await citizen.post(`/votes/${levelled}`, { intent: 'cast', answer: 'yes' })
    expect(low.status).toBe(403)
    expect(text(await low.text())).toContain('Voting here needs verification level 2 (residence verified); yours is 1 (e-mail confirmed).')
    // The page says so before anyone tries.
    expect(text(await (await citizen.get(`/votes/${levelled}`)).text())).toContain('Voting here needs verification level 2')
    const local = await makeProcess({ method: 'yesno' }, { area: otherArea, residentsOnly: true })
    const resident = await as('resident')
    const outside = await resident.post(`/votes/${local}`, { intent: 'cast', answer: 'yes' })
    expect(outside.status).toBe(403)
    expect(text(await outside.text())).toMatch(/Only people who live in .+ may vote here\./)
  })

  it('sends people who are not logged in to log in', async () => {
    const id = await makeProcess({ method: 'yesno' })
    const res = await fetch(`${plaza.url}/votes/${id}`, { method: 'POST', body: new URLSearchParams({ intent: 'cast', answer: 'yes' }), headers: { origin: plaza.url }, redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/login?redirectTo=${encodeURIComponent(`/votes/${id}`)}`)
  })
})

describe('after the close', () => {
  it('hides results until published, publishes the ballot list, checks receipts', async () => {
    const spec = { method: 'yesno' as const }
    const id = await makeProcess(spec)
    const resident = await as('resident')
    await resident.post(`/votes/${id}`, { intent: 'cast', answer: 'yes' })
    const replaced = receiptIn(await (await resident.get(`/votes/${id}`)).text())!
    await resident.post(`/votes/${id}`, { intent: 'cast', answer: 'no' })
    const counted = receiptIn(await (await resident.get(`/votes/${id}`)).text())!
    const citizen = await as('citizen')
    expect((await citizen.post(`/votes/${id}`, { intent: 'cast', answer: 'yes' })).status).toBe(302)

    // While open: no ballot list, no results for voters.
    const early = await fetch(`${plaza.url}/votes/${id}/ballots.csv`, { headers: { 'accept-language': 'en' } })
    expect(early.status).toBe(403)
    expect(await early.text()).toBe('The ballot list is published when the vote closes.')
    expect(text(await (await citizen.get(`/votes/${id}`)).text())).toContain('Results are shown once the council publishes them')
    // Administrators see the running tally.
    const admin = await as('admin')
    expect(text(await (await admin.get(`/votes/${id}`)).text())).toContain('Results so far')

    await db.run(`update voting_processes set state = 'closed', closes_at = ? where id = ?`, iso(-1000), id)
    const closedPage = text(await (await citizen.get(`/votes/${id}`)).text())
    expect(closedPage).toContain('Results are shown once the council publishes them')
    expect(closedPage).toContain('Check your receipt')

    const csv = await fetch(`${plaza.url}/votes/${id}/ballots.csv`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const lines = (await csv.text()).trim().split('\n')
    expect(lines[0]).toBe('receipt,cast_at,weight,choices,counted,prev_hash,hash')
    expect(lines).toHaveLength(4)
    expect(lines.join('\n')).toContain(replaced)
    const voterIds = await db.all<{ voter_id: number }>('select voter_id from ballots where process_id = ?', id)
    expect(lines[1]).not.toMatch(new RegExp(`,${voterIds[0]!.voter_id},`))

    // Anyone can recompute the chain from the published JSON.
    const json = (await (await fetch(`${plaza.url}/votes/${id}/ballots.json`)).json()) as {
      process: number
      chainHead: string
      ballots: Array<{ receipt: string; castAt: string; weight: number; choices: never; counted: boolean; prevHash: string; hash: string }>
    }
    expect(json.ballots).toHaveLength(3)
    expect(json.ballots[0]!.prevHash).toBe(GENESIS_HASH)
    expect(Object.keys(json.ballots[0]!).sort()).toEqual(['castAt', 'choices', 'counted', 'hash', 'prevHash', 'receipt', 'weight'])
    const check = verifyChain(
      json.ballots.map((b) => ({ previousHash: b.prevHash, hash: b.hash, ballot: { castAt: b.castAt, choices: b.choices, process: json.process, receipt: b.receipt, weight: b.weight } })),
      { head: json.chainHead },
    )
    expect(check.ok).toBe(true)

    const checkReceipt = async (receipt: string) => citizen.post(`/votes/${id}`, { intent: 'receipt', receipt })
    expect(text(await (await checkReceipt(counted.toLowerCase().replace(/-/g, ' '))).text())).toContain(`Receipt ${counted} is in the ballot list and counts`)
    expect(text(await (await checkReceipt(replaced)).text())).toContain('was replaced by a later ballot')
    expect(text(await (await checkReceipt('ZZZZ-ZZZZ-ZZZZ-ZZZZ')).text())).toContain('Receipt ZZZZ-ZZZZ-ZZZZ-ZZZZ is not in this vote’s ballot list.')
    const invalid = await checkReceipt('hello')
    expect(invalid.status).toBe(400)
    expect(text(await invalid.text())).toContain('That is not a receipt code')

    // Published: the results and the policy that produced them.
    const active = await db.all<{ choices: string; weight: number }>('select choices, weight from ballots where process_id = ? and replaced_at is null order by id', id)
    const result = countBallots(
      spec,
      active.map((b) => ({ choices: JSON.parse(b.choices), weight: b.weight })),
    )
    const count = {
      result,
      direct: { ballots: 2, weight: 1500 },
      delegation: { enabled: true, source: 'none', delegators: 0, reached: 0, carriedWeight: 0, lost: 0, lostWeight: 0, delegates: 0 },
      turnout: { represented: 2, weight: 1500, eligibleAccounts: 6 },
    }
    await db.run(`update voting_processes set state = 'published', results = ?, published_at = ? where id = ?`, JSON.stringify({ count, policyText: { en: ['Policy line one.'] } }), iso(0), id)
    const published = text(await (await citizen.get(`/votes/${id}`)).text())
    expect(published).toContain('Results published')
    expect(published).toContain('No has the majority.')
    expect(published).toContain('Policy line one.')
    expect(published).toContain('2 direct ballots, total weight 1.5.')
  })

  it('shows Schulze’s matrices and the budget’s ordered list once published', async () => {
    const ranked = { method: 'ranked' as const, options: ['a', 'b', 'c'], maxChoices: 3, minChoices: 0 }
    const id = await makeProcess({ ...ranked, labels: { a: 'Alpha', b: 'Beta', c: 'Gamma' } }, { state: 'published', opensAt: iso(-3 * HOUR), closesAt: iso(-HOUR) })
    const result = countBallots(ranked, [
      { choices: { ranking: ['a', 'b', 'c'] }, weight: 2000 },
      { choices: { ranking: ['b', 'c', 'a'] }, weight: 1000 },
    ])
    await db.run(
      'update voting_processes set results = ? where id = ?',
      JSON.stringify({ count: { result, direct: { ballots: 2, weight: 3000 }, delegation: { delegators: 0 }, turnout: { represented: 2, weight: 3000, eligibleAccounts: 2 } } }),
      id,
    )
    const page = await (await fetch(`${plaza.url}/votes/${id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(text(page)).toContain('Winner: Alpha')
    expect(text(page)).toContain('Pairwise preferences d')
    expect(text(page)).toContain('Strongest paths p')
    expect(page).toMatch(/<th scope="col">Beta<\/th>/)
  })
})

describe('delegations', () => {
  it('adds, shows on the vote, refuses a cycle, revokes', async () => {
    const citizen = await as('citizen')
    const page = await (await citizen.get('/account/delegations')).text()
    expect(page).toContain('name="scope"')
    expect(page).toContain('value="all"')
    const unknown = await citizen.post('/account/delegations', { intent: 'add', to: 'nobody@example.org', scope: 'all' })
    expect(unknown.status).toBe(400)
    expect(text(await unknown.text())).toContain('There is no account with that address.')
    const added = await citizen.post('/account/delegations', { intent: 'add', to: 'resident@valmera.example', scope: 'all' })
    expect(added.status).toBe(302)
    const listed = text(await (await citizen.get('/account/delegations?done=added')).text())
    expect(listed).toContain('Rosa Resident, for everything')
    // The other way round would close a cycle.
    const resident = await as('resident')
    const cycle = await resident.post('/account/delegations', { intent: 'add', to: 'citizen@valmera.example', scope: 'all' })
    expect(cycle.status).toBe(409)
    expect(text(await cycle.text())).toContain('This would lead back to you')
    expect(text(await (await resident.get('/account/delegations')).text())).toContain('Carles Citizen, for everything')
    // On a vote the citizen may not vote in: the delegation shows.
    const id = await makeProcess({ method: 'yesno' }, { level: 2 })
    expect(text(await (await citizen.get(`/votes/${id}`)).text())).toContain('You delegate your vote to Rosa Resident for this (everything).')
    const open = await makeProcess({ method: 'yesno' })
    await citizen.post(`/votes/${open}`, { intent: 'cast', answer: 'yes' })
    expect(text(await (await citizen.get(`/votes/${open}`)).text())).toContain('Your direct ballot overrides your delegation to Rosa Resident')
    const delegationId = await db.value<number>(`select d.id from delegations d join users u on u.id = d.from_id where u.email = 'citizen@valmera.example' and d.revoked_at is null`)
    expect((await resident.post('/account/delegations', { intent: 'revoke', id: String(delegationId) })).status).toBe(404)
    expect((await citizen.post('/account/delegations', { intent: 'revoke', id: String(delegationId) })).status).toBe(302)
    expect(text(await (await citizen.get('/account/delegations')).text())).toContain('You delegate to nobody.')
  })

  it('asks people who are not logged in to log in', async () => {
    const res = await fetch(`${plaza.url}/account/delegations`, { redirect: 'manual' })
    expect(res.status).toBe(302)
  })
})

describe('fuzzing the ballot form', () => {
  it('answers a redirect or a 4xx with a message to any body, never a 5xx', async () => {
    const ids = [
      await makeProcess({ method: 'yesno' }),
      await makeProcess({ method: 'approval', options: ['a', 'b'], maxChoices: 1, minChoices: 0 }),
      await makeProcess({ method: 'quadratic', options: ['a', 'b'], credits: 16 }),
      await makeProcess({
        method: 'budget',
        pots: [{ id: 'p', areaId: otherArea, budget: 100, ballotLimit: 100 }],
        projects: [
          { id: 'a', pot: 'p', cost: 60 },
          { id: 'b', pot: 'p', cost: 60 },
        ],
        maxDistricts: 1,
      }),
      await makeProcess({ method: 'ranked', options: ['a', 'b', 'c'], maxChoices: 2, minChoices: 0 }),
    ]
    const v = await as('resident')
    const value = fc.oneof(
      fc.constantFrom('a', 'b', 'c', 'yes', 'no', 'abstain', '1', '2', '3', '0', '-1', '1e3', '99999999999', '', ' ', '__proto__', 'cast', 'receipt', '%00', '\u0000'),
      fc.string({ maxLength: 30 }),
    )
    const key = fc.constantFrom('intent', 'answer', 'approved', 'projects', 'votes.a', 'votes.b', 'rank.a', 'rank.b', 'rank.c', 'receipt', '__proto__', 'constructor', 'votes.__proto__')
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ids), fc.array(fc.tuple(key, value), { maxLength: 8 }), async (id, entries) => {
        const res = await v.post(`/votes/${id}`, fields(entries))
        expect([200, 302, 400, 403, 409]).toContain(res.status)
        if (res.status >= 400) expect(await res.text()).toContain('role="alert"')
      }),
      { numRuns: 120 },
    )
  })
})
