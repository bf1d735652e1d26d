import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { searchRequests } from '../modules/foi/foi.server'
import { DISPLAY_STATUSES, searchSchema } from '../modules/foi/schema'
import { StatusBadge } from '../modules/foi/components/status-badge'

/** /information-requests — every request sent, searchable by words in the requests, answers and documents (issue 22). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const parsed = searchSchema.safeParse(Object.fromEntries(url.searchParams))
  const search = parsed.success ? parsed.data : { q: '', status: '' as const, body: '' as const, page: 1 }
  const result = await searchRequests({ q: search.q, status: search.status, bodyId: search.body || null, page: search.page }, locale)
  return { title: t('foi:list.title'), locale, search, ...result }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function InformationRequests() {
  const { search, items, more, locale } = useLoaderData<typeof loader>()
  const { t } = useTranslation('foi')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
  const pageLink = (page: number) => `?${new URLSearchParams({ q: search.q, status: search.status, body: String(search.body), page: String(page) })}`
  return (
    <section className="page">
      <h1>{t('list.title')}</h1>
      <p>{t('list.intro')}</p>
      <p>
        <Link to="/information-requests/new" className="button">
          {t('list.ask')}
        </Link>{' '}
        <Link to="/bodies">{t('list.bodies')}</Link>
      </p>
      <p>
        {t('follow.feeds')} <a href="/feeds/information-requests.rss">{t('follow.rss')}</a> · <a href="/feeds/information-requests.atom">{t('follow.atom')}</a> ·{' '}
        <a href="/data">{t('list.openData')}</a>
      </p>
      <Form method="get" role="search" className="stack">
        <div className="field">
          <label htmlFor="foi-q">{t('list.search')}</label>
          <input id="foi-q" name="q" type="search" defaultValue={search.q} />
        </div>
        <div className="field">
          <label htmlFor="foi-status">{t('list.status')}</label>
          <select id="foi-status" name="status" defaultValue={search.status}>
            <option value="">{t('list.anyStatus')}</option>
            {DISPLAY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">{t('list.searchButton')}</button>
        </div>
      </Form>
      {items.length === 0 ? (
        <p data-testid="foi-empty">{t('list.none')}</p>
      ) : (
        <ul className="card-list" data-testid="foi-results">
          {items.map((r) => (
            <li key={r.id} className="card">
              <h2 className="card__title">
                <Link to={`/information-requests/${r.id}`}>{r.title}</Link>
              </h2>
              <p>
                {t('list.to')} <Link to={`/bodies/${r.bodyId}`}>{r.bodyName}</Link> · {date.format(new Date(r.sentAt))} · <StatusBadge status={r.displayStatus} />
              </p>
            </li>
          ))}
        </ul>
      )}
      <nav aria-label={t('list.pages')}>
        {search.page > 1 ? <Link to={pageLink(search.page - 1)}>{t('list.previous')}</Link> : null} {more ? <Link to={pageLink(search.page + 1)}>{t('list.next')}</Link> : null}
      </nav>
    </section>
  )
}
