import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import petitionStyles from '../components/petitions/petitions.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { PetitionCard, PetitionStateBadge } from '../components/petitions/PetitionParts'
import { listPetitions, unpublishedOf } from '../modules/petitions/petitions.server'
import { petitionCategories } from '../modules/services/services.server'
import { isListFilter, isListSort, listFilters, listSorts } from '../modules/petitions/states'
import { itemFeedLinks } from '../modules/notifications/feeds'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

/**
 * /petitions — published petitions: open (default), closed, awaiting a response, responded,
 * debated or all; searched with FTS5 (`q`); sorted by most signatures (default) or newest; 20 a
 * page. One GET form: every view is a shareable URL and works without JavaScript. A logged-in
 * person also sees their own petitions that are not public yet.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: petitionStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const state = isListFilter(url.searchParams.get('state')) ? (url.searchParams.get('state') as (typeof listFilters)[number]) : 'open'
  const sort = isListSort(url.searchParams.get('sort')) ? (url.searchParams.get('sort') as (typeof listSorts)[number]) : 'signatures'
  const q = (url.searchParams.get('q') ?? '').slice(0, 200)
  const pageParam = Number(url.searchParams.get('page') ?? '1')
  const page = Number.isSafeInteger(pageParam) && pageParam > 0 && pageParam < 100_000 ? pageParam : 1
  const [{ t, locale }, user] = await Promise.all([translatorFor(request), getUser(request)])
  const categories = await petitionCategories(locale)
  // An unknown category code is ignored (the whole list), never an error page.
  const category = categories.some((c) => c.code === url.searchParams.get('category')) ? url.searchParams.get('category')! : ''
  const [result, mine] = await Promise.all([listPetitions({ q, state, sort, page, category: category || undefined }), user ? unpublishedOf(user.id) : Promise.resolve([])])
  return {
    title: t('petitions:list.title'),
    locale,
    filter: { q, state, sort, category },
    categories,
    ...result,
    mine,
    deleted: url.searchParams.get('deleted') === '1',
  }
}

// Public: anonymous readers may get a copy up to 5 seconds old.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

// Feed readers find the feeds of this list (issue 10).
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, ...itemFeedLinks('petitions', {}, data?.title ?? '')]

export default function PetitionsList() {
  const data = useLoaderData<typeof loader>()
  const { t } = useTranslation('petitions')
  const query = (changes: Record<string, string | number>) => {
    const q = new URLSearchParams()
    const all = {
      q: data.filter.q,
      state: data.filter.state === 'open' ? '' : data.filter.state,
      sort: data.filter.sort === 'signatures' ? '' : data.filter.sort,
      category: data.filter.category,
      page: data.page,
      ...changes,
    }
    for (const [k, v] of Object.entries(all)) if (v !== '' && !(k === 'page' && v === 1)) q.set(k, String(v))
    const s = q.toString()
    return s ? `/petitions?${s}` : '/petitions'
  }
  return (
    <div className="page petitions-page">
      <div className="page-heading">
        <h1>{data.title}</h1>
        <p>
          <Link to="/petitions/new" className="button">
            {t('list.new')}
          </Link>
        </p>
      </div>
      <p>{t('list.intro')}</p>
      {data.deleted ? <FormMessage tone="success">{t('done.deleted')}</FormMessage> : null}
      {data.mine.length ? (
        <section aria-labelledby="mine-heading">
          <h2 id="mine-heading">{t('list.mine')}</h2>
          <ul className="link-list">
            {data.mine.map((m) => (
              <li key={m.id}>
                <Link to={`/petitions/${m.id}`}>{m.title}</Link> <PetitionStateBadge state={m.state} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <Form method="get" className="filters" role="search" aria-label={t('list.filters')}>
        <div className="field petitions-page__search">
          <label htmlFor="filter-q">{t('list.search')}</label>
          <input id="filter-q" name="q" type="search" defaultValue={data.filter.q} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="filter-state">{t('list.state')}</label>
          <select id="filter-state" name="state" defaultValue={data.filter.state}>
            {listFilters.map((s) => (
              <option key={s} value={s}>
                {t(`filters.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {data.categories.length ? (
          <div className="field">
            <label htmlFor="filter-category">{t('list.category')}</label>
            <select id="filter-category" name="category" defaultValue={data.filter.category}>
              <option value="">{t('list.allCategories')}</option>
              {data.categories.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="filter-sort">{t('list.sort')}</label>
          <select id="filter-sort" name="sort" defaultValue={data.filter.sort}>
            {listSorts.map((s) => (
              <option key={s} value={s}>
                {t(`sorts.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('list.apply')}</button>
      </Form>
      <section aria-labelledby="petitions-list-heading">
        <h2 id="petitions-list-heading" data-testid="petitions-total">
          {data.filter.q ? t('list.found', { count: data.total, q: data.filter.q }) : t('list.count', { count: data.total })}
        </h2>
        {data.items.length === 0 ? <p>{t('list.empty')}</p> : null}
        <ul className="petition-list">
          {data.items.map((p) => (
            <PetitionCard key={p.id} p={p} locale={data.locale} />
          ))}
        </ul>
        {data.pages > 1 ? (
          <nav aria-label={t('list.pages')} className="pagination">
            {data.page > 1 ? <Link to={query({ page: data.page - 1 })}>{t('list.previous')}</Link> : null}
            <span>{t('list.pageOf', { page: data.page, pages: data.pages })}</span>
            {data.page < data.pages ? <Link to={query({ page: data.page + 1 })}>{t('list.next')}</Link> : null}
          </nav>
        ) : null}
      </section>
    </div>
  )
}
