import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { namesIn } from '../lib/localized.server'
import { useNames } from '../components/useNames'
import mapStyles from '../styles/map.css'
import proposalStyles from '../modules/proposals/components/proposals.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { areaBySlug, areaOptions, cityBounds } from '../modules/geo/areas.server'
import { draftsOf, listProposals, popularTags, proposalCategories, supportThreshold } from '../modules/proposals/proposals.server'
import { listQuerySchema, SORTS, STATE_FILTERS } from '../modules/proposals/schema'
import { activeStates, publicStates } from '../modules/proposals/states'
import { proposalCardHtml, type CardWords } from '../modules/proposals/components/ProposalParts'
import { AreaSelect } from '../components/AreaSelect'
import { itemFeedLinks } from '../modules/notifications/feeds'

/**
 * /proposals — public proposals sorted by hot (default), most supported or newest, filtered by
 * area (a district includes its neighbourhoods), tag, category and state, searched with FTS5
 * (`q`), 20 a page, beside a map of the located ones. One GET form: every view is a shareable URL
 * and works without JavaScript.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: proposalStyles },
]

// Nothing here needs React (issue 18): the filters are a GET form, the rest links (ADR 140).
export const handle = { hydrate: false }

/** /map showing the proposals in these states (and category), as the list. */
function mapLink(states: string[], category: string) {
  const q = new URLSearchParams({ filtered: '1', layers: 'proposals' })
  for (const s of states) q.append('status', s)
  if (category) q.set('category', category)
  return `/map?${q}`
}

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const query = listQuerySchema.parse(Object.fromEntries(url.searchParams))
  const areaLocale = await localeOf(request)
  const [{ t, locale }, user, area] = await Promise.all([translatorFor(request), getUser(request), query.area ? areaBySlug(query.area, areaLocale) : null])
  const q = query.q?.slice(0, 200)
  const [result, categories, areas, bounds, tags, threshold, drafts] = await Promise.all([
    listProposals({
      q,
      sort: query.sort,
      area: area ? { id: area.id, level: area.level } : undefined,
      tag: query.tag,
      categoryCode: query.category,
      state: query.state,
      page: query.page,
    }),
    proposalCategories(),
    areaOptions(locale),
    cityBounds(),
    popularTags(),
    supportThreshold(),
    user ? draftsOf(user.id) : Promise.resolve([]),
  ])
  // An unknown area matches nothing (rather than everything).
  const unknownArea = Boolean(query.area && !area)
  const filter = {
    q: q ?? '',
    sort: query.sort && (query.sort !== 'relevance' || q) ? query.sort : '',
    area: area ? area.slug : '',
    tag: query.tag ?? '',
    category: categories.some((c) => c.code === query.category) ? query.category! : '',
    state: query.state ?? '',
  }
  const states = query.state === 'all' ? publicStates : !query.state || query.state === 'active' ? activeStates : [query.state]
  return {
    title: t('proposals:list.title'),
    locale,
    filter,
    items: unknownArea ? [] : result.items.map((p) => ({ ...p, categoryName: p.categoryName === null ? null : namesIn(locale)(p.categoryName) })),
    total: unknownArea ? 0 : result.total,
    page: result.page,
    pages: unknownArea ? 1 : result.pages,
    sort: result.sort,
    threshold,
    categories: categories.map((c) => ({ code: c.code, name: namesIn(locale)(c.name) })),
    areas,
    tags,
    drafts,
    loggedIn: Boolean(user),
    deleted: url.searchParams.get('deleted') === '1',
    bounds: area?.bbox ?? bounds,
    mapStates: [...states],
    sorts: SORTS.filter((s) => s !== 'relevance' || q),
    stateFilters: [...STATE_FILTERS],
  }
}

// Public: anonymous readers may get a copy up to 5 seconds old.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

