import type { Transaction } from 'kysely'
import type { PlazaDatabase } from '../../app/lib/db.server'
import type { Database, PetitionState } from '../schema'
import type { SeedStep } from './index'

/**
 * Demo petitions in every state of the lifecycle (issue 8): a draft, one gathering sponsors, one
 * waiting for moderation, open ones with signatures spread over the districts and the last weeks
 * (one past its response threshold and awaiting the council's response, one responded, one
 * restricted to a district and asking a department), a closed one debated by the council, a closed
 * one that ran out, and a rejected one. Signatures are inserted as rows and the signing side's
 * recountPetition rebuilds every count from them, as it would after a repair. `scale` multiplies
 * the signatures (at least a tenth of them, so test databases stay small).
 */

const DAY = 86_400_000

interface DemoPetition {
  key: string
  state: PetitionState
  title: string
  action: string
  background: string
  author: 'citizen' | 'resident'
  /** Signatures at scale 1 (counted), spread over `days` days before now. */
  signatures: number
  days: number
  sponsors?: number
  thresholds?: { response: number; debate: number }
  target?: 'department' | 'representative'
  restrictToDistrict?: boolean
  response?: string
  debate?: { inDays: number; outcome?: string }
  rejection?: { reason: string; details: string | null }
  /** Opened this many days ago (open and closed petitions). */
  openedDaysAgo?: number
  closed?: boolean
}

const demo: DemoPetition[] = [
  {
    key: 'draft',
    state: 'draft',
    title: 'Drinking fountains in every park',
    action: 'Install at least one drinking fountain in each public park of Valmera.',
    background: 'Summers are getting hotter and **most parks have no water**.',
    author: 'citizen',
    signatures: 0,
    days: 0,
  },
  {
    key: 'sponsoring',
    state: 'sponsoring',
    title: 'Night buses on weekends',
    action: 'Run night buses between the old town and the outer districts on Friday and Saturday nights.',
    background: 'The last bus leaves at 23:30; people working late walk home for an hour.',
    author: 'resident',
    signatures: 0,
    days: 0,
    sponsors: 2,
  },
  {
    key: 'pending',
    state: 'pending',
    title: 'A public toilet at the riverside market',
    action: 'Open a public toilet beside the riverside market on market days.',
    background: '',
    author: 'citizen',
    signatures: 0,
    days: 0,
    sponsors: 5,
  },
  {
    key: 'open-popular',
    state: 'open',
    title: 'Keep the Lume library open on Sundays',
    action: 'Open the central library on Sunday afternoons, at least from October to June.',
    background: 'Students and families have **nowhere quiet** to read on Sundays.\n\n- exams in January and June\n- most flats are small',
    author: 'resident',
    signatures: 240,
    days: 28,
    openedDaysAgo: 30,
  },
  {
    key: 'awaiting',
    state: 'open',
    title: 'Safe crossing at the Sant Roc school',
    action: 'Add a raised pedestrian crossing and a crossing patrol in front of the Sant Roc primary school.',
    background: 'Cars speed down the hill at school time.',
    author: 'citizen',
    signatures: 75,
    days: 14,
    openedDaysAgo: 16,
    thresholds: { response: 50, debate: 500 },
  },
  {
    key: 'responded',
    state: 'open',
    title: 'More benches along the river walk',
    action: 'Place benches every 200 metres along the river walk.',
    background: 'Older people cannot walk the whole promenade without a rest.',
    author: 'resident',
    signatures: 60,
    days: 40,
    openedDaysAgo: 45,
    thresholds: { response: 40, debate: 400 },
    response:
      'Thank you for this petition. The council agrees: **24 new benches** will be installed along the river walk in the spring, starting at the old bridge. Parks and gardens will publish the plan in February.',
  },
  {
    key: 'debated',
    state: 'closed',
    title: 'Car-free old town on Sundays',
    action: 'Close the old town to cars every Sunday from 10:00 to 20:00.',
    background: 'Cities of our size have done it; shops there sell more, not less.',
    author: 'citizen',
    signatures: 90,
    days: 60,
    openedDaysAgo: 200,
    closed: true,
    thresholds: { response: 30, debate: 60 },
    response: 'The council will study a trial on four Sundays next summer with the shopkeepers’ association.',
    debate: { inDays: -20, outcome: 'The council debated the petition on its December meeting and **approved a trial** of four car-free Sundays in June and July, to be evaluated in September.' },
  },
  {
    key: 'closed',
    state: 'closed',
    title: 'Rename the Carrer Nou',
    action: 'Rename the Carrer Nou after the poet Maria Valls.',
    background: '',
    author: 'resident',
    signatures: 12,
    days: 20,
    openedDaysAgo: 190,
    closed: true,
  },
  {
    key: 'rejected',
    state: 'rejected',
    title: 'Ban all cars from Valmera',
    action: 'Ban every car from the city.',
    background: '',
    author: 'citizen',
    signatures: 0,
    days: 0,
    sponsors: 5,
    rejection: { reason: 'duplicate', details: 'The petition “Car-free old town on Sundays” asks for much of this; please sign that one.' },
  },
  {
    key: 'district',
    state: 'open',
    title: 'Fix the potholes on the ring road',
    action: 'Resurface the ring road between the north and east junctions this year.',
    background: '',
    author: 'resident',
    signatures: 35,
    days: 10,
    openedDaysAgo: 10,
    target: 'department',
    restrictToDistrict: true,
  },
  {
    key: 'representative',
    state: 'open',
    title: 'Answer residents’ letters within a month',
    action: 'Commit to answering every resident’s letter within 30 days.',
    background: '',
    author: 'citizen',
    signatures: 20,
    days: 6,
    openedDaysAgo: 6,
    target: 'representative',
  },
  {
    key: 'new',
    state: 'open',
    title: 'Trees for the Plaça Major',
    action: 'Plant shade trees around the Plaça Major.',
    background: 'Árboles, please: the square is an oven in July.',
    author: 'resident',
    signatures: 6,
    days: 1,
    openedDaysAgo: 1,
  },
]

