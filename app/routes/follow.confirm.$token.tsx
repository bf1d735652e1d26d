import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { confirmFollow } from '../modules/notifications/follow.server'

// Following the e-mailed link starts the subscription (a mail scanner that follows it first proves
// only what the link proves: that the mailbox received it). Every mail it brings can stop it.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const result = await confirmFollow(params.token ?? '')
  if (result.kind === 'invalid') return data({ ok: false as const, title: t('notifications:confirm.invalidTitle'), subscription: null, unsubscribe: null }, { status: 404 })
  const s = result.subscription
  return { ok: true as const, title: t('notifications:confirm.okTitle'), subscription: { title: s.title, url: s.url, mode: s.mode }, unsubscribe: result.unsubscribePath }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmFollow() {
  const { ok, title, subscription, unsubscribe } = useLoaderData<typeof loader>()
  const { t } = useTranslation('notifications')
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      {ok && subscription ? (
        <>
          <p role="status">
            {t('confirm.okBody', { title: subscription.title, mode: t(`modes.${subscription.mode}`) })} <Link to={subscription.url}>{subscription.title}</Link>
          </p>
          {unsubscribe ? (
            <p>
              <Link to={unsubscribe}>{t('confirm.stop')}</Link>
            </p>
          ) : null}
        </>
      ) : (
        <p>{t('confirm.invalidBody')}</p>
      )}
    </section>
  )
}
