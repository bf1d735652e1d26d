import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import petitionStyles from '../components/petitions/petitions.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { councilPetitions } from '../modules/petitions/petitions.server'

/**
 * /council/petitions — staff with 'petition:respond': petitions past a threshold, those awaiting
 * the council's response first (oldest threshold first), then those with a debate to schedule or
 * report, then the done ones. Each links to its page of response and debate.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: petitionStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'petition:respond')
  const [{ t, locale }, lists] = await Promise.all([translatorFor(request), councilPetitions()])
  return { title: t('petitions:council.title'), locale, ...lists }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Row = Awaited<ReturnType<typeof councilPetitions>>['awaiting'][number]

export default function CouncilPetitions() {
  const { title, awaiting, debate, done, locale } = useLoaderData<typeof loader>()
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  const table = (rows: Row[], label: string, testId: string) =>
    rows.length === 0 ? (
      <p>{t('council.none')}</p>
    ) : (
      <table className="data-table cards" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('moderation.petition')}</th>
            <th scope="col">{t('map.signatures')}</th>
            <th scope="col">{t('council.reached')}</th>
            <th scope="col">{t('council.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/council/petitions/${r.id}`}>{r.title}</Link>
              </td>
              <td data-label={t('map.signatures')}>{f.integer.format(r.signatures)}</td>
              <td data-label={t('council.reached')}>{r.responseReachedAt ? <time dateTime={r.responseReachedAt}>{f.date.format(new Date(r.responseReachedAt))}</time> : null}</td>
              <td data-label={t('council.status')}>
                {[
                  r.respondedAt ? t('council.responded') : t('awaitingResponse'),
                  r.debateReachedAt
                    ? r.debatedAt
                      ? t('council.debated')
                      : r.debateScheduledFor
                        ? t('council.debateOn', { date: f.date.format(new Date(`${r.debateScheduledFor}T00:00:00Z`)) })
                        : t('council.debateDue')
                    : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )
  return (
    <div className="page">
      <p>
        <Link to="/council">{t('council.back')}</Link>
      </p>
      <h1>{title}</h1>
      <section aria-labelledby="awaiting-heading">
        <h2 id="awaiting-heading">{t('council.awaiting', { count: awaiting.length })}</h2>
        {table(awaiting, t('council.awaiting', { count: awaiting.length }), 'council-awaiting')}
      </section>
      <section aria-labelledby="debate-heading">
        <h2 id="debate-heading">{t('council.debates')}</h2>
        {table(debate, t('council.debates'), 'council-debates')}
      </section>
      <section aria-labelledby="done-heading">
        <h2 id="done-heading">{t('council.done')}</h2>
        {table(done, t('council.done'), 'council-done')}
      </section>
    </div>
  )
}
