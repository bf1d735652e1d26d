import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { can } from '../modules/accounts/policy'
import { openReportCount } from '../modules/reports/council.server'
import { awaitingAnswerCount } from '../modules/proposals/proposals.server'
import { awaitingResponseCount } from '../modules/petitions/petitions.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'council:access')
  const { t } = await translatorFor(request)
  const triage = can(user, 'report:triage')
  const respond = can(user, 'proposal:respond')
  const [open, awaiting] = await Promise.all([triage ? openReportCount(user) : 0, respond ? awaitingAnswerCount() : 0])
  const petitions = can(user, 'petition:respond')
  const awaitingPetitions = petitions ? await awaitingResponseCount() : 0
  return { title: t('accounts:hub.councilHub'), triage, open, respond, awaiting, petitions, awaitingPetitions }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function CouncilHub() {
  const { triage, open, respond, awaiting, petitions, awaitingPetitions } = useLoaderData<typeof loader>()
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('hub.councilHub')}</h1>
      <p>{t('hub.councilIntro')}</p>
      <ul className="link-list">
        {triage ? (
          <>
            <li>
              <Link to="/council/reports">{t('council:hub.reports', { count: open })}</Link>
            </li>
            <li>
              <Link to="/council/templates">{t('council:templates.title')}</Link>
            </li>
            <li>
              <Link to="/council/dashboard">{t('council:dashboard.title')}</Link>
            </li>
          </>
        ) : null}
        {respond ? (
          <li>
            <Link to="/council/proposals">{t('proposals:council.title')}</Link> ({awaiting})
          </li>
        ) : null}
        {petitions ? (
          <li>
            <Link to="/council/petitions">{t('petitions:council.title')}</Link> ({t('petitions:council.hubAwaiting', { count: awaitingPetitions })})
          </li>
        ) : null}
        <li>
          <Link to="/council/verify">{t('council.verifyTitle')}</Link>
        </li>
      </ul>
    </section>
  )
}
