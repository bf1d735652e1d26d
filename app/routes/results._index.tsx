import { data as withHeaders, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { formatMoney, RESULT_STATUSES } from '../modules/processes/phases'
import { areaChoices, listProcesses, processRecord } from '../modules/processes/processes.server'
import { listResults, locatedResults, summaryByArea } from '../modules/processes/results.server'
import { cityBounds } from '../modules/geo/areas.server'
import { clockInjected } from '../modules/processes/clock.server'
import type { ResultStatus } from '../../db/schema'
import { Progress, ResultsMap } from '../modules/processes/components/parts'
import styles from '../modules/processes/components/processes.css'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

// Public: anonymous readers may get a copy up to 5 seconds old, as on /proposals (the page cache only
// stores pages of visitors without a session; not while a test injects the processes' clock).
const CACHE_SECONDS = 5
export const headers: HeadersFunction = ({ loaderHeaders }) => {
  const seconds = loaderHeaders.get('Plaza-Page-Cache')
  return seconds ? { 'Plaza-Page-Cache': seconds } : new Headers()
}

/**
 * /results — accountability: every result (winning projects, accepted proposals, petitions with a
 * committed response) with its status and progress, filtered by area, process and status (a plain
 * GET form), a progress summary per area, and links to the dataset and the feed. `?view=map` draws
 * the located results the same filters pick on the city's map (an inline SVG over /areas.svg: no
 * JavaScript), each dot coloured by status, with the same results listed beside it.
 */
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'alternate', type: 'application/rss+xml', href: '/feeds/results.rss', title: 'Results' },
]

const AFTER_RE = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d{1,12})$/

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const areaRaw = url.searchParams.get('area') ?? ''
  const statusRaw = url.searchParams.get('status') ?? ''
  const processSlug = url.searchParams.get('process') ?? ''
  const areaId = /^\d{1,9}$/.test(areaRaw) ? Number(areaRaw) : null
  const status = (RESULT_STATUSES as readonly string[]).includes(statusRaw) ? (statusRaw as ResultStatus) : null
  const process = processSlug ? await processRecord({ slug: processSlug }) : null
  const processId = process?.published ? process.id : null
  const afterMatch = AFTER_RE.exec(url.searchParams.get('after') ?? '')
  const after = afterMatch ? { updatedAt: afterMatch[1]!, id: Number(afterMatch[2]) } : null
  // The map view: the located results the same filters pick, drawn on the city's map.
  const view = url.searchParams.get('view') === 'map' ? 'map' : 'list'
  const [page, summary, areas, processes, map] = await Promise.all([
    view === 'list' ? listResults({ areaId, processId, status }, locale, after) : { items: [], next: null },
    summaryByArea({ processId, status }, locale),
    areaChoices(locale),
    listProcesses(locale),
    view === 'map' ? Promise.all([locatedResults({ areaId, processId, status }), cityBounds()]).then(([located, bounds]) => ({ ...located, bounds })) : null,
  ])
  const filterParams = {
    ...(areaId ? { area: String(areaId) } : {}),
    ...(status ? { status } : {}),
    ...(processId ? { process: processSlug } : {}),
  }
  const next = page.next ? new URLSearchParams({ ...filterParams, after: `${page.next.updatedAt}_${page.next.id}` }).toString() : null
  return withHeaders(
    {
      title: t('processes:results.title'),
      results: page.items,
      next,
      summary,
      areas,
      processes: processes.map((p) => ({ slug: p.slug, title: p.title })),
      filter: { area: areaId ? String(areaId) : '', status: status ?? '', process: processId ? processSlug : '' },
      view,
      listUrl: `/results${Object.keys(filterParams).length ? `?${new URLSearchParams(filterParams)}` : ''}`,
      mapUrl: `/results?${new URLSearchParams({ ...filterParams, view: 'map' })}`,
      map,
    },
    clockInjected() ? undefined : { headers: { 'Plaza-Page-Cache': String(CACHE_SECONDS) } },
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function Results() {
  const d = useLoaderData<typeof loader>()
  const { t, i18n } = useTranslation('processes')
  const money = (cents: number) => formatMoney(cents, 'EUR', i18n.language)
  return (
    <section className="page">
      <h1>{t('results.title')}</h1>
      <p>{t('results.intro')}</p>
      <Form method="get" className="stack" aria-label={t('results.filters')}>
        <label htmlFor="filter-area">{t('results.area')}</label>
        <select id="filter-area" name="area" defaultValue={d.filter.area}>
          <option value="">{t('results.any')}</option>
          {d.areas.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <label htmlFor="filter-process">{t('results.process')}</label>
        <select id="filter-process" name="process" defaultValue={d.filter.process}>
          <option value="">{t('results.any')}</option>
          {d.processes.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.title}
            </option>
          ))}
        </select>
        <label htmlFor="filter-status">{t('results.status')}</label>
        <select id="filter-status" name="status" defaultValue={d.filter.status}>
          <option value="">{t('results.any')}</option>
          {RESULT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
        {d.view === 'map' ? <input type="hidden" name="view" value="map" /> : null}
        <div className="actions">
          <button type="submit">{t('results.apply')}</button>
        </div>
      </Form>
      <nav aria-label={t('results.views')} className="results-views">
        <a href={d.listUrl} aria-current={d.view === 'list' ? 'page' : undefined}>
          {t('results.listView')}
        </a>{' '}
        ·{' '}
        <a href={d.mapUrl} aria-current={d.view === 'map' ? 'page' : undefined} data-testid="results-map-link">
          {t('results.mapView')}
        </a>
      </nav>
      <h2 id="results-summary">{t('results.summary')}</h2>
      {d.summary.length === 0 ? (
        <p>{t('results.none')}</p>
      ) : (
        // Scrolls sideways on a narrow screen: reachable by keyboard (axe: scrollable-region-focusable).
        <div className="table-scroll" role="region" aria-labelledby="results-summary" tabIndex={0}>
          <table className="processes-table" data-testid="area-summary">
            <thead>
              <tr>
                <th scope="col">{t('results.area')}</th>
                <th scope="col">{t('results.count')}</th>
                <th scope="col">{t('results.done')}</th>
                <th scope="col">{t('results.progress')}</th>
                <th scope="col">{t('results.spentOf')}</th>
              </tr>
            </thead>
            <tbody>
              {d.summary.map((s) => (
                <tr key={s.areaId ?? 0}>
                  <th scope="row">{s.areaName ?? t('results.wholeCity')}</th>
                  <td>{s.results}</td>
                  <td>{s.done}</td>
                  <td>{s.progress}%</td>
                  <td>
                    {money(s.spent)} / {money(s.budget)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.map ? (
        <ResultsMap located={d.map.items} total={d.map.total} bounds={d.map.bounds} />
      ) : (
        <>
          <h2>{t('results.list')}</h2>
          <ul className="result-list" data-testid="results">
            {d.results.map((r) => (
              <li key={r.id}>
                <Link to={`/results/${r.id}`}>{r.title}</Link>
                <br />
                {t(`status.${r.status}`)} · <Progress value={r.progress} label={t('results.progressOf', { title: r.title })} />
                {r.areaName ? ` · ${r.areaName}` : ''}
                {r.processTitle ? ` · ${r.processTitle}` : ''}
              </li>
            ))}
          </ul>
          {d.next ? (
            <p>
              <Link to={`/results?${d.next}`}>{t('results.more')}</Link>
            </p>
          ) : null}
        </>
      )}
      <p>
        <a href="/data/results.csv">{t('results.dataset')}</a> · <a href="/feeds/results.rss">{t('results.feed')}</a>
      </p>
    </section>
  )
}
