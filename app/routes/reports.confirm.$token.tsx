import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { confirmReport } from '../modules/reports/reports.server'

/**
 * The logged-out reporter's e-mailed link. Opening it (GET) only shows one button: mail scanners
 * open links, and a link they open must publish nothing (issue 18). The button POSTs and the
 * report becomes public. Links in mails sent before this change lead to the same page.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  return data({ title: t('reports:confirm.askTitle') }, { headers: { 'Cache-Control': 'no-store' } })
}

export async function action({ request, params }: ActionFunctionArgs) {
  await readForm(request)
  const result = await confirmReport(params.token ?? '')
  if (result.kind === 'ok') return redirect(`/reports/${result.id}?done=confirmed`, 303)
  const { t } = await translatorFor(request)
  return data({ invalid: true as const, title: t('reports:confirm.invalidTitle') }, { status: 404 })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmReport() {
  useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('reports')
  if (!done) {
    return (
      <section className="page narrow">
        <h1>{t('confirm.askTitle')}</h1>
        <p>{t('confirm.askBody')}</p>
        <Form method="post">
          <button type="submit">{t('confirm.askSubmit')}</button>
        </Form>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('confirm.invalidTitle')}</h1>
      <p>{t('confirm.invalidBody')}</p>
      <p>
        <Link to="/reports/new">{t('confirm.again')}</Link>
      </p>
    </section>
  )
}
