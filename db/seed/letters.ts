import { sql } from 'kysely'
import { secretKey } from '../../app/lib/secrets.server'
import { hashToken } from '../../app/modules/accounts/sessions.server'
import { senderKeyOf } from '../../app/modules/letters/abuse.server'
import { deriveLetterToken, deriveQuestionnaireToken } from '../../app/modules/letters/letters.server'
import { letterSignature, signatureToBuffer } from '../../app/modules/letters/similarity'
import type { SeedStep } from './index'
import { mulberry32 } from './random'

/**
 * Demo letters to Valmera's representatives (issue 9): about 40 (× scale, at least 12) over the last
 * two months, with deliveries in every status — waiting for confirmation, held for review, queued,
 * sent, failed, rejected — and questionnaire answers, so that a few representatives have a
 * response rate and the others show "too few answers". One letter is held for review at
 * /admin/letters (a campaign text sent by three others before). Deterministic; does nothing if
 * letters exist. Runs after the representatives step.
 */

const SUBJECTS = [
  'Bus shelter on my street',
  'Street lighting in the park',
  'Noise from the night market',
  'Cycle lane on the avenue',
  'Library opening hours',
  'Trees on the promenade',
  'Crossing near the school',
  'Rubbish collection on Sundays',
]
const OPENINGS = [
  'I am writing as a resident about a problem that affects many of my neighbours.',
  'I live nearby and would like to bring something to your attention.',
  'Thank you for your work for the neighbourhood. I have a request.',
  'For several months now we have been waiting for an answer from the council.',
]
const MIDDLES = [
  'The bus stop at the corner has had no shelter since the storm, and older people wait in the rain.',
  'Half of the street lamps in the park are out, and people avoid walking there after dark.',
  'The market stays open until two in the morning and the noise keeps families awake.',
  'The painted cycle lane ends suddenly at the roundabout, which is dangerous for children.',
  'The library closes at six, before most working people can get there.',
  'The crossing in front of the school has no lights and cars drive fast.',
  'Bins overflow every Sunday because there is no collection on weekends.',
]
const CLOSINGS = ['Could you tell me what the council plans to do, and when?', 'I would be grateful for an answer.', 'I hope you can raise this at the next council meeting.']
const CAMPAIGN =
  'We the undersigned residents ask the council to keep the old covered market open, to repair its roof before winter, and to consult the neighbourhood before any decision about its future is taken.'
const NAMES = ['Lucía Ferrer', 'Marc Puig', 'Aina Soler', 'Pau Vidal', 'Carla Roca', 'Oriol Serra', 'Núria Font', 'Sergi Mas', 'Irene Costa', 'Hugo Prat', 'Sara Molina', 'Joan Riera']
const FAILURES = ['550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table', 'No result after 6 attempts']

const DAY = 86_400_000

