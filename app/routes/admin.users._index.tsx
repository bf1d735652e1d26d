import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { namesIn } from '../lib/localized.server'
import { findUsers, listDepartments } from '../modules/accounts/accounts.server'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { inviteStaff, listInvitations, revokeInvitation } from '../modules/city/invitations.server'
import { siteIdentity } from '../modules/city/identity.server'
import { inviteSchema, revokeInvitationSchema } from '../modules/city/schema'
import { cityErrors } from '../modules/city/form.server'
import { InviteForm, InvitationList, readInvitedRoles } from '../modules/city/components/Invitations'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:users')
  const { t, locale } = await translatorFor(request)
  const q = (new URL(request.url).searchParams.get('q') ?? '').slice(0, 200)
  const [rawUsers, rawDepartments, invitations, identity] = await Promise.all([findUsers(q), listDepartments(), listInvitations(), siteIdentity()])
  const name = namesIn(locale)
  const departments = rawDepartments.map((d) => ({ id: d.id, name: name(d.name) }))
  const users = rawUsers.map((u) => ({ ...u, roles: u.roles.map((r) => ({ ...r, department: r.department === null ? null : name(r.department) })) }))
  return { title: t('accounts:admin.usersTitle'), q, locale, users, departments, invitations, languages: identity.languages, defaultLocale: identity.defaultLocale }
}

/** Invite a person by e-mail with roles and departments, or revoke an open invitation. */
export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:users')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'revoke') {
    const parsed = revokeInvitationSchema.safeParse(fields)
    const result = parsed.success ? await revokeInvitation(admin.id, parsed.data.invitationId) : { kind: 'notFound' as const }
    if (result.kind === 'notFound') return fail(404, { form: [t('city:invitations.notFound')] })
    return { done: 'revoked' as const }
  }
  const parsed = inviteSchema.safeParse(fields)
  const roles = readInvitedRoles(fields)
  if (!parsed.success || roles.length === 0) {
    const errors = parsed.success ? {} : cityErrors(parsed.error, t)
    if (roles.length === 0) errors.roles = [t('city:invitations.rolesRequired')]
    return fail(400, errors, fields)
  }
  const result = await inviteStaff(admin.id, { email: parsed.data.email, roles, locale: parsed.data.locale })
  if (result.kind === 'accountExists') return fail(409, { email: [t('city:invitations.accountExists')] }, fields)
  if (result.kind === 'noSuchDepartment') return fail(400, { roles: [t('accounts:errors.departmentRequired')] }, fields)
  if (result.kind === 'noRoles') return fail(400, { roles: [t('city:invitations.rolesRequired')] }, fields)
  return { done: 'invited' as const, email: parsed.data.email }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function AdminUsers() {
  const { q, users, locale, departments, invitations, languages, defaultLocale } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { done?: undefined }) | { done: 'invited' | 'revoked'; email?: string; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('accounts')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
  return (
    <section className="page">
      <h1>{t('admin.usersTitle')}</h1>
      <Form method="get" className="search-form" role="search">
        <label htmlFor="user-search">{t('fields.search')}</label>
        <input id="user-search" name="q" type="search" defaultValue={q} />
        <button type="submit">{t('admin.search')}</button>
      </Form>
      {users.length === 0 ? (
        <p>{t('admin.noResults')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table cards">
            <thead>
              <tr>
                <th scope="col">{t('admin.name')}</th>
                <th scope="col">{t('admin.email')}</th>
                <th scope="col">{t('admin.level')}</th>
                <th scope="col">{t('admin.roles')}</th>
                <th scope="col">{t('admin.joined')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <Link to={`/admin/users/${u.id}`}>{u.display_name}</Link>
                    {u.deactivated_at ? ` (${t('city:staff.deactivatedMark')})` : null}
                  </td>
                  <td data-label={t('admin.email')}>{u.email}</td>
                  <td data-label={t('admin.level')}>{t(`account.levels.${u.verification_level}`)}</td>
                  <td data-label={t('admin.roles')}>{u.roles.map((r) => (r.department ? `${t(`roles.${r.role}`)} (${r.department})` : t(`roles.${r.role}`))).join(', ') || t('admin.none')}</td>
                  <td data-label={t('admin.joined')}>{date.format(new Date(u.created_at))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <InviteForm departments={departments} languages={languages} defaultLocale={defaultLocale} result={result} />
      <InvitationList invitations={invitations} departments={departments} locale={locale} />
    </section>
  )
}
