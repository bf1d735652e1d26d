import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requestMeta } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field, FormMessage } from '../components/forms'
import { checkResetToken, resetPassword } from '../modules/accounts/accounts.server'
import { resetSchema } from '../modules/accounts/schema'
import { fail, parseForm, passwordMessage, redirectWithSession, type FormFailure } from '../modules/accounts/form.server'

// Showing the form uses nothing up; the token is spent only when the new password is saved.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const state = (await checkResetToken(params.token ?? '')).kind
  return { state, title: t(state === 'ok' ? 'accounts:reset.title' : `accounts:confirm.${state}Title`) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const form = await parseForm(request, resetSchema, t)
  if (!form.ok) return form.response
  const result = await resetPassword(params.token ?? '', form.data.password, requestMeta(request))
  if (result.kind === 'weakPassword') return fail(400, { password: [passwordMessage(result.problem, t)] })
  if (result.kind !== 'ok') return fail(410, { form: [t(`accounts:confirm.${result.kind}Body`)] })
  return redirectWithSession('/account?reset=1', result.sessionToken)
}

export default function ResetPassword() {
  const { state } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('accounts')
  if (state !== 'ok') {
    return (
      <section className="page narrow">
        <h1>{t(`confirm.${state}Title`)}</h1>
        <p>{t(`confirm.${state}Body`)}</p>
        <p>
          <Link to="/forgot-password">{t('reset.requestNew')}</Link>
        </p>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('reset.title')}</h1>
      <p>{t('reset.intro')}</p>
      {failure?.errors.form ? <FormMessage tone="error">{failure.errors.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="password" type="password" label={t('fields.newPassword')} hint={t('hints.password')} autoComplete="new-password" error={failure?.errors.password?.[0]} />
        <button type="submit">{t('reset.submit')}</button>
      </Form>
    </section>
  )
}
