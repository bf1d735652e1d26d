import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { confirmLetter, pendingLetter } from '../modules/letters/letters.server'

/**
 * /letters/confirm/:token — the link in the confirmation mail. Opening it shows the letter and a
 * button: a GET never sends anything (mail scanners open links), the POST confirms. Confirming runs
 * the campaign check and either queues the letter to each representative or holds it for review;
 * either way the sender lands on the letter's status page.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const letter = await pendingLetter(params.token ?? '')
  if (!letter) return data({ title: t('letters:confirm.invalidTitle'), letter: null, recipients: '' }, { status: 404 })
  const recipients = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(letter.recipients)
  return { title: t('letters:confirm.title'), letter, recipients }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  const result = await confirmLetter(params.token ?? '')
  if (result.kind === 'invalid') {
    const { t } = await translatorFor(request)
    return data({ title: t('letters:confirm.invalidTitle') }, { status: 404 })
  }
  return redirect(`/letters/${result.statusToken}?${result.kind === 'frozen' ? 'frozen' : 'confirmed'}=1`)
}

export default function ConfirmLetter() {
  const { letter, recipients } = useLoaderData<typeof loader>()
  const { t } = useTranslation('letters')
  if (!letter) {
    return (
      <section className="page narrow">
        <h1>{t('confirm.invalidTitle')}</h1>
        <p>{t('confirm.invalidBody')}</p>
        <p>
          <Link to="/letters/new">{t('status.writeAnother')}</Link>
        </p>
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('confirm.title')}</h1>
      <p>{t('confirm.intro', { subject: letter.subject, recipients })}</p>
      <Form method="post">
        <button type="submit">{t('confirm.submit')}</button>
      </Form>
      <p className="field__hint">{t('confirm.why')}</p>
    </section>
  )
}
