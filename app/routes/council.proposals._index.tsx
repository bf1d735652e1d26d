import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { councilProposals, supportThreshold } from '../modules/proposals/proposals.server'
import { StateBadge } from '../modules/proposals/components/ProposalParts'

/**
 * /council/proposals — what the council has to answer (permission 'proposal:respond': staff and
 * administrators): proposals past their threshold with no vote or a closed one, those with a vote
 * running, and those answered (whose answer may be corrected). Each links to its answer form.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'proposal:respond')
  const [{ t, locale }, lists, threshold] = await Promise.all([translatorFor(request), councilProposals(), supportThreshold()])
  return { title: t('proposals:council.title'), locale, threshold, ...lists }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Row = Awaited<ReturnType<typeof councilProposals>>['awaiting'][number]

export default function CouncilProposals() {
  const { awaiting, voting, answered, locale, threshold } = useLoaderData<typeof loader>()
  const [search] = useSearchParams()
  const { t } = useTranslation('proposals')
  const f = formatters(locale)
  const table = (rows: Row[], label: string, testId: string) =>
    rows.length === 0 ? (
      <p>{t('council.none')}</p>
    ) : (
      <table className="data-table cards" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('council.proposal')}</th>
            <th scope="col">{t('council.state')}</th>
            <th scope="col">{t('council.supports')}</th>
            <th scope="col">{t('council.reached')}</th>
            <th scope="col">{t('council.vote')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/council/proposals/${r.id}`}>{r.title}</Link>
              </td>
              <td data-label={t('council.state')}>
                <StateBadge state={r.state} />
              </td>
              <td data-label={t('council.supports')}>{f.integer.format(r.supports)}</td>
              <td data-label={t('council.reached')}>{r.thresholdReachedAt ? f.date.format(new Date(r.thresholdReachedAt)) : '–'}</td>
              <td data-label={t('council.vote')}>{r.vote ? <Link to={`/votes/${r.vote.id}`}>{t(`page.voteStates.${r.vote.state}`)}</Link> : t('council.noVote')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )
  return (
    <section className="page">
      <p>
        <Link to="/council">{t('council.back')}</Link>
      </p>
      <h1>{t('council.title')}</h1>
      <p>{t('council.intro', { threshold })}</p>
      {search.get('answered') ? <FormMessage tone="success">{t('done.answered')}</FormMessage> : null}
      <h2>{t('council.awaiting', { count: awaiting.length })}</h2>
      {table(awaiting, t('council.awaiting', { count: awaiting.length }), 'council-awaiting')}
      <h2>{t('council.voting', { count: voting.length })}</h2>
      {table(voting, t('council.voting', { count: voting.length }), 'council-voting')}
      <h2>{t('council.answered', { count: answered.length })}</h2>
      {table(answered, t('council.answered', { count: answered.length }), 'council-answered')}
    </section>
  )
}
