import { z } from 'zod'
import type { LetterAnswer } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { hashToken } from '../accounts/sessions.server'
import { QUESTIONNAIRE_ANSWERS } from './stats'
import { applyRetention, deriveLetterToken, deriveQuestionnaireToken, reconcileDeliveries, REMINDER_AFTER_DAYS, statusPath, tokenKey, TOKEN_RE } from './letters.server'

/**
 * The questionnaire WriteToThem sends two weeks after a letter was delivered: "Did you get a reply
 * from X?" with four one-click links (yes / no / not yet / unsatisfactory), and one reminder a week
 * later if it is unanswered. The only code that writes the questionnaire columns of
 * `letter_deliveries`. Each mail is claimed with a conditional update (the due date still unsent),
 * so two runs at once never send one twice.
 *
 * The answer can be changed until ANSWER_OPEN_DAYS after delivery (a reply that comes late turns a
 * "not yet" into a "yes"); after that the page shows it and says it is closed.
 */

export const ANSWER_OPEN_DAYS = 56
const DAY = 86_400_000
const link = (path: string) => `${config().PUBLIC_URL}${path}`
export const questionnairePath = (token: string, answer?: LetterAnswer) => `/letters/questionnaire/${token}${answer ? `?answer=${answer}` : ''}`
export const answerSchema = z.enum(QUESTIONNAIRE_ANSWERS)

export interface LetterQuestionnaireRun {
  seen: number
  questionnaires: number
  reminders: number
}

const localeOf = (value: string | null): Locale => (isLocale(value) ? value : config().DEFAULT_LOCALE)

function questionnaireMail(locale: Locale, input: { name: string; representative: string; subject: string; sentAt: string; token: string; statusToken: string; reminder: boolean }) {
  const t = translator(locale)
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(input.sentAt))
  const links = QUESTIONNAIRE_ANSWERS.map((a) => `${t(`letters:answers.${a}`)}: ${link(questionnairePath(input.token, a))}`).join('\n')
  return composeMail({
    locale,
    subject: t(input.reminder ? 'letters:mail.questionnaire.reminderSubject' : 'letters:mail.questionnaire.subject', { representative: input.representative }),
    greeting: t('letters:mail.greeting', { name: input.name }),
    paragraphs: [
      t('letters:mail.questionnaire.body', { representative: input.representative, subject: input.subject, date }),
      t('letters:mail.questionnaire.why'),
      links,
      t('letters:mail.statusLink', { url: link(statusPath(input.statusToken)) }),
    ],
  })
}

/**
 * Sends the questionnaires and reminders due at `now` (at most `limit` of each). Questionnaires go
 * to 'sent' deliveries whose due date has come; reminders to those asked REMINDER_AFTER_DAYS ago
 * and still unanswered.
 */
export async function sendDueLetterQuestionnaires(now: Date = new Date(), limit = 100): Promise<LetterQuestionnaireRun> {
  const at = now.toISOString()
  const base = () =>
    database()
      .db.selectFrom('letter_deliveries as d')
      .innerJoin('letters as l', 'l.id', 'd.letter_id')
      .innerJoin('representatives as r', 'r.id', 'd.representative_id')
      .select(['d.id', 'd.letter_id', 'd.sent_at', 'd.questionnaire_due_at', 'd.reminder_due_at', 'l.sender_name', 'l.sender_email', 'l.subject', 'l.locale', 'r.name as representative'])
  const [first, reminders] = await Promise.all([
    base().where('d.questionnaire_due_at', '<=', at).where('d.questionnaire_sent_at', 'is', null).where('d.status', '=', 'sent').orderBy('d.questionnaire_due_at').limit(limit).execute(),
    base()
      .where('d.reminder_due_at', '<=', at)
      .where('d.reminder_sent_at', 'is', null)
      .where('d.answer', 'is', null)
      .where('d.status', '=', 'sent')
      .orderBy('d.reminder_due_at')
      .limit(limit)
      .execute(),
  ])
  const run: LetterQuestionnaireRun = { seen: first.length + reminders.length, questionnaires: 0, reminders: 0 }
  if (run.seen === 0) return run
  const key = await tokenKey()
  const prepare = (d: (typeof first)[number], reminder: boolean) => {
    const token = deriveQuestionnaireToken(key, d.id)
    return {
      id: d.id,
      due: reminder ? d.reminder_due_at! : d.questionnaire_due_at!,
      tokenHash: hashToken(token),
      to: d.sender_email,
      mail: questionnaireMail(localeOf(d.locale), {
        name: d.sender_name,
        representative: d.representative,
        subject: d.subject,
        sentAt: d.sent_at ?? at,
        token,
        statusToken: deriveLetterToken(key, d.letter_id),
        reminder,
      }),
    }
  }
  const asks = first.map((d) => prepare(d, false))
  const reminds = reminders.map((d) => prepare(d, true))
  const reminderDue = new Date(now.getTime() + REMINDER_AFTER_DAYS * DAY).toISOString()
  return database().write(async (trx) => {
    for (const a of asks) {
      const claimed = await trx
        .updateTable('letter_deliveries')
        .set({ questionnaire_sent_at: at, questionnaire_token_hash: a.tokenHash, reminder_due_at: reminderDue })
        .where('id', '=', a.id)
        .where('questionnaire_sent_at', 'is', null)
        .where('questionnaire_due_at', '=', a.due)
        .where('status', '=', 'sent')
        .executeTakeFirst()
      if (!claimed.numUpdatedRows) continue
      await queueMail(trx, { kind: 'letters.questionnaire', to: a.to, ...a.mail })
      run.questionnaires++
    }
    for (const r of reminds) {
      const claimed = await trx
        .updateTable('letter_deliveries')
        .set({ reminder_sent_at: at })
        .where('id', '=', r.id)
        .where('reminder_sent_at', 'is', null)
        .where('answer', 'is', null)
        .where('reminder_due_at', '=', r.due)
        .executeTakeFirst()
      if (!claimed.numUpdatedRows) continue
      await queueMail(trx, { kind: 'letters.questionnaire', to: r.to, ...r.mail })
      run.reminders++
    }
    return run
  })
}

