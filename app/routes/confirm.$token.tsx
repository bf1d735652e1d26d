import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { logger } from '../lib/logger.server'
import { Field, FormMessage } from '../components/forms'
import { confirmEmail, emailTokenState, resendConfirmation } from '../modules/accounts/accounts.server'
import { emailOnlySchema } from '../modules/accounts/schema'
import { parseForm, type FormFailure } from '../modules/accounts/form.server'

/**
 * /confirm/:token — the link in the sign-up mail. Opening it (GET) only says what the link would do
 * and shows one button: mail scanners open links, and a link they open must confirm nothing
 * (issue 18). The button POSTs `intent=confirm`; a link that no longer works offers a new one.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const state = await emailTokenState(params.token ?? '', 'confirm_email')
  const title = state === 'ok' ? t('accounts:confirm.askTitle') : t(`accounts:confirm.${state}Title`)
  return data({ state, title }, { headers: { 'Cache-Control': 'no-store' } })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }, { name: 'robots', content: 'noindex' }]

type ActionResult =
  | (FormFailure & { resent?: undefined; confirmed?: undefined })
  | { resent: true; errors?: undefined; confirmed?: undefined }
  | { confirmed: 'ok' | 'invalid' | 'expired' | 'used'; resent?: undefined; errors?: undefined }

export async function action({ request, params }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const intent = (await readForm(request.clone())).get('intent')
  if (intent === 'confirm') {
    const result = await confirmEmail(params.token ?? '')
    return data({ confirmed: result.kind }, { status: result.kind === 'ok' ? 200 : result.kind === 'invalid' ? 404 : 410, headers: { 'Cache-Control': 'no-store' } })
  }
  const form = await parseForm(request, emailOnlySchema, t)
  if (!form.ok) return form.response
  // Done after answering, so the answer takes as long for any address (no enumeration by timing).
  setImmediate(() => void resendConfirmation({ email: form.data.email }).catch((error) => logger().error({ err: error }, 'confirmation resend failed')))
  return { resent: true as const }
}

export default function Confirm() {
  const loaded = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('accounts')
  const state = result?.confirmed ?? loaded.state
  if (state === 'ok' && result?.confirmed === 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('confirm.okTitle')}</h1>
        <FormMessage tone="success">{t('confirm.okBody')}</FormMessage>
        <p>
          <Link to="/account">{t('confirm.continue')}</Link>
        </p>
      </section>
    )
  }
  if (state === 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('confirm.askTitle')}</h1>
        <p>{t('confirm.askBody')}</p>
        <Form method="post">
          <input type="hidden" name="intent" value="confirm" />
          <button type="submit">{t('confirm.askSubmit')}</button>
        </Form>
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
