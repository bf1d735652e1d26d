import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { confirmAlert, type AlertScope } from '../modules/reports/alerts.server'

// Following the e-mailed link turns the alert on (a mail scanner that follows it first proves only
// what the link proves: that the mailbox received it). Every alert mail can stop it again.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const result = await confirmAlert(params.token ?? '')
  if (result.kind === 'invalid') return data({ state: 'invalid' as const, title: t('alerts:confirm.invalidTitle'), scope: null, unsubscribe: null }, { status: 404 })
  if (result.kind === 'cancelled') return { state: 'cancelled' as const, title: t('alerts:confirm.cancelledTitle'), scope: null, unsubscribe: null }
  return { state: 'ok' as const, title: t('alerts:confirm.okTitle'), scope: result.alert.scope, unsubscribe: result.unsubscribePath }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

function describe(t: (key: string, options?: Record<string, unknown>) => string, scope: AlertScope) {
  if (scope.kind === 'radius') return t('scope.radius', { radius: scope.radiusM, latitude: scope.lat, longitude: scope.lng })
  if (scope.level === 'city') return t('scope.city', { name: scope.name })
  return t(scope.level === 'district' ? 'scope.district' : 'scope.area', { name: scope.name })
}

export default function ConfirmAlert() {
  const { state, title, scope, unsubscribe } = useLoaderData<typeof loader>()
  const { t } = useTranslation('alerts')
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      {state === 'ok' && scope ? (
        <>
          <p>{t('confirm.okBody', { scope: describe(t as never, scope) })}</p>
          <p>{t('confirm.howToStop')}</p>
          {unsubscribe ? (
            <p>
              <Link to={unsubscribe}>{t('confirm.stopNow')}</Link>
            </p>
          ) : null}
        </>
      ) : null}
      {state === 'cancelled' ? <p>{t('confirm.cancelledBody')}</p> : null}
      {state === 'invalid' ? <p>{t('confirm.invalidBody')}</p> : null}
      <p>
        <Link to="/alerts">{t('backToAlerts')}</Link>
      </p>
    </section>
  )
}
