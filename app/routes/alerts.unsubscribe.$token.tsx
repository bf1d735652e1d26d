import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { alertByToken, cancelAlert, type AlertScope } from '../modules/reports/alerts.server'

/**
 * /alerts/unsubscribe/:token — the link in every alert e-mail. GET only shows a button (mail
 * scanners follow links; they must not stop anyone's alerts); POST stops the alert: from that
 * button, or from a mail program's one-click unsubscribe (RFC 8058: a POST of
 * "List-Unsubscribe=One-Click" to the List-Unsubscribe address, with no cookies and no page).
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const alert = await alertByToken(params.token ?? '')
  if (!alert) return data({ state: 'invalid' as const, title: t('alerts:unsubscribe.invalidTitle'), scope: null, email: null }, { status: 404 })
  if (alert.cancelled) return { state: 'stopped' as const, title: t('alerts:unsubscribe.doneTitle'), scope: alert.scope, email: alert.email }
  return { state: 'active' as const, title: t('alerts:unsubscribe.title'), scope: alert.scope, email: alert.email }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  // The body is not needed (the button sends nothing; RFC 8058 sends List-Unsubscribe=One-Click),
  // but reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const result = await cancelAlert(params.token ?? '')
  if (result.kind === 'invalid') return data({ stopped: false }, { status: 404 })
  return { stopped: true }
}

function describe(t: (key: string, options?: Record<string, unknown>) => string, scope: AlertScope) {
  if (scope.kind === 'radius') return t('scope.radius', { radius: scope.radiusM, latitude: scope.lat, longitude: scope.lng })
  if (scope.level === 'city') return t('scope.city', { name: scope.name })
  return t(scope.level === 'district' ? 'scope.district' : 'scope.area', { name: scope.name })
}

export default function Unsubscribe() {
  const { state, title, scope, email } = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('alerts')
  const stopped = state === 'stopped' || done?.stopped
  return (
    <section className="page narrow">
      <h1>{stopped ? t('unsubscribe.doneTitle') : title}</h1>
      {state === 'invalid' ? <p>{t('unsubscribe.invalidBody')}</p> : null}
      {stopped && scope ? <p role="status">{t('unsubscribe.doneBody', { scope: describe(t as never, scope), email })}</p> : null}
      {state === 'active' && !stopped && scope ? (
        <Form method="post" className="stack">
          <p>{t('unsubscribe.question', { scope: describe(t as never, scope), email })}</p>
          <button type="submit">{t('unsubscribe.submit')}</button>
        </Form>
      ) : null}
      <p>
        <Link to="/alerts">{t('backToAlerts')}</Link>
      </p>
    </section>
  )
}
