import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { translatorFor } from '../lib/i18n.server'
import { PlazaMap } from '../components/map/PlazaMap'
import { areaBySlug, areaOptions, cityBounds } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { listPublicReports, reportCategories, reportStateLabels } from '../modules/reports/reports.server'
import { reportFilterSchema } from '../modules/reports/schema'
import { StateBadge } from '../modules/reports/components/ReportParts'
import { reportFeedLinks } from '../modules/reports/feeds'
import { AreaSelect } from '../components/AreaSelect'

/**
 * /reports — every public report as a list and on the map, filtered by area, category, status and
 * age. A GET form: filters make shareable URLs and work without JavaScript.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

const PAGE_SIZE = 20

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const filter = reportFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const [areas, categories, bounds, states, area] = await Promise.all([
    areaOptions(locale),
    reportCategories(locale),
    cityBounds(),
    reportStateLabels(locale, (code) => t(`reports:states.${code}`)),
    filter.area ? areaBySlug(filter.area, locale) : null,
  ])
  const category = categories.find((c) => c.code === filter.category)
  const page = filter.page ?? 1
  const { items, total } = await listPublicReports(
    {
      areaId: filter.area ? (area?.id ?? -1) : undefined,
      categoryCode: category?.code,
      kind: filter.status,
      maxAgeDays: filter.age ? Number(filter.age) : undefined,
      page,
      pageSize: PAGE_SIZE,
    },
    locale,
  )
  const labels = states
  return {
    title: t('reports:list.title'),
    locale,
    filter: { area: area ? filter.area : undefined, category: category?.code, status: filter.status, age: filter.age },
    areas,
    categories: categories.map((c) => ({ code: c.code, name: c.name })),
    items,
    total,
    page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    labels,
    config: mapClientConfig(),
    bounds: area?.bbox ?? bounds,
    highlight: area ? filter.area : null,
    since: filter.age ? new Date(Date.now() - Number(filter.age) * 86_400_000).toISOString().slice(0, 10) : undefined,
  }
}

// Public: anonymous readers may get a copy up to 5 seconds old.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ''} · Plaza` },
  ...reportFeedLinks({ area: data?.filter.area, category: data?.filter.category }, data?.title ?? 'Reports'),
]

export default function ReportsList() {
  const data = useLoaderData<typeof loader>()
  const { t } = useTranslation('reports')
  const date = new Intl.DateTimeFormat(data.locale, { dateStyle: 'medium', timeZone: 'UTC' })
  const pageLink = (p: number) => {
    const q = new URLSearchParams(Object.entries(data.filter).filter((e): e is [string, string] => Boolean(e[1])))
    if (p > 1) q.set('page', String(p))
    return `/reports?${q}`
  }
  return (
    <div className="page reports-page">
      <div className="page-heading">
        <h1>{data.title}</h1>
        <p>
          <Link to="/reports/new" className="button">
            {t('list.new')}
          </Link>{' '}
          <Link to="/alerts">{t('list.alerts')}</Link> · <a href="/feeds/reports.rss">{t('list.feed')}</a>
        </p>
      </div>
      <Form method="get" className="filters" role="search" aria-label={t('list.filters')}>
        <AreaSelect id="filter-area" label={t('list.area')} areas={data.areas} value={data.filter.area} anyLabel={t('list.anyArea')} wholeDistrict={(name) => t('list.wholeDistrict', { name })} />
        <div className="field">
          <label htmlFor="filter-category">{t('list.category')}</label>
          <select id="filter-category" name="category" defaultValue={data.filter.category ?? ''}>
            <option value="">{t('list.anyCategory')}</option>
            {data.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">{t('list.status')}</label>
          <select id="filter-status" name="status" defaultValue={data.filter.status ?? ''}>
            <option value="">{t('list.anyStatus')}</option>
            <option value="open">{t('kinds.open')}</option>
            <option value="fixed">{t('kinds.fixed')}</option>
            <option value="closed">{t('kinds.closed')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-age">{t('list.age')}</label>
          <select id="filter-age" name="age" defaultValue={data.filter.age ?? ''}>
            <option value="">{t('list.anyAge')}</option>
            {['7', '30', '90', '365'].map((d) => (
              <option key={d} value={d}>
                {t('list.lastDays', { count: Number(d) })}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('list.apply')}</button>
      </Form>
      <div className="reports-page__grid">
        <section aria-labelledby="reports-list-heading">
          <h2 id="reports-list-heading" data-testid="reports-total">
            {t('list.count', { count: data.total })}
          </h2>
          {data.items.length === 0 ? <p>{t('list.empty')}</p> : null}
          <ul className="report-list">
            {data.items.map((r) => (
              <li key={r.id} className="report-card">
                <h3 className="report-card__title">
                  <Link to={`/reports/${r.id}`}>{r.title}</Link>
                </h3>
                <p className="report-card__meta">
                  <StateBadge kind={r.stateKind} label={data.labels[r.state] ?? r.state} /> · {r.categoryName}
                  {r.areaName ? ` · ${r.areaName}` : ''} · <time dateTime={r.createdAt}>{date.format(new Date(r.createdAt))}</time>
                  {r.supports ? ` · ${t('supports', { count: r.supports })}` : ''}
                </p>
              </li>
            ))}
          </ul>
          {data.pages > 1 ? (
            <nav aria-label={t('list.pages')} className="pagination">
              {data.page > 1 ? <Link to={pageLink(data.page - 1)}>{t('list.previous')}</Link> : null}
              <span>{t('list.pageOf', { page: data.page, pages: data.pages })}</span>
              {data.page < data.pages ? <Link to={pageLink(data.page + 1)}>{t('list.next')}</Link> : null}
            </nav>
          ) : null}
        </section>
        {data.bounds ? (
          <PlazaMap
            config={data.config}
            bounds={data.bounds}
            label={t('list.mapLabel')}
            highlight={data.highlight}
            filter={{ layers: ['reports'], status: data.filter.status ? [data.filter.status] : undefined, category: data.filter.category ? [data.filter.category] : undefined, since: data.since }}
            className="reports-page__map"
            fallback={<p className="map-fallback__text">{t('list.mapNoScript')}</p>}
          />
        ) : null}
      </div>
    </div>
  )
}
