import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import embedStyles from '../components/embed/embed.css'
import { embedHeaders, OutLink, useEmbedT, widgetNotFound, WidgetErrorBoundary, WidgetFrame } from '../components/embed/parts'
import { embedLocale } from '../components/embed/bare'
import { translatorFor } from '../lib/i18n.server'
import { reportsWidget } from '../modules/embed/widgets.server'
import { namesIn } from '../lib/localized.server'
import { parseWidgetOptions } from '../modules/embed/widgets'
import { reportStates } from '../modules/reports/reports.server'

/** /embed/reports?area=<slug>&limit=<1–20> — the latest public reports in an area (or the city). */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: embedStyles }]
export const handle = { layout: 'bare', i18n: 'embed' }
export const headers = embedHeaders

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const raw = url.searchParams.get('area')
  const spec = parseWidgetOptions('reports', url.searchParams)
  // An area that was asked for but is not one: 404, never the whole city in its place.
  if (raw && !spec.area) widgetNotFound()
  const { locale: detected } = await translatorFor(request)
  const locale = embedLocale(url) ?? detected
  const widget = await reportsWidget(spec.area, spec.limit ?? 5, locale)
  if (!widget) widgetNotFound()
  const name = namesIn(locale)
  const states = await reportStates()
  const labels: Record<string, string | null> = Object.fromEntries([...states].map(([code, s]) => [code, s.label ? name(s.label) : null]))
  return { widget, labels, locale }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.widget.place ?? ''} · Plaza` }]

export default function ReportsWidget() {
  const { widget, labels, locale } = useLoaderData<typeof loader>()
  const t = useEmbedT()
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
  const area = widget.area ? `?area=${widget.area.slug}` : ''
  return (
    <WidgetFrame widget="reports">
      <h1>{t('reports.title', { place: widget.place })}</h1>
      {widget.items.length === 0 ? (
        <p>{t('reports.empty')}</p>
      ) : (
        <ul className="widget__list" data-testid="widget-reports">
          {widget.items.map((r) => (
            <li key={r.id}>
              <OutLink href={`/reports/${r.id}`}>{r.title}</OutLink>
              <br />
              <span className="widget__meta">
                {labels[r.state] ?? t(`reports:states.${r.state}`, { defaultValue: r.state })} · {r.category}
                {r.areaName ? ` · ${r.areaName}` : ''} · <time dateTime={r.createdAt}>{date.format(new Date(r.createdAt))}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      <div className="widget__actions">
        <OutLink href={`/reports${area}`}>{t('reports.all', { count: widget.total })}</OutLink>
        <OutLink href={`/reports/new${area}`} className="widget__button">
          {t('reports.report')}
        </OutLink>
      </div>
    </WidgetFrame>
  )
}

export const ErrorBoundary = WidgetErrorBoundary
