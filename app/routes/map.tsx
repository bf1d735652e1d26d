import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSubmit } from '@remix-run/react'
import { useCallback, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { cityBounds, cityOverview } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { parseMapFilter } from '../modules/geo/filters.server'
import { latestItems, listKinds, mapFacets } from '../modules/geo/map-index.server'
import { PlazaMap, type MapHandle } from '../components/map/PlazaMap'
import { InViewList } from '../components/map/InViewList'
import { ItemList } from '../components/map/ItemList'
import { kindColour } from '../components/map/layers'
import { cityDefaultLocale } from '../lib/localized.server'
import { localize } from '../lib/localized'
import { reportCategories } from '../modules/reports/reports.server'
import { nearestAddress } from '../modules/basemap/search.server'
import { AddressSearch } from '../components/map/AddressSearch'
import { proposalCategories } from '../modules/proposals/proposals.server'
import type { FeatureCollectionAnswer, FeatureFilter, LayerInfo } from '../components/map/types'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const [kinds, bounds, overview] = await Promise.all([listKinds(), cityBounds(), cityOverview(locale)])
  const filter = parseMapFilter(
    new URL(request.url).searchParams,
    kinds.map((k) => k.kind),
  )
  const layers: LayerInfo[] = kinds.map((k, i) => ({ kind: k.kind, label: t(k.labelKey, { defaultValue: k.kind }), colour: kindColour(i) }))
  const shown = filter.layers ?? kinds.map((k) => k.kind)
  // A place chosen with the address search (/search/address?return=/map): the map and the list around it.
  const focus = focusPoint(new URL(request.url).searchParams, bounds)
  const near = focus ? await nearestAddress(focus.lat, focus.lng) : null
  const [codes, items, reportCats, proposalCats] = await Promise.all([
    kinds.length ? mapFacets() : { statuses: [], categories: [] },
    latestItems({ kinds: shown, status: filter.status, category: filter.category, since: filter.since ?? undefined, within: focus?.box }, 50),
    reportCategories(locale),
    proposalCategories(),
  ])
  // People read names, never codes (issue 18): categories by the names administrators gave them, states from the catalogs.
  const names = new Map<string, string>([
    ...proposalCats.map((c): [string, string] => [c.code, localize(c.name, locale, cityDefaultLocale())]),
    ...reportCats.map((c): [string, string] => [c.code, c.name]),
  ])
  const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label, locale)
  const facets = {
    statuses: codes.statuses.map((code) => ({ code, label: t([`geo:status.${code}`, `proposals:states.${code}`, `petitions:states.${code}`], { defaultValue: code }) })).sort(byLabel),
    categories: codes.categories.map((code) => ({ code, label: names.get(code) || t([`geo:category.${code}`, `petitions:targets.${code}`], { defaultValue: code }) })).sort(byLabel),
  }
  return {
    title: t('geo:map.title', { city: overview?.city.name ?? 'Plaza' }),
    locale,
    config: mapClientConfig(),
    bounds: focus?.box ?? bounds,
    focus: focus ? { lat: focus.lat, lng: focus.lng, label: near?.label ?? null } : null,
    layers,
    filter: { ...filter, layers: shown },
    facets,
    items,
  }
}

/** About 300 m either side of the point, when the point is a number inside the city's box. */
function focusPoint(params: URLSearchParams, city: [number, number, number, number] | null) {
  const lat = Number(params.get('lat') ?? NaN)
  const lng = Number(params.get('lng') ?? NaN)
  if (!city || !Number.isFinite(lat) || !Number.isFinite(lng)) return null
  const [w, s, e, n] = city
  if (lng < w || lng > e || lat < s || lat > n) return null
  const dLat = 0.0027
  const dLng = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 0.01)
  return { lat, lng, box: [lng - dLng, lat - dLat, lng + dLng, lat + dLat] as [number, number, number, number] }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

