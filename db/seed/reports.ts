import type { SeedStep } from './index'
import { defaultStates } from '../../app/modules/reports/states'
import { localize } from '../../app/lib/localized'

/**
 * Demo report categories, where each is served and by whom, and the states. Two rules show
 * routing by area: street lights in Ribera Sud are the roads department's (a maintenance
 * contract), and river-bank litter exists only in the two river districts.
 */
type Names = { en: string; es: string; fr: string }
const GROUPS: Record<string, Names> = {
  roads: { en: 'Roads', es: 'Vías públicas', fr: 'Voirie' },
  lighting: { en: 'Lighting', es: 'Alumbrado', fr: 'Éclairage' },
  cleaning: { en: 'Cleaning', es: 'Limpieza', fr: 'Propreté' },
  parks: { en: 'Parks', es: 'Parques', fr: 'Parcs' },
  water: { en: 'Water', es: 'Agua', fr: 'Eau' },
}
const categories: Array<{ code: string; name: Names; group: keyof typeof GROUPS; colour: string; department: string; areas?: string[]; exceptions?: Array<{ area: string; department: string }> }> = [
  { code: 'pothole', name: { en: 'Pothole', es: 'Bache', fr: 'Nid-de-poule' }, group: 'roads', colour: '#8a4b08', department: 'roads' },
  { code: 'damaged-pavement', name: { en: 'Damaged pavement', es: 'Acera dañada', fr: 'Trottoir abîmé' }, group: 'roads', colour: '#8a4b08', department: 'roads' },
  {
    code: 'street-light',
    name: { en: 'Street light not working', es: 'Farola apagada', fr: 'Lampadaire en panne' },
    group: 'lighting',
    colour: '#7a5c00',
    department: 'street-lighting',
    exceptions: [{ area: 'ribera-sud', department: 'roads' }],
  },
  { code: 'overflowing-bin', name: { en: 'Overflowing bin', es: 'Papelera desbordada', fr: 'Poubelle débordante' }, group: 'cleaning', colour: '#1f6f43', department: 'waste' },
  { code: 'fly-tipping', name: { en: 'Fly-tipping', es: 'Vertido ilegal', fr: 'Dépôt sauvage' }, group: 'cleaning', colour: '#1f6f43', department: 'waste' },
  {
    code: 'river-bank-litter',
    name: { en: 'Litter on the river bank', es: 'Basura en la ribera', fr: 'Déchets sur la berge' },
    group: 'cleaning',
    colour: '#1f6f43',
    department: 'waste',
    areas: ['ribera-nord', 'ribera-sud'],
  },
  { code: 'fallen-tree', name: { en: 'Fallen or dangerous tree', es: 'Árbol caído o peligroso', fr: 'Arbre tombé ou dangereux' }, group: 'parks', colour: '#2e6b1f', department: 'parks' },
  { code: 'blocked-drain', name: { en: 'Blocked drain', es: 'Desagüe atascado', fr: 'Égout bouché' }, group: 'water', colour: '#1d4f91', department: 'water' },
]

/** The demo city's questions (the Open311 service definitions): what a council would ask for these categories. */
export const demoQuestions: Record<
  string,
  Array<{ code: string; datatype: 'string' | 'singlevaluelist'; required: boolean; description: Names; hint?: Names; options?: Array<{ key: string; name: Names }> }>
