import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { stopPetitionUpdates, updatesSubscription } from '../modules/petitions/petitions.server'

/**
 * /petitions/:id/unsubscribe/:token — the link in every update about a petition (the council's
 * response, the debate). GET only shows a button (mail scanners follow links); POST stops the
 * updates for that signature: from the button, or a mail program's RFC 8058 one-click POST.
 */

const idOf = (value: string | undefined) => (/^\d{1,12}$/.test(value ?? '') ? Number(value) : 0)

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const id = idOf(params.id)
  const found = await updatesSubscription(id, params.token ?? '')
  if (found.kind === 'invalid') return data({ id, state: 'invalid' as const, title: t('petitions:unsubscribe.invalidTitle'), petition: null }, { status: 404 })
  return { id, state: found.kind === 'ok' ? ('active' as const) : ('stopped' as const), title: t('petitions:unsubscribe.title'), petition: found.title }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  await readForm(request)
  const result = await stopPetitionUpdates(idOf(params.id), params.token ?? '')
  if (result.kind === 'invalid') return data({ stopped: false }, { status: 404 })
  return { stopped: true }
}

export default function PetitionUnsubscribe() {
  const { id, state, title, petition } = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('petitions')
  const stopped = state === 'stopped' || done?.stopped
  return (
    <section className="page narrow">
      <h1>{stopped ? t('unsubscribe.doneTitle') : title}</h1>
      {state === 'invalid' ? <p>{t('unsubscribe.invalidBody')}</p> : null}
      {stopped && petition ? (
        <p role="status" data-testid="unsubscribed">
          {t('unsubscribe.doneBody', { title: petition })}
        </p>
      ) : null}
      {state === 'active' && !stopped && petition ? (
        <Form method="post" className="stack">
          <p>{t('unsubscribe.question', { title: petition })}</p>
          <button type="submit">{t('unsubscribe.submit')}</button>
        </Form>
      ) : null}
      {state !== 'invalid' ? (
        <p>
          <Link to={`/petitions/${id}`}>{t('backToPetition')}</Link>
        </p>
      ) : null}
    </section>
  )
}
