import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { safeRedirectPath } from '../lib/forms'
import { Field, FormMessage } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { signUp } from '../modules/accounts/accounts.server'
import { signupSchema } from '../modules/accounts/schema'
import { fail, parseForm, passwordMessage, type FormFailure } from '../modules/accounts/form.server'
import { cityProfile } from '../modules/geo/areas.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect('/account')
  const { t } = await translatorFor(request)
  const city = await cityProfile()
  const url = new URL(request.url)
  const sent = url.searchParams.get('sent') === '1'
  return { title: t(sent ? 'accounts:signup.sentTitle' : 'accounts:signup.title'), city: city?.name ?? 'Plaza', redirectTo: url.searchParams.get('redirectTo') ?? '', sent }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const form = await parseForm(request, signupSchema, t)
  if (!form.ok) return form.response
  const result = await signUp({ ...form.data, locale })
  if (result.kind === 'weakPassword') return fail(400, { password: [passwordMessage(result.problem, t)] }, form.fields)
  // The same answer whether or not the address already has an account (its owner gets a mail).
  const next = safeRedirectPath(form.data.redirectTo, '/account')
  return redirect(`/signup?sent=1&redirectTo=${encodeURIComponent(next)}`, 303)
}

export default function SignUp() {
  const { city, redirectTo, sent } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('accounts')
  const e = failure?.errors ?? {}
  if (sent) {
    return (
      <section className="page narrow">
        <h1>{t('signup.sentTitle')}</h1>
        <FormMessage tone="success">{t('signup.sentBody')}</FormMessage>
        <p>{t('signup.sentNext')}</p>
        <p>
          <Link to={`/login?redirectTo=${encodeURIComponent(safeRedirectPath(redirectTo, '/account'))}`}>{t('signup.loginLink')}</Link>
        </p>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('signup.title')}</h1>
      <p>{t('signup.intro', { city })}</p>
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <HoneypotField />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field name="email" type="email" label={t('fields.email')} autoComplete="email" required defaultValue={failure?.values.email} error={e.email?.[0]} />
        <Field
          name="displayName"
          label={t('fields.displayName')}
          hint={t('hints.displayName')}
          autoComplete="nickname"
          required
          defaultValue={failure?.values.displayName}
          error={e.displayName?.[0]}
        />
        <Field name="password" type="password" label={t('fields.password')} hint={t('hints.password')} autoComplete="new-password" required error={e.password?.[0]} />
        <button type="submit">{t('signup.submit')}</button>
      </Form>
      <p>
        {t('signup.haveAccount')} <Link to="/login">{t('signup.loginLink')}</Link>
      </p>
    </section>
  )
}
