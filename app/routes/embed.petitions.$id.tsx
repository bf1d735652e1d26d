import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { useEffect, useState } from 'react'
import embedStyles from '../components/embed/embed.css'
import { embedHeaders, OutLink, positiveId, useEmbedT, widgetNotFound, WidgetErrorBoundary, WidgetFrame } from '../components/embed/parts'
import { translatorFor } from '../lib/i18n.server'
import { petitionWidget } from '../modules/embed/widgets.server'
import { embedLocale } from '../components/embed/bare'

/** /embed/petitions/:id — one petition with its live count and a sign button (signing opens Plaza). */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: embedStyles }]
export const handle = { layout: 'bare', i18n: 'embed' }
export const headers = embedHeaders

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = positiveId(params.id)
  const petition = id ? await petitionWidget(id) : null
  if (!petition) widgetNotFound()
  const { locale } = await translatorFor(request)
  return { petition, locale: embedLocale(new URL(request.url)) ?? locale }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.petition.title ?? ''} · Plaza` }]

const COUNT_EVERY_MS = 15_000

export default function PetitionWidget() {
  const { petition, locale } = useLoaderData<typeof loader>()
  const t = useEmbedT()
  const [count, setCount] = useState(petition.signatures)
  // Live count: /petitions/:id/count.json while the petition is open (answered before Remix, cached 1 s).
  useEffect(() => {
    if (petition.state !== 'open') return
    let stopped = false
    const refresh = () => {
      if (document.visibilityState !== 'visible') return
      fetch(`/petitions/${petition.id}/count.json`)
        .then((r) => (r.ok ? (r.json() as Promise<{ count: number }>) : null))
        .then((answer) => {
          if (!stopped && answer && typeof answer.count === 'number') setCount(answer.count)
        })
        .catch(() => undefined)
    }
    const timer = setInterval(refresh, COUNT_EVERY_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [petition.id, petition.state])
  const number = new Intl.NumberFormat(locale)
  const goal = count < petition.thresholds.response ? petition.thresholds.response : petition.thresholds.debate
  const url = `/petitions/${petition.id}`
  return (
    <WidgetFrame widget="petition">
      <h1>
        <OutLink href={url}>{petition.title}</OutLink>
      </h1>
      <p>{petition.action}</p>
      <p className="widget__count" aria-live="polite" data-testid="petition-count">
        {t('petition.signatures', { count, formatted: number.format(count) })}
      </p>
      {goal > 0 ? (
        <>
          <progress className="widget__progress" max={goal} value={Math.min(count, goal)} aria-label={t('petition.progressLabel', { goal: number.format(goal) })} />
          <p className="widget__meta">{t(count < petition.thresholds.response ? 'petition.toResponse' : 'petition.toDebate', { goal: number.format(goal) })}</p>
        </>
      ) : null}
      {petition.state === 'open' ? (
        <>
          {petition.daysLeft !== null ? <p className="widget__meta">{t('petition.daysLeft', { count: petition.daysLeft })}</p> : null}
          <div className="widget__actions">
            <OutLink href={`${url}#sign`} className="widget__button">
              {t('petition.sign')}
            </OutLink>
          </div>
          <p className="widget__meta">{t('petition.signHint')}</p>
        </>
      ) : (
        <p className="widget__meta">{petition.responded ? t('petition.closedResponded') : t('petition.closed')}</p>
      )}
    </WidgetFrame>
  )
}

export const ErrorBoundary = WidgetErrorBoundary
