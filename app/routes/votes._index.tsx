import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import votesStyles from '../modules/voting/components/votes.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { listProcesses, type ProcessSummary } from '../modules/voting/voting.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

/** /votes — voting processes open now, coming up and closed, with their dates and method. */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: votesStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  const [{ t, locale }, user, lists] = await Promise.all([translatorFor(request), getUser(request), listProcesses()])
  return { title: t('votes:list.title'), locale, lists, loggedIn: Boolean(user) }
}

// Anonymous readers may get a copy up to 5 seconds old.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function VotesList() {
  const { title, locale, lists, loggedIn } = useLoaderData<typeof loader>()
  const { t } = useTranslation('votes')
  const date = formatters(locale).dateTime
  const section = (key: 'open' | 'upcoming' | 'closed', heading: string, items: ProcessSummary[]) => (
    <section aria-labelledby={`votes-${key}`}>
      <h2 id={`votes-${key}`}>{heading}</h2>
      {items.length === 0 ? (
        <p>{t('list.none')}</p>
      ) : (
        <ul className="votes-list">
          {items.map((p) => (
            <li key={p.id}>
              <h3>
                <Link to={`/votes/${p.id}`}>{p.title}</Link>
              </h3>
              <p>
                <span className={`badge vote-status vote-status--${p.phase}`}>{t(`status.${p.phase}`)}</span> {t(`voting:method.${p.method}`)} · {p.eligibleAreaName ?? t('page.wholeCity')}
              </p>
              <p>
                {p.phase === 'upcoming'
                  ? t('list.opensOn', { date: date.format(new Date(p.opensAt)) })
                  : p.phase === 'open'
                    ? t('list.closesOn', { date: date.format(new Date(p.closesAt)) })
                    : t('list.closedOn', { date: date.format(new Date(p.closesAt)) })}
                {p.phase !== 'upcoming' ? ` · ${t('list.ballots', { count: p.ballots })}` : ''}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
  return (
    <div className="page votes-page">
      <h1>{title}</h1>
      <p>{t('list.intro')}</p>
      {loggedIn ? (
        <p>
          <Link to="/account/delegations">{t('list.delegations')}</Link>
        </p>
      ) : null}
      {section('open', t('list.open'), lists.open)}
      {section('upcoming', t('list.upcoming'), lists.upcoming)}
      {section('closed', t('list.closed'), lists.closed)}
    </div>
  )
}
