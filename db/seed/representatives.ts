import sharp from 'sharp'
import type { SeedStep } from './index'
import { mulberry32 } from './random'

/**
 * Valmera's representatives (issue 9): three levels — neighbourhood councillors, district
 * councillors and the mayor — with one or two councillors per neighbourhood (every third
 * neighbourhood has two, so "write to all members" matters), two per district and the mayor. All
 * fictional, with fictional parties; e-mails at council.valmera.example. A few carry a generated
 * portrait (coloured initials, drawn by sharp: no network), one is a former councillor (term
 * ended) and one is marked as bouncing. Deterministic for a seed; does nothing if levels exist.
 * The people do not grow with --scale (a city has the councillors it has); at scale < 1 (tests)
 * only two portraits are drawn, to keep test set-up fast.
 */

const LEVELS = [
  { code: 'neighbourhood', area_level: 'neighbourhood', position: 1, names: { en: 'Neighbourhood councillors', es: 'Concejales de barrio', fr: 'Conseillers de quartier' } },
  { code: 'district', area_level: 'district', position: 2, names: { en: 'District councillors', es: 'Concejales de distrito', fr: "Conseillers d'arrondissement" } },
  { code: 'mayor', area_level: 'city', position: 3, names: { en: 'Mayor', es: 'Alcaldía', fr: 'Mairie' } },
] as const

const FIRST = [
  'Aina',
  'Marc',
  'Laia',
  'Jordi',
  'Núria',
  'Pau',
  'Marta',
  'Oriol',
  'Carla',
  'Sergi',
  'Elena',
  'Xavier',
  'Clara',
  'Joan',
  'Irene',
  'Pere',
  'Lucía',
  'Andreu',
  'Sara',
  'Miquel',
  'Rosa',
  'Albert',
  'Mireia',
  'Daniel',
  'Paula',
  'Tomàs',
  'Judit',
  'Hugo',
  'Berta',
  'Álvaro',
  'Noelia',
  'Isaac',
]
const LAST = [
  'Ferrer',
  'Puig',
  'Vidal',
  'Soler',
  'Roca',
  'Serra',
  'Font',
  'Casals',
  'Pujol',
  'Mas',
  'Vila',
  'Costa',
  'Riera',
  'Bosch',
  'Camps',
  'Prat',
  'Navarro',
  'Herrera',
  'Molina',
  'Ortega',
  'Delgado',
  'Marín',
  'Iglesias',
  'Romero',
  'Garrido',
  'Lozano',
  'Sanz',
  'Castell',
  'Galí',
  'Miró',
]
const PARTIES = ['Valmera Verda', 'Progrés Ciutadà', 'Unió de la Ribera', 'Moviment Lume', 'Independent']
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00']

const TERM_START = '2023-06-17'
const FORMER_TERM = { from: '2019-06-15', until: '2023-06-16' }

/** A person's e-mail key: lower-case ASCII (accents dropped), firstname.lastname. */
function mailbox(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.|\.$/g, '')
}

/** A portrait placeholder: initials on a coloured disc, as a 400 px photo and a 96 px thumbnail. */
export async function initialsPortrait(name: string, colour: string): Promise<{ photo: Buffer; thumb: Buffer }> {
  const initials = name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase()
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#f4f1ea"/><circle cx="200" cy="200" r="170" fill="${colour}"/><text x="200" y="200" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="150" font-weight="bold" fill="#ffffff">${initials.replace(/[<>&"]/g, '')}</text></svg>`
  const photo = await sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toBuffer()
  const thumb = await sharp(photo).resize(96, 96).jpeg({ quality: 82 }).toBuffer()
  return { photo, thumb }
}

interface Person {
  name: string
  role: string
  level: string
  areaId: number
  party: string
  activeFrom: string
  activeUntil: string | null
  bounced: boolean
  portrait: boolean
}

