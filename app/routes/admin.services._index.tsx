import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { cityProfile } from '../modules/geo/areas.server'
import { servicesAdmin } from '../modules/services/admin.server'
import { servicesOverview } from '../modules/services/services.server'

/** /admin/services — a city's services: departments, categories, routing, names (admin:settings). */

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const [counts, city] = await Promise.all([servicesOverview(), cityProfile()])
  return { title: t('services:title'), counts, city: city?.name ?? 'Plaza' }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function ServicesOverview() {
  const { counts, city } = useLoaderData<typeof loader>()
  const { t } = useTranslation('services')
  const links: Array<[string, string]> = [
    ['/admin/services/departments', t('overview.departments', { count: counts.departments })],
    ['/admin/services/categories', t('overview.categories', { count: counts.categories })],
    ['/admin/services/routing', t('overview.routing', { count: counts.routes })],
    ['/admin/services/states', t('overview.states', { count: counts.states })],
    ['/council/templates', t('overview.templates', { count: counts.templates })],
    ['/admin/services/topics/proposal', t('overview.proposalCategories', { count: counts.proposalCategories })],
    ['/admin/services/topics/petition', t('overview.petitionCategories', { count: counts.petitionCategories })],
    ['/admin/representatives/levels', t('overview.levels', { count: counts.levels })],
    ['/admin/representatives', t('overview.roles')],
  ]
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin">{t('accounts:hub.adminHub')}</Link>
      </p>
      <h1>{t('title')}</h1>
      <p>{t('intro', { city })}</p>
      <ul className="link-list">
        {links.map(([to, label]) => (
          <li key={to}>
            <Link to={to}>{label}</Link>
          </li>
        ))}
      </ul>
    </section>
  )
}