// Public and the same for every anonymous visitor with the same URL.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export default function MapPage() {
  const data = useLoaderData<typeof loader>()
  const { t } = useTranslation('geo')
  const { t: tb } = useTranslation('basemap')
  const submit = useSubmit()
  const mapRef = useRef<MapHandle | null>(null)
  const [answer, setAnswer] = useState<FeatureCollectionAnswer | null>(null)
  const [scripted, setScripted] = useState(false)
  const onFeatures = useCallback((a: FeatureCollectionAnswer | null) => {
    setScripted(true)
    setAnswer(a)
  }, [])
  const { integer } = formatters(data.locale)
  const filter: FeatureFilter = {
    layers: data.filter.layers,
    status: data.filter.status,
    category: data.filter.category,
    since: data.filter.since ?? undefined,
  }
  const labels = new Map(data.layers.map((l) => [l.kind, l.label]))

  return (
    <div className="page map-page">
      <h1>{data.title}</h1>
      {data.layers.length === 0 ? <p className="map-note">{t('map.nothingYet')}</p> : null}
      <div className="map-page__grid">
        <div className="map-page__main">
          {data.bounds ? (
            <AddressSearch
              returnTo="/map"
              className="map-page__address"
              onChoose={(choice) => mapRef.current?.flyTo({ center: [choice.lng, choice.lat], zoom: Math.max(mapRef.current.getZoom(), 17) })}
            />
          ) : null}
          {data.focus ? (
            <p className="map-page__near" data-testid="map-near">
              {data.focus.label ? tb('search.near', { address: data.focus.label }) : t('map.nearPoint', { latitude: data.focus.lat, longitude: data.focus.lng })}{' '}
              <Link to="/map">{t('map.wholeCity')}</Link>
            </p>
          ) : null}
          {data.bounds ? (
            <PlazaMap
              config={data.config}
              bounds={data.bounds}
              label={t('map.mapLabel')}
              filter={data.layers.length ? filter : null}
              layers={data.layers}
              onFeatures={onFeatures}
              mapRef={mapRef}
              className="map-page__map"
              // The city at once (the whole city's box is the picture's); MapLibre when the person reaches for it.
              still={data.focus ? undefined : '/areas.svg'}
              stillLabel={t('map.staticAlt')}
              fallback={data.focus ? <img className="map-fallback" src="/areas.svg" alt={t('map.staticAlt')} /> : null}
            />
          ) : (
            <p>{t('map.noCity')}</p>
          )}
          <p className="map-page__areas-link">
            <Link to="/areas">{t('map.areasLink')}</Link> · <Link to="/areas/locate">{t('map.locateLink')}</Link>
          </p>
        </div>
        <aside className="map-page__side">
          {data.layers.length ? (
            <Form method="get" className="map-filters" onChange={(e) => submit(e.currentTarget, { replace: true, preventScrollReset: true })}>
              <input type="hidden" name="filtered" value="1" />
              <fieldset>
                <legend>{t('filters.layers')}</legend>
                {data.layers.map((l, i) => (
                  <label key={l.kind} className="choice">
                    <input type="checkbox" name="layers" value={l.kind} defaultChecked={data.filter.layers.includes(l.kind)} />
                    <span className={`layer-swatch kind-colour--${i % 7}`} aria-hidden="true" />
                    {l.label}
                  </label>
                ))}
              </fieldset>
              {data.facets.statuses.length ? (
                <fieldset>
                  <legend>{t('filters.status')}</legend>
                  {data.facets.statuses.map((s) => (
                    <label key={s.code} className="choice">
                      <input type="checkbox" name="status" value={s.code} defaultChecked={data.filter.status.includes(s.code)} />
                      {s.label}
                    </label>
                  ))}
                </fieldset>
              ) : null}
              {data.facets.categories.length ? (
                <div className="map-filters__field">
                  <label htmlFor="filter-category">{t('filters.category')}</label>
                  <select id="filter-category" name="category" defaultValue={data.filter.category[0] ?? ''}>
                    <option value="">{t('filters.anyCategory')}</option>
                    {data.facets.categories.map((c) => (
                      <option key={c.code} value={c.code}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
              <div className="map-filters__field">
                <label htmlFor="filter-since">{t('filters.since')}</label>
                <input id="filter-since" type="date" name="since" defaultValue={data.filter.since ?? ''} />
              </div>
              <button type="submit">{t('filters.apply')}</button>
            </Form>
          ) : null}
          {scripted ? (
            <InViewList answer={answer} labels={labels} mapRef={mapRef} locale={data.locale} />
          ) : data.layers.length ? (
            <section aria-labelledby="latest-heading">
              <h2 id="latest-heading">{t('list.latest')}</h2>
              {data.items.length === 0 ? <p>{t('list.empty')}</p> : <ItemList items={data.items} labels={labels} />}
              <p className="map-list__count">{t('list.showing', { count: data.items.length, shown: integer.format(data.items.length) })}</p>
            </section>
          ) : null}
        </aside>
      </div>
    </div>
  )
}
