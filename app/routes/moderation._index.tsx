import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { blockUser, decide, moderationQueue, queueItemAuthor } from '../modules/moderation/moderation.server'
import { can } from '../modules/accounts/policy'
import { citySettings } from '../modules/city/settings.server'

const decisionSchema = z.object({
  intent: z.enum(['hide', 'restore', 'dismiss', 'approve', 'block']),
  queueId: z.coerce.number().int().positive(),
  reason: z.string().trim().min(3, 'moderation:errors.reason').max(500, 'moderation:errors.reason'),
})

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'moderation:access')
  const { t, locale } = await translatorFor(request)
  return { title: t('moderation:queueTitle'), locale, queue: await moderationQueue(), threshold: (await citySettings()).MODERATION_AUTO_HIDE }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const moderator = await requirePermission(request, 'content:moderate')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const parsed = decisionSchema.safeParse(fields)
  // The reason is required: said next to the field, with what was typed kept (issue 18: Hide and Dismiss failed silently).
  if (!parsed.success)
    return data({ queueId: Number(fields.queueId) || 0, reasonError: t('moderation:errors.reason'), reason: typeof fields.reason === 'string' ? fields.reason : '' }, { status: 400 })
  const { intent, queueId, reason } = parsed.data
  if (intent === 'block') {
    // The author comes from the queue item, never from the form.
    if (!can(moderator, 'user:block')) throw new Response('Forbidden', { status: 403 })
    const authorId = await queueItemAuthor(queueId)
    if (!authorId) return data({ queueId, error: t('moderation:errors.notFound') }, { status: 404 })
    const result = await blockUser(moderator.id, authorId, reason)
    if (result.kind === 'hasRole') return data({ queueId, error: t('moderation:errors.hasRole') }, { status: 409 })
    if (result.kind === 'alreadyBlocked') return data({ queueId, error: t('moderation:errors.alreadyBlocked') }, { status: 409 })
    if (result.kind === 'self') return data({ queueId, error: t('moderation:errors.self') }, { status: 400 })
    if (result.kind === 'noSuchUser') return data({ queueId, error: t('moderation:errors.notFound') }, { status: 404 })
    return { queueId, done: t('moderation:blocked') }
  }
  const result = await decide(moderator.id, queueId, intent, reason)
  if (result.kind === 'notFound') return data({ queueId, error: t('moderation:errors.notFound') }, { status: 404 })
  return { queueId, done: t('moderation:decided') }
}

export default function ModerationQueue() {
  const { queue, threshold, locale } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as { queueId: number; error?: string; reasonError?: string; done?: string; reason?: string } | undefined
  const { t } = useTranslation('moderation')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <section className="page">
      <h1>{t('queueTitle')}</h1>
      <p>{t('queueIntro', { threshold })}</p>
      <p>
        <Link to="/moderation/log">{t('logTitle')}</Link> · <Link to="/moderation/blocks">{t('blocksTitle')}</Link> · <Link to="/moderation/petitions">{t('petitions:moderation.title')}</Link>
      </p>
      {result?.done ? <FormMessage tone="success">{result.done}</FormMessage> : null}
      {queue.length === 0 ? <p>{t('empty')}</p> : null}
      <ol className="queue">
        {queue.map((item) => (
          <li key={item.id} className="queue__item" id={`queue-${item.id}`}>
            <p className="queue__meta">
              <strong>{t(`why.${item.why}`)}</strong> · {t('flags', { count: item.flags })} · {item.hidden ? t('currentlyHidden') : t('currentlyVisible')} ·{' '}
              <time dateTime={item.created_at}>{date.format(new Date(item.created_at))}</time>
            </p>
            <p>
              {t('author')}: {item.author ?? '–'} ·{' '}
              {Object.entries(item.reasons)
                .map(([reason, n]) => `${t(`deliberation:reasons.${reason}`)} (${n})`)
                .join(', ')}
            </p>
            <blockquote className="queue__excerpt">{item.excerpt}</blockquote>
            <p>
              <Link to={item.url}>{t('open')}</Link>
            </p>
            {result?.queueId === item.id && result.error ? <FormMessage tone="error">{result.error}</FormMessage> : null}
            <Form method="post" className="queue__decide" noValidate>
              <input type="hidden" name="queueId" value={item.id} />
              <label htmlFor={`reason-${item.id}`}>{t('reasonLabel')}</label>
              {result?.queueId === item.id && result.reasonError ? (
                <p className="field-error" id={`reason-${item.id}-error`}>
                  {result.reasonError}
                </p>
              ) : null}
              <input
                id={`reason-${item.id}`}
                name="reason"
                type="text"
                maxLength={500}
                defaultValue={result?.queueId === item.id ? result.reason : undefined}
                aria-invalid={result?.queueId === item.id && result.reasonError ? true : undefined}
                aria-describedby={result?.queueId === item.id && result.reasonError ? `reason-${item.id}-error` : undefined}
              />
              <div className="queue__buttons">
                {item.why === 'premoderation' ? (
                  <button type="submit" name="intent" value="approve">
                    {t('approve')}
                  </button>
                ) : null}
                <button type="submit" name="intent" value="hide">
                  {t('hide')}
                </button>
                {item.hidden && item.why !== 'premoderation' ? (
                  <button type="submit" name="intent" value="restore">
                    {t('restore')}
                  </button>
                ) : null}
                {item.why !== 'premoderation' ? (
                  <button type="submit" name="intent" value="dismiss" className="secondary">
                    {t('dismiss')}
                  </button>
                ) : null}
                {item.author_id ? (
                  <button type="submit" name="intent" value="block" className="danger">
                    {t('block')}
                  </button>
                ) : null}
              </div>
            </Form>
          </li>
        ))}
      </ol>
    </section>
  )
}
