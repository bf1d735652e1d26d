import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import styles from '../components/representatives/representatives.css'
import { translatorFor } from '../lib/i18n.server'
import { representativeProfile, responseRates } from '../modules/letters/representatives.server'
import { MIN_ANSWERS_FOR_RATE, QUESTIONNAIRE_ANSWERS, countsAsResponse } from '../modules/letters/stats'
import { RateSummary } from '../components/representatives/RepresentativeCards'

/**
 * GET /representatives/:id — one representative: photo, role, level, area, party, term, and the
 * response rate with its interval and the count of each answer (saying which count as replied).
 * A former representative's page stays, marked as such, without "write to them".
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

const notFound = () => new Response('Not Found', { status: 404 })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN
  if (!Number.isSafeInteger(id)) throw notFound()
  const { locale } = await translatorFor(request)
  const profile = await representativeProfile(id, { locale })
  if (!profile) throw notFound()
  const rate = (await responseRates([id])).get(id)!
  return { profile, rate }
}

export const headers = () => ({ 'Plaza-Page-Cache': '10' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.profile.name ?? ''} · Plaza` }]

export default function RepresentativePage() {
  const { profile, rate } = useLoaderData<typeof loader>()
  const { t, i18n } = useTranslation('representatives')
  const n = useNames()
  const day = (iso: string) => new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`))
  const period =
    profile.activeFrom && profile.activeUntil
      ? t('profile.periodFromUntil', { from: day(profile.activeFrom), until: day(profile.activeUntil) })
      : profile.activeFrom
        ? t('profile.periodFrom', { from: day(profile.activeFrom) })
        : profile.activeUntil
          ? t('profile.periodUntil', { until: day(profile.activeUntil) })
          : t('profile.periodOpen')
  return (
    <article className="page narrow">
      <p>
        <Link to="/representatives">{t('profile.back')}</Link>
      </p>
      <h1>{profile.name}</h1>
      {profile.status === 'former' ? (
        <p className="notice notice--info" data-testid="former">
          {t('profile.former')}
        </p>
      ) : null}
      {profile.status === 'future' && profile.activeFrom ? <p className="notice notice--info">{t('profile.future', { date: day(profile.activeFrom) })}</p> : null}
      <div className="rep-profile">
        {profile.photoUrl ? <img className="rep-profile__photo" src={profile.photoUrl} alt={t('member.photoAlt', { name: profile.name })} /> : null}
        <dl className="facts">
          <div>
            <dt>{t('profile.role')}</dt>
            <dd>{n(profile.role)}</dd>
          </div>
          <div>
            <dt>{t('profile.level')}</dt>
            <dd>{profile.level.name}</dd>
          </div>
          <div>
            <dt>{t('profile.area')}</dt>
            <dd>{profile.area.level === 'city' ? profile.area.name : <Link to={`/areas/${profile.area.slug}`}>{profile.area.name}</Link>}</dd>
          </div>
          <div>
            <dt>{t('profile.party')}</dt>
            <dd>{profile.party ?? t('member.noParty')}</dd>
          </div>
          <div>
            <dt>{t('profile.period')}</dt>
            <dd>{period}</dd>
          </div>
        </dl>
      </div>
      {profile.status === 'active' ? (
        profile.bounced ? (
          <p className="notice notice--info">{t('profile.bounced', { name: profile.name })}</p>
        ) : (
          <p>
            <Link className="button" to={`/letters/new?representative=${profile.id}`}>
              {t('profile.writeTo', { name: profile.name })}
            </Link>
          </p>
        )
      ) : (
        <p>{t('profile.formerNoLetters')}</p>
      )}
      <section aria-labelledby="rate-heading">
        <h2 id="rate-heading">{t('profile.rateHeading')}</h2>
        <p data-testid="rate">
          <RateSummary rate={rate} />
        </p>
        <table className="data-table" data-testid="answers">
          <caption>{t('profile.answersHeading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('profile.answer')}</th>
              <th scope="col">{t('profile.count')}</th>
              <th scope="col">{t('profile.counts')}</th>
            </tr>
          </thead>
          <tbody>
            {QUESTIONNAIRE_ANSWERS.map((answer) => (
              <tr key={answer}>
                <th scope="row">{t(`profile.answers.${answer}`)}</th>
                <td data-testid={`answers-${answer}`}>{rate.byAnswer[answer]}</td>
                <td>{countsAsResponse(answer) ? t('profile.replied') : t('profile.notReplied')}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">{t('profile.total')}</th>
              <td>{rate.answers}</td>
              <td />
            </tr>
          </tbody>
        </table>
        <p>{t('profile.rateExplained', { name: profile.name, min: MIN_ANSWERS_FOR_RATE })}</p>
      </section>
    </article>
  )
}
