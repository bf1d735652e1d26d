import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { logger } from '../lib/logger.server'
import { Field, FormMessage } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { requestPasswordReset } from '../modules/accounts/accounts.server'
import { emailOnlySchema } from '../modules/accounts/schema'
import { parseForm, type FormFailure } from '../modules/accounts/form.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  return { title: t('accounts:forgot.title') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const form = await parseForm(request, emailOnlySchema, t)
  if (!form.ok) return form.response
  // Done after answering, so the answer takes as long for any address (no enumeration by timing).
  setImmediate(() => void requestPasswordReset(form.data.email, locale).catch((error) => logger().error({ err: error }, 'password reset request failed')))
  // The same answer whether or not the address has an account.
  return { sent: true as const }
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>() as (FormFailure & { sent?: undefined }) | { sent: true; errors?: undefined } | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('forgot.title')}</h1>
      {result?.sent ? (
        <FormMessage tone="success">{t('forgot.sent')}</FormMessage>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <Form method="post" noValidate className="stack">
            <HoneypotField />
            <Field name="email" type="email" label={t('fields.email')} autoComplete="email" error={result?.errors?.email?.[0]} defaultValue={result?.errors ? result.values.email : undefined} />
            <button type="submit">{t('forgot.submit')}</button>
          </Form>
        </>
      )}
    </section>
  )
}
