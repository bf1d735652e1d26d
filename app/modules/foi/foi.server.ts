import { sql, type Transaction } from 'kysely'
import type { Database, FoiStatus } from '../../../db/schema'
import { readAttachmentFile } from '../../lib/attachment-files.server'
import { config } from '../../lib/config.server'
import { database, nowIso } from '../../lib/db.server'
import { translator } from '../../lib/i18n.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { heldMail, inboundAddress, resolveHeldMail } from '../../lib/mail/inbound.server'
import { queueMail } from '../../lib/mail/outbox.server'
import { generateToken } from '../accounts/sessions.server'
import { recordAudit } from '../moderation/moderation.server'
import { wilsonInterval, type Interval } from '../letters/stats'
import { dueDate, isoDate } from './deadlines'
import { LAWS, isLawId, type LawId, type LetterValues } from './laws'
import { DEFAULT_DAILY_LIMIT, type DisplayStatus, type RequestInput } from './schema'
import { displayStatus, isClosed } from './states'
import { MAX_TERMS_PER_REQUEST, queryTerms, termsOf } from './search'
import { notifyFoiFollowers } from './public.server'

/**
 * Freedom-of-information requests (issue 22): asking a body, the letters out, the answers in,
 * classification, deadlines, statistics, redaction and takedown. Tables: foi_requests,
 * foi_messages, foi_attachments, foi_suggestions, foi_holidays (this module alone writes them).
 */

export const REQUEST_PREFIX = 'request-'
export const requestAddress = (token: string) => inboundAddress(REQUEST_PREFIX, token)
const today = () => isoDate(new Date())
/** The `data` of a row whose bytes are a file (ADR 150). */
const EMPTY = Buffer.alloc(0)

// ---------------------------------------------------------------- the search index

/** Adds the terms of `texts` to a request's entries in foi_search_terms. */
async function indexTexts(trx: Transaction<Database>, requestId: number, texts: string[]) {
  const terms = termsOf(texts)
  for (let i = 0; i < terms.length; i += 2000) {
    await trx
      .insertInto('foi_search_terms')
      .values(terms.slice(i, i + 2000).map((term) => ({ term, request_id: requestId })))
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
}

/** Rebuilds a request's terms from its public text (after a redaction: the removed words must not find it). */
export async function reindexRequest(trx: Transaction<Database>, requestId: number) {
  await trx.deleteFrom('foi_search_terms').where('request_id', '=', requestId).execute()
  const r = await trx.selectFrom('foi_requests').select('title').where('id', '=', requestId).executeTakeFirst()
  if (!r) return
  const messages = await trx.selectFrom('foi_messages').select(['subject', 'text', 'redacted_text']).where('request_id', '=', requestId).execute()
  const files = await trx.selectFrom('foi_attachments').select(['filename', 'text', 'redacted_text']).where('request_id', '=', requestId).execute()
  await indexTexts(
    trx,
    requestId,
    [r.title, ...messages.flatMap((m) => [m.subject, m.redacted_text ?? m.text]), ...files.flatMap((f) => [f.filename, f.redacted_text ?? f.text ?? ''])].slice(0, MAX_TERMS_PER_REQUEST),
  )
}

// ---------------------------------------------------------------- holidays

export async function holidaySet(): Promise<Set<string>> {
  const rows = await database().db.selectFrom('foi_holidays').select('date').execute()
  return new Set(rows.map((r) => r.date))
}

export async function listHolidays() {
  return database().db.selectFrom('foi_holidays').select(['date', 'name']).orderBy('date').execute()
}

export async function addHoliday(actorId: number, date: string, name: string) {
  await database().write(async (trx) => {
    await trx
      .insertInto('foi_holidays')
      .values({ date, name })
      .onConflict((oc) => oc.column('date').doUpdateSet({ name }))
      .execute()
    await recordAudit(trx, { actorId, action: 'foi.holiday.set', targetKind: 'foi_holiday', targetId: Number(date.replace(/-/g, '')), after: { date, name } })
  })
}

export async function removeHoliday(actorId: number, date: string): Promise<boolean> {
  return database().write(async (trx) => {
    const result = await trx.deleteFrom('foi_holidays').where('date', '=', date).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) return false
    await recordAudit(trx, { actorId, action: 'foi.holiday.remove', targetKind: 'foi_holiday', targetId: Number(date.replace(/-/g, '')), before: { date } })
    return true
  })
}

// ---------------------------------------------------------------- asking

