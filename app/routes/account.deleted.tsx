import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  return { title: t('accounts:delete.doneTitle') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function AccountDeleted() {
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('delete.doneTitle')}</h1>
      <p>{t('delete.doneBody')}</p>
    </section>
  )
}
