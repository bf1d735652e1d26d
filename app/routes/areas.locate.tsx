import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { areaOptions, cityBounds, cityOverview } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { resolveLocation } from '../modules/geo/location.server'
import { LocationPicker } from '../components/map/LocationPicker'

/**
 * "Which area am I in?": pick a point (map, my location, address, or without JavaScript an area
 * list and typed coordinates) and see the district and neighbourhood containing it. A GET form:
 * the answer has a URL that can be shared, and looking up changes nothing.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const areaLocale = await localeOf(request)
  const [areas, bounds, overview] = await Promise.all([areaOptions(areaLocale), cityBounds(), cityOverview(areaLocale)])
  const city = overview?.city.name ?? 'Plaza'
  const params = new URL(request.url).searchParams
  const sent = { lat: params.get('lat') ?? '', lng: params.get('lng') ?? '', area: params.get('area') ?? '' }
  const base = { title: t('geo:locate.title'), city, areas, bounds, config: mapClientConfig(), sent }
  if (!params.has('lat') && !params.has('lng') && !params.has('area')) return { ...base, result: null, errors: null }
  const resolved = await resolveLocation(sent)
  if (!resolved.ok) {
    const errors: Record<string, string> = {}
    for (const [field, keys] of Object.entries(resolved.errors)) if (keys?.[0]) errors[field] = t(`geo:${keys[0]}`, { city })
    return data({ ...base, result: null, errors }, { status: 400 })
  }
  const { location } = resolved
  return {
    ...base,
    result: {
      lat: location.lat,
      lng: location.lng,
      source: location.source,
      areas: location.areas.map((a) => ({ slug: a.slug, name: a.name, level: a.level })),
    },
    errors: null,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function LocatePage() {
  const { title, city, areas, bounds, config, sent, result, errors } = useLoaderData<typeof loader>()
  const { t } = useTranslation('geo')
  const district = result?.areas.find((a) => a.level === 'district')
  const neighbourhood = result?.areas.find((a) => a.level === 'neighbourhood')
  return (
    <div className="page locate-page">
      <h1>{title}</h1>
      <p>{t('locate.intro', { city })}</p>
      {result ? (
        <section className="locate-result" aria-labelledby="locate-result-heading" data-testid="locate-result">
          <h2 id="locate-result-heading">{t('locate.resultHeading')}</h2>
          {district || neighbourhood ? (
            <ul>
              {district ? (
                <li>
                  {t('level.district')}: <Link to={`/areas/${district.slug}`}>{district.name}</Link>
                </li>
              ) : null}
              {neighbourhood ? (
                <li>
                  {t('level.neighbourhood')}: <Link to={`/areas/${neighbourhood.slug}`}>{neighbourhood.name}</Link>
                </li>
              ) : null}
            </ul>
          ) : (
            <p>{t('locate.inCityOnly', { city })}</p>
          )}
          <p className="locate-result__point">
            {result.source === 'area' ? t('locate.areaPoint') : null} {t('picker.chosen', { latitude: result.lat, longitude: result.lng })}
          </p>
        </section>
      ) : null}
      {bounds ? (
        <Form method="get" className="stack locate-form" noValidate>
          <LocationPicker config={config} bounds={bounds} areas={areas} defaults={sent} errors={errors ?? {}} legend={t('locate.legend')} />
          <button type="submit">{t('locate.submit')}</button>
        </Form>
      ) : (
        <p>{t('map.noCity')}</p>
      )}
    </div>
  )
}
