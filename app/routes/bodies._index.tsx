import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { listBodies } from '../modules/foi/bodies.server'
import { bodyStatistics } from '../modules/foi/foi.server'
import { StatsTable } from '../modules/foi/components/stats-table'

/** /bodies — the public bodies people can ask, and how each answers (issue 22). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const [bodies, stats] = await Promise.all([listBodies(locale), bodyStatistics(locale)])
  return {
    title: t('foi:bodies.title'),
    bodies: bodies.map((b) => ({ id: b.id, name: b.name, category: b.category, areaName: b.areaName, parentName: b.parentName, law: b.law, canAsk: Boolean(b.email) })),
    stats,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function Bodies() {
  const { bodies, stats } = useLoaderData<typeof loader>()
  const { t } = useTranslation('foi')
  return (
    <section className="page">
      <h1>{t('bodies.title')}</h1>
      <p>{t('bodies.intro')}</p>
      <p>
        <Link to="/information-requests">{t('bodies.requests')}</Link>
      </p>
      {bodies.length === 0 ? (
        <p>{t('bodies.none')}</p>
      ) : (
        <ul className="card-list" data-testid="foi-bodies">
          {bodies.map((b) => (
            <li key={b.id} className="card">
              <h2 className="card__title">
                <Link to={`/bodies/${b.id}`}>{b.name}</Link>
              </h2>
              <p>{[b.category, b.areaName, b.parentName ? t('bodies.partOf', { parent: b.parentName }) : null, t(`laws.${b.law}.short`)].filter(Boolean).join(' · ')}</p>
            </li>
          ))}
        </ul>
      )}
      <h2>{t('stats.title')}</h2>
      <p>{t('stats.intro')}</p>
      <StatsTable rows={stats} caption={t('stats.caption')} />
    </section>
  )
}