> = {
  pothole: [
    {
      code: 'depth',
      datatype: 'singlevaluelist',
      required: true,
      description: { en: 'How deep is the pothole?', es: '¿Qué profundidad tiene el bache?', fr: 'Quelle est la profondeur du nid-de-poule ?' },
      options: [
        { key: 'shallow', name: { en: 'Shallow (less than 5 cm)', es: 'Poco profundo (menos de 5 cm)', fr: 'Peu profond (moins de 5 cm)' } },
        { key: 'deep', name: { en: 'Deep (5 cm or more)', es: 'Profundo (5 cm o más)', fr: 'Profond (5 cm ou plus)' } },
      ],
    },
  ],
  'street-light': [
    {
      code: 'light_id',
      datatype: 'string',
      required: false,
      description: {
        en: 'The number painted on the lamp post, if you can see it',
        es: 'El número pintado en la farola, si lo ves',
        fr: 'Le numéro peint sur le lampadaire, si vous le voyez',
      },
      hint: { en: 'Letters and digits, e.g. VL-0412', es: 'Letras y cifras, p. ej. VL-0412', fr: 'Lettres et chiffres, p. ex. VL-0412' },
    },
  ],
  'overflowing-bin': [
    {
      code: 'bin_type',
      datatype: 'singlevaluelist',
      required: false,
      description: { en: 'Which kind of bin is overflowing?', es: '¿Qué tipo de contenedor está desbordado?', fr: 'Quel type de poubelle déborde ?' },
      options: [
        { key: 'general', name: { en: 'General waste', es: 'Resto', fr: 'Ordures ménagères' } },
        { key: 'recycling', name: { en: 'Recycling', es: 'Reciclaje', fr: 'Recyclage' } },
        { key: 'glass', name: { en: 'Glass', es: 'Vidrio', fr: 'Verre' } },
        { key: 'organic', name: { en: 'Food and garden waste', es: 'Orgánico', fr: 'Biodéchets' } },
      ],
    },
  ],
}

