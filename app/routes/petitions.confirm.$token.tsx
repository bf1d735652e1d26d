import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { translatorFor } from '../lib/i18n.server'
import { confirmSignature } from '../modules/petitions/signatures.server'

// The signer's e-mailed link. Counted or held by the fraud rules, the person reads the same
// thanks (a hold is not revealed); following it again answers the same.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const [{ t }, result] = await Promise.all([translatorFor(request), confirmSignature(params.token ?? '')])
  if (result.kind === 'confirmed') {
    return data({ ok: true as const, title: t('signatures:confirm.title'), petitionId: result.petitionId }, { headers: { 'Cache-Control': 'no-store' } })
  }
  return data({ ok: false as const, title: t('signatures:confirm.invalidTitle'), petitionId: null }, { status: 404, headers: { 'Cache-Control': 'no-store' } })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmSignature() {
  const page = useLoaderData<typeof loader>()
  const { t } = useTranslation('signatures')
  return (
    <section className="page narrow">
      <h1>{page.ok ? t('confirm.title') : t('confirm.invalidTitle')}</h1>
      {page.ok ? <FormMessage tone="success">{t('confirm.body')}</FormMessage> : <p>{t('confirm.invalidBody')}</p>}
      <p>{page.petitionId ? <Link to={`/petitions/${page.petitionId}`}>{t('confirm.view')}</Link> : <Link to="/petitions">{t('confirm.petitions')}</Link>}</p>
    </section>
  )
}
