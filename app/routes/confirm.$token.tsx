import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { logger } from '../lib/logger.server'
import { Field, FormMessage } from '../components/forms'
import { confirmEmail, resendConfirmation } from '../modules/accounts/accounts.server'
import { emailOnlySchema } from '../modules/accounts/schema'
import { parseForm, type FormFailure } from '../modules/accounts/form.server'

// Following the e-mailed link confirms the address (a mail scanner that follows it first only
// proves what the link proves: that the mailbox received it).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const result = await confirmEmail(params.token ?? '')
  const state = result.kind
  return { state, title: t(`accounts:confirm.${state}Title`) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const form = await parseForm(request, emailOnlySchema, t)
  if (!form.ok) return form.response
  // Done after answering, so the answer takes as long for any address (no enumeration by timing).
  setImmediate(() => void resendConfirmation({ email: form.data.email }).catch((error) => logger().error({ err: error }, 'confirmation resend failed')))
  return { resent: true as const }
}

export default function Confirm() {
  const { state } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { resent?: undefined }) | { resent: true; errors?: undefined } | undefined
  const { t } = useTranslation('accounts')
  if (state === 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('confirm.okTitle')}</h1>
        <p>{t('confirm.okBody')}</p>
        <p>
          <Link to="/account">{t('confirm.continue')}</Link>
        </p>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t(`confirm.${state}Title`)}</h1>
      <p>{t(`confirm.${state}Body`)}</p>
      {result?.resent ? <FormMessage tone="success">{t('confirm.resent')}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="email" type="email" label={t('confirm.resendLabel')} autoComplete="email" error={result?.errors?.email?.[0]} defaultValue={result?.errors ? result.values.email : undefined} />
        <button type="submit">{t('confirm.resendSubmit')}</button>
      </Form>
    </section>
  )
}
