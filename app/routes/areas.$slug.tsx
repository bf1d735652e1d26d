import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useCallback, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { areaBySlug, renamedAreaSlug } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { areaCounts, itemsInArea, listKinds } from '../modules/geo/map-index.server'
import { PlazaMap, type MapHandle } from '../components/map/PlazaMap'
import { InViewList } from '../components/map/InViewList'
import { ItemList } from '../components/map/ItemList'
import { kindColour } from '../components/map/layers'
import type { FeatureCollectionAnswer, LayerInfo } from '../components/map/types'
import { getUser } from '../modules/accounts/auth.server'
import { discussionData } from '../modules/deliberation/page.server'
import { Discussion } from '../modules/deliberation/components/Discussion'
import { FollowForm } from '../components/FollowForm'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

export async function loader({ request, params }: LoaderFunctionArgs) {
  const slug = params.slug ?? ''
  const areaLocale = await localeOf(request)
  const area = /^[a-z0-9-]{1,100}$/.test(slug) ? await areaBySlug(slug, areaLocale) : null
  if (!area) {
    // A renamed (or merged) area's old address leads to where it is now.
    const moved = /^[a-z0-9-]{1,100}$/.test(slug) ? await renamedAreaSlug(slug) : null
    if (moved) throw redirect(`/areas/${moved}${new URL(request.url).search}`, 301)
    throw new Response('Not Found', { status: 404 })
  }
  const { t, locale } = await translatorFor(request)
  const [kinds, counts, items, user] = await Promise.all([listKinds(), areaCounts(area.id), itemsInArea(area.id, 20), getUser(request)])
  // Districts and neighbourhoods each have a discussion (the city as a whole does not).
  const discussion = area.level === 'city' ? null : await discussionData(request, user, 'area', area.id)
  const layers: LayerInfo[] = kinds.map((k, i) => ({ kind: k.kind, label: t(k.labelKey, { defaultValue: k.kind }), colour: kindColour(i) }))
  const known = new Set(kinds.map((k) => k.kind))
  return {
    title: area.name,
    levelLabel: t(`geo:level.${area.level}`),
    locale,
    area,
    layers,
    counts: counts.filter((c) => known.has(c.kind)),
    items,
    config: mapClientConfig(),
    discussion,
    followEmail: user?.email ?? '',
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export default function AreaPage() {
  const { area, layers, counts, items, config, levelLabel, locale, discussion, followEmail } = useLoaderData<typeof loader>()
  const { t } = useTranslation('geo')
  const { decimal, integer } = formatters(locale)
  const mapRef = useRef<MapHandle | null>(null)
  const [answer, setAnswer] = useState<FeatureCollectionAnswer | null>(null)
  const onFeatures = useCallback((a: FeatureCollectionAnswer | null) => setAnswer(a), [])
  const labels = new Map(layers.map((l) => [l.kind, l.label]))
  const byKind = new Map<string, { total: number; statuses: Array<{ status: string; n: number }> }>()
  for (const c of counts) {
    const entry = byKind.get(c.kind) ?? { total: 0, statuses: [] }
    entry.total += c.n
    entry.statuses.push({ status: c.status, n: c.n })
    byKind.set(c.kind, entry)
  }
  return (
    <div className="page area-page">
      <p className="area-page__level">
        {levelLabel}
        {area.parent ? (
          <>
            {' · '}
            <Link to={`/areas/${area.parent.slug}`}>{area.parent.name}</Link>
          </>
        ) : null}
      </p>
      <h1>{area.name}</h1>
      <div className="area-page__grid">
        <div>
          <PlazaMap
            config={config}
            bounds={area.bbox}
            label={t('area.mapLabel', { name: area.name })}
            highlight={area.slug}
            filter={layers.length ? { layers: layers.map((l) => l.kind) } : null}
            layers={layers}
            onFeatures={onFeatures}
            mapRef={mapRef}
            className="area-page__map"
            fallback={
              <svg className="map-fallback" viewBox={`0 0 ${area.svg.width} ${area.svg.height}`} role="img" aria-label={t('area.outlineAlt', { name: area.name })}>
                <rect width="100%" height="100%" fill="#dceaf4" />
                <path d={area.svg.context} fill="#ffffff" stroke="#33414d" strokeWidth="1" fillRule="evenodd" />
                <path d={area.svg.outline} fill={area.colour} fillOpacity="0.55" stroke="#084466" strokeWidth="2.5" fillRule="evenodd" />
              </svg>
            }
          />
        </div>
        <div>
          <dl className="facts">
            <div>
              <dt>{t('area.surface')}</dt>
              <dd>{t('areas.km2', { value: decimal.format(area.areaKm2) })}</dd>
            </div>
            {layers.map((l) => (
              <div key={l.kind}>
                <dt>{l.label}</dt>
                <dd>{integer.format(byKind.get(l.kind)?.total ?? 0)}</dd>
              </div>
            ))}
          </dl>
          {counts.length ? (
            <ul className="status-counts">
              {[...byKind.entries()].flatMap(([kind, entry]) =>
                entry.statuses.map((s) => (
                  <li key={`${kind}:${s.status}`}>
                    {labels.get(kind) ?? kind} · {t(`status.${s.status}`, { defaultValue: s.status })}: {integer.format(s.n)}
                  </li>
                )),
              )}
            </ul>
          ) : null}
          {area.children.length ? (
            <>
              <h2 id="children-heading">{t('area.neighbourhoods')}</h2>
              <ul className="area-children" aria-labelledby="children-heading">
                {area.children.map((c) => (
                  <li key={c.slug}>
                    <Link to={`/areas/${c.slug}`}>{c.name}</Link>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      </div>
      {layers.length ? (
        <section aria-labelledby="area-items-heading">
          <h2 id="area-items-heading">{t('area.latest')}</h2>
          {items.length === 0 ? <p>{t('area.noItems')}</p> : <ItemList items={items} labels={labels} />}
          {answer ? <InViewList answer={answer} labels={labels} mapRef={mapRef} locale={locale} /> : null}
        </section>
      ) : (
        <p className="map-note">{t('map.nothingYet')}</p>
      )}
      <FollowForm targetKind="area" targetId={area.id} back={`/areas/${area.slug}`} email={followEmail} />
      {discussion ? <Discussion data={discussion} locale={locale} title={t('deliberation:titleOf', { title: area.name })} /> : null}
      <p>
        <Link to="/areas">{t('area.allAreas')}</Link>
      </p>
    </div>
  )
}
