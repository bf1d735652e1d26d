import { z } from 'zod'
import type { ReportStateKind } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail, type ComposedMail } from '../../lib/mail/outbox.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { reporterChange, reporterComment } from './reports.server'

/**
 * The questionnaire FixMyStreet sends four weeks after a report went to the council: "has it been
 * fixed?". The reporter's answer moves the report (yes: an open report becomes fixed; no: a fixed
 * one is reopened) through reporterChange, so it shows on the public timeline. The only code that
 * writes `report_questionnaires`; it also clears `reports.questionnaire_due_at` — that one column
 * of the reports table is this module's (the report module sets it when a report is published).
 */

/** Kinds of report still worth asking about; others have their due date cleared unasked. */
const ASKED: readonly ReportStateKind[] = ['open', 'fixed']
import { COMMENT_MAX } from './schema'
export { COMMENT_MAX }

const link = (path: string) => `${config().PUBLIC_URL}${path}`
export const questionnairePath = (token: string) => `/reports/questionnaire/${token}`

export interface QuestionnaireRun {
  /** Due reports this run looked at (a full batch means more may be waiting). */
  seen: number
  /** Questionnaires written and mailed. */
  sent: number
  /** Due dates cleared without asking (closed or hidden report, no address to write to). */
  skipped: number
}

/**
 * Sends the questionnaires due at `now`, at most `limit`. The reports are read first (tokens and
 * mails made outside the write); then one write claims each report with a conditional update
 * (`questionnaire_due_at` still what was read), so two runs at once never ask twice: the run whose
 * update changed the row writes the questionnaire and queues its mail in the same transaction.
 */
export async function sendDueQuestionnaires(now = new Date(), limit = 100): Promise<QuestionnaireRun> {
  const due = await database()
    .db.selectFrom('reports as r')
    .leftJoin('users as u', 'u.id', 'r.reporter_id')
    .innerJoin('departments as d', 'd.id', 'r.department_id')
    .select([
      'r.id',
      'r.questionnaire_due_at as dueAt',
      'r.state_kind as stateKind',
      'r.title',
      'r.reporter_name as reporterName',
      'r.reporter_email as reporterEmail',
      'r.reporter_id as reporterId',
      'r.locale',
      'r.confirmed_at as confirmedAt',
      'u.email as accountEmail',
      'u.display_name as accountName',
      'u.locale as accountLocale',
      'u.deleted_at as accountDeletedAt',
      'd.name as department',
    ])
    .where('r.questionnaire_due_at', 'is not', null)
    .where('r.questionnaire_due_at', '<=', now.toISOString())
    .orderBy('r.questionnaire_due_at')
    .orderBy('r.id')
    .limit(limit)
    .execute()
  if (due.length === 0) return { seen: 0, sent: 0, skipped: 0 }

  const prepared = due.map((r) => {
    // An account's address wins (it may have changed since); a deleted account has none.
    const to = r.reporterId !== null ? (r.accountDeletedAt ? null : r.accountEmail) : r.reporterEmail
    if (!to || !ASKED.includes(r.stateKind)) return { id: r.id, dueAt: r.dueAt!, ask: null }
    const locale: Locale = isLocale(r.accountLocale) ? r.accountLocale : isLocale(r.locale) ? r.locale : config().DEFAULT_LOCALE
    const t = translator(locale)
    const token = generateToken()
    const name = r.reporterId !== null ? (r.accountName ?? r.reporterName) : r.reporterName
    const mail: ComposedMail = composeMail({
      locale,
      subject: t('alerts:questionnaire.mail.subject', { title: r.title }),
      greeting: t('alerts:questionnaire.mail.greeting', { name }),
      paragraphs: [t('alerts:questionnaire.mail.body', { title: r.title, department: namesIn(locale)(r.department), date: formatDate(r.confirmedAt, locale) }), t('alerts:questionnaire.mail.why')],
      action: { label: t('alerts:questionnaire.mail.action'), url: link(questionnairePath(token)) },
    })
    return { id: r.id, dueAt: r.dueAt!, ask: { to, tokenHash: hashToken(token), mail } }
  })

  return database().write(async (trx) => {
    const at = new Date().toISOString()
    const run: QuestionnaireRun = { seen: due.length, sent: 0, skipped: 0 }
    for (const p of prepared) {
      const claimed = await trx.updateTable('reports').set({ questionnaire_due_at: null }).where('id', '=', p.id).where('questionnaire_due_at', '=', p.dueAt).returning('state_kind').executeTakeFirst()
      // Another run claimed it first.
      if (!claimed) continue
      // The state is read again here: the report may have been closed since the read above.
      if (!p.ask || !ASKED.includes(claimed.state_kind)) {
        run.skipped++
        continue
      }
      await trx.insertInto('report_questionnaires').values({ report_id: p.id, token_hash: p.ask.tokenHash, sent_at: at, answered_at: null, answer: null, comment: null }).execute()
      await queueMail(trx, { kind: 'report.questionnaire', to: p.ask.to, ...p.ask.mail })
      run.sent++
    }
    return run
  })
}

function formatDate(iso: string | null, locale: Locale) {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso))
}

// ---------------------------------------------------------------- the reporter's answer

