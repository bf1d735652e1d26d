import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field, FormMessage } from '../components/forms'
import { requestEmailChange } from '../modules/accounts/accounts.server'
import { emailChangeSchema } from '../modules/accounts/schema'
import { fail, parseForm, type FormFailure } from '../modules/accounts/form.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request)
  const { t } = await translatorFor(request)
  return { title: t('accounts:emailChange.title') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const form = await parseForm(request, emailChangeSchema, t)
  if (!form.ok) return form.response
  const result = await requestEmailChange(user.id, form.data)
  if (result.kind === 'wrongPassword') return fail(400, { password: [t('accounts:errors.passwordWrong')] }, form.fields)
  if (result.kind === 'emailTaken') return fail(409, { newEmail: [t('accounts:errors.emailTaken')] }, form.fields)
  if (result.kind === 'same') return fail(400, { newEmail: [t('accounts:errors.sameEmail')] }, form.fields)
  return { sent: form.data.newEmail.toLowerCase() }
}

export default function ChangeEmail() {
  const result = useActionData<typeof action>() as (FormFailure & { sent?: undefined }) | { sent: string; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('emailChange.title')}</h1>
      {result?.sent ? (
        <FormMessage tone="success">{t('emailChange.sent', { email: result.sent })}</FormMessage>
      ) : (
        <>
          <p>{t('emailChange.intro')}</p>
          <Form method="post" noValidate className="stack">
            <Field name="newEmail" type="email" label={t('fields.newEmail')} autoComplete="email" defaultValue={result?.values?.newEmail} error={result?.errors?.newEmail?.[0]} />
            <Field name="password" type="password" label={t('fields.password')} autoComplete="current-password" error={result?.errors?.password?.[0]} />
            <button type="submit">{t('emailChange.submit')}</button>
          </Form>
        </>
      )}
    </section>
  )
}