export const petitionsStep: SeedStep = {
  name: 'demo petitions',
  size: () => 1,
  async run(database, options, progress) {
    if (await database.db.selectFrom('petitions').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const created = await seedPetitions(database, options.seed, options.scale)
    progress(1)
    return { created }
  },
}

async function seedPetitions(database: PlazaDatabase, seed: number, scale: number): Promise<number> {
  const { db } = database
  const { mulberry32 } = await import('./random')
  const { areasContainingIn } = await import('../../app/modules/geo/lookup.server')
  const { placeItem } = await import('../../app/modules/geo/map-index.server')
  const { renderMarkdown } = await import('../../app/lib/markdown.server')
  const { normaliseSignatureEmail } = await import('../../app/modules/petitions/email')
  const { rateLimitKey } = await import('../../app/modules/petitions/fraud')
  const { recountPetition } = await import('../../app/modules/petitions/signatures.server')
  const random = mulberry32(seed + 808)
  const city = await db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirst()
  const users = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('email', 'in', ['citizen@valmera.example', 'resident@valmera.example', 'moderator@valmera.example', 'roads@valmera.example'])
    .execute()
  const user = (name: string) => users.find((u) => u.email === `${name}@valmera.example`)?.id ?? null
  if (!city || !user('citizen') || !user('resident')) return 0
  const department = await db.selectFrom('departments').select('id').orderBy('id').executeTakeFirst()
  const representative = await db.selectFrom('representatives').select('id').orderBy('id').executeTakeFirst()
  const factor = Math.min(Math.max(scale, 0.1), 100)
  const now = Date.now()
  const iso = (ms: number) => new Date(ms).toISOString()

  return database.write(async (trx: Transaction<Database>) => {
    // Petition categories, named in every language (issue 16: an administrator edits them at /admin/services).
    if (!(await trx.selectFrom('petition_categories').select('id').limit(1).executeTakeFirst())) {
      const categories = [
        { code: 'transport', name: { en: 'Transport and streets', es: 'Transporte y calles', fr: 'Transports et rues' } },
        { code: 'environment', name: { en: 'Environment', es: 'Medio ambiente', fr: 'Environnement' } },
        { code: 'services', name: { en: 'Public services', es: 'Servicios públicos', fr: 'Services publics' } },
        { code: 'culture', name: { en: 'Culture and heritage', es: 'Cultura y patrimonio', fr: 'Culture et patrimoine' } },
      ]
      for (const [position, c] of categories.entries())
        await trx
          .insertInto('petition_categories')
          .values({ code: c.code, name: JSON.stringify(c.name), position })
          .execute()
    }
    // Places where signers live: random points inside the city, with their neighbourhood and district.
    const homes: Array<{ lat: number; lng: number; areaId: number | null; districtId: number | null }> = []
    for (let attempt = 0; homes.length < 80 && attempt < 2000; attempt++) {
      const lng = city.min_lng + random() * (city.max_lng - city.min_lng)
      const lat = city.min_lat + random() * (city.max_lat - city.min_lat)
      const hits = await areasContainingIn(trx, lat, lng)
      const district = hits.find((h) => h.level === 'district')
      if (!district) continue
      homes.push({ lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6, areaId: hits.find((h) => h.level === 'neighbourhood')?.id ?? district.id, districtId: district.id })
    }
    // Popular petitions draw more from some districts than others (a visible choropleth).
    const weight = (h: (typeof homes)[number]) => 1 + ((h.districtId ?? 0) % 4)
    const weighted = homes.flatMap((h) => Array.from({ length: weight(h) }, () => h))
    let created = 0
    let signer = 0
    for (const d of demo) {
      const openedAt = d.openedDaysAgo !== undefined ? now - d.openedDaysAgo * DAY : null
      const closesAt = openedAt !== null ? (d.closed ? now - 5 * DAY : openedAt + 182 * DAY) : null
      const restriction = d.restrictToDistrict ? (homes[0]?.districtId ?? null) : null
      const place = d.state === 'draft' ? null : homes[Math.floor(random() * homes.length)]!
      const targetKind = d.target === 'department' && department ? 'department' : d.target === 'representative' && representative ? 'representative' : 'council'
      const at = iso(openedAt !== null ? openedAt - 3 * DAY : now - 2 * DAY)
      const row = await trx
        .insertInto('petitions')
        .values({
          author_id: user(d.author),
          state: d.state,
          title: d.title,
          action: d.action,
          background_md: d.background,
          background_html: d.background ? renderMarkdown(d.background) : '',
          target_kind: targetKind,
          target_department_id: targetKind === 'department' ? department!.id : null,
          target_representative_id: targetKind === 'representative' ? representative!.id : null,
          area_id: restriction,
          lat: place?.lat ?? null,
          lng: place?.lng ?? null,
          sponsors_required: d.sponsors ?? 5,
          // Demo thresholds scale with the signatures, so each petition shows its part at any --scale.
          response_threshold: d.thresholds ? Math.max(2, Math.round(d.thresholds.response * factor)) : 1000,
          debate_threshold: d.thresholds ? Math.max(3, Math.round(d.thresholds.debate * factor)) : 10000,
          duration_days: openedAt !== null && closesAt !== null ? Math.round((closesAt - openedAt) / DAY) : 0,
          rejection_reason: d.rejection?.reason ?? null,
          rejection_details: d.rejection?.details ?? null,
          moderated_by: d.state === 'open' || d.state === 'closed' || d.state === 'rejected' ? user('moderator') : null,
          moderated_at: openedAt !== null ? iso(openedAt) : d.state === 'rejected' ? iso(now - DAY) : null,
          locale: 'en',
          created_at: at,
          updated_at: at,
          submitted_at: ['pending', 'open', 'closed', 'rejected'].includes(d.state) ? at : null,
          opened_at: openedAt !== null ? iso(openedAt) : null,
          closes_at: closesAt !== null ? iso(closesAt) : null,
          closed_at: d.closed && closesAt !== null ? iso(closesAt) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const id = row.id
      created++

      // Sponsors (the first signatures, through the private link), then the public's.
      const sponsors = d.state === 'sponsoring' ? (d.sponsors ?? 0) : d.state === 'draft' ? 0 : Math.min(d.sponsors ?? 5, 5)
      const count = d.state === 'open' || d.state === 'closed' ? Math.max(3, Math.round(d.signatures * factor)) : 0
      const total = sponsors + count
      const span = Math.max(d.days, 1) * DAY
      const start = openedAt ?? now - span
      for (let i = 0; i < total; i++) {
        const home = restriction !== null ? (homes.find((h) => h.districtId === restriction) ?? homes[0]!) : weighted[Math.floor(random() * weighted.length)]!
        const sponsor = i < sponsors
        // Early days draw most signatures (a petition's usual curve): the square of a uniform draw.
        const signedAt = sponsor ? start - DAY + i * 3600_000 : Math.min(now - 60_000, start + Math.floor(random() ** 2 * span))
        signer++
        const email = `signer${signer}@${['example.org', 'example.net', 'mail.example'][signer % 3]}`
        const ip = `192.0.2.${signer % 250}`
        await trx
          .insertInto('petition_signatures')
          .values({
            petition_id: id,
            status: 'counted',
            reason: 'ok',
            decision: 'accept',
            sponsor: sponsor ? 1 : 0,
            name: `Valmera resident ${signer}`,
            email,
            email_key: normaliseSignatureEmail(email) ?? email,
            email_domain: email.split('@')[1]!,
            user_id: null,
            lat: home.lat,
            lng: home.lng,
            area_id: home.areaId,
            district_id: home.districtId,
            ip,
            ip_key: rateLimitKey(ip),
            notify_updates: random() < 0.7 ? 1 : 0,
            locale: 'en',
            created_at: iso(signedAt),
            confirmed_at: iso(signedAt + 120_000),
          })
          .execute()
      }
      if (total > 0) await recountPetition(trx, id)

      // The council's side, after the counts marked the thresholds reached.
      const reachedAt = openedAt !== null ? iso(openedAt + Math.max(d.days, 1) * DAY * 0.4) : null
      if (d.thresholds && reachedAt) {
        await trx
          .updateTable('petitions')
          .set((eb) => ({
            response_threshold_reached_at: eb.case().when('response_threshold_reached_at', 'is not', null).then(reachedAt).else(null).end(),
            debate_threshold_reached_at: eb.case().when('debate_threshold_reached_at', 'is not', null).then(reachedAt).else(null).end(),
          }))
          .where('id', '=', id)
          .execute()
      }
      if (d.response) {
        await trx
          .updateTable('petitions')
          .set({ response_md: d.response, response_html: renderMarkdown(d.response), responded_at: iso(now - 3 * DAY), responded_by: user('roads') })
          .where('id', '=', id)
          .execute()
      }
      if (d.debate) {
        const date = iso(now + d.debate.inDays * DAY).slice(0, 10)
        await trx
          .updateTable('petitions')
          .set({
            debate_scheduled_for: date,
            ...(d.debate.outcome ? { debate_outcome_md: d.debate.outcome, debate_outcome_html: renderMarkdown(d.debate.outcome), debated_at: iso(now + d.debate.inDays * DAY + 3600_000) } : {}),
          })
          .where('id', '=', id)
          .execute()
      }
      if ((d.state === 'open' || d.state === 'closed') && place) {
        await placeItem(trx, { kind: 'petitions', itemId: id, lat: place.lat, lng: place.lng, status: d.state, category: targetKind, title: d.title, createdAt: iso(openedAt ?? now), visible: true })
      }
    }
    return created
  })
}
