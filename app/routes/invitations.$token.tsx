import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requestMeta } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { Field, FormMessage } from '../components/forms'
import { fail, parseForm, passwordMessage, redirectWithSession, type FormFailure } from '../modules/accounts/form.server'
import { acceptInvitation, invitationByToken, type InvitationState } from '../modules/city/invitations.server'
import { acceptSchema } from '../modules/city/schema'

/** /invitations/:token — a person invited as staff sets their name and password. */

const refusal: Record<Exclude<InvitationState, 'ok'>, number> = { invalid: 404, expired: 410, revoked: 410, used: 410 }

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const invitation = await invitationByToken(params.token ?? '')
  if (invitation.state !== 'ok') return data({ title: t('city:accept.title'), state: invitation.state, email: null }, { status: refusal[invitation.state] })
  return { title: t('city:accept.title'), state: invitation.state, email: invitation.email ?? null }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  const { t: pageT } = await translatorFor(request)
  const form = await parseForm(request, acceptSchema, pageT)
  if (!form.ok) return form.response
  const result = await acceptInvitation(params.token ?? '', form.data, requestMeta(request))
  if (result.kind === 'weakPassword') return fail(400, { password: [passwordMessage(result.problem, pageT)] }, form.fields)
  if (result.kind === 'emailTaken') return fail(409, { form: [pageT('city:invitations.accountExists')] }, form.fields)
  if (result.kind !== 'ok') {
    const state = result.kind === 'refused' ? 'used' : result.kind
    return fail(refusal[state], { form: [pageT(`city:accept.refused.${state}`)] }, form.fields)
  }
  return redirectWithSession('/account?welcome=staff', result.sessionToken)
}

export default function AcceptInvitation() {
  const { state, email } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as FormFailure | undefined
  const { t } = useTranslation('city')
  const e = failure?.errors ?? {}
  if (state !== 'ok') {
    return (
      <section className="page narrow">
        <h1>{t('accept.title')}</h1>
        <FormMessage tone="error">
          <p>{t(`accept.refused.${state}`)}</p>
        </FormMessage>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('accept.title')}</h1>
      <p>{t('accept.intro', { email })}</p>
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="displayName" label={t('accounts:fields.displayName')} autoComplete="name" required defaultValue={failure?.values.displayName} error={e.displayName?.[0]} />
        <Field name="password" type="password" label={t('accounts:fields.password')} hint={t('accounts:hints.password')} autoComplete="new-password" required error={e.password?.[0]} />
        <button type="submit">{t('accept.submit')}</button>
      </Form>
    </section>
  )
}
