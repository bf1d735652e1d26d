import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { getUser, requestMeta } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { safeRedirectPath } from '../lib/forms'
import { Field, FormMessage } from '../components/forms'
import { logIn } from '../modules/accounts/accounts.server'
import { loginSchema } from '../modules/accounts/schema'
import { fail, parseForm, redirectWithSession, type FormFailure } from '../modules/accounts/form.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/account')
  if (await getUser(request)) throw redirect(redirectTo)
  const { t } = await translatorFor(request)
  return { title: t('accounts:login.title'), redirectTo }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const form = await parseForm(request, loginSchema, t)
  if (!form.ok) return form.response
  const current = await getUser(request)
  const result = await logIn(form.data, requestMeta(request), current?.sessionId)
  if (result.kind === 'throttled') {
    return fail(429, { form: [t('accounts:errors.throttled', { minutes: Math.ceil(result.retryAfterSeconds / 60) })] }, form.fields)
  }
  // One answer for an unknown address and a wrong password: nobody learns who has an account.
  if (result.kind === 'invalid') return fail(401, { form: [t('accounts:errors.loginInvalid')] }, form.fields)
  return redirectWithSession(safeRedirectPath(form.data.redirectTo, '/account'), result.sessionToken)
}

export default function LogIn() {
  const { redirectTo } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('accounts')
  const e = failure?.errors ?? {}
  return (
    <section className="page narrow">
      <h1>{t('login.title')}</h1>
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field name="email" type="email" label={t('fields.email')} autoComplete="username" required defaultValue={failure?.values.email} error={e.email?.[0]} />
        <Field name="password" type="password" label={t('fields.password')} autoComplete="current-password" required error={e.password?.[0]} />
        <button type="submit">{t('login.submit')}</button>
      </Form>
      <p>
        <Link to="/forgot-password">{t('login.forgot')}</Link>
      </p>
      <p>
        {t('login.noAccount')} <Link to="/signup">{t('login.signupLink')}</Link>
      </p>
    </section>
  )
}