export const representativesStep: SeedStep = {
  name: 'demo representatives',
  size: () => 1,
  async run(database, options, progress) {
    if (await database.db.selectFrom('representative_levels').select('code').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const areas = await database.db.selectFrom('areas').select(['id', 'slug', 'level']).orderBy('id').execute()
    const random = mulberry32(options.seed * 7919 + 9)
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
    const used = new Set<string>()
    const personName = () => {
      for (;;) {
        const name = `${pick(FIRST)} ${pick(LAST)}`
        if (!used.has(name)) {
          used.add(name)
          return name
        }
      }
    }
    const people: Person[] = []
    const add = (p: Omit<Person, 'name' | 'party' | 'activeFrom' | 'activeUntil' | 'bounced' | 'portrait'> & Partial<Person>) =>
      people.push({ name: personName(), party: pick(PARTIES), activeFrom: TERM_START, activeUntil: null, bounced: false, portrait: false, ...p })

    // Roles are localized JSON (app/lib/localized.ts), shown in the visitor's language.
    const ROLES = {
      mayor: JSON.stringify({ en: 'Mayor', es: 'Alcaldesa', fr: 'Maire' }),
      district: JSON.stringify({ en: 'District councillor', es: 'Concejal de distrito', fr: "Conseiller d'arrondissement" }),
      neighbourhood: JSON.stringify({ en: 'Neighbourhood councillor', es: 'Concejal de barrio', fr: 'Conseiller de quartier' }),
    }
    const city = areas.find((a) => a.level === 'city')
    if (city) add({ role: ROLES.mayor, level: 'mayor', areaId: city.id, portrait: true })
    const districts = areas.filter((a) => a.level === 'district')
    districts.forEach((d, i) => {
      add({ role: ROLES.district, level: 'district', areaId: d.id, portrait: i === 0 })
      add({ role: ROLES.district, level: 'district', areaId: d.id })
    })
    // A councillor whose term ended: shown as former, never offered for new letters.
    if (districts[0]) add({ role: ROLES.district, level: 'district', areaId: districts[0].id, activeFrom: FORMER_TERM.from, activeUntil: FORMER_TERM.until })
    areas
      .filter((a) => a.level === 'neighbourhood')
      .forEach((n, i) => {
        add({ role: ROLES.neighbourhood, level: 'neighbourhood', areaId: n.id, portrait: i < 3, bounced: i === 4 })
        if (i % 3 === 0) add({ role: ROLES.neighbourhood, level: 'neighbourhood', areaId: n.id })
      })

    const drawAll = options.scale >= 1
    let drawn = 0
    const portraits = new Map<number, { photo: Buffer; thumb: Buffer }>()
    // Portraits are drawn before the write (sharp is slow; nothing slow inside a write).
    for (const [i, p] of people.entries()) {
      if (!p.portrait || (!drawAll && drawn >= 2)) continue
      portraits.set(i, await initialsPortrait(p.name, COLOURS[i % COLOURS.length]!))
      drawn++
    }

    const created = await database.write(async (trx) => {
      const now = new Date().toISOString()
      for (const level of LEVELS) {
        await trx
          .insertInto('representative_levels')
          .values({ code: level.code, names: JSON.stringify(level.names), area_level: level.area_level, position: level.position, created_at: now })
          .execute()
      }
      const mailboxes = new Set<string>()
      for (const [i, p] of people.entries()) {
        let box = mailbox(p.name)
        for (let n = 2; mailboxes.has(box); n++) box = `${mailbox(p.name)}${n}`
        mailboxes.add(box)
        const portrait = portraits.get(i)
        await trx
          .insertInto('representatives')
          .values({
            name: p.name,
            role: p.role,
            level: p.level,
            area_id: p.areaId,
            party: p.party,
            email: `${box}@council.valmera.example`,
            photo: portrait?.photo ?? null,
            photo_thumb: portrait?.thumb ?? null,
            photo_updated_at: portrait ? now : null,
            active_from: p.activeFrom,
            active_until: p.activeUntil,
            email_bounced_at: p.bounced ? now : null,
            bounce_note: p.bounced ? '550 5.1.1 mailbox unavailable (demo)' : null,
            created_at: now,
            updated_at: now,
          })
          .execute()
      }
      return LEVELS.length + people.length
    })
    progress(1)
    return { created }
  },
}
