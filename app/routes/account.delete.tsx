import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field } from '../components/forms'
import { deleteAccount } from '../modules/accounts/accounts.server'
import { deleteSchema } from '../modules/accounts/schema'
import { fail, parseForm, redirectClearingSession, type FormFailure } from '../modules/accounts/form.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request)
  const { t } = await translatorFor(request)
  return { title: t('accounts:delete.title') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const form = await parseForm(request, deleteSchema, t)
  if (!form.ok) return form.response
  const result = await deleteAccount(user.id, form.data.password)
  if (result.kind === 'wrongPassword') return fail(400, { password: [t('accounts:errors.passwordWrong')] })
  return redirectClearingSession('/account/deleted')
}

export default function DeleteAccount() {
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('delete.title')}</h1>
      <p>{t('delete.intro')}</p>
      <Form method="post" noValidate className="stack">
        <Field name="password" type="password" label={t('fields.password')} autoComplete="current-password" error={failure?.errors.password?.[0]} />
        <button type="submit" className="danger">
          {t('delete.submit')}
        </button>
      </Form>
    </section>
  )
}
