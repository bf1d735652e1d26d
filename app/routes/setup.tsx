import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requestMeta } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { translatedErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { Field, FormMessage } from '../components/forms'
import { fail, passwordMessage, redirectWithSession, type FormFailure } from '../modules/accounts/form.server'
import { completeSetup, setupTokenState, type SetupTokenState } from '../modules/city/setup.server'
import { readLanguages, setupSchema } from '../modules/city/schema'
import { normaliseLanguages } from '../modules/city/policy'
import { LanguageChoice } from '../modules/city/components/LocalizedFields'

/**
 * /setup: the first run of an empty installation, with the one-time link from the server's log.
 * Closed (404) once an administrator exists; a wrong or old link is refused with what to do.
 */

const refusalStatus: Record<Exclude<SetupTokenState, 'ok'>, number> = { closed: 404, invalid: 403, expired: 410 }

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const token = new URL(request.url).searchParams.get('token') ?? ''
  const state = await setupTokenState(token)
  const title = t('city:setup.title')
  if (state !== 'ok') return data({ title, state, token: '', locale }, { status: refusalStatus[state] })
  return { title, state, token, locale }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const state = await setupTokenState(fields.token)
  if (state !== 'ok') return fail(refusalStatus[state], { form: [t(`city:setup.refused.${state}`)] }, fields)
  const parsed = setupSchema.safeParse(fields)
  const languages = normaliseLanguages(readLanguages(fields), fields.defaultLocale ?? '')
  if (!parsed.success || !languages) {
    const errors = parsed.success ? {} : translatedErrors(parsed.error, t)
    if (!languages) errors.languages = [t('city:errors.languages')]
    return fail(400, errors, fields)
  }
  const result = await completeSetup(
    fields.token!,
    {
      email: parsed.data.email,
      displayName: parsed.data.displayName,
      password: parsed.data.password,
      cityName: parsed.data.cityName,
      ...languages,
      languages: languages.languages,
    },
    requestMeta(request),
  )
  if (result.kind === 'weakPassword') return fail(400, { password: [passwordMessage(result.problem, t)] }, fields)
  if (result.kind === 'emailTaken') return fail(409, { email: [t('accounts:errors.emailTaken')] }, fields)
  if (result.kind !== 'ok')
    return fail(refusalStatus[result.kind === 'refused' ? 'closed' : result.kind], { form: [t(`city:setup.refused.${result.kind === 'refused' ? 'closed' : result.kind}`)] }, fields)
  return redirectWithSession('/admin?welcome=1', result.sessionToken)
}

export default function Setup() {
  const { state, token, locale } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('city')
  const e = failure?.errors ?? {}
  const v = failure?.values ?? {}
  if (state !== 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('setup.title')}</h1>
        <FormMessage tone="error">
          <p>{t(`setup.refused.${state}`)}</p>
        </FormMessage>
      </section>
    )
  }
  const enabled = ['en', 'es', 'fr'].filter((l) => (failure ? v[`language_${l}`] === 'on' : true))
  return (
    <section className="page narrow">
      <h1>{t('setup.title')}</h1>
      <p>{t('setup.intro')}</p>
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <input type="hidden" name="token" value={token} />
        <h2>{t('setup.cityHeading')}</h2>
        <Field name="cityName" label={t('fields.cityName')} hint={t('hints.cityName')} required defaultValue={v.cityName} error={e.cityName?.[0]} />
        <LanguageChoice enabled={enabled} defaultLocale={v.defaultLocale ?? locale} error={e.languages?.[0]} />
        <h2>{t('setup.adminHeading')}</h2>
        <Field name="email" type="email" label={t('accounts:fields.email')} autoComplete="email" required defaultValue={v.email} error={e.email?.[0]} />
        <Field name="displayName" label={t('accounts:fields.displayName')} autoComplete="name" required defaultValue={v.displayName} error={e.displayName?.[0]} />
        <Field name="password" type="password" label={t('accounts:fields.password')} hint={t('accounts:hints.password')} autoComplete="new-password" required error={e.password?.[0]} />
        <button type="submit">{t('setup.submit')}</button>
      </Form>
    </section>
  )
}