const TOKEN_RE = /^[a-z2-7]{32}$/

export interface QuestionnaireView {
  reportId: number
  title: string
  stateKind: ReportStateKind
  sentAt: string
  answeredAt: string | null
  answer: 'fixed' | 'not_fixed' | null
}

/** The questionnaire a link names; null for an unknown token or a report no longer public. */
export async function questionnaireByToken(token: string): Promise<QuestionnaireView | null> {
  if (!TOKEN_RE.test(token)) return null
  const row = await database()
    .db.selectFrom('report_questionnaires as q')
    .innerJoin('reports as r', 'r.id', 'q.report_id')
    .select(['q.report_id as reportId', 'r.title', 'r.state_kind as stateKind', 'q.sent_at as sentAt', 'q.answered_at as answeredAt', 'q.answer'])
    .where('q.token_hash', '=', hashToken(token))
    .executeTakeFirst()
  if (!row || row.stateKind === 'hidden' || row.stateKind === 'unconfirmed') return null
  return row
}

export const answerSchema = z.object({
  fixed: z.enum(['yes', 'no'], { message: 'alerts:questionnaire.errors.fixed' }),
  comment: z.string().trim().max(COMMENT_MAX, 'alerts:questionnaire.errors.comment').optional().default(''),
})

export type AnswerResult = { kind: 'ok'; reportId: number; changed: 'fixed' | 'open' | null } | { kind: 'already'; reportId: number } | { kind: 'invalid' }

/**
 * Records the answer, once (the conditional update decides between two clicks), then moves the
 * report if the answer says so: yes on an open report marks it fixed, no on a fixed one reopens it.
 * The comment goes on the public timeline with that change.
 */
export async function answerQuestionnaire(token: string, answer: { fixed: boolean; comment?: string }): Promise<AnswerResult> {
  if (!TOKEN_RE.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  const comment = (answer.comment ?? '').trim().slice(0, COMMENT_MAX)
  const recorded = await database().write(async (trx) => {
    const q = await trx
      .selectFrom('report_questionnaires as q')
      .innerJoin('reports as r', 'r.id', 'q.report_id')
      .select(['q.id', 'q.report_id as reportId', 'q.answered_at as answeredAt', 'r.state_kind as stateKind'])
      .where('q.token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (!q || q.stateKind === 'hidden' || q.stateKind === 'unconfirmed') return { kind: 'invalid' as const }
    if (q.answeredAt) return { kind: 'already' as const, reportId: q.reportId }
    const updated = await trx
      .updateTable('report_questionnaires')
      .set({ answered_at: new Date().toISOString(), answer: answer.fixed ? 'fixed' : 'not_fixed', comment: comment || null })
      .where('id', '=', q.id)
      .where('answered_at', 'is', null)
      .executeTakeFirst()
    if (!updated.numUpdatedRows) return { kind: 'already' as const, reportId: q.reportId }
    return { kind: 'recorded' as const, reportId: q.reportId, stateKind: q.stateKind }
  })
  if (recorded.kind !== 'recorded') return recorded
  const to = answer.fixed && recorded.stateKind === 'open' ? 'fixed' : !answer.fixed && recorded.stateKind === 'fixed' ? 'open' : null
  if (!to) {
    // No change of state, but what the reporter says belongs on the public timeline.
    if (comment) await reporterComment(recorded.reportId, { questionnaire: true }, comment)
    return { kind: 'ok', reportId: recorded.reportId, changed: null }
  }
  // reporterChange checks the transition again in its own write (staff may have moved it meanwhile).
  const change = await reporterChange(recorded.reportId, { questionnaire: true }, to, comment)
  return { kind: 'ok', reportId: recorded.reportId, changed: change.kind === 'ok' ? to : null }
}

// ---------------------------------------------------------------- scheduling

/**
 * Runs sendDueQuestionnaires every `intervalMs` (and shortly after start), batch after batch while
 * batches come back full. For the primary process (scripts/start.ts), beside the mail worker; any
 * number of processes may run it (claims are conditional). Returns a function that stops it and
 * waits for a run in progress.
 */
export function startQuestionnaireJob(intervalMs = 15 * 60_000, options: { batch?: number; firstRunMs?: number } = {}): () => Promise<void> {
  const batch = options.batch ?? 100
  let stopped = false
  let running: Promise<void> | null = null
  const tick = () => {
    if (stopped || running) return
    running = (async () => {
      try {
        for (;;) {
          const run = await sendDueQuestionnaires(new Date(), batch)
          if (run.sent || run.skipped) logger().info({ questionnaires: run }, 'questionnaires sent')
          // A batch where nothing was claimed means other runs are on it: leave the rest to them.
          if (stopped || run.seen < batch || run.sent + run.skipped === 0) break
        }
      } catch (error) {
        logger().error({ err: error }, 'questionnaire run failed')
      } finally {
        running = null
      }
    })()
  }
  const first = setTimeout(tick, options.firstRunMs ?? 10_000)
  const timer = setInterval(tick, intervalMs)
  first.unref()
  timer.unref()
  return async () => {
    stopped = true
    clearTimeout(first)
    clearInterval(timer)
    await running
  }
}