export interface Requester {
  id: number
  displayName: string
}

const SUBJECTS: Record<LawId, string> = {
  uk_foia: 'Freedom of Information request',
  de_ifg: 'Antrag nach dem Informationsfreiheitsgesetz',
  es_19_2013: 'Solicitud de acceso a la información pública',
  fr_crpa: 'Demande de communication de documents administratifs',
}

function publicUrl(id: number) {
  return `${config().PUBLIC_URL.replace(/\/$/, '')}/information-requests/${id}`
}

/** The letter Plaza will send for a request, from the law's template (the preview shows it). */
export function draftRequestLetter(law: LawId, values: Omit<LetterValues, 'sentOn' | 'dueOn' | 'url'>): string {
  return LAWS[law].letters.request({ ...values, sentOn: '', dueOn: '', url: '' })
}

/** The statutory deadline and the long deadline of a request sent today under `law`. */
export async function deadlinesFor(law: LawId, sentOn: string = today()) {
  const holidays = await holidaySet()
  return { dueOn: dueDate(sentOn, LAWS[law].deadline, holidays), longOverdueOn: dueDate(sentOn, LAWS[law].longOverdue, holidays) }
}

export type SendResult = { kind: 'ok'; id: number } | { kind: 'noSuchBody' } | { kind: 'bodyHasNoAddress' } | { kind: 'limit'; limit: number }

function dailyLimit(): number {
  const raw = Number(process.env.FOI_DAILY_LIMIT)
  return Number.isInteger(raw) && raw > 0 ? raw : DEFAULT_DAILY_LIMIT
}

/**
 * Sends a request: stored, public at once, and mailed to the body from its own address
 * (request-<token>@INBOUND_MAIL_DOMAIN) through the outbox. The requester's e-mail is never in it.
 */