export const reportsStep: SeedStep = {
  name: 'report categories',
  size: () => 1,
  async run(database, _options, progress) {
    const { db, write } = database
    if (await db.selectFrom('report_categories').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const departments = new Map((await db.selectFrom('departments').select(['id', 'slug']).execute()).map((d) => [d.slug, d.id]))
    const areas = new Map((await db.selectFrom('areas').select(['id', 'slug']).execute()).map((a) => [a.slug, a.id]))
    const created = await write(async (trx) => {
      let count = 0
      for (const [position, state] of defaultStates.entries()) {
        await trx
          .insertInto('report_states')
          .values({ code: state.code, kind: state.kind, label: null, position })
          .onConflict((oc) => oc.column('code').doNothing())
          .execute()
      }
      const at = new Date().toISOString()
      for (const [position, c] of categories.entries()) {
        const row = await trx
          .insertInto('report_categories')
          .values({ code: c.code, name: JSON.stringify(c.name), group_name: JSON.stringify(GROUPS[c.group]), colour: c.colour, position })
          .returning('id')
          .executeTakeFirstOrThrow()
        const departmentId = departments.get(c.department)!
        for (const area of c.areas ?? [null]) {
          await trx
            .insertInto('category_routes')
            .values({ category_id: row.id, department_id: departmentId, area_id: area ? areas.get(area)! : null })
            .execute()
        }
        for (const e of c.exceptions ?? []) {
          await trx
            .insertInto('category_routes')
            .values({ category_id: row.id, department_id: departments.get(e.department)!, area_id: areas.get(e.area)! })
            .execute()
        }
        // The category's questions (its Open311 service definition, e.g. a pothole's depth).
        for (const [i, q] of (demoQuestions[c.code] ?? []).entries()) {
          await trx
            .insertInto('category_questions')
            .values({
              category_id: row.id,
              code: q.code,
              datatype: q.datatype,
              required: q.required ? 1 : 0,
              description: JSON.stringify(q.description),
              hint: JSON.stringify(q.hint ?? {}),
              options: JSON.stringify(q.options ?? []),
              position: i + 1,
              updated_at: at,
            })
            .execute()
        }
        count++
      }
      return count
    })
    progress(1)
    return { created }
  },
}

// ---------------------------------------------------------------- demo reports

const demoTexts: Record<string, Array<[string, string]>> = {
  pothole: [
    ['Deep pothole at the bus stop', 'A pothole about 30 cm wide and deep enough to damage a wheel, right where the bus pulls in.'],
    ['Potholes after the rain', 'Three potholes in a row in the right-hand lane; cyclists swerve into traffic to avoid them.'],
    ['Sunken manhole cover', 'The road has sunk around the manhole cover and cars bang over it all night.'],
  ],
  'damaged-pavement': [
    ['Raised paving slabs by the school', 'Several slabs are lifted by tree roots; a child tripped here yesterday.'],
    ['Broken kerb at the crossing', 'The dropped kerb is cracked and a wheelchair cannot get up it.'],
  ],
  'street-light': [
    ['Street light out for a week', 'The lamp outside number 14 has been off for a week and the street is very dark.'],
    ['Lamp flickering all night', 'The light on the corner flickers on and off all night.'],
    ['Light on during the day', 'This street light stays on all day long.'],
  ],
  'overflowing-bin': [
    ['Bin overflowing in the square', 'The litter bin by the fountain is full and rubbish is blowing around.'],
    ['Recycling containers full', 'The glass and paper containers have been full since the weekend.'],
  ],
  'fly-tipping': [
    ['Mattress dumped on the pavement', 'Someone has left two mattresses and a sofa on the pavement.'],
    ['Building rubble left by the path', 'Bags of rubble and tiles have been dumped by the footpath.'],
  ],
  'river-bank-litter': [
    ['Plastic caught in the reeds', 'A lot of plastic bottles and bags are caught in the reeds along the bank.'],
    ['Litter after the festival', 'The bank is covered in cups and cans after the weekend festival.'],
  ],
  'fallen-tree': [
    ['Branch hanging over the road', 'A large branch is cracked and hanging over the road after the storm.'],
    ['Tree down in the park', 'A tree has fallen across the main path in the park.'],
  ],
  'blocked-drain': [
    ['Drain blocked, street floods', 'The drain at the low point of the street is blocked with leaves; the road floods when it rains.'],
    ['Smell from the drain', 'A bad smell is coming from the drain by the market.'],
  ],
}

const demoReplies: Record<string, string> = {
  investigating: 'Thank you for your report. An inspector will visit this week.',
  action_scheduled: 'We have scheduled the repair with our maintenance team.',
  in_progress: 'Our crew is on site.',
  fixed: 'This has been repaired. Thank you for letting us know.',
  not_responsible: 'This is on private land; we have passed it to the owner.',
  closed: 'Closed after inspection: no further action is needed.',
}

/**
 * About 60 reports across the city, through the reports module itself (so map, timeline and
 * counters are exactly as if people had filed them), then triaged by the departments with dates
 * moved back in time so the council dashboard has a history to show.
 */
export const demoReportsStep: SeedStep = {
  name: 'demo reports',
  size: () => 1,
  async run(database, options, progress) {
    const { db } = database
    if (await db.selectFrom('reports').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const { fileReport, triageReport, reporterChange, supportReport } = await import('../../app/modules/reports/reports.server')
    const { forgetRoutingRules } = await import('../../app/modules/reports/department-routing.server')
    const { useDatabase } = await import('../../app/lib/db.server')
    // The reports module writes through database(): point it at the database being seeded.
    const restore = useDatabase(database)
    forgetRoutingRules()
    const { newestMailId, discardMailQueuedAfter } = await import('../../app/lib/mail/outbox.server')
    const mailBefore = await newestMailId(database)
    try {
      const seeded = await seedReports()
      // The history written above (filed, triaged, fixed in the past) is not news: no one is mailed it.
      await discardMailQueuedAfter(mailBefore, database)
      return seeded
    } finally {
      restore()
      forgetRoutingRules()
    }
    async function seedReports() {
      const { areasContaining } = await import('../../app/modules/geo/lookup.server')
      const { categoriesServing } = await import('../../app/modules/reports/department-routing.server')
      const { mulberry32 } = await import('./random')
      const random = mulberry32(options.seed + 606)
      const city = await db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirst()
      const users = await db.selectFrom('users').select(['id', 'email', 'display_name']).where('email', 'is not', null).execute()
      const staff = await db.selectFrom('user_roles').select(['user_id', 'department_id']).where('role', '=', 'staff').execute()
      const admin = await db.selectFrom('user_roles').select('user_id').where('role', '=', 'admin').executeTakeFirst()
      if (!city || users.length === 0) {
        progress(1)
        return { created: 0 }
      }
      const citizens = users.filter((u) => /resident|citizen/.test(u.email ?? ''))
      const departmentsTemplates = await db.selectFrom('response_templates').select('id').limit(1).executeTakeFirst()
      if (!departmentsTemplates) {
        await database.write(async (trx) => {
          const at = new Date().toISOString()
          await trx
            .insertInto('response_templates')
            .values([
              { department_id: null, title: 'Inspection booked', text: demoReplies.investigating!, auto_state: 'investigating', created_at: at },
              { department_id: null, title: 'Repair scheduled', text: demoReplies.action_scheduled!, auto_state: 'action_scheduled', created_at: at },
              { department_id: null, title: 'Repaired', text: demoReplies.fixed!, auto_state: 'fixed', created_at: at },
              { department_id: null, title: 'Private land', text: demoReplies.not_responsible!, auto_state: null, created_at: at },
            ])
            .execute()
        })
      }
      const day = 86_400_000
      const now = Date.now()
      const iso = (ms: number) => new Date(ms).toISOString()
      let created = 0
      // Tests seed at scale 0.01: one report keeps them quick and still runs this step.
      const target = Math.max(1, Math.round(60 * Math.min(options.scale, 1)))
      for (let attempt = 0; created < target && attempt < target * 20; attempt++) {
        const lng = city.min_lng + random() * (city.max_lng - city.min_lng)
        const lat = city.min_lat + random() * (city.max_lat - city.min_lat)
        if ((await areasContaining(lat, lng)).length < 2) continue
        const served = await categoriesServing(lat, lng)
        if (served.length === 0) continue
        const category = served[Math.floor(random() * served.length)]!
        const texts = demoTexts[category.code] ?? [[localize(category.name, 'en'), `${localize(category.name, 'en')}: please have a look.`]]
        const [title, description] = texts[Math.floor(random() * texts.length)]!
        const reporter = citizens[Math.floor(random() * citizens.length)] ?? users[0]!
        const ageDays = Math.floor(random() ** 2 * 120)
        const filedAt = now - ageDays * day - Math.floor(random() * day)
        const result = await fileReport(
          { categoryCode: category.code, title, description, lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6, anonymous: random() < 0.2, locale: 'en', createdAt: iso(filedAt) },
          { kind: 'user', userId: reporter.id, name: reporter.display_name },
        )
        if (result.kind !== 'filed') continue
        created++
        const report = await db.selectFrom('reports').select(['department_id']).where('id', '=', result.id).executeTakeFirstOrThrow()
        const member = staff.find((s) => s.department_id === report.department_id)?.user_id ?? admin?.user_id ?? null
        const actor = { userId: member, departments: 'all' as const, source: 'web' as const }
        // A path through the lifecycle; older reports have gone further.
        const roll = random()
        const path =
          ageDays < 3
            ? []
            : ageDays < 20
              ? roll < 0.5
                ? ['investigating']
                : ['investigating', 'action_scheduled']
              : roll < 0.55
                ? ['investigating', 'action_scheduled', 'fixed']
                : roll < 0.7
                  ? ['investigating', 'in_progress']
                  : roll < 0.85
                    ? ['not_responsible']
                    : ['investigating', 'closed']
        let at = filedAt
        for (const state of path) {
          at = Math.min(now - 60_000, at + (0.5 + random() * 6) * day)
          const changed = await triageReport(actor, result.id, { state, update: demoReplies[state] })
          if (changed.kind !== 'ok') break
          await database.write(async (trx) => {
            await trx
              .updateTable('report_updates')
              .set({ created_at: iso(at) })
              .where('id', 'in', changed.updateIds)
              .execute()
            const r = await trx.selectFrom('reports').select(['first_response_at', 'fixed_at', 'closed_at']).where('id', '=', result.id).executeTakeFirstOrThrow()
            await trx
              .updateTable('reports')
              .set({
                updated_at: iso(at),
                first_response_at: path.indexOf(state) === 0 ? iso(at) : r.first_response_at,
                fixed_at: r.fixed_at ? iso(at) : null,
                closed_at: r.closed_at ? iso(at) : null,
              })
              .where('id', '=', result.id)
              .execute()
          })
        }
        if (path.length === 0 && random() < 0.3) await reporterChange(result.id, { userId: reporter.id }, 'fixed', 'Someone fixed it this morning.')
        for (const supporter of citizens) if (supporter.id !== reporter.id && random() < 0.25) await supportReport(supporter.id, result.id)
      }
      progress(1)
      return { created }
    }
  },
}
