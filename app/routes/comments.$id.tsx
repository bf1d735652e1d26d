import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { safeRedirectPath } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { commentThread, deleteComment, editComment, mayTakePart, voteComment } from '../modules/deliberation/deliberation.server'
import { viewerOf } from '../modules/deliberation/page.server'
import { CommentItem } from '../modules/deliberation/components/Discussion'
import { flagContent } from '../modules/moderation/moderation.server'

/** /comments/:id — one comment and its replies ("continue this thread"); its edit, delete, vote and flag actions. */

const commentId = (id?: string) => {
  const n = Number(id)
  if (!Number.isInteger(n) || n <= 0) throw new Response('Not Found', { status: 404 })
  return n
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = commentId(params.id)
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const thread = await commentThread(id, { viewerId: user?.id ?? null })
  if (!thread) throw new Response('Not Found', { status: 404 })
  // Only what this comment's forms need (not the whole discussion around it).
  const context = { viewer: await viewerOf(user), returnTo: `/comments/${id}`, target: { kind: thread.targetKind, id: thread.targetId } }
  return { title: t('deliberation:title'), locale, thread, context }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }, { name: 'robots', content: 'noindex' }]

const intentSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('vote'), value: z.enum(['1', '-1', '0']) }),
  z.object({ intent: z.literal('delete') }),
  z.object({
    intent: z.literal('edit'),
    body: z.string().trim().min(1, 'deliberation:errors.bodyRequired').max(10_000, 'deliberation:errors.bodyTooLong'),
    stance: z.enum(['for', 'neutral', 'against'], { message: 'deliberation:errors.stance' }),
  }),
  z.object({
    intent: z.literal('flag'),
    reason: z.enum(['spam', 'offensive', 'off_topic', 'personal_data', 'other'], { message: 'deliberation:errors.reason' }),
    note: z.string().max(1000).optional(),
  }),
])

export async function action({ request, params }: ActionFunctionArgs) {
  const id = commentId(params.id)
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const back = safeRedirectPath(fields.returnTo, `/comments/${id}`).split('#')[0]!
  const done = (notice: string) => redirect(`${back}${back.includes('?') ? '&' : '?'}notice=${notice}#comment-${id}`)
  const fail = (status: number, message: string) => data({ message }, { status })
  const parsed = intentSchema.safeParse(fields)
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? ''
    return fail(400, t(message.includes(':') ? message : 'deliberation:errors.bodyRequired'))
  }
  const input = parsed.data
  if (input.intent === 'vote') {
    const result = await voteComment(user, id, Number(input.value) as 1 | -1 | 0)
    if (result.kind === 'own') return fail(400, t('deliberation:ownVote'))
    if (result.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: result.reason }))
    if (result.kind === 'needsLevel') return fail(403, t('deliberation:needsLevel'))
    if (result.kind === 'notFound') return fail(404, t('deliberation:errors.notFound'))
    return done('voted')
  }
  if (input.intent === 'delete') {
    const result = await deleteComment(user.id, id)
    return result.kind === 'ok' ? done('deleted') : fail(404, t('deliberation:errors.notFound'))
  }
  if (input.intent === 'edit') {
    const result = await editComment(user.id, id, { body: input.body, stance: input.stance })
    if (result.kind === 'tooLate') return fail(409, t('deliberation:errors.tooLate'))
    if (result.kind === 'pending') return fail(409, t('deliberation:pending'))
    if (result.kind === 'tooManyLinks') return fail(400, t('deliberation:errors.tooManyLinks', { max: result.max }))
    if (result.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: result.reason }))
    if (result.kind === 'notFound') return fail(404, t('deliberation:errors.notFound'))
    return done('edited')
  }
  // Reporting takes part too: the comment level, and no active block (three throwaway accounts
  // must not be able to hide anything).
  const refusal = await mayTakePart(user)
  if (refusal?.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: refusal.reason }))
  if (refusal?.kind === 'needsLevel') return fail(403, t('deliberation:needsLevel'))
  const result = await flagContent(user.id, { targetKind: 'comment', targetId: id, reason: input.reason, note: input.note })
  if (result.kind === 'alreadyFlagged') return fail(409, t('deliberation:flag.already'))
  if (result.kind === 'ownContent') return fail(400, t('deliberation:flag.own'))
  if (result.kind === 'notFound') return fail(404, t('deliberation:errors.notFound'))
  return done('flagged')
}

export default function CommentThreadPage() {
  const { thread, context, locale } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const { t } = useTranslation('deliberation')
  return (
    <div className="page narrow">
      <p>
        <Link to={thread.targetUrl}>{t('backToDiscussion')}</Link>
      </p>
      <h1>{t('title')}</h1>
      {failure ? <FormMessage tone="error">{failure.message}</FormMessage> : null}
      <ol className="comment-list">
        <CommentItem comment={thread.comment} data={context} locale={locale} />
      </ol>
    </div>
  )
}
