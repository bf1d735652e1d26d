import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../lib/auth.server'
import { translatorFor } from '../lib/i18n.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'council:access')
  const { t } = await translatorFor(request)
  return { title: t('accounts:hub.councilHub') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function CouncilHub() {
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('hub.councilHub')}</h1>
      <p>{t('hub.councilIntro')}</p>
      <ul className="link-list">
        <li>
          <Link to="/council/verify">{t('council.verifyTitle')}</Link>
        </li>
      </ul>
    </section>
  )
}
