import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import embedStyles from '../components/embed/embed.css'
import { embedHeaders, OutLink, positiveId, useEmbedT, widgetNotFound, WidgetErrorBoundary, WidgetFrame } from '../components/embed/parts'
import { embedLocale } from '../components/embed/bare'
import { translatorFor } from '../lib/i18n.server'
import { proposalWidget } from '../modules/embed/widgets.server'

/** /embed/proposals/:id — one proposal with its supports; supporting needs a login, so it opens Plaza. */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: embedStyles }]
export const handle = { layout: 'bare', i18n: 'embed' }
export const headers = embedHeaders

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = positiveId(params.id)
  const proposal = id ? await proposalWidget(id) : null
  if (!proposal) widgetNotFound()
  const { locale } = await translatorFor(request)
  return { proposal, locale: embedLocale(new URL(request.url)) ?? locale }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.proposal.title ?? ''} · Plaza` }]

export default function ProposalWidget() {
  const { proposal, locale } = useLoaderData<typeof loader>()
  const t = useEmbedT()
  const number = new Intl.NumberFormat(locale)
  const url = `/proposals/${proposal.id}`
  const collecting = proposal.state === 'published'
  return (
    <WidgetFrame widget="proposal">
      <h1>
        <OutLink href={url}>{proposal.title}</OutLink>
      </h1>
      <p>{proposal.summary}</p>
      <p className="widget__count" data-testid="proposal-supports">
        {t('proposal.supports', { count: proposal.supports, formatted: number.format(proposal.supports) })}
      </p>
      {proposal.threshold > 0 ? (
        <>
          <progress
            className="widget__progress"
            max={proposal.threshold}
            value={Math.min(proposal.supports, proposal.threshold)}
            aria-label={t('proposal.progressLabel', { goal: number.format(proposal.threshold) })}
          />
          <p className="widget__meta">{t('proposal.toVote', { goal: number.format(proposal.threshold) })}</p>
        </>
      ) : null}
      <p className="widget__meta">
        {t(`proposal.state.${proposal.state}`, { defaultValue: proposal.state })}
        {collecting && proposal.daysLeft !== null ? ` · ${t('proposal.daysLeft', { count: proposal.daysLeft })}` : ''}
      </p>
      <div className="widget__actions">
        <OutLink href={url} className="widget__button">
          {collecting ? t('proposal.support') : t('proposal.read')}
        </OutLink>
      </div>
      {collecting ? <p className="widget__meta">{t('proposal.supportHint')}</p> : null}
    </WidgetFrame>
  )
}

export const ErrorBoundary = WidgetErrorBoundary
