import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requestMeta, requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field } from '../components/forms'
import { changePassword } from '../modules/accounts/accounts.server'
import { passwordChangeSchema } from '../modules/accounts/schema'
import { fail, parseForm, passwordMessage, redirectWithSession, type FormFailure } from '../modules/accounts/form.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request)
  const { t } = await translatorFor(request)
  return { title: t('accounts:passwordChange.title') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const form = await parseForm(request, passwordChangeSchema, t)
  if (!form.ok) return form.response
  const result = await changePassword(user.id, form.data, requestMeta(request))
  if (result.kind === 'wrongPassword') return fail(400, { currentPassword: [t('accounts:errors.passwordWrong')] })
  if (result.kind === 'weakPassword') return fail(400, { newPassword: [passwordMessage(result.problem, t)] })
  return redirectWithSession('/account?reset=1', result.sessionToken)
}

export default function ChangePassword() {
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('passwordChange.title')}</h1>
      <p>{t('passwordChange.intro')}</p>
      <Form method="post" noValidate className="stack">
        <Field name="currentPassword" type="password" label={t('fields.currentPassword')} autoComplete="current-password" error={failure?.errors.currentPassword?.[0]} />
        <Field name="newPassword" type="password" label={t('fields.newPassword')} hint={t('hints.password')} autoComplete="new-password" error={failure?.errors.newPassword?.[0]} />
        <button type="submit">{t('passwordChange.submit')}</button>
      </Form>
    </section>
  )
}
