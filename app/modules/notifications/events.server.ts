import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { followOwnReport } from './follow.server'
import { notify } from './notify.server'

/**
 * One small function per kind of event, called by the capabilities inside their writes. Each does
 * a primary-key read for the words, then `notify` (one indexed lookup of the followers; nothing
 * more when there are none). Texts are keys of the notifications namespace, so each follower reads
 * them in their own language.
 */

type Trx = Transaction<Database>
const clip = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

/** A public update or status change on a report's timeline. */
export async function reportUpdated(trx: Trx, u: { reportId: number; authorId: number | null; text?: string; fromState?: string | null; toState?: string | null }) {
  // A status change when the state moves; otherwise an update (its text).
  const toState = u.toState && u.toState !== u.fromState ? u.toState : null
  const r = await trx.selectFrom('reports').select(['title']).where('id', '=', u.reportId).executeTakeFirst()
  if (!r) return 0
  const state = toState ? await trx.selectFrom('report_states').select(['label']).where('code', '=', toState).executeTakeFirst() : undefined
  if (!toState && !u.text) return 0
  // The state's own name in each follower's language, else Plaza's translation of its code.
  const text = (locale: Locale) =>
    [
      ...(toState ? [(state?.label && namesIn(locale)(state.label)) || (translator(locale)(`reports:states.${toState}`, { defaultValue: toState }) as string)] : []),
      ...(u.text ? [clip(u.text)] : []),
    ].join('\n\n')
  return notify(trx, {
    targetKind: 'report',
    targetId: u.reportId,
    event: toState ? 'report.state' : 'report.update',
    title: { key: toState ? 'events.report.state' : 'events.report.update', values: { title: r.title } },
    text,
    url: `/reports/${u.reportId}`,
    actorUserId: u.authorId,
  })
}

/** A report, proposal or petition became public: the followers of the areas it is in hear of it. */
export async function itemPublished(trx: Trx, kind: 'report' | 'proposal' | 'petition', id: number, extraAreaIds: number[] = []) {
  let title: string
  let areaIds: Array<number | null>
  let actor: number | null
  let actorEmail: string | null = null
  let text: string
  if (kind === 'report') {
    const r = await trx.selectFrom('reports').select(['title', 'description', 'area_id', 'district_id', 'reporter_id', 'reporter_email']).where('id', '=', id).executeTakeFirst()
    if (!r) return 0
    ;[title, areaIds, actor, actorEmail, text] = [r.title, [r.area_id, r.district_id], r.reporter_id, r.reporter_email, r.description]
  } else if (kind === 'proposal') {
    const p = await trx.selectFrom('proposals').select(['title', 'summary', 'area_id', 'district_id', 'author_id']).where('id', '=', id).executeTakeFirst()
    if (!p) return 0
    ;[title, areaIds, actor, text] = [p.title, [p.area_id, p.district_id], p.author_id, p.summary]
  } else {
    const p = await trx.selectFrom('petitions').select(['title', 'action', 'area_id', 'author_id']).where('id', '=', id).executeTakeFirst()
    if (!p) return 0
    ;[title, areaIds, actor, text] = [p.title, [p.area_id], p.author_id, p.action]
  }
  const path = kind === 'report' ? `/reports/${id}` : kind === 'proposal' ? `/proposals/${id}` : `/petitions/${id}`
  const told = await notify(trx, {
    targetKind: kind,
    targetId: id,
    event: `area.${kind}`,
    title: { key: `events.area.${kind}`, values: { title } },
    text: clip(text),
    url: path,
    areaIds: [...areaIds, ...extraAreaIds],
    actorUserId: actor,
    actorEmail,
  })
  // The reporter hears of every change to their report from now on (issue 19).
  if (kind === 'report') await followOwnReport(trx, id)
  return told
}

export type ProposalEvent = 'threshold' | 'voting' | 'answered'
/** A proposal reached its threshold, went to a vote, or was answered by the council. */
export async function proposalEvent(trx: Trx, id: number, event: ProposalEvent, actorUserId: number | null = null) {
  const p = await trx.selectFrom('proposals').select(['title', 'answer_md']).where('id', '=', id).executeTakeFirst()
  if (!p) return 0
  return notify(trx, {
    targetKind: 'proposal',
    targetId: id,
    event: `proposal.${event}`,
    title: { key: `events.proposal.${event}`, values: { title: p.title } },
    text: event === 'answered' && p.answer_md ? clip(p.answer_md) : '',
    url: `/proposals/${id}`,
    actorUserId,
  })
}

export type VoteEvent = 'opened' | 'closed' | 'published'
/** A voting process opened, closed or published its results. */
export async function voteEvent(trx: Trx, id: number, event: VoteEvent, actorUserId: number | null = null) {
  const v = await trx.selectFrom('voting_processes').select(['title', 'closes_at']).where('id', '=', id).executeTakeFirst()
  if (!v) return 0
  return notify(trx, {
    targetKind: 'vote',
    targetId: id,
    event: `vote.${event}`,
    title: { key: `events.vote.${event}`, values: { title: v.title } },
    text: event === 'opened' ? { key: 'events.vote.until', values: { date: v.closes_at.slice(0, 16).replace('T', ' ') } } : '',
    url: `/votes/${id}`,
    actorUserId,
  })
}

export type PetitionEvent = 'response_threshold' | 'debate_threshold' | 'response' | 'debate_scheduled' | 'debate_outcome' | 'closed'
/** A petition reached a threshold, was responded to or debated, or closed. */
export async function petitionEvent(trx: Trx, id: number, event: PetitionEvent, actorUserId: number | null = null) {
  const p = await trx.selectFrom('petitions').select(['title', 'signature_count', 'response_md', 'debate_scheduled_for', 'debate_outcome_md']).where('id', '=', id).executeTakeFirst()
  if (!p) return 0
  const text =
    event === 'response'
      ? clip(p.response_md ?? '')
      : event === 'debate_outcome'
        ? clip(p.debate_outcome_md ?? '')
        : event === 'debate_scheduled'
          ? (p.debate_scheduled_for ?? '')
          : event.endsWith('threshold') || event === 'closed'
            ? { key: 'events.petition.count', values: { count: p.signature_count } }
            : ''
  return notify(trx, {
    targetKind: 'petition',
    targetId: id,
    event: `petition.${event}`,
    title: { key: `events.petition.${event}`, values: { title: p.title } },
    text,
    url: `/petitions/${id}`,
    actorUserId,
  })
}
