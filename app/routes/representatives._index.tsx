import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import styles from '../components/representatives/representatives.css'
import { translatorFor } from '../lib/i18n.server'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { placeFromFields, representativeDirectory, representativesFor, responseRates } from '../modules/letters/representatives.server'
import { LocationPicker } from '../components/map/LocationPicker'
import { RepresentativeGroups } from '../components/representatives/RepresentativeCards'
import { MIN_ANSWERS_FOR_RATE } from '../modules/letters/stats'

/**
 * GET /representatives — every current representative by level and area with their response rate,
 * and "find mine": a GET form (works without JavaScript: an area list or typed coordinates) that
 * lists the groups for one place. Public; anonymous readers may get a copy a few seconds old.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: styles },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const params = new URL(request.url).searchParams
  const sent = { lat: (params.get('lat') ?? '').slice(0, 40), lng: (params.get('lng') ?? '').slice(0, 40), area: (params.get('area') ?? '').slice(0, 100) }
  const [areas, bounds, profile, directory] = await Promise.all([areaOptions(locale), cityBounds(), cityProfile(), representativeDirectory({ locale })])
  const city = profile?.name ?? 'Plaza'
  const base = { title: t('representatives:list.title'), city, areas, bounds, config: mapClientConfig(), sent, directory }
  if (!params.has('lat') && !params.has('lng') && !params.has('area')) return { ...base, found: null, errors: null }
  const place = await placeFromFields(sent)
  if (!place.ok) {
    const errors: Record<string, string> = {}
    for (const [field, keys] of Object.entries(place.errors)) if (keys?.[0]) errors[field] = t(keys[0], { city })
    return data({ ...base, found: null, errors }, { status: 400 })
  }
  const groups = await representativesFor(place.place, { locale })
  const rates = await responseRates(groups.flatMap((g) => g.members.map((m) => m.id)))
  return {
    ...base,
    found: { label: place.label, groups: groups.map((g) => ({ ...g, members: g.members.map((m) => ({ ...m, rate: rates.get(m.id) })) })) },
    errors: null,
  }
}

// Public: anonymous readers may get a copy up to 10 seconds old.
export const headers = () => ({ 'Plaza-Page-Cache': '10' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function RepresentativesPage() {
  const { title, city, areas, bounds, config, sent, directory, found, errors } = useLoaderData<typeof loader>()
  const { t } = useTranslation('representatives')
  return (
    <div className="page">
      <h1>{title}</h1>
      <p>{t('list.intro', { city })}</p>
      <section className="rep-find" aria-labelledby="find-heading">
        <h2 id="find-heading">{t('list.findHeading')}</h2>
        {found ? (
          <div data-testid="found">
            <h3>{t('list.resultHeading')}</h3>
            <p>{t('list.resultFor', { place: found.label })}</p>
            {found.groups.length ? <RepresentativeGroups groups={found.groups} headingLevel={3} writeLinks /> : <p>{t('list.noneForPlace')}</p>}
          </div>
        ) : null}
        {bounds ? (
          <Form method="get" className="stack" noValidate>
            <LocationPicker config={config} bounds={bounds} areas={areas} defaults={sent} errors={errors ?? {}} legend={t('list.findLegend')} />
            <button type="submit">{t('list.findSubmit')}</button>
          </Form>
        ) : null}
      </section>
      <section aria-labelledby="all-heading">
        <h2 id="all-heading">{t('list.allHeading')}</h2>
        <p>
          <Link to="#how-rates">{t('list.howRates')}</Link>
        </p>
        {directory.length ? <RepresentativeGroups groups={directory} headingLevel={3} /> : <p>{t('list.empty')}</p>}
        <h3 id="how-rates">{t('list.howRates')}</h3>
        <p>{t('profile.rateExplained', { name: t('list.title').toLowerCase(), min: MIN_ANSWERS_FOR_RATE })}</p>
      </section>
    </div>
  )
}