// Feed readers find the feeds of this list (issue 10).
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ''} · Plaza` },
  ...itemFeedLinks('proposals', { area: data?.filter.area, category: data?.filter.category }, data?.title ?? ''),
]

export default function ProposalsList() {
  const data = useLoaderData<typeof loader>()
  const { t } = useTranslation('proposals')
  const n = useNames()
  const query = (changes: Record<string, string | number>) => {
    const q = new URLSearchParams(Object.entries(data.filter).filter((e): e is [string, string] => Boolean(e[1])))
    for (const [k, v] of Object.entries(changes)) {
      if (v === '' || v === 1) q.delete(k)
      else q.set(k, String(v))
    }
    const s = q.toString()
    return s ? `/proposals?${s}` : '/proposals'
  }
  const words = { t: t as CardWords['t'], n, locale: data.locale, threshold: data.threshold }
  const cardsHtml = data.items.map((p) => proposalCardHtml(p, words)).join('')
  return (
    <div className="page proposals-page">
      <div className="page-heading">
        <h1>{data.title}</h1>
        <p>
          <Link to="/proposals/new" className="button">
            {t('list.new')}
          </Link>
        </p>
      </div>
      <p className="proposals-page__intro">{t('list.intro', { threshold: data.threshold, count: data.threshold })}</p>
      {data.deleted ? <FormMessage tone="success">{t('done.deleted')}</FormMessage> : null}
      {data.drafts.length ? (
        <section aria-labelledby="drafts-heading" className="proposals-page__drafts">
          <h2 id="drafts-heading">{t('list.drafts')}</h2>
          <ul className="link-list">
            {data.drafts.map((d) => (
              <li key={d.id}>
                <Link to={`/proposals/${d.id}`}>{d.title}</Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <Form method="get" className="filters" role="search" aria-label={t('list.filters')}>
        <div className="field proposals-page__search">
          <label htmlFor="filter-q">{t('list.search')}</label>
          <input id="filter-q" name="q" type="search" defaultValue={data.filter.q} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="filter-sort">{t('list.sort')}</label>
          <select id="filter-sort" name="sort" defaultValue={data.filter.sort}>
            <option value="">{data.filter.q ? t('sorts.relevance') : t('sorts.hot')}</option>
            {data.sorts
              .filter((s) => s !== (data.filter.q ? 'relevance' : 'hot'))
              .map((s) => (
                <option key={s} value={s}>
                  {t(`sorts.${s}`)}
                </option>
              ))}
          </select>
        </div>
        <AreaSelect id="filter-area" label={t('list.area')} areas={data.areas} value={data.filter.area} anyLabel={t('list.anyArea')} wholeDistrict={(name) => t('list.wholeDistrict', { name })} />
        <div className="field">
          <label htmlFor="filter-category">{t('list.category')}</label>
          <select id="filter-category" name="category" defaultValue={data.filter.category}>
            <option value="">{t('list.anyCategory')}</option>
            {data.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {n(c.name)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-state">{t('list.state')}</label>
          <select id="filter-state" name="state" defaultValue={data.filter.state}>
            {data.stateFilters.map((s) => (
              <option key={s} value={s === 'active' ? '' : s}>
                {t(`stateFilters.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {data.filter.tag ? <input type="hidden" name="tag" value={data.filter.tag} /> : null}
        <button type="submit">{t('list.apply')}</button>
      </Form>
      {data.filter.tag ? (
        <p>
          {t('list.taggedWith', { tag: data.filter.tag })} <Link to={query({ tag: '', page: 1 })}>{t('list.clearTag')}</Link>
        </p>
      ) : data.tags.length ? (
        <nav aria-label={t('list.popularTags')} className="proposals-page__tags">
          {data.tags.map((tag) => (
            <Link key={tag.tag} to={query({ tag: tag.tag, page: 1 })} className="pill">
              {`#${tag.tag}`}
            </Link>
          ))}
        </nav>
      ) : null}
      <div className="proposals-page__grid">
        <section aria-labelledby="proposals-list-heading">
          <h2 id="proposals-list-heading" data-testid="proposals-total">
            {data.filter.q ? t('list.found', { count: data.total, q: data.filter.q }) : t('list.count', { count: data.total })}
          </h2>
          {data.items.length === 0 ? <p>{t('list.empty')}</p> : null}
          {/* The 20 cards as text (ADR 159): the bytes React wrote, at a fraction of its CPU. */}
          <ul className="proposal-list" dangerouslySetInnerHTML={{ __html: cardsHtml }} />
          {data.pages > 1 ? (
            <nav aria-label={t('list.pages')} className="pagination">
              {data.page > 1 ? <Link to={query({ page: data.page - 1 })}>{t('list.previous')}</Link> : null}
              <span>{t('list.pageOf', { page: data.page, pages: data.pages })}</span>
              {data.page < data.pages ? <Link to={query({ page: data.page + 1 })}>{t('list.next')}</Link> : null}
            </nav>
          ) : null}
        </section>
        {data.bounds ? (
          // The page is sent without React (handle.hydrate = false): the city's picture leads to the
          // interactive map with the proposals layer and this list's filters.
          <div className="proposals-page__map map-frame">
            <a href={mapLink(data.mapStates, data.filter.category)}>
              <img className="map-fallback" src="/areas.svg" alt={t('list.mapLink')} />
            </a>
          </div>
        ) : null}
      </div>
    </div>
  )
}
