import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { areaTree, cityOverview } from '../modules/geo/areas.server'
import { itemTotalsByArea, listKinds } from '../modules/geo/map-index.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mapStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const [tree, overview, totals, kinds] = await Promise.all([areaTree(locale), cityOverview(locale), itemTotalsByArea(), listKinds()])
  return {
    title: t('geo:areas.title', { city: overview?.city.name ?? 'Plaza' }),
    locale,
    tree,
    totals: Object.fromEntries(totals),
    counting: kinds.length > 0,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export default function AreasIndex() {
  const { title, tree, totals, counting, locale } = useLoaderData<typeof loader>()
  const { t } = useTranslation('geo')
  const { decimal, integer } = formatters(locale)
  return (
    <section className="page areas-page">
      <h1>{title}</h1>
      <p>{t('areas.intro')}</p>
      <p>
        <Link to="/areas/locate">{t('areas.locateLink')}</Link> · <Link to="/map">{t('areas.mapLink')}</Link>
      </p>
      <ul className="area-tree">
        {tree.map((d, i) => (
          <li key={d.slug}>
            <h2 className="area-tree__district">
              <span className={`swatch swatch--${i % 8}`} aria-hidden="true" />
              <Link to={`/areas/${d.slug}`}>{d.name}</Link>
            </h2>
            <p className="area-tree__meta">
              {t('areas.km2', { value: decimal.format(d.areaKm2) })}
              {counting ? ` · ${t('areas.items', { count: totals[d.id] ?? 0, total: integer.format(totals[d.id] ?? 0) })}` : ''}
            </p>
            <ul className="area-tree__neighbourhoods">
              {d.neighbourhoods.map((n) => (
                <li key={n.slug}>
                  <Link to={`/areas/${n.slug}`}>{n.name}</Link>
                  {counting ? <span className="area-tree__count"> ({integer.format(totals[n.id] ?? 0)})</span> : null}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  )
}
