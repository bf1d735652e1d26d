import { sql } from 'kysely'
import { generateToken } from '../../app/modules/accounts/sessions.server'
import { dueDate } from '../../app/modules/foi/deadlines'
import { LAWS, type LawId } from '../../app/modules/foi/laws'
import { termsOf } from '../../app/modules/foi/search'
import type { SeedStep } from './index'

/**
 * Demo freedom-of-information requests (issue 22): three public bodies (outside the city's
 * departments, which an administrator adds from /admin/bodies) and five requests sent by demo
 * residents over the last months, in different states — answered and classified, refused, overdue,
 * awaiting — with the bodies' answers. Sent days ago, so nobody's daily limit is used. Does
 * nothing if bodies exist. Deterministic.
 */

const BODIES: Array<{ slug: string; name: Record<string, string>; email: string; category: string; law: LawId }> = [
  {
    slug: 'valmera-water',
    name: { en: 'Valmera Water Company', es: 'Aguas de Valmera', fr: 'Compagnie des eaux de Valmera' },
    email: 'transparencia@aguas-valmera.example',
    category: 'utility',
    law: 'es_19_2013',
  },
  {
    slug: 'regional-transport',
    name: { en: 'Regional Transport Authority', es: 'Autoridad Regional del Transporte', fr: 'Autorité régionale des transports' },
    email: 'foi@transport-region.example',
    category: 'transport',
    law: 'es_19_2013',
  },
  {
    slug: 'valmera-port',
    name: { en: 'Valmera Port Authority', es: 'Autoridad Portuaria de Valmera', fr: 'Autorité portuaire de Valmera' },
    email: 'info@port-valmera.example',
    category: 'port',
    law: 'es_19_2013',
  },
]

const REQUESTS: Array<{ body: number; user: string; title: string; text: string; daysAgo: number; status: 'awaiting' | 'successful' | 'refused' | 'partially_successful'; answer?: string }> = [
  {
    body: 0,
    user: 'resident@valmera.example',
    title: 'Water quality tests 2025',
    text: 'Please send the results of the drinking water quality tests for 2025, by district.',
    daysAgo: 60,
    status: 'successful',
    answer: 'Attached you will find the laboratory results for nitrates, lead and chlorine for each district in 2025. All values were within the legal limits.',
  },
  {
    body: 0,
    user: 'citizen@valmera.example',
    title: 'Leaks repaired in the old town',
    text: 'How many leaks were repaired in the old town in 2025, and at what cost?',
    daysAgo: 45,
    status: 'partially_successful',
    answer: 'We repaired 87 leaks in the old town in 2025. The cost per repair is commercially confidential.',
  },
  {
    body: 1,
    user: 'resident@valmera.example',
    title: 'Night bus ridership',
    text: 'Please send the monthly ridership of the night bus lines N1 to N4 for 2025.',
    daysAgo: 70,
    status: 'refused',
    answer: 'We cannot provide this information because it is being prepared for publication in the annual report.',
  },
  {
    body: 1,
    user: 'citizen@valmera.example',
    title: 'Accessible bus stops',
    text: 'Which bus stops in Valmera are not yet accessible to wheelchair users, and when will they be adapted?',
    daysAgo: 50,
    status: 'awaiting',
  },
  {
    body: 2,
    user: 'resident@valmera.example',
    title: 'Cruise ship emissions',
    text: 'Please send the air quality measurements near the cruise terminal for the 2025 season.',
    daysAgo: 5,
    status: 'awaiting',
  },
]

export const foiStep: SeedStep = {
  name: 'information requests',
  size: () => 1,
  async run(database, _options, progress) {
    const existing = await database.db
      .selectFrom('foi_bodies')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    const users = await database.db.selectFrom('users').select(['id', 'email']).where('email', 'in', ['resident@valmera.example', 'citizen@valmera.example']).execute()
    if (Number(existing.n) > 0 || users.length === 0) {
      progress(1)
      return { created: 0 }
    }
    const userId = (email: string) => (users.find((u) => u.email === email) ?? users[0]!).id
    let created = 0
    await database.write(async (trx) => {
      const at = new Date().toISOString()
      const bodyIds: number[] = []
      for (const b of BODIES) {
        const row = await trx
          .insertInto('foi_bodies')
          .values({ slug: b.slug, name: JSON.stringify(b.name), email: b.email, category: b.category, law: b.law, created_at: at, updated_at: at })
          .returning('id')
          .executeTakeFirstOrThrow()
        bodyIds.push(row.id)
        created++
      }
      for (const r of REQUESTS) {
        const sent = new Date(Date.now() - r.daysAgo * 86_400_000)
        const sentOn = sent.toISOString().slice(0, 10)
        const law = LAWS[BODIES[r.body]!.law]
        const letter = law.letters.request({ body: BODIES[r.body]!.name.es!, title: r.title, request: r.text, requester: 'Plaza', sentOn, dueOn: '', url: '' })
        const answeredAt = new Date(sent.getTime() + 12 * 86_400_000).toISOString()
        const request = await trx
          .insertInto('foi_requests')
          .values({
            token: generateToken(),
            user_id: userId(r.user),
            body_id: bodyIds[r.body]!,
            law: BODIES[r.body]!.law,
            title: r.title,
            status: r.status,
            sent_at: sent.toISOString(),
            due_on: dueDate(sentOn, law.deadline, new Set()),
            long_overdue_on: dueDate(sentOn, law.longOverdue, new Set()),
            last_message_at: r.answer ? answeredAt : sent.toISOString(),
            created_at: sent.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await trx.insertInto('foi_messages').values({ request_id: request.id, direction: 'out', kind: 'request', subject: r.title, text: letter, created_at: sent.toISOString() }).execute()
        if (r.answer)
          await trx
            .insertInto('foi_messages')
            .values({ request_id: request.id, direction: 'in', kind: 'answer', subject: `Re: ${r.title}`, text: r.answer, from_address: BODIES[r.body]!.email, created_at: answeredAt })
            .execute()
        const terms = termsOf([r.title, letter, r.answer ?? ''])
        if (terms.length)
          await trx
            .insertInto('foi_search_terms')
            .values(terms.map((term) => ({ term, request_id: request.id })))
            .onConflict((oc) => oc.doNothing())
            .execute()
        created++
      }
    })
    progress(1)
    return { created }
  },
}
