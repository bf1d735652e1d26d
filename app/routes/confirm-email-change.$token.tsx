import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { confirmEmailChange } from '../modules/accounts/accounts.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const state = (await confirmEmailChange(params.token ?? '')).kind
  const title = state === 'ok' ? t('accounts:emailChange.doneTitle') : state === 'emailTaken' ? t('accounts:errors.emailTaken') : t(`accounts:confirm.${state}Title`)
  return { state, title }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function ConfirmEmailChange() {
  const { state, title } = useLoaderData<typeof loader>()
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      {state === 'ok' ? <p>{t('emailChange.doneBody')}</p> : state === 'emailTaken' ? null : <p>{t(`confirm.${state}Body`)}</p>}
      <p>
        <Link to="/account">{t('confirm.continue')}</Link>
      </p>
    </section>
  )
}
