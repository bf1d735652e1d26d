import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { localize } from '../lib/localized'
import { cityDefaultLocale } from '../lib/localized.server'
import { processNow } from '../modules/processes/clock.server'
import { processRecord } from '../modules/processes/processes.server'
import { ruleOpenIn } from '../modules/processes/projects.server'
import { surveysOf } from '../modules/processes/surveys.server'
import styles from '../modules/processes/components/surveys.css'

/** /processes/:slug/surveys — a published process's surveys: answer (while its survey phase runs) or see the results. */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

export async function loader({ request, params }: LoaderFunctionArgs) {
  const p = params.slug ? await processRecord({ slug: params.slug }) : null
  if (!p || !p.published) throw new Response('Not Found', { status: 404 })
  const { locale } = await translatorFor(request)
  const fallback = cityDefaultLocale()
  return {
    processTitle: localize(p.title, locale, fallback),
    slug: p.slug,
    open: ruleOpenIn(p, 'survey', processNow()),
    surveys: await surveysOf(p.id, locale),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.processTitle ?? ''} · Plaza` }]

export default function ProcessSurveys() {
  const d = useLoaderData<typeof loader>()
  const { t } = useTranslation('surveys')
  return (
    <article className="page narrow">
      <p>
        <Link to={`/processes/${d.slug}`}>{t('list.back', { process: d.processTitle })}</Link>
      </p>
      <h1>{t('list.title', { process: d.processTitle })}</h1>
      <p>{d.open ? t('list.open') : t('list.notOpen')}</p>
      {d.surveys.length === 0 ? (
        <p>{t('list.none')}</p>
      ) : (
        <ul className="survey-list" data-testid="surveys">
          {d.surveys.map((s) => (
            <li key={s.id}>
              <Link to={`/processes/${d.slug}/surveys/${s.id}`}>{s.title}</Link> — {t('list.questions', { count: s.questions })} · {t('list.answers', { count: s.responses })} ·{' '}
              <Link to={`/processes/${d.slug}/surveys/${s.id}/results`} aria-label={t('list.resultsOf', { title: s.title })}>
                {t('list.results')}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}