// ---------------------------------------------------------------- the answer

export interface LetterQuestionnaireView {
  deliveryId: number
  representative: { id: number; name: string }
  subject: string
  sentAt: string | null
  answer: LetterAnswer | null
  answeredAt: string | null
  /** Until when the answer may be given or changed. */
  openUntil: string
  open: boolean
  statusToken: string
}

async function findByToken(token: string) {
  if (!TOKEN_RE.test(token)) return null
  return database()
    .db.selectFrom('letter_deliveries as d')
    .innerJoin('letters as l', 'l.id', 'd.letter_id')
    .innerJoin('representatives as r', 'r.id', 'd.representative_id')
    .select(['d.id', 'd.letter_id', 'd.sent_at', 'd.answer', 'd.answered_at', 'd.status', 'l.subject', 'r.id as repId', 'r.name'])
    .where('d.questionnaire_token_hash', '=', hashToken(token))
    .executeTakeFirst()
}

const openUntilOf = (sentAt: string | null) => new Date(Date.parse(sentAt ?? new Date(0).toISOString()) + ANSWER_OPEN_DAYS * DAY)

export async function letterQuestionnaireByToken(token: string, now: Date = new Date()): Promise<LetterQuestionnaireView | null> {
  const row = await findByToken(token)
  if (!row) return null
  const until = openUntilOf(row.sent_at)
  return {
    deliveryId: row.id,
    representative: { id: row.repId, name: row.name },
    subject: row.subject,
    sentAt: row.sent_at,
    answer: row.answer,
    answeredAt: row.answered_at,
    openUntil: until.toISOString(),
    open: row.status === 'sent' && now < until,
    statusToken: deriveLetterToken(await tokenKey(), row.letter_id),
  }
}

export type LetterAnswerResult = { kind: 'ok'; changed: boolean; statusToken: string } | { kind: 'closed'; statusToken: string } | { kind: 'invalid' }

/** Records (or changes, while open) the answer of the questionnaire a link names. */
export async function answerLetterQuestionnaire(token: string, answer: LetterAnswer, now: Date = new Date()): Promise<LetterAnswerResult> {
  const row = await findByToken(token)
  if (!row) return { kind: 'invalid' }
  const statusToken = deriveLetterToken(await tokenKey(), row.letter_id)
  if (row.status !== 'sent' || now >= openUntilOf(row.sent_at)) return { kind: 'closed', statusToken }
  if (row.answer === answer) return { kind: 'ok', changed: false, statusToken }
  await database().write((trx) => trx.updateTable('letter_deliveries').set({ answer, answered_at: now.toISOString() }).where('id', '=', row.id).where('status', '=', 'sent').execute())
  return { kind: 'ok', changed: true, statusToken }
}

// ---------------------------------------------------------------- scheduling

/**
 * The letters' background work, for the primary process (app/modules/jobs.server.ts): every minute
 * deliveries whose mail finished without the hook are reconciled; every 15 minutes the due
 * questionnaires and reminders go out; every hour the retention runs. Any number of processes may
 * run it (every change is conditional). Returns a function that stops it and waits for a run.
 */
export function startLetterJobs(options: { questionnaireMs?: number; firstRunMs?: number } = {}): () => Promise<void> {
  let stopped = false
  const running = new Set<Promise<unknown>>()
  const guard = (name: string, fn: () => Promise<unknown>) => () => {
    if (stopped) return
    const p = fn()
      .catch((error) => logger().error({ err: error }, `letters: ${name} failed`))
      .finally(() => running.delete(p))
    running.add(p)
  }
  const reconcile = guard('reconciling deliveries', async () => {
    const n = await reconcileDeliveries()
    if (n) logger().info({ deliveries: n }, 'letter deliveries reconciled')
  })
  const ask = guard('questionnaires', async () => {
    for (let i = 0; i < 20 && !stopped; i++) {
      const run = await sendDueLetterQuestionnaires()
      if (run.questionnaires || run.reminders) logger().info({ letterQuestionnaires: run }, 'letter questionnaires sent')
      if (run.seen < 100 || run.questionnaires + run.reminders === 0) break
    }
  })
  const retain = guard('retention', async () => {
    for (let i = 0; i < 100 && !stopped; i++) {
      const run = await applyRetention()
      if (run.deleted || run.expired) logger().info({ letters: run }, 'letter texts deleted')
      if (run.deleted < 500 && run.expired < 500) break
    }
  })
  const timers = [
    setInterval(reconcile, 60_000),
    setInterval(ask, options.questionnaireMs ?? 15 * 60_000),
    setInterval(retain, 3600_000),
    setTimeout(() => {
      reconcile()
      ask()
      retain()
    }, options.firstRunMs ?? 20_000),
  ]
  for (const t of timers) t.unref()
  return async () => {
    stopped = true
    for (const t of timers) clearTimeout(t)
    await Promise.all([...running])
  }
}
