import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { formatters } from '../lib/format'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { localize } from '../lib/localized'
import { cityDefaultLocale } from '../lib/localized.server'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { SurveyForm } from '../modules/processes/components/survey-parts'
import { formEntries, publishedSurvey, questionViews } from '../modules/processes/survey-page.server'
import { answerSurvey, surveyState, type SurveyState } from '../modules/processes/surveys.server'
import processStyles from '../modules/processes/components/processes.css'
import styles from '../modules/processes/components/surveys.css'

/**
 * /processes/:slug/surveys/:id — a survey of a participatory process. A signed-in person at the
 * survey's verification level answers it once, while the process's current phase has the survey
 * on; otherwise the page says why. Plain POST form; conditional questions carry a hint and, with
 * JavaScript, stay hidden until their condition holds.
 */
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: processStyles },
  { rel: 'stylesheet', href: styles },
]

type Translate = (key: string, options?: Record<string, unknown>) => string

/** Why a person may not answer, in words (null: they may). */
function refusal(state: SurveyState | { kind: 'notFound' }, t: Translate, locale: string): string | null {
  switch (state.kind) {
    case 'open':
      return null
    case 'closed':
      return state.opensAt ? t('surveys:answer.closedUntil', { date: formatters(locale).dateTime.format(new Date(state.opensAt)) }) : t('surveys:answer.closed')
    case 'signIn':
      return t('surveys:answer.signIn')
    case 'levelTooLow':
      return t('surveys:answer.level', { level: state.required })
    case 'answered':
      return t('surveys:answer.answered')
    default:
      return t('common:errors.notFoundTitle')
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { process, survey } = await publishedSurvey(params.slug, params.id)
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const state = await surveyState(process, survey, user, processNow())
  const fallback = cityDefaultLocale()
  return {
    title: localize(survey.title, locale, fallback),
    processTitle: localize(process.title, locale, fallback),
    slug: process.slug,
    id: survey.id,
    state: state.kind,
    refusal: refusal(state, t, locale),
    questions: state.kind === 'open' || state.kind === 'signIn' || state.kind === 'closed' ? questionViews(survey, locale) : [],
    loginUrl: `/login?redirectTo=${encodeURIComponent(`/processes/${process.slug}/surveys/${survey.id}`)}`,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const { survey } = await publishedSurvey(params.slug, params.id)
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const entries = formEntries(await readForm(request))
  const r = await answerSurvey(user, survey.id, entries, processNow())
  if (r.kind === 'ok') return data({ done: t(r.held ? 'surveys:answer.thanksHeld' : 'surveys:answer.thanks'), errors: {} as Record<string, string>, values: {} as Record<string, string[]> })
  if (r.kind === 'invalid') {
    const errors = Object.fromEntries(Object.entries(r.errors).map(([k, v]) => [k, t(`surveys:${v}`)]))
    return data({ done: null, errors: { ...errors, form: t('surveys:errors.summary') }, values: entries }, { status: 400 })
  }
  const status = r.kind === 'levelTooLow' ? 403 : r.kind === 'notFound' ? 404 : 409
  return data({ done: null, errors: { form: refusal(r, t, locale) ?? '' }, values: entries }, { status })
}

export default function SurveyPage() {
  const d = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const { t } = useTranslation('surveys')
  const errors: Record<string, string> = answer?.errors ?? {}
  const values: Record<string, string[]> = answer?.values ?? {}
  const showForm = !answer?.done && d.state === 'open' && !(answer && !Object.keys(errors).some((k) => k.startsWith('a.')) && errors.form)
  return (
    <article className="page narrow">
      <p>
        <Link to={`/processes/${d.slug}/surveys`}>{t('list.backToSurveys', { process: d.processTitle })}</Link>
      </p>
      <h1>{d.title}</h1>
      {answer?.done ? <FormMessage tone="success">{answer.done}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {!answer && d.refusal ? (
        <FormMessage tone="info">
          {d.refusal}
          {d.state === 'signIn' ? (
            <>
              {' '}
              <Link to={d.loginUrl}>{t('answer.login')}</Link>
            </>
          ) : null}
        </FormMessage>
      ) : null}
      {showForm ? <SurveyForm questions={d.questions} errors={errors} values={values} /> : null}
      {!showForm && d.questions.length && !answer?.done && d.state !== 'open' ? (
        <section aria-labelledby="questions-title">
          <h2 id="questions-title">{t('answer.questions')}</h2>
          <ol>
            {d.questions.map((q) => (
              <li key={q.id}>{q.prompt}</li>
            ))}
          </ol>
        </section>
      ) : null}
      <p>
        <Link to={`/processes/${d.slug}/surveys/${d.id}/results`} data-testid="survey-results-link">
          {t('list.results')}
        </Link>
      </p>
    </article>
  )
}
