import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { confirmFollow, pendingFollow } from '../modules/notifications/follow.server'

/**
 * /follow/confirm/:token — the link in the confirmation mail. Opening it (GET) starts nothing and
 * shows one button: mail scanners open links (issue 18). The button's POST starts the
 * subscription; every mail it brings can stop it.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const pending = await pendingFollow(params.token ?? '')
  const headers = { 'Cache-Control': 'no-store' }
  // 200, not 404: after the button's POST the token is spent, and Remix answers that POST with the
  // highest status of the action and the loaders, so a 404 here would hide the success.
  if (!pending) return data({ ok: false as const, title: t('notifications:confirm.invalidTitle'), subscription: null }, { headers })
  return data({ ok: true as const, title: t('notifications:confirm.askTitle'), subscription: { title: pending.title, url: pending.url, mode: pending.mode } }, { headers })
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Nothing in the body is needed; reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const result = await confirmFollow(params.token ?? '')
  const headers = { 'Cache-Control': 'no-store' }
  if (result.kind === 'invalid') return data({ ok: false as const, subscription: null, unsubscribe: null }, { status: 404, headers })
  const s = result.subscription
  return data({ ok: true as const, subscription: { title: s.title, url: s.url, mode: s.mode }, unsubscribe: result.unsubscribePath }, { headers })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmFollow() {
  const loaded = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('notifications')
  if (!done && loaded.ok && loaded.subscription) {
    const s = loaded.subscription
    return (
      <section className="page narrow">
        <h1>{t('confirm.askTitle')}</h1>
        <p>
          {t('confirm.askBody', { title: s.title, mode: t(`modes.${s.mode}`) })} <Link to={s.url}>{s.title}</Link>
        </p>
        <Form method="post">
          <button type="submit">{t('confirm.askSubmit')}</button>
        </Form>
      </section>
    )
  }
  const subscription = done?.subscription ?? null
  return (
    <section className="page narrow">
      <h1>{subscription ? t('confirm.okTitle') : t('confirm.invalidTitle')}</h1>
      {subscription ? (
        <>
          <p role="status">
            {t('confirm.okBody', { title: subscription.title, mode: t(`modes.${subscription.mode}`) })} <Link to={subscription.url}>{subscription.title}</Link>
          </p>
          {done?.unsubscribe ? (
            <p>
              <Link to={done.unsubscribe}>{t('confirm.stop')}</Link>
            </p>
          ) : null}
        </>
      ) : (
        <p>{t('confirm.invalidBody')}</p>
      )}
    </section>
  )
}
