import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { localize } from '../lib/localized'
import { cityDefaultLocale } from '../lib/localized.server'
import { getUser } from '../modules/accounts/auth.server'
import { QuestionChart } from '../modules/processes/components/survey-parts'
import { mayAdminister } from '../modules/processes/processes.server'
import { publishedSurvey } from '../modules/processes/survey-page.server'
import { surveyResults } from '../modules/processes/surveys.server'
import chartStyles from '../components/charts/charts.css'
import processStyles from '../modules/processes/components/processes.css'
import styles from '../modules/processes/components/surveys.css'

/**
 * /processes/:slug/surveys/:id/results — a survey's results for anyone: per question the number of
 * answers and a chart with its numbers as a table; written answers only once a moderator has
 * published them. Links the anonymised CSV (administrators get every written answer in theirs).
 */
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: chartStyles },
  { rel: 'stylesheet', href: processStyles },
  { rel: 'stylesheet', href: styles },
]

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { process, survey } = await publishedSurvey(params.slug, params.id)
  const [user, { locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const fallback = cityDefaultLocale()
  const results = await surveyResults(survey, locale)
  return {
    title: localize(survey.title, locale, fallback),
    processTitle: localize(process.title, locale, fallback),
    slug: process.slug,
    id: survey.id,
    total: results.total,
    questions: results.questions,
    admin: mayAdminister(user),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function SurveyResultsPage() {
  const d = useLoaderData<typeof loader>()
  const { t } = useTranslation('surveys')
  const csv = `/processes/${d.slug}/surveys/${d.id}/results.csv`
  return (
    <article className="page">
      <p>
        <Link to={`/processes/${d.slug}/surveys/${d.id}`}>{t('results.back')}</Link>
      </p>
      <h1>{t('results.title', { title: d.title })}</h1>
      <p data-testid="survey-total">{t('results.total', { count: d.total })}</p>
      <p>{t('results.moderated')}</p>
      <p>
        <a href={csv} data-testid="survey-csv">
          {t('results.csv')}
        </a>
        {d.admin ? (
          <>
            {' · '}
            <a href={`${csv}?text=all`}>{t('results.csvAll')}</a>
          </>
        ) : null}
      </p>
      {d.questions.map((q) => (
        <QuestionChart key={q.id} r={q} />
      ))}
    </article>
  )
}
