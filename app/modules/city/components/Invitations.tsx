import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { Role } from '../../../../db/schema'
import { Field, FormMessage, fieldIds } from '../../../components/forms'

/** Roles ticked on the invitation form: `role_admin`, `role_moderator`, `staff_<departmentId>`. */
export function readInvitedRoles(fields: Record<string, string>): Array<{ role: Role; departmentId: number | null }> {
  const roles: Array<{ role: Role; departmentId: number | null }> = []
  if (fields.role_admin === 'on') roles.push({ role: 'admin', departmentId: null })
  if (fields.role_moderator === 'on') roles.push({ role: 'moderator', departmentId: null })
  for (const [key, value] of Object.entries(fields)) {
    const m = /^staff_(\d{1,9})$/.exec(key)
    if (m && value === 'on') roles.push({ role: 'staff', departmentId: Number(m[1]) })
  }
  return roles
}

type Failure = { errors?: Record<string, string[] | undefined>; values?: Record<string, string>; done?: string; email?: string }

export function InviteForm({
  departments,
  languages,
  defaultLocale,
  result,
}: {
  departments: Array<{ id: number; name: string }>
  languages: readonly string[]
  defaultLocale: string
  result: Failure | undefined
}) {
  const { t } = useTranslation('city')
  const e = result?.errors ?? {}
  const v = result?.values ?? {}
  const locale = fieldIds('locale', { error: e.locale?.[0] })
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">{t('invitations.heading')}</h2>
      <p>{t('invitations.intro')}</p>
      {result?.done === 'invited' ? <FormMessage tone="success">{t('invitations.sent', { email: result.email })}</FormMessage> : null}
      {result?.done === 'revoked' ? <FormMessage tone="success">{t('invitations.revoked')}</FormMessage> : null}
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <input type="hidden" name="intent" value="invite" />
        <Field name="email" type="email" label={t('accounts:fields.email')} defaultValue={v.email} error={e.email?.[0]} />
        <fieldset aria-describedby={e.roles ? 'roles-error' : undefined}>
          <legend>{t('invitations.roles')}</legend>
          {e.roles ? (
            <p className="field-error" id="roles-error">
              {e.roles[0]}
            </p>
          ) : null}
          <label className="choice">
            <input type="checkbox" name="role_admin" defaultChecked={v.role_admin === 'on'} />
            {t('accounts:roles.admin')}
          </label>
          <label className="choice">
            <input type="checkbox" name="role_moderator" defaultChecked={v.role_moderator === 'on'} />
            {t('accounts:roles.moderator')}
          </label>
          {departments.map((d) => (
            <label key={d.id} className="choice">
              <input type="checkbox" name={`staff_${d.id}`} defaultChecked={v[`staff_${d.id}`] === 'on'} />
              {t('invitations.staffOf', { department: d.name })}
            </label>
          ))}
        </fieldset>
        <Field name="locale" label={t('invitations.language')} error={e.locale?.[0]}>
          <select id={locale.id} name="locale" defaultValue={v.locale ?? defaultLocale} aria-describedby={locale.described}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`common:language.${l}`)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">{t('invitations.submit')}</button>
      </Form>
    </section>
  )
}

export function InvitationList({
  invitations,
  departments,
  locale,
}: {
  invitations: Array<{ id: number; email: string; roles: Array<{ role: Role; departmentId: number | null }>; state: string; expiresAt: string }>
  departments: Array<{ id: number; name: string }>
  locale: string
}) {
  const { t } = useTranslation('city')
  if (invitations.length === 0) return null
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
  const roleName = (r: { role: Role; departmentId: number | null }) =>
    r.role === 'staff' ? t('invitations.staffOf', { department: departments.find((d) => d.id === r.departmentId)?.name ?? '?' }) : t(`accounts:roles.${r.role}`)
  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">{t('invitations.listHeading')}</h2>
      <div className="table-scroll">
        <table className="data-table cards">
          <thead>
            <tr>
              <th scope="col">{t('accounts:admin.email')}</th>
              <th scope="col">{t('invitations.roles')}</th>
              <th scope="col">{t('invitations.state')}</th>
              <th scope="col">{t('invitations.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td data-label={t('invitations.roles')}>{i.roles.map(roleName).join(', ')}</td>
                <td data-label={t('invitations.state')}>{i.state === 'ok' ? t('invitations.states.open', { date: date.format(new Date(i.expiresAt)) }) : t(`invitations.states.${i.state}`)}</td>
                <td data-label={t('invitations.actions')}>
                  {i.state === 'ok' ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="invitationId" value={i.id} />
                      <button type="submit" className="secondary" aria-label={`${t('invitations.revoke')}: ${i.email}`}>
                        {t('invitations.revoke')}
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
