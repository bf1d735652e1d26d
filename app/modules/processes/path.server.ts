import type { ResultSourceKind } from '../../../db/schema'
import { database } from '../../lib/db.server'
import type { PathStep } from './phases'
import { resultOf } from './results.server'

/**
 * "What happened to my idea": the steps a project, proposal or petition has been through —
 * submitted, supported, reviewed, voted, won, in progress, done — each reached or not, with the
 * result it became. Read-only over the owners' tables.
 */
export interface IdeaPath {
  steps: Array<{ step: PathStep; reached: boolean; note?: string | null }>
  result: { id: number; status: string; progress: number } | null
  voteId: number | null
}

export async function ideaPath(kind: ResultSourceKind, id: number): Promise<IdeaPath | null> {
  const { db } = database()
  const result = await resultOf(kind, id)
  const late = (status: string | undefined) => ({
    inProgress: status === 'in_progress' || status === 'done',
    done: status === 'done',
  })
  const r = late(result?.status)
  if (kind === 'project') {
    const j = await db
      .selectFrom('process_projects as j')
      .innerJoin('participatory_processes as p', 'p.id', 'j.process_id')
      .select(['j.state', 'j.supports', 'j.reviewed_at', 'j.feasibility_reason', 'p.budget_vote_id'])
      .where('j.id', '=', id)
      .executeTakeFirst()
    if (!j) return null
    const voted = j.state === 'selected' || j.state === 'not_selected'
    return {
      steps: [
        { step: 'submitted', reached: true },
        { step: 'supported', reached: j.supports > 0 },
        { step: 'reviewed', reached: j.reviewed_at !== null, note: j.state === 'unfeasible' ? j.feasibility_reason : null },
        { step: 'voted', reached: voted },
        { step: 'won', reached: j.state === 'selected' },
        { step: 'in_progress', reached: r.inProgress },
        { step: 'done', reached: r.done },
      ],
      result,
      voteId: j.budget_vote_id,
    }
  }
  if (kind === 'proposal') {
    const p = await db.selectFrom('proposals').select(['state', 'supports', 'threshold_reached_at', 'process_id', 'answered_at']).where('id', '=', id).executeTakeFirst()
    if (!p) return null
    return {
      steps: [
        { step: 'submitted', reached: true },
        { step: 'supported', reached: p.supports > 0 },
        { step: 'reviewed', reached: p.answered_at !== null },
        { step: 'voted', reached: p.process_id !== null },
        { step: 'won', reached: result !== null },
        { step: 'in_progress', reached: r.inProgress },
        { step: 'done', reached: r.done },
      ],
      result,
      voteId: p.process_id,
    }
  }
  const p = await db.selectFrom('petitions').select(['state', 'signature_count', 'response_md']).where('id', '=', id).executeTakeFirst()
  if (!p) return null
  return {
    steps: [
      { step: 'submitted', reached: true },
      { step: 'supported', reached: p.signature_count > 0 },
      { step: 'reviewed', reached: p.response_md !== null },
      { step: 'won', reached: result !== null },
      { step: 'in_progress', reached: r.inProgress },
      { step: 'done', reached: r.done },
    ],
    result,
    voteId: null,
  }
}