export const lettersStep: SeedStep = {
  name: 'letters',
  size: () => 1,
  async run(database, options, progress) {
    const existing = await database.db
      .selectFrom('letters')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    const reps = await database.db
      .selectFrom('representatives')
      .select(['id', 'email', 'area_id', 'email_bounced_at', 'active_until'])
      .where('email_bounced_at', 'is', null)
      .where((eb) => eb.or([eb('active_until', 'is', null), eb('active_until', '>=', new Date().toISOString().slice(0, 10))]))
      .orderBy('id')
      .execute()
    if (existing.n > 0 || reps.length === 0) {
      progress(1)
      return { created: 0 }
    }
    const key = await secretKey(database)
    const random = mulberry32(options.seed * 7919 + 9)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
    const total = Math.max(12, Math.round(40 * options.scale))
    const now = Date.now()
    // A few representatives get most letters (enough answers for a rate); the rest one or two.
    const popular = reps.slice(0, 2)
    let created = 0
    await database.write(async (trx) => {
      const insertLetter = async (i: number, kind: 'sent' | 'failed' | 'queued' | 'waiting' | 'frozen' | 'rejected' | 'campaign', repIds: number[]) => {
        const createdAt = new Date(
          now - (kind === 'waiting' ? 0.2 : kind === 'queued' ? 0.01 : kind === 'frozen' || kind === 'rejected' ? 2 + random() * 3 : kind === 'campaign' ? 3 + random() * 7 : 3 + random() * 55) * DAY,
        )
        const name = pick(NAMES)
        const email = `${name
          .toLowerCase()
          .normalize('NFKD')
          .replace(/\p{M}+/gu, '')
          .replace(/[^a-z]+/g, '.')}.${i}@example.org`
        const body = kind === 'campaign' || kind === 'frozen' || kind === 'rejected' ? CAMPAIGN : `${pick(OPENINGS)}\n\n${pick(MIDDLES)}\n\n${pick(CLOSINGS)}`
        const confirmed = kind !== 'waiting'
        const old = now - createdAt.getTime() > 28 * DAY
        const row = await trx
          .insertInto('letters')
          .values({
            token_hash: `seed:${i}`,
            confirm_token_hash: kind === 'waiting' ? hashToken(`seed-confirm-${options.seed}-${i}`) : null,
            status: kind === 'waiting' ? 'unconfirmed' : kind === 'frozen' ? 'frozen' : kind === 'rejected' ? 'rejected' : 'confirmed',
            sender_user_id: null,
            sender_name: name,
            sender_email: email,
            sender_key: senderKeyOf(email),
            sender_address: old ? '' : `Carrer ${pick(['Major', 'del Riu', 'de la Font', 'Nou'])} ${1 + Math.floor(random() * 80)}, Valmera`,
            lat: null,
            lng: null,
            area_id: null,
            subject: kind === 'campaign' || kind === 'frozen' || kind === 'rejected' ? 'Keep the covered market open' : pick(SUBJECTS),
            // Letters past the retention period have lost their text, as in a real installation.
            body: old ? null : body,
            fingerprint: old ? null : signatureToBuffer(letterSignature(body)),
            frozen_reason: kind === 'frozen' || kind === 'rejected' ? 'similar' : null,
            frozen_details: kind === 'frozen' || kind === 'rejected' ? JSON.stringify({ senders: 3, letters: 3, sample: [] }) : null,
            reviewed_by: null,
            reviewed_at: kind === 'rejected' ? new Date(createdAt.getTime() + DAY).toISOString() : null,
            review_note: kind === 'rejected' ? 'The same text was sent by many people: a petition is the right tool for a campaign.' : null,
            ip: null,
            ip_key: null,
            locale: pick(['en', 'es', 'fr']),
            created_at: createdAt.toISOString(),
            confirmed_at: confirmed ? new Date(createdAt.getTime() + 600_000).toISOString() : null,
            body_deleted_at: old ? new Date(createdAt.getTime() + 28 * DAY).toISOString() : null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await trx
          .updateTable('letters')
          .set({ token_hash: hashToken(deriveLetterToken(key, row.id)) })
          .where('id', '=', row.id)
          .execute()
        for (const repId of repIds) {
          const rep = reps.find((r) => r.id === repId)!
          const sentAt = new Date(createdAt.getTime() + 900_000)
          const ageDays = (now - sentAt.getTime()) / DAY
          const status = kind === 'campaign' ? 'sent' : kind === 'frozen' ? 'frozen' : kind === 'rejected' ? 'rejected' : kind
          const d = await trx
            .insertInto('letter_deliveries')
            .values({
              letter_id: row.id,
              representative_id: repId,
              status,
              queued_at: status === 'sent' || status === 'failed' || status === 'queued' ? sentAt.toISOString() : null,
              sent_at: status === 'sent' ? sentAt.toISOString() : null,
              failed_at: status === 'failed' ? sentAt.toISOString() : null,
              failure_reason: status === 'failed' ? pick(FAILURES).replace('{email}', rep.email) : null,
              questionnaire_due_at: status === 'sent' ? new Date(sentAt.getTime() + 14 * DAY).toISOString() : null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
          if (status === 'sent' && ageDays >= 14) {
            // Asked (and reminded a week on); most people answered.
            const asked = new Date(sentAt.getTime() + 14 * DAY)
            const answered = random() < 0.85
            const answer = answered ? pick(['yes', 'yes', 'yes', 'no', 'not_yet', 'unsatisfactory'] as const) : null
            await trx
              .updateTable('letter_deliveries')
              .set({
                questionnaire_sent_at: asked.toISOString(),
                questionnaire_token_hash: hashToken(deriveQuestionnaireToken(key, d.id)),
                reminder_due_at: new Date(asked.getTime() + 7 * DAY).toISOString(),
                reminder_sent_at: !answered && ageDays >= 21 ? new Date(asked.getTime() + 7 * DAY).toISOString() : null,
                answer,
                answered_at: answer ? new Date(asked.getTime() + random() * 5 * DAY).toISOString() : null,
              })
              .where('id', '=', d.id)
              .execute()
          }
        }
        created++
      }
      let i = 0
      // Three earlier senders of the campaign text, then the one held for review and one rejected.
      for (let c = 0; c < 3; c++) await insertLetter(i++, 'campaign', [popular[c % popular.length]!.id])
      await insertLetter(i++, 'frozen', [popular[0]!.id])
      await insertLetter(i++, 'rejected', [popular[1 % popular.length]!.id])
      await insertLetter(i++, 'waiting', [popular[0]!.id])
      await insertLetter(i++, 'queued', [popular[2 % popular.length]!.id])
      await insertLetter(i++, 'failed', [reps[reps.length - 1]!.id])
      while (i < total) {
        const rep = random() < 0.8 ? popular[i % popular.length]! : pick(reps)
        await insertLetter(i++, 'sent', [rep.id])
      }
    })
    progress(1)
    return { created }
  },
}
