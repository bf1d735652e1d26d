import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { confirmSignature } from '../modules/petitions/signatures.server'

/**
 * The signer's e-mailed link. Opening it (GET) only shows one button: mail scanners open links,
 * and a link they open must confirm nothing (issue 18). The button POSTs; counted or held by the
 * fraud rules, the person reads the same thanks (a hold is not revealed); pressing it again
 * answers the same. Links in mails sent before this change lead to the same page.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  return data({ title: t('signatures:confirm.askTitle') }, { headers: { 'Cache-Control': 'no-store' } })
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Nothing in the body is needed; reading it keeps a broken body a 400 rather than a 500.
  await readForm(request)
  const [{ t }, result] = await Promise.all([translatorFor(request), confirmSignature(params.token ?? '')])
  if (result.kind === 'confirmed') {
    return data({ ok: true as const, title: t('signatures:confirm.title'), petitionId: result.petitionId }, { headers: { 'Cache-Control': 'no-store' } })
  }
  return data({ ok: false as const, title: t('signatures:confirm.invalidTitle'), petitionId: null }, { status: 404, headers: { 'Cache-Control': 'no-store' } })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function ConfirmSignature() {
  useLoaderData<typeof loader>()
  const done = useActionData<typeof action>()
  const { t } = useTranslation('signatures')
  if (!done) {
    return (
      <section className="page narrow">
        <h1>{t('confirm.askTitle')}</h1>
        <p>{t('confirm.askBody')}</p>
        <Form method="post">
          <button type="submit">{t('confirm.askSubmit')}</button>
        </Form>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{done.ok ? t('confirm.title') : t('confirm.invalidTitle')}</h1>
      {done.ok ? <FormMessage tone="success">{t('confirm.body')}</FormMessage> : <p>{t('confirm.invalidBody')}</p>}
      <p>{done.petitionId ? <Link to={`/petitions/${done.petitionId}`}>{t('confirm.view')}</Link> : <Link to="/petitions">{t('confirm.petitions')}</Link>}</p>
    </section>
  )
}
