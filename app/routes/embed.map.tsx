import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import embedStyles from '../components/embed/embed.css'
import { embedHeaders, OutLink, useEmbedT, widgetNotFound, WidgetErrorBoundary, WidgetFrame } from '../components/embed/parts'
import { embedLocale } from '../components/embed/bare'
import { PlazaMap } from '../components/map/PlazaMap'
import { kindColour } from '../components/map/layers'
import type { LayerInfo } from '../components/map/types'
import { translatorFor } from '../lib/i18n.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { mapWidget } from '../modules/embed/widgets.server'
import { MAP_LAYERS, parseWidgetOptions } from '../modules/embed/widgets'

/**
 * /embed/map?area=<slug>&layers=reports,proposals,petitions — the map of an area with the chosen
 * layers; without JavaScript (or WebGL) the server-drawn picture of the area and its items stays.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: embedStyles },
]
export const handle = { layout: 'bare', i18n: 'embed' }
export const headers = embedHeaders

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const spec = parseWidgetOptions('map', url.searchParams)
  const widget = spec.area ? await mapWidget(spec.area, spec.layers) : null
  if (!widget) widgetNotFound()
  const { t, locale } = await translatorFor(request)
  const lng = embedLocale(url) ?? locale
  const fixed = (key: string) => t(key, { lng })
  const layers: LayerInfo[] = widget.layers.map((kind) => ({ kind, label: fixed(`embed:layers.${kind}`), colour: kindColour(MAP_LAYERS.indexOf(kind as (typeof MAP_LAYERS)[number])) }))
  return { widget, layers, config: mapClientConfig(), locale: lng }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.widget.area.name ?? ''} · Plaza` }]

export default function MapWidget() {
  const { widget, layers, config } = useLoaderData<typeof loader>()
  const t = useEmbedT()
  const { area } = widget
  const labels = new Map(layers.map((l) => [l.kind, l.label]))
  const colours = new Map(layers.map((l) => [l.kind, l.colour]))
  return (
    <WidgetFrame widget="map">
      <h1>{t('map.title', { place: area.name })}</h1>
      <PlazaMap
        config={config}
        bounds={area.bbox}
        label={t('map.label', { place: area.name })}
        highlight={area.slug}
        filter={layers.length ? { layers: layers.map((l) => l.kind) } : null}
        layers={layers}
        className="widget__map"
        fallback={
          <svg
            className="map-fallback widget__fallback"
            viewBox={`0 0 ${area.svg.width} ${area.svg.height}`}
            role="img"
            aria-label={t('map.pictureAlt', { place: area.name, count: widget.total })}
            data-testid="map-fallback"
          >
            <rect width="100%" height="100%" fill="#dceaf4" />
            <path d={area.svg.context} fill="#ffffff" stroke="#33414d" strokeWidth="1" fillRule="evenodd" />
            <path d={area.svg.outline} fill={area.colour} fillOpacity="0.55" stroke="#084466" strokeWidth="2.5" fillRule="evenodd" />
            {widget.dots.map((d, i) => (
              <circle key={i} cx={d.x} cy={d.y} r="4" fill={colours.get(d.kind) ?? '#333333'} stroke="#ffffff" strokeWidth="1" />
            ))}
          </svg>
        }
      />
      {layers.length ? (
        <p className="widget__meta">
          {t('map.layers')}: {layers.map((l) => l.label).join(', ')}
        </p>
      ) : null}
      {widget.items.length ? (
        <ul className="widget__list" aria-label={t('map.listLabel', { place: area.name })}>
          {widget.items.map((i) => (
            <li key={`${i.kind}:${i.itemId}`}>
              {i.url ? <OutLink href={i.url}>{i.title}</OutLink> : i.title} <span className="widget__meta">· {labels.get(i.kind) ?? i.kind}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('map.empty')}</p>
      )}
      <div className="widget__actions">
        <OutLink href={`/areas/${area.slug}`}>{t('map.open', { place: area.name })}</OutLink>
      </div>
    </WidgetFrame>
  )
}

export const ErrorBoundary = WidgetErrorBoundary
