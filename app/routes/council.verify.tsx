import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field, FormMessage } from '../components/forms'
import { verifyInPerson } from '../modules/accounts/census.server'
import { inPersonSchema } from '../modules/accounts/schema'
import { fail, parseForm, type FormFailure } from '../modules/accounts/form.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'user:verify')
  const { t } = await translatorFor(request)
  return { title: t('accounts:council.verifyTitle') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requirePermission(request, 'user:verify')
  const { t } = await translatorFor(request)
  const form = await parseForm(request, inPersonSchema, t)
  if (!form.ok) return form.response
  const result = await verifyInPerson(staff.id, form.data)
  if (result.kind === 'noSuchUser') return fail(404, { email: [t('accounts:errors.noSuchUser')] }, form.fields)
  if (result.kind === 'noMatch') return fail(400, { form: [t('accounts:errors.noMatch')] }, form.fields)
  if (result.kind === 'alreadyUsed') return fail(409, { form: [t('accounts:errors.alreadyUsed')] }, form.fields)
  if (result.kind === 'throttled') return fail(429, { form: [t('accounts:errors.throttled', { minutes: Math.ceil(result.retryAfterSeconds / 60) })] }, form.fields)
  return { verified: form.data.email }
}

export default function CouncilVerify() {
  const result = useActionData<typeof action>() as (FormFailure & { verified?: undefined }) | { verified: string; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('council.verifyTitle')}</h1>
      <p>{t('council.verifyIntro')}</p>
      {result?.verified ? <FormMessage tone="success">{t('council.verified', { email: result.verified })}</FormMessage> : null}
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="email" type="email" label={t('fields.userEmail')} defaultValue={result?.values?.email} error={result?.errors?.email?.[0]} />
        <Field name="document" label={t('fields.document')} autoComplete="off" defaultValue={result?.values?.document} error={result?.errors?.document?.[0]} />
        <Field name="birthDate" type="date" label={t('fields.birthDate')} hint={t('hints.birthDate')} defaultValue={result?.values?.birthDate} error={result?.errors?.birthDate?.[0]} />
        <button type="submit">{t('council.verifySubmit')}</button>
      </Form>
    </section>
  )
}
