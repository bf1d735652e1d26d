import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requestMeta, requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { areaNameById } from '../modules/geo/names.server'
import { Field, FormMessage } from '../components/forms'
import { verifyResidence } from '../modules/accounts/census.server'
import { verifySchema } from '../modules/accounts/schema'
import { fail, parseForm, type FormFailure } from '../modules/accounts/form.server'
import { cityProfile } from '../modules/geo/areas.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const city = await cityProfile()
  return { title: t('accounts:verify.title'), city: city?.name ?? 'Plaza', level: user.verificationLevel, emailConfirmed: user.emailConfirmed }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const form = await parseForm(request, verifySchema, t)
  if (!form.ok) return form.response
  const result = await verifyResidence(user.id, form.data, requestMeta(request).ip)
  switch (result.kind) {
    case 'needsEmail':
      return fail(403, { form: [t('accounts:errors.needsEmail')] }, form.fields)
    case 'throttled':
      return fail(429, { form: [t('accounts:errors.throttled', { minutes: Math.ceil(result.retryAfterSeconds / 60) })] }, form.fields)
    case 'noMatch':
      return fail(400, { form: [t('accounts:errors.noMatch')] }, form.fields)
    case 'alreadyUsed':
      return fail(409, { form: [t('accounts:errors.alreadyUsed')] }, form.fields)
  }
  return { verified: (await areaNameById(result.areaId)) ?? '' }
}

export default function VerifyResidence() {
  const { city, level } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { verified?: undefined }) | { verified: string; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('accounts')
  if (result?.verified) {
    return (
      <section className="page narrow">
        <h1>{t('verify.title')}</h1>
        <FormMessage tone="success">{t('verify.done', { area: result.verified })}</FormMessage>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('verify.title')}</h1>
      {level >= 2 ? <FormMessage tone="info">{t('verify.already')}</FormMessage> : null}
      <p>{t('verify.intro', { city })}</p>
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="document" label={t('fields.document')} hint={t('hints.document')} autoComplete="off" defaultValue={result?.values?.document} error={result?.errors?.document?.[0]} />
        <Field
          name="birthDate"
          type="date"
          label={t('fields.birthDate')}
          hint={t('hints.birthDate')}
          autoComplete="bday"
          defaultValue={result?.values?.birthDate}
          error={result?.errors?.birthDate?.[0]}
        />
        <button type="submit">{t('verify.submit')}</button>
      </Form>
    </section>
  )
}
