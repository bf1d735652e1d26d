import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { alertByToken, alertUnsubscribePath, confirmAlert, type AlertScope } from '../modules/reports/alerts.server'

/**
 * /alerts/confirm/:token — the link in the confirmation mail. Opening it (GET) starts nothing and
 * shows one button: mail scanners open links (issue 18). The button's POST turns the alert on;
 * every alert mail can stop it again.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const token = params.token ?? ''
  const alert = await alertByToken(token)
  const headers = { 'Cache-Control': 'no-store' }
  if (!alert) return data({ state: 'invalid' as const, title: t('alerts:confirm.invalidTitle'), scope: null, unsubscribe: null }, { status: 404, headers })
  if (alert.cancelled) return data({ state: 'cancelled' as const, title: t('alerts:confirm.cancelledTitle'), scope: null, unsubscribe: null }, { headers })
  if (alert.confirmed) return data({ state: 'ok' as const, title: t('alerts:confirm.okTitle'), scope: alert.scope, unsubscribe: alertUnsubscribePath(token) }, { headers })
  return data({ state: 'ask' as const, title: t('alerts:confirm.askTitle'), scope: alert.scope, unsubscribe: null }, { headers })
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Nothing in the body is needed; reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const result = await confirmAlert(params.token ?? '')
  const headers = { 'Cache-Control': 'no-store' }
  if (result.kind === 'invalid') return data({ state: 'invalid' as const, scope: null, unsubscribe: null }, { status: 404, headers })
  if (result.kind === 'cancelled') return data({ state: 'cancelled' as const, scope: null, unsubscribe: null }, { headers })
  return data({ state: 'ok' as const, scope: result.alert.scope, unsubscribe: result.unsubscribePath }, { headers })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

function describe(t: (key: string, options?: Record<string, unknown>) => string, scope: AlertScope) {
  if (scope.kind === 'radius') return t('scope.radius', { radius: scope.radiusM, latitude: scope.lat, longitude: scope.lng })
  if (scope.level === 'city') return t('scope.city', { name: scope.name })
  return t(scope.level === 'district' ? 'scope.district' : 'scope.area', { name: scope.name })
}

export default function ConfirmAlert() {
  const loaded = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { state, scope, unsubscribe } = done ?? loaded
  const { t } = useTranslation('alerts')
  const title = state === 'ask' ? t('confirm.askTitle') : state === 'ok' ? t('confirm.okTitle') : state === 'cancelled' ? t('confirm.cancelledTitle') : t('confirm.invalidTitle')
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      {state === 'ask' && scope ? (
        <Form method="post" className="stack">
          <p>{t('confirm.askBody', { scope: describe(t as never, scope) })}</p>
          <button type="submit">{t('confirm.askSubmit')}</button>
        </Form>
      ) : null}
      {state === 'ok' && scope ? (
        <>
          <p role="status">{t('confirm.okBody', { scope: describe(t as never, scope) })}</p>
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
