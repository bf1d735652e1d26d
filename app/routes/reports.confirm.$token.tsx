import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { confirmReport } from '../modules/reports/reports.server'

// The logged-out reporter's e-mailed link: following it makes the report public (as with account
// confirmation, a mail scanner following it first proves only that the mailbox received it).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const result = await confirmReport(params.token ?? '')
  if (result.kind === 'ok') return redirect(`/reports/${result.id}?done=confirmed`)
  const { t } = await translatorFor(request)
  return data({ title: t('reports:confirm.invalidTitle') }, { status: 404 })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function ConfirmReport() {
  useLoaderData<typeof loader>()
  const { t } = useTranslation('reports')
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
