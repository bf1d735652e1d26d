import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { can } from '../modules/accounts/policy'
import { cityProfile } from '../modules/geo/areas.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'admin:access')
  const { t } = await translatorFor(request)
  const city = await cityProfile()
  return { title: t('accounts:hub.adminHub'), city: city?.name ?? 'Plaza', tools: { users: can(user, 'admin:users'), census: can(user, 'admin:census'), apiKeys: can(user, 'admin:settings') } }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function AdminHub() {
  const { city, tools } = useLoaderData<typeof loader>()
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('hub.adminHub')}</h1>
      <p>{t('hub.adminIntro', { city })}</p>
      <ul className="link-list">
        {tools.users ? (
          <li>
            <Link to="/admin/users">{t('admin.usersTitle')}</Link>
          </li>
        ) : null}
        {tools.census ? (
          <li>
            <Link to="/admin/census">{t('admin.censusTitle')}</Link>
          </li>
        ) : null}
        {tools.apiKeys ? (
          <>
            <li>
              <Link to="/admin/identity">{t('city:identity.title')}</Link>
            </li>
            <li>
              <Link to="/admin/settings">{t('city:settings.title')}</Link>
              <Link to="/admin/services">{t('services:hubLink')}</Link>
            </li>
            <li>
              <Link to="/admin/configuration">{t('configuration:title')}</Link>
            </li>
            <li>
              <Link to="/admin/votes">{t('votesAdmin:title')}</Link>
            </li>
            <li>
              <Link to="/admin/api-keys">{t('open311:admin.title')}</Link>
            </li>
            <li>
              <Link to="/admin/delivery">{t('delivery:admin.title')}</Link>
            </li>
            <li>
              <Link to="/admin/basemap">{t('basemap:admin.title')}</Link>
            </li>
            <li>
              <Link to="/admin/representatives">{t('representatives:admin.hubLink')}</Link>
            </li>
            <li>
              <Link to="/embed">{t('embed:admin.hubLink')}</Link>
            </li>
            <li>
              <Link to="/admin/areas">{t('areasAdmin:title')}</Link>
            </li>
          </>
        ) : null}
        <li>
          <Link to="/admin/letters">{t('letters:admin.hubLink')}</Link>
        </li>
      </ul>
    </section>
  )
}
