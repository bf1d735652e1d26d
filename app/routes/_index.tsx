import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { cityBounds, cityOverview } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { listKinds } from '../modules/geo/map-index.server'
import { PlazaMap } from '../components/map/PlazaMap'
import { kindColour } from '../components/map/layers'
import type { LayerInfo } from '../components/map/types'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { districtColours } from '../modules/geo/colours'
import { formatters } from '../lib/format'
import { homeIntroduction } from '../modules/city/identity.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const areaLocale = await localeOf(request)
  const [{ t, locale }, overview] = await Promise.all([translatorFor(request), cityOverview(areaLocale)])
  const title = overview ? t('home.title', { city: overview.city.name }) : t('site.name')
  // The interactive map (geo module) over the static image, which stays as the no-JS fallback.
  const [bounds, kinds, intro] = await Promise.all([cityBounds(), listKinds(), homeIntroduction(locale)])
  const layers: LayerInfo[] = kinds.map((k, i) => ({ kind: k.kind, label: t(k.labelKey, { defaultValue: k.kind }), colour: kindColour(i) }))
  return { title, locale, overview, intro, map: { bounds, layers, config: mapClientConfig() } }
}

// The home page is public: anonymous visitors may get a copy up to 5 seconds old (page cache).
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.title ?? 'Plaza' },
  { name: 'description', content: 'Plaza' },
]

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

export default function Home() {
  const { overview, locale, map, intro } = useLoaderData<typeof loader>()
  const { t } = useTranslation()
  if (!overview) {
    return (
      <section className="page">
        <h1>{t('site.name')}</h1>
        {/* The council's introduction: Markdown rendered and sanitised by renderMarkdown. */}
        {intro ? <div className="prose home__custom-intro" dangerouslySetInnerHTML={{ __html: intro }} /> : <p>{t('home.emptyCity')}</p>}
      </section>
    )
  }
  const { city } = overview
  const { decimal: km2, integer: counts } = formatters(locale)
  return (
    <div className="page home">
      <section className="home__intro">
        <p className="home__tagline">{t('site.tagline', { city: city.name })}</p>
        <h1>{t('home.heading', { city: city.name })}</h1>
        {intro ? <div className="prose home__custom-intro" dangerouslySetInnerHTML={{ __html: intro }} /> : <p>{t('home.intro', { city: city.name })}</p>}
      </section>
      <div className="home__grid">
        <figure className="home__map">
          {map.bounds ? (
            <PlazaMap
              config={map.config}
              bounds={map.bounds}
              label={t('geo:map.mapLabel')}
              filter={map.layers.length ? { layers: map.layers.map((l) => l.kind) } : null}
              layers={map.layers}
              fallback={
                <img
                  className="area-map"
                  src="/areas.svg"
                  width={overview.mapWidth}
                  height={overview.mapHeight}
                  alt={t('home.mapTitle', { city: city.name })}
                />
              }
            />
          ) : null}
          <figcaption>
            {t('home.mapDescription', {
              city: city.name,
              districts: overview.districts.length,
              neighbourhoods: overview.neighbourhoodCount,
              river: city.river,
            })}
          </figcaption>
        </figure>
        <section className="home__facts" aria-labelledby="facts-heading">
          <h2 id="facts-heading">{t('home.factsHeading', { city: city.name })}</h2>
          <dl className="facts">
            <div>
              <dt>{t('home.districtCount')}</dt>
              <dd>{counts.format(overview.districts.length)}</dd>
            </div>
            <div>
              <dt>{t('home.neighbourhoodCount')}</dt>
              <dd>{counts.format(overview.neighbourhoodCount)}</dd>
            </div>
            <div>
              <dt>{t('home.surface')}</dt>
              <dd>{t('home.squareKm', { value: km2.format(overview.areaKm2) })}</dd>
            </div>
          </dl>
          <h2 id="districts-heading">{t('home.districtsHeading')}</h2>
          <ul className="district-list" aria-labelledby="districts-heading">
            {overview.districts.map((d, i) => (
              <li key={d.slug}>
                <span className={`swatch swatch--${i % districtColours.length}`} aria-hidden="true" />
                <span className="district-list__name">{d.name}</span>
                <span className="district-list__meta">
                  {t('home.neighbourhoods', { count: d.neighbourhoods })} · {t('home.squareKm', { value: km2.format(d.areaKm2) })}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  )
}
