import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { confirmEmailChange, emailTokenState } from '../modules/accounts/accounts.server'

/**
 * /confirm-email-change/:token — the link mailed to the new address. Opening it (GET) changes
 * nothing and shows one button (mail scanners open links, issue 18); the button's POST changes
 * the address.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const state = await emailTokenState(params.token ?? '', 'change_email')
  const title = state === 'ok' ? t('accounts:emailChange.askTitle') : t(`accounts:confirm.${state}Title`)
  return data({ state, title }, { headers: { 'Cache-Control': 'no-store' } })
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Nothing in the body is needed; reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const state = (await confirmEmailChange(params.token ?? '')).kind
  return data({ state }, { status: state === 'ok' ? 200 : state === 'emailTaken' ? 409 : state === 'invalid' ? 404 : 410, headers: { 'Cache-Control': 'no-store' } })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmEmailChange() {
  const loaded = useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('accounts')
  if (!done && loaded.state === 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('emailChange.askTitle')}</h1>
        <p>{t('emailChange.askBody')}</p>
        <Form method="post">
          <button type="submit">{t('emailChange.askSubmit')}</button>
        </Form>
      </section>
    )
  }
  const state = done?.state ?? loaded.state
  const title = state === 'ok' ? t('emailChange.doneTitle') : state === 'emailTaken' ? t('errors.emailTaken') : t(`confirm.${state}Title`)
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      {state === 'ok' ? <p role="status">{t('emailChange.doneBody')}</p> : state === 'emailTaken' ? null : <p>{t(`confirm.${state}Body`)}</p>}
      <p>
        <Link to="/account">{t('confirm.continue')}</Link>
      </p>
    </section>
  )
}
