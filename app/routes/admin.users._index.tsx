import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../lib/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { findUsers } from '../modules/accounts/accounts.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:users')
  const { t, locale } = await translatorFor(request)
  const q = (new URL(request.url).searchParams.get('q') ?? '').slice(0, 200)
  const users = await findUsers(q)
  return { title: t('accounts:admin.usersTitle'), q, locale, users }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function AdminUsers() {
  const { q, users, locale } = useLoaderData<typeof loader>()
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
        <table className="data-table">
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
                </td>
                <td>{u.email}</td>
                <td>{t(`account.levels.${u.verification_level}`)}</td>
                <td>{u.roles.map((r) => (r.department ? `${t(`roles.${r.role}`)} (${r.department})` : t(`roles.${r.role}`))).join(', ') || t('admin.none')}</td>
                <td>{date.format(new Date(u.created_at))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
