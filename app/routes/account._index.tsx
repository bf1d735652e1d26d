import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { supportedLocales } from '../lib/i18n'
import { areaNameById } from '../modules/geo/names.server'
import { Field, FormMessage } from '../components/forms'
import { resendConfirmation, updateProfile, userRoles } from '../modules/accounts/accounts.server'
import { profileSchema } from '../modules/accounts/schema'
import { parseForm, type FormFailure } from '../modules/accounts/form.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const homeArea = user.homeAreaId ? await areaNameById(user.homeAreaId) : null
  const roles = await userRoles(user.id)
  const url = new URL(request.url)
  return {
    title: t('accounts:account.title'),
    user: { email: user.email, displayName: user.displayName, emailConfirmed: user.emailConfirmed, level: user.verificationLevel, locale: user.locale },
    homeArea,
    roles: roles.map((r) => ({ role: r.role, department: r.department })),
    flags: { welcome: url.searchParams.has('welcome'), reset: url.searchParams.has('reset') },
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const url = new URL(request.url)
  if (url.searchParams.get('do') === 'resend') {
    await resendConfirmation({ userId: user.id })
    return { done: 'resent' as const }
  }
  const form = await parseForm(request, profileSchema, t)
  if (!form.ok) return form.response
  await updateProfile(user.id, { displayName: form.data.displayName, locale: form.data.locale ? form.data.locale : null })
  return { done: 'saved' as const }
}

export default function Account() {
  const { user, homeArea, roles, flags } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { done?: undefined }) | { done: 'saved' | 'resent'; errors?: undefined } | undefined
  const { t } = useTranslation('accounts')
  const n = useNames()
  return (
    <section className="page narrow">
      <h1>{t('account.title')}</h1>
      {!user.emailConfirmed ? (
        <FormMessage tone="info">
          <p>{t('pending.body', { email: user.email })}</p>
          {result?.done === 'resent' ? (
            <p>{t('pending.resent')}</p>
          ) : (
            <Form method="post" action="/account?do=resend&index">
              <button type="submit">{t('pending.resend')}</button>
            </Form>
          )}
        </FormMessage>
      ) : null}
      {flags.reset ? <FormMessage tone="success">{t('passwordChange.done')}</FormMessage> : null}
      <dl className="summary">
        <div>
          <dt>{t('account.email')}</dt>
          <dd>
            {user.email} {!user.emailConfirmed ? <em>({t('account.unconfirmed')})</em> : null}
          </dd>
        </div>
        <div>
          <dt>{t('account.level')}</dt>
          <dd data-testid="verification-level">{t(`account.levels.${user.level}`)}</dd>
        </div>
        <div>
          <dt>{t('account.homeArea')}</dt>
          <dd>{homeArea ?? t('account.none')}</dd>
        </div>
        {roles.length ? (
          <div>
            <dt>{t('account.roles')}</dt>
            <dd>{roles.map((r) => (r.department ? `${t(`roles.${r.role}`)} (${n(r.department)})` : t(`roles.${r.role}`))).join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      {user.level < 2 ? (
        <p>
          <Link to="/account/verify">{t('account.verifyLink')}</Link>
        </p>
      ) : null}

      <p>
        <Link to="/account/activity" className="button">
          {t('activity.link')}
        </Link>
      </p>

      <h2>{t('account.profileTitle')}</h2>
      {result?.done === 'saved' ? <FormMessage tone="success">{t('account.saved')}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <Field name="displayName" label={t('fields.displayName')} defaultValue={result?.errors ? result.values.displayName : user.displayName} error={result?.errors?.displayName?.[0]} />
        <Field name="locale" label={t('fields.language')}>
          <select id="field-locale" name="locale" defaultValue={user.locale ?? ''}>
            <option value="">{t('account.languageDefault')}</option>
            {supportedLocales.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`common:language.${l}`)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">{t('account.save')}</button>
      </Form>

      <h2>{t('account.security')}</h2>
      <ul className="link-list">
        <li>
          <Link to="/account/email">{t('account.changeEmail')}</Link>
        </li>
        <li>
          <Link to="/account/delegations">{t('votes:delegations.title')}</Link>
        </li>
        <li>
          <Link to="/account/subscriptions">{t('notifications:account.link')}</Link>
        </li>
        <li>
          <Link to="/account/password">{t('account.changePassword')}</Link>
        </li>
        <li>
          <a href="/account/data.json" download>
            {t('account.downloadData')}
          </a>
        </li>
        <li>
          <Link to="/account/delete">{t('account.deleteAccount')}</Link>
        </li>
      </ul>
    </section>
  )
}
