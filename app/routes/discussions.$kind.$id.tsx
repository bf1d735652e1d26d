import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { safeRedirectPath } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { isHoneypotFilled } from '../lib/honeypot'
import { FormMessage } from '../components/forms'
import { discussableExists, isDiscussable, postComment } from '../modules/deliberation/deliberation.server'
import { discussionData } from '../modules/deliberation/page.server'
import { Discussion } from '../modules/deliberation/components/Discussion'

/**
 * /discussions/:kind/:id — a discussion on its own page (every host page also embeds it), and
 * where new comments and replies are posted. Errors re-render here with the text kept.
 */

const target = (params: { kind?: string; id?: string }) => {
  const kind = params.kind ?? ''
  const id = Number(params.id)
  if (!isDiscussable(kind) || !Number.isInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return { kind, id }
}

export const postSchema = z.object({
  body: z.string().trim().min(1, 'deliberation:errors.bodyRequired').max(10_000, 'deliberation:errors.bodyTooLong'),
  stance: z.enum(['for', 'neutral', 'against'], { message: 'deliberation:errors.stance' }).default('neutral'),
  parentId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  returnTo: z.string().max(2000).optional(),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  // Registers the discussable kinds before checking the target.
  const { kind, id } = target(params)
  if (!(await discussableExists(kind, id))) throw new Response('Not Found', { status: 404 })
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const discussion = await discussionData(request, user, kind, id)
  return { title: t('deliberation:title'), locale, discussion }
}

// Public: anonymous readers may get a copy up to 5 seconds old; logged-in people always a fresh one.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const { kind, id } = target(params)
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const form = await readForm(request)
  const fields = formFields(form)
  const fail = (status: number, message: string, field = 'form') => data({ error: { field, message }, body: fields.body ?? '', stance: fields.stance ?? 'neutral' }, { status })
  if (isHoneypotFilled(form)) return fail(400, t('accounts:errors.spam'))
  const parsed = postSchema.safeParse(fields)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return fail(400, t(issue.message.includes(':') ? issue.message : 'deliberation:errors.bodyRequired'), String(issue.path[0] ?? 'form'))
  }
  const result = await postComment(user, { targetKind: kind, targetId: id, parentId: parsed.data.parentId ?? null, body: parsed.data.body, stance: parsed.data.stance })
  switch (result.kind) {
    case 'blocked':
      return fail(403, t('deliberation:blocked', { reason: result.reason }))
    case 'needsLevel':
      return fail(403, t('deliberation:needsLevel'))
    case 'noTarget':
      return fail(404, t('deliberation:errors.noTarget'))
    case 'noParent':
      return fail(404, t('deliberation:errors.noParent'))
    case 'tooDeep':
      return fail(400, t('deliberation:errors.tooDeep'))
    case 'tooManyLinks':
      return fail(400, t('deliberation:errors.tooManyLinks', { max: result.max }), 'body')
    case 'throttled':
      return fail(429, t('deliberation:errors.throttled', { seconds: result.retryAfterSeconds }))
  }
  const back = safeRedirectPath(parsed.data.returnTo, `/discussions/${kind}/${id}`)
  return redirect(`${back.split('#')[0]}${back.includes('?') ? '&' : '?'}posted=${result.status}#comment-${result.commentId}`)
}

export default function DiscussionPage() {
  const { discussion, locale } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const { t } = useTranslation('deliberation')
  return (
    <div className="page">
      {failure ? (
        <section className="narrow">
          <FormMessage tone="error">{failure.error.message}</FormMessage>
          <Form method="post" className="stack" reloadDocument>
            <label htmlFor="retry-body">{t('form.body')}</label>
            <textarea id="retry-body" name="body" rows={6} defaultValue={failure.body} aria-invalid aria-describedby="retry-error" />
            <p id="retry-error" className="field-error">
              {failure.error.message}
            </p>
            <input type="hidden" name="stance" value={failure.stance} />
            <button type="submit">{t('form.submit')}</button>
          </Form>
          <p>
            <Link to={discussion.returnTo}>{t('backToDiscussion')}</Link>
          </p>
        </section>
      ) : null}
      <Discussion data={discussion} locale={locale} />
    </div>
  )
}
