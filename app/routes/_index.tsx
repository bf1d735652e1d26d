import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { cityOverview } from '../modules/geo/areas.server'
import { districtColours } from '../modules/geo/colours'
import { formatters } from '../lib/format'
import { homeIntroduction } from '../modules/city/identity.server'
import { listPetitions } from '../modules/petitions/petitions.server'
import { listProcesses } from '../modules/voting/voting.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const areaLocale = await localeOf(request)
  const [{ t, locale }, overview] = await Promise.all([translatorFor(request), cityOverview(areaLocale)])
  const title = overview ? t('home.title', { city: overview.city.name }) : t('site.name')
  const [intro, petitions, votes] = await Promise.all([
    homeIntroduction(locale),
    // What is happening now: the petitions with most signatures and the votes open today.
    listPetitions({ state: 'open', sort: 'signatures', pageSize: 3 }),
    listProcesses(),
  ])
  const now = {
    petitions: petitions.items.map((p) => ({ id: p.id, title: p.title, signatures: p.signatures })),
    petitionsTotal: petitions.total,
    votes: votes.open.slice(0, 3).map((v) => ({ id: v.id, title: v.title, closesAt: v.closesAt })),
  }
  return { title, locale, overview, intro, now }
}

// HTML and CSS only (issue 18: ≤ 100 KB on a phone): nothing here needs JavaScript. The city map is
// the static image, leading to /map, where the interactive map is loaded.
export const handle = { hydrate: false }

// The home page is public: anonymous visitors may get a copy up to 5 seconds old (page cache).
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? 'Plaza' }, { name: 'description', content: 'Plaza' }]

export default function Home() {
  const { overview, locale, intro, now } = useLoaderData<typeof loader>()
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
  const { decimal: km2, integer: counts, date } = formatters(locale)
  return (
    <div className="page home">
      <section className="home__intro">
        <p className="home__tagline">{t('site.tagline', { city: city.name })}</p>
        <h1>{t('home.heading', { city: city.name })}</h1>
      </section>
      {/* The tasks first: what most people come to do, each one tap away (issue 18). */}
      <nav className="home__tasks" aria-label={t('home.tasksLabel')}>
        <ul className="task-list">
          <li className="task-list__item task-list__item--primary">
            <Link to="/reports/new">
              <strong>{t('home.tasks.report')}</strong>
              <span>{t('home.tasks.reportHint')}</span>
            </Link>
          </li>
          <li className="task-list__item">
            <Link to="/petitions">
              <strong>{t('home.tasks.petition')}</strong>
              <span>{t('home.tasks.petitionHint')}</span>
            </Link>
          </li>
          <li className="task-list__item">
            <Link to="/proposals">
              <strong>{t('home.tasks.proposal')}</strong>
              <span>{t('home.tasks.proposalHint')}</span>
            </Link>
          </li>
          <li className="task-list__item">
            <Link to="/votes">
              <strong>{t('home.tasks.vote')}</strong>
              <span>{t('home.tasks.voteHint')}</span>
            </Link>
          </li>
          <li className="task-list__item">
            <Link to="/letters/new">
              <strong>{t('home.tasks.letter')}</strong>
              <span>{t('home.tasks.letterHint')}</span>
            </Link>
          </li>
        </ul>
      </nav>
      <div className="home__now">
        <section aria-labelledby="votes-now-heading">
          <h2 id="votes-now-heading">{t('home.votesNow')}</h2>
          {now.votes.length ? (
            <ul className="now-list">
              {now.votes.map((v) => (
                <li key={v.id}>
                  <Link to={`/votes/${v.id}`}>{v.title}</Link>
                  <span className="now-list__meta">{t('home.closesOn', { date: date.format(new Date(v.closesAt)) })}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('home.noVotes')}</p>
          )}
        </section>
        <section aria-labelledby="petitions-now-heading">
          <h2 id="petitions-now-heading">{t('home.petitionsNow')}</h2>
          {now.petitions.length ? (
            <ul className="now-list">
              {now.petitions.map((p) => (
                <li key={p.id}>
                  <Link to={`/petitions/${p.id}`}>{p.title}</Link>
                  <span className="now-list__meta">{t('home.signatures', { count: p.signatures, formatted: counts.format(p.signatures) })}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('home.noPetitions')}</p>
          )}
          {now.petitionsTotal > now.petitions.length ? (
            <p>
              <Link to="/petitions">{t('home.allPetitions', { count: now.petitionsTotal, formatted: counts.format(now.petitionsTotal) })}</Link>
            </p>
          ) : null}
        </section>
      </div>
      <section className="home__about" aria-labelledby="about-heading">
        <h2 id="about-heading">{t('home.aboutHeading', { city: city.name })}</h2>
        {intro ? <div className="prose home__custom-intro" dangerouslySetInnerHTML={{ __html: intro }} /> : <p>{t('home.intro', { city: city.name })}</p>}
      </section>
      <div className="home__grid">
        <figure className="home__map">
          <Link to="/map" className="home__map-link">
            <img className="area-map" src="/areas.svg" width={overview.mapWidth} height={overview.mapHeight} alt={t('home.mapTitle', { city: city.name })} />
            <span>{t('home.openMap')}</span>
          </Link>
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
          <h3 id="facts-heading">{t('home.factsHeading', { city: city.name })}</h3>
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
          <h3 id="districts-heading">{t('home.districtsHeading')}</h3>
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