export async function sendRequest(requester: Requester, input: RequestInput): Promise<SendResult> {
  const body = await database().db.selectFrom('foi_bodies').select(['id', 'name', 'email', 'law', 'active']).where('id', '=', input.bodyId).executeTakeFirst()
  if (!body || !body.active) return { kind: 'noSuchBody' }
  if (!body.email) return { kind: 'bodyHasNoAddress' }
  const law: LawId = isLawId(body.law) ? body.law : 'uk_foia'
  const sentOn = today()
  const { dueOn, longOverdueOn } = await deadlinesFor(law, sentOn)
  const bodyName = localize(body.name, LAWS[law].language, cityDefaultLocale())
  const limit = dailyLimit()
  const since = new Date(Date.now() - 24 * 3600_000).toISOString()
  return database().write(async (trx) => {
    const sentToday = await trx
      .selectFrom('foi_requests')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', requester.id)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow()
    if (Number(sentToday.n) >= limit) return { kind: 'limit', limit } as const
    const token = generateToken()
    const now = nowIso()
    const row = await trx
      .insertInto('foi_requests')
      .values({
        token,
        user_id: requester.id,
        body_id: body.id,
        law,
        title: input.title,
        status: 'awaiting',
        sent_at: now,
        due_on: dueOn,
        long_overdue_on: longOverdueOn,
        last_message_at: now,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const text = LAWS[law].letters.request({ body: bodyName, title: input.title, request: input.text, requester: requester.displayName, sentOn, dueOn, url: publicUrl(row.id) })
    const subject = `${SUBJECTS[law]} - ${input.title}`.slice(0, 250)
    await trx.insertInto('foi_messages').values({ request_id: row.id, direction: 'out', kind: 'request', subject, text, created_at: now }).execute()
    await indexTexts(trx, row.id, [input.title, subject, text])
    await notifyFoiFollowers(trx, { requestId: row.id, bodyId: body.id, title: input.title, event: 'request', actorUserId: requester.id })
    await queueMail(trx, {
      kind: 'foi.request',
      to: body.email!,
      replyTo: requestAddress(token),
      subject,
      text: `${text}\n\n-- \n${publicUrl(row.id)}`,
    })
    return { kind: 'ok', id: row.id } as const
  })
}

export type LetterResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'notRequester' } | { kind: 'closed' } | { kind: 'bodyHasNoAddress' }

/** The letter a reminder or internal review starts from (the requester edits it before sending). */
export async function draftFollowUp(requestId: number, kind: 'reminder' | 'internal_review', requester: Requester): Promise<string | null> {
  const r = await database()
    .db.selectFrom('foi_requests as r')
    .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
    .select(['r.id', 'r.title', 'r.law', 'r.sent_at', 'r.due_on', 'b.name'])
    .where('r.id', '=', requestId)
    .executeTakeFirst()
  if (!r) return null
  const law: LawId = isLawId(r.law) ? r.law : 'uk_foia'
  const values: LetterValues = {
    body: localize(r.name, LAWS[law].language, cityDefaultLocale()),
    title: r.title,
    request: '',
    requester: requester.displayName,
    sentOn: r.sent_at.slice(0, 10),
    dueOn: r.due_on,
    url: publicUrl(r.id),
  }
  return kind === 'reminder' ? LAWS[law].letters.reminder(values) : LAWS[law].letters.internalReview(values)
}

/** A reminder or a request for internal review, mailed from the request's address. */
export async function sendFollowUp(requester: Requester, requestId: number, kind: 'reminder' | 'internal_review', text: string): Promise<LetterResult> {
  return database().write(async (trx) => {
    const r = await trx
      .selectFrom('foi_requests as r')
      .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
      .select(['r.id', 'r.user_id', 'r.token', 'r.title', 'r.law', 'r.status', 'r.hidden', 'b.email'])
      .where('r.id', '=', requestId)
      .executeTakeFirst()
    if (!r) return { kind: 'notFound' }
    if (r.user_id !== requester.id) return { kind: 'notRequester' }
    if (isClosed(r.status, r.hidden === 1)) return { kind: 'closed' }
    if (!r.email) return { kind: 'bodyHasNoAddress' }
    const law: LawId = isLawId(r.law) ? r.law : 'uk_foia'
    const subject = `Re: ${SUBJECTS[law]} - ${r.title}`.slice(0, 250)
    const now = nowIso()
    await trx.insertInto('foi_messages').values({ request_id: r.id, direction: 'out', kind, subject, text, created_at: now }).execute()
    await indexTexts(trx, r.id, [subject, text])
    const update: { last_message_at: string; status?: FoiStatus; awaiting_classification?: number } = { last_message_at: now }
    if (kind === 'internal_review') Object.assign(update, { status: 'internal_review', awaiting_classification: 0 })
    await trx.updateTable('foi_requests').set(update).where('id', '=', r.id).execute()
    await queueMail(trx, { kind: `foi.${kind}`, to: r.email, replyTo: requestAddress(r.token), subject, text })
    return { kind: 'ok' }
  })
}

// ---------------------------------------------------------------- reading

export interface Viewer {
  id: number
  isAdmin: boolean
}

export interface RequestAttachment {
  id: number
  filename: string
  mime: string
  size: number
  /** The text shown publicly (redacted when it was); null when none was extracted. */
  text: string | null
  redacted: boolean
  hidden: boolean
  /** Administrators only: the original text when it was redacted. */
  originalText: string | null
  /** A PDF: its pages and words can be redacted (the public gets a redacted copy). */
  pdf: boolean
  /** The public is served a redacted copy of the file. */
  pdfRedacted: boolean
  /** The PDF's redaction (for the requester and administrators, to edit it; null for others or none). */
  pdfRedaction: { pages: number[]; words: string[]; areas: Array<{ page: number; x: number; y: number; width: number; height: number }> } | null
}

export interface RequestMessage {
  id: number
  direction: 'out' | 'in'
  kind: string
  subject: string
  text: string
  redacted: boolean
  originalText: string | null
  createdAt: string
  attachments: RequestAttachment[]
}

export interface RequestPage {
  id: number
  title: string
  law: LawId
  status: FoiStatus
  displayStatus: DisplayStatus
  awaitingClassification: boolean
  sentAt: string
  dueOn: string
  longOverdueOn: string
  body: { id: number; name: string }
  requester: { id: number; name: string }
  isRequester: boolean
  hidden: boolean
  takedownNote: string | null
  messages: RequestMessage[]
  suggestions: Array<{ status: string; count: number }>
}

/** A request as `viewer` may see it: null when unknown. A taken-down request keeps only its title and note, except for its requester and administrators. */
export async function requestPage(id: number, viewer: Viewer | null, locale: string): Promise<RequestPage | null> {
  const r = await database()
    .db.selectFrom('foi_requests as r')
    .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select([
      'r.id',
      'r.title',
      'r.law',
      'r.status',
      'r.awaiting_classification',
      'r.sent_at',
      'r.due_on',
      'r.long_overdue_on',
      'r.hidden',
      'r.takedown_note',
      'b.id as bodyId',
      'b.name as bodyName',
      'u.id as userId',
      'u.display_name as userName',
    ])
    .where('r.id', '=', id)
    .executeTakeFirst()
  if (!r) return null
  const isRequester = viewer?.id === r.userId
  const isAdmin = viewer?.isAdmin ?? false
  const hidden = r.hidden === 1
  const showAll = !hidden || isRequester || isAdmin
  const messages: RequestMessage[] = []
  if (showAll) {
    const rows = await database().db.selectFrom('foi_messages').selectAll().where('request_id', '=', id).orderBy('created_at').orderBy('id').execute()
    const files = await database()
      .db.selectFrom('foi_attachments')
      .select(['id', 'message_id', 'filename', 'mime', 'size', 'text', 'redacted_text', 'hidden', 'redaction'])
      .where('request_id', '=', id)
      .orderBy('id')
      .execute()
    for (const m of rows) {
      messages.push({
        id: m.id,
        direction: m.direction,
        kind: m.kind,
        subject: m.subject,
        text: m.redacted_text ?? m.text,
        redacted: m.redacted_text !== null,
        originalText: isAdmin && m.redacted_text !== null ? m.text : null,
        createdAt: m.created_at,
        attachments: files
          .filter((f) => f.message_id === m.id)
          .map((f) => ({
            id: f.id,
            filename: f.filename,
            mime: f.mime,
            size: f.size,
            text: f.redacted_text ?? f.text,
            redacted: f.redacted_text !== null,
            hidden: f.hidden === 1,
            originalText: isAdmin && f.redacted_text !== null ? f.text : null,
            pdf: f.mime === 'application/pdf' || /\.pdf$/i.test(f.filename),
            pdfRedacted: f.redaction !== null,
            pdfRedaction: (isAdmin || isRequester) && f.redaction ? (JSON.parse(f.redaction) as RequestAttachment['pdfRedaction']) : null,
          })),
      })
    }
  }
  const suggestions = await database()
    .db.selectFrom('foi_suggestions')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .where('request_id', '=', id)
    .groupBy('status')
    .execute()
  const law: LawId = isLawId(r.law) ? r.law : 'uk_foia'
  return {
    id: r.id,
    title: r.title,
    law,
    status: r.status,
    displayStatus: displayStatus(r.status, r.due_on, r.long_overdue_on, today()),
    awaitingClassification: r.awaiting_classification === 1,
    sentAt: r.sent_at,
    dueOn: r.due_on,
    longOverdueOn: r.long_overdue_on,
    body: { id: r.bodyId, name: localize(r.bodyName, locale, cityDefaultLocale()) },
    requester: { id: r.userId, name: r.userName },
    isRequester,
    hidden,
    takedownNote: r.takedown_note,
    messages,
    suggestions: suggestions.map((s) => ({ status: s.status, count: Number(s.n) })),
  }
}

/**
 * An attachment's file, when `viewer` may have it: hidden files (withheld, or their request taken
 * down) are for administrators only. A PDF with redacted pages is served as its redacted copy; the
 * original only to administrators who ask for it (`original`).
 */
export async function attachmentFile(requestId: number, attachmentId: number, viewer: Viewer | null, original = false) {
  const f = await database()
    .db.selectFrom('foi_attachments as f')
    .innerJoin('foi_requests as r', 'r.id', 'f.request_id')
    .select(['f.filename', 'f.mime', 'f.data', 'f.sha256', 'f.redacted_data', 'f.hidden', 'r.hidden as requestHidden', 'r.user_id'])
    .where('f.id', '=', attachmentId)
    .where('f.request_id', '=', requestId)
    .executeTakeFirst()
  if (!f) return null
  const isAdmin = viewer?.isAdmin ?? false
  if (f.hidden === 1 && !isAdmin) return null
  if (f.requestHidden === 1 && !isAdmin && viewer?.id !== f.user_id) return null
  if (original && !isAdmin) return null
  const data = !original && f.redacted_data !== null ? f.redacted_data : await attachmentBytes(f)
  return { filename: f.filename, mime: f.mime, data, redacted: f.redacted_data !== null && !original }
}

/** Which of these stored-file names (SHA-256) an answer's attachment still uses (the file sweep asks; migration 0044's index). */
export async function attachmentNamesInUse(names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const rows = await database().db.selectFrom('foi_attachments').select('sha256').distinct().where('sha256', 'in', names).execute()
  return new Set(rows.map((r) => r.sha256!))
}

/**
 * An attachment's original bytes: its file beside the database when the row names one (ADR 150,
 * SQLite installs since migration 0041), else the row's blob (older rows, PostgreSQL).
 */
export async function attachmentBytes(f: { data: Buffer; sha256: string | null }): Promise<Buffer> {
  return f.sha256 ? readAttachmentFile(f.sha256) : f.data
}

export interface RequestSummary {
  id: number
  title: string
  bodyId: number
  bodyName: string
  displayStatus: DisplayStatus
  sentAt: string
  dueOn: string
}

export interface RequestSearch {
  q: string
  status: DisplayStatus | ''
  bodyId: number | null
  userId?: number
  page: number
}

export const PAGE_SIZE = 20

/** Below this many requests a word drives the search; above, it is checked per request (see termFilters). */
const DRIVING_LIMIT = 5000
/** The most words a prefix (the word being typed) stands for. */
const PREFIX_TERMS = 50

/**
 * How each word of a query is matched, chosen from how many requests have it (counted up to
 * DRIVING_LIMIT, a bounded index range): the rarest word, when rare, selects its requests (cheap:
 * few of them); every other word is a primary-key probe per candidate. When every word is common,
 * all are probes while the requests are read newest first, and a page fills within a few hundred
 * rows. Without this, a common word made the database collect ~100,000 ids per search, and a rare
 * one, probed, made it read every request. The last word is also a prefix: it stands for the words
 * it starts (the first PREFIX_TERMS of them in order).
 */
async function termFilters(terms: string[]): Promise<Array<{ terms: string[]; drive: boolean }>> {
  const { db } = database()
  const filters = await Promise.all(
    terms.map(async (term, i) => {
      let words = [term]
      if (i === terms.length - 1 && term.length >= 2) {
        // The distinct words in the prefix's range, one index seek each (never a scan of their rows).
        words = []
        let after: string | null = null
        while (words.length < PREFIX_TERMS) {
          let next = db.selectFrom('foi_search_terms').select('term').where('term', '<', `${term}\u{10ffff}`)
          next = after === null ? next.where('term', '>=', term) : next.where('term', '>', after)
          const row = await next.orderBy('term').limit(1).executeTakeFirst()
          if (!row) break
          words.push(row.term)
          after = row.term
        }
        if (words.length === 0) words = [term]
      }
      const counted = await db
        .selectFrom((eb) => eb.selectFrom('foi_search_terms').select('request_id').where('term', 'in', words).limit(DRIVING_LIMIT).as('m'))
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
      return { terms: words, count: Number(counted.n), drive: false }
    }),
  )
  const rarest = filters.reduce<(typeof filters)[number] | null>((min, f) => (!min || f.count < min.count ? f : min), null)
  if (rarest && rarest.count < DRIVING_LIMIT) rarest.drive = true
  return filters
}

/**
 * Requests, newest first, matching words in their title, their letters and answers, or the text of
 * their documents (public text: the redacted one where there is one), through the inverted index
 * foi_search_terms — ordinary tables and B-tree lookups, the same SQL on SQLite and PostgreSQL.
 * Taken-down requests are left out.
 */
export async function searchRequests(search: RequestSearch, locale: string): Promise<{ items: RequestSummary[]; more: boolean }> {
  const terms = queryTerms(search.q)
  const day = today()
  let q = database()
    .db.selectFrom('foi_requests as r')
    .innerJoin('foi_bodies as b', 'b.id', 'r.body_id')
    .select(['r.id', 'r.title', 'r.body_id as bodyId', 'b.name as bodyName', 'r.status', 'r.due_on', 'r.long_overdue_on', 'r.sent_at as sentAt'])
    .where('r.hidden', '=', 0)
  if (search.bodyId) q = q.where('r.body_id', '=', search.bodyId)
  if (search.userId) q = q.where('r.user_id', '=', search.userId)
  const open: FoiStatus[] = ['awaiting', 'internal_review']
  if (search.status === 'overdue') q = q.where('r.status', 'in', open).where('r.due_on', '<', day).where('r.long_overdue_on', '>=', day)
  else if (search.status === 'long_overdue') q = q.where('r.status', 'in', open).where('r.long_overdue_on', '<', day)
  else if (search.status === 'awaiting' || search.status === 'internal_review') q = q.where('r.status', '=', search.status).where('r.due_on', '>=', day)
  else if (search.status) q = q.where('r.status', '=', search.status)
  for (const filter of await termFilters(terms)) {
    q = filter.drive
      ? // The rarest word drives: its few requests are fetched, then sorted.
        q.where('r.id', 'in', (eb) => eb.selectFrom('foi_search_terms').select('request_id').where('term', 'in', filter.terms))
      : // A common word is checked per request, newest first, by a primary-key probe: the page fills after a few rows.
        q.where((eb) => eb.exists(eb.selectFrom('foi_search_terms as t').select('t.request_id').whereRef('t.request_id', '=', 'r.id').where('t.term', 'in', filter.terms)))
  }
  const rows = await q
    .orderBy('r.sent_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(PAGE_SIZE + 1)
    .offset((search.page - 1) * PAGE_SIZE)
    .execute()
  return {
    more: rows.length > PAGE_SIZE,
    items: rows.slice(0, PAGE_SIZE).map((r) => ({
      id: r.id,
      title: r.title,
      bodyId: r.bodyId,
      bodyName: localize(r.bodyName, locale, cityDefaultLocale()),
      displayStatus: displayStatus(r.status, r.due_on, r.long_overdue_on, day),
      sentAt: r.sentAt,
      dueOn: r.due_on,
    })),
  }
}

// ---------------------------------------------------------------- classifying

export type ClassifyResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'notRequester' }

/** The requester says what the answer was; this sets the status. */
export async function classifyRequest(userId: number, requestId: number, status: FoiStatus): Promise<ClassifyResult> {
  return database().write(async (trx) => {
    const r = await trx.selectFrom('foi_requests').select(['user_id', 'status', 'body_id', 'title']).where('id', '=', requestId).executeTakeFirst()
    if (!r) return { kind: 'notFound' }
    if (r.user_id !== userId) return { kind: 'notRequester' }
    await trx.updateTable('foi_requests').set({ status, awaiting_classification: 0 }).where('id', '=', requestId).execute()
    await recordAudit(trx, { actorId: userId, action: 'foi.request.classify', targetKind: 'foi_request', targetId: requestId, before: { status: r.status }, after: { status } })
    if (status !== r.status) await notifyFoiFollowers(trx, { requestId, bodyId: r.body_id, title: r.title, event: 'status', status, actorUserId: userId })
    return { kind: 'ok' }
  })
}

/** Anyone logged in may suggest what a request's answer was; the requester and administrators see the suggestions. One per person and request. */
export async function suggestClassification(userId: number, requestId: number, status: FoiStatus): Promise<'ok' | 'notFound'> {
  return database().write(async (trx) => {
    const r = await trx.selectFrom('foi_requests').select('id').where('id', '=', requestId).where('hidden', '=', 0).executeTakeFirst()
    if (!r) return 'notFound'
    await trx.deleteFrom('foi_suggestions').where('request_id', '=', requestId).where('user_id', '=', userId).execute()
    await trx.insertInto('foi_suggestions').values({ request_id: requestId, user_id: userId, status, created_at: nowIso() }).execute()
    return 'ok'
  })
}

// ---------------------------------------------------------------- answers by e-mail

export interface IncomingAnswer {
  from: string | null
  subject: string
  text: string
  messageId: string | null
  /** Each document's bytes (`data`), or the file a parse thread already stored durably (`file`, ADR 150). */
  attachments: Array<{ filename: string; mime: string; text: string | null } & ({ data: Buffer; file?: undefined } | { data?: undefined; file: { sha256: string; size: number } })>
}

export type AnswerResult = { kind: 'ok'; requestId: number; messageId: number } | { kind: 'unknown' } | { kind: 'closed' }

/** A body's answer to a request's address: stored with its documents; the requester is told. */
export async function receiveAnswer(token: string, answer: IncomingAnswer): Promise<AnswerResult> {
  return database().write(async (trx) => {
    const r = await trx
      .selectFrom('foi_requests as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.id', 'r.title', 'r.status', 'r.hidden', 'r.body_id', 'r.user_id', 'u.email', 'u.locale'])
      .where('r.token', '=', token)
      .executeTakeFirst()
    if (!r) return { kind: 'unknown' }
    if (isClosed(r.status, r.hidden === 1)) return { kind: 'closed' }
    if (answer.messageId) {
      // The same message delivered twice (a relay's retry) is stored once.
      const seen = await trx.selectFrom('foi_messages').select('id').where('request_id', '=', r.id).where('message_id', '=', answer.messageId).executeTakeFirst()
      if (seen) return { kind: 'ok', requestId: r.id, messageId: seen.id }
    }
    const now = nowIso()
    const message = await trx
      .insertInto('foi_messages')
      .values({
        request_id: r.id,
        direction: 'in',
        kind: 'answer',
        subject: answer.subject.slice(0, 500) || '—',
        text: answer.text.slice(0, 200_000),
        from_address: answer.from?.slice(0, 320) ?? null,
        message_id: answer.messageId?.slice(0, 500) ?? null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const a of answer.attachments) {
      await trx
        .insertInto('foi_attachments')
        .values({
          message_id: message.id,
          request_id: r.id,
          filename: a.filename.slice(0, 250),
          mime: a.mime.slice(0, 100),
          // A file's row holds its name only: the COMMIT no longer writes the bytes (ADR 150).
          size: a.file ? a.file.size : a.data.length,
          data: a.file ? EMPTY : a.data,
          sha256: a.file ? a.file.sha256 : null,
          text: a.text,
          created_at: now,
        })
        .execute()
    }
    await trx.updateTable('foi_requests').set({ awaiting_classification: 1, last_message_at: now }).where('id', '=', r.id).execute()
    await indexTexts(trx, r.id, [answer.subject, answer.text, ...answer.attachments.flatMap((a) => [a.filename, a.text ?? ''])])
    // The requester is told below; the request's and the body's followers here.
    await notifyFoiFollowers(trx, { requestId: r.id, bodyId: r.body_id, title: r.title, event: 'answer', actorUserId: r.user_id })
    if (r.email) {
      const locale: Locale = isLocale(r.locale) ? r.locale : (cityDefaultLocale() as Locale)
      const t = translator(locale)
      await queueMail(trx, {
        kind: 'foi.answer',
        to: r.email,
        subject: t('foi:mail.answerSubject', { title: r.title }).slice(0, 250),
        text: t('foi:mail.answerText', { title: r.title, url: publicUrl(r.id), count: answer.attachments.length }),
      })
    }
    return { kind: 'ok', requestId: r.id, messageId: message.id }
  })
}

// ---------------------------------------------------------------- statistics

export interface BodyStats {
  bodyId: number
  name: string
  requests: number
  /** Requests whose deadline has passed or that were answered: the denominator of the rates. */
  due: number
  answeredOnTime: number
  overdue: number
  refused: number
  successful: number
  onTimeRate: number | null
  onTimeInterval: Interval | null
  refusedRate: number | null
  refusedInterval: Interval | null
}

/** Per body: answered on time, overdue now, refused — with Wilson 95% intervals (as letters' response rates). */
export async function bodyStatistics(locale: string, bodyId?: number): Promise<BodyStats[]> {
  const day = today()
  let q = database()
    .db.selectFrom('foi_bodies as b')
    .leftJoin('foi_requests as r', (j) => j.onRef('r.body_id', '=', 'b.id').on('r.hidden', '=', 0))
    .select((eb) => [
      'b.id as bodyId',
      'b.name',
      eb.fn.count('r.id').as('requests'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.or([eb('r.due_on', '<', day), eb.exists(eb.selectFrom('foi_messages as m').select('m.id').whereRef('m.request_id', '=', 'r.id').where('m.direction', '=', 'in'))]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('due'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.exists(
                eb
                  .selectFrom('foi_messages as m')
                  .select('m.id')
                  .whereRef('m.request_id', '=', 'r.id')
                  .where('m.direction', '=', 'in')
                  .where(sql`substr(m.created_at, 1, 10)`, '<=', sql.ref('r.due_on')),
              ),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('onTime'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.and([eb('r.status', 'in', ['awaiting', 'internal_review']), eb('r.due_on', '<', day)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('overdue'),
      eb.fn.sum<number>(eb.case().when('r.status', '=', 'refused').then(1).else(0).end()).as('refused'),
      eb.fn.sum<number>(eb.case().when('r.status', 'in', ['successful', 'partially_successful']).then(1).else(0).end()).as('successful'),
    ])
    .where('b.active', '=', 1)
    .groupBy(['b.id', 'b.name'])
  if (bodyId) q = q.where('b.id', '=', bodyId)
  const rows = await q.execute()
  return rows
    .map((r) => {
      const due = Number(r.due ?? 0)
      const onTime = Number(r.onTime ?? 0)
      const refused = Number(r.refused ?? 0)
      const requests = Number(r.requests)
      return {
        bodyId: r.bodyId,
        name: localize(r.name, locale, cityDefaultLocale()),
        requests,
        due,
        answeredOnTime: onTime,
        overdue: Number(r.overdue ?? 0),
        refused,
        successful: Number(r.successful ?? 0),
        onTimeRate: due ? onTime / due : null,
        onTimeInterval: due ? wilsonInterval(Math.min(onTime, due), due) : null,
        refusedRate: requests ? refused / requests : null,
        refusedInterval: requests ? wilsonInterval(refused, requests) : null,
      }
    })
    .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name, locale))
}

// ---------------------------------------------------------------- redaction and takedown

export type ModerationResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'forbidden' }

/**
 * Redacts personal data in an answer's text or a document's text: the public reads the redacted
 * text; the original stays in the row, for administrators. A document's file can be withheld from
 * the public too. The requester may redact their own request's answers; administrators any. Audited.
 */
export async function redact(actor: Viewer, requestId: number, target: 'message' | 'attachment', id: number, text: string, hideFile: boolean): Promise<ModerationResult> {
  return database().write(async (trx) => {
    const r = await trx.selectFrom('foi_requests').select(['user_id']).where('id', '=', requestId).executeTakeFirst()
    if (!r) return { kind: 'notFound' }
    if (!actor.isAdmin && actor.id !== r.user_id) return { kind: 'forbidden' }
    if (target === 'message') {
      const m = await trx.selectFrom('foi_messages').select(['id', 'text', 'redacted_text']).where('id', '=', id).where('request_id', '=', requestId).executeTakeFirst()
      if (!m) return { kind: 'notFound' }
      const next = text === m.text ? null : text
      await trx.updateTable('foi_messages').set({ redacted_text: next }).where('id', '=', id).execute()
      await recordAudit(trx, { actorId: actor.id, action: 'foi.message.redact', targetKind: 'foi_message', targetId: id, before: { redacted: m.redacted_text }, after: { redacted: next } })
    } else {
      const f = await trx.selectFrom('foi_attachments').select(['id', 'text', 'redacted_text', 'hidden']).where('id', '=', id).where('request_id', '=', requestId).executeTakeFirst()
      if (!f) return { kind: 'notFound' }
      const next = f.text !== null && text === f.text ? null : text
      await trx
        .updateTable('foi_attachments')
        .set({ redacted_text: next, hidden: hideFile || next !== null ? 1 : 0 })
        .where('id', '=', id)
        .execute()
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'foi.attachment.redact',
        targetKind: 'foi_attachment',
        targetId: id,
        before: { redacted: f.redacted_text, hidden: f.hidden },
        after: { redacted: next, hidden: hideFile || next !== null },
      })
    }
    await reindexRequest(trx, requestId)
    return { kind: 'ok' }
  })
}

/** Takes a request down (administrators): hidden from everyone else, with a public note. Audited. */
export async function takeDown(actorId: number, requestId: number, note: string | null): Promise<ModerationResult> {
  return database().write(async (trx) => {
    const r = await trx.selectFrom('foi_requests').select(['hidden', 'takedown_note']).where('id', '=', requestId).executeTakeFirst()
    if (!r) return { kind: 'notFound' }
    await trx
      .updateTable('foi_requests')
      .set({ hidden: note === null ? 0 : 1, takedown_note: note })
      .where('id', '=', requestId)
      .execute()
    await recordAudit(trx, {
      actorId,
      action: note === null ? 'foi.request.restore' : 'foi.request.takedown',
      targetKind: 'foi_request',
      targetId: requestId,
      before: r,
      after: { hidden: note !== null, takedown_note: note },
    })
    return { kind: 'ok' }
  })
}

/** Requests for the open-data dataset and feeds: public fields only (never the requester's e-mail). */
export async function publicRequests(limit: number, locale: string) {
  const rows = await searchRequests({ q: '', status: '', bodyId: null, page: 1 }, locale)
  return rows.items.slice(0, limit)
}

// ---------------------------------------------------------------- the holding pen

/** Mail the inbound endpoint could not place (reports' and requests' alike), for administrators. */
export const heldInboundMail = heldMail

/** An administrator has dealt with a held message; audited. */
export async function resolveHeld(actorId: number, id: number): Promise<boolean> {
  const ok = await resolveHeldMail(id)
  if (ok) await database().write((trx) => recordAudit(trx, { actorId, action: 'inbound.held.resolve', targetKind: 'inbound_held_mail', targetId: id }))
  return ok
}
