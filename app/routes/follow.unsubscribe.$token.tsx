import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { unfollowByToken, unsubscribeView } from '../modules/notifications/follow.server'

/**
 * /follow/unsubscribe/:token — the link in every follow e-mail. GET only shows a button (mail
 * scanners follow links; they must not stop anything); POST stops: from that button, or from a
 * mail program's one-click unsubscribe (RFC 8058: a POST of "List-Unsubscribe=One-Click" to the
 * List-Unsubscribe address, with no cookies and no page).
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const view = await unsubscribeView(params.token ?? '')
  if (!view) return data({ state: 'invalid' as const, title: t('notifications:unsubscribe.invalidTitle'), view: null }, { status: 404 })
  return { state: view.active ? ('active' as const) : ('stopped' as const), title: t(view.active ? 'notifications:unsubscribe.title' : 'notifications:unsubscribe.doneTitle'), view }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  // The body is not needed, but reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const result = await unfollowByToken(params.token ?? '')
  if (result.kind === 'invalid') return data({ stopped: false }, { status: 404 })
  return { stopped: true }
}

export default function Unsubscribe() {
  const { state, title, view } = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('notifications')
  const stopped = state === 'stopped' || done?.stopped
  return (
    <section className="page narrow">
      <h1>{stopped ? t('unsubscribe.doneTitle') : title}</h1>
      {state === 'invalid' ? <p>{t('unsubscribe.invalidBody')}</p> : null}
      {stopped && view ? <p role="status">{t('unsubscribe.doneBody', { email: view.email })}</p> : null}
      {state === 'active' && !stopped && view ? (
        <Form method="post" className="stack">
          <p>{view.scope === 'daily' ? t('unsubscribe.questionDaily', { email: view.email }) : t('unsubscribe.question', { email: view.email, title: view.title })}</p>
          <button type="submit">{t('unsubscribe.submit')}</button>
        </Form>
      ) : null}
      <p>
        <Link to="/account/subscriptions">{t('account.title')}</Link>
      </p>
    </section>
  )
}
