import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { SignForm, type SignFormErrors } from '../components/petitions/SignForm'
import { FormMessage } from '../components/forms'
import { getUser } from '../modules/accounts/auth.server'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { getPetition, verifySponsorToken } from '../modules/petitions/petitions.server'
import { signAction } from '../modules/petitions/sign-http.server'
import { signFormData } from '../modules/petitions/signatures.server'

// The private sponsor link: the petition's text and the sign form in sponsor mode. A wrong token
// is a 404 (it does not tell whether the petition exists).
async function sponsorPetition(params: LoaderFunctionArgs['params']) {
  const petition = await getPetition(Number(params.id))
  if (!petition || !(await verifySponsorToken(petition.id, params.token ?? ''))) throw new Response('Not found', { status: 404 })
  return petition
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const [petition, user, { t }, form] = await Promise.all([sponsorPetition(params), getUser(request), translatorFor(request), signFormData()])
  return {
    title: t('signatures:sponsor.title', { title: petition.title }),
    petition: {
      id: petition.id,
      state: petition.state,
      area_id: petition.area_id,
      title: petition.title,
      action: petition.action,
      backgroundHtml: petition.background_html,
      sponsorsRequired: petition.sponsors_required,
      sponsorCount: petition.sponsor_count,
    },
    token: params.token!,
    user: user ? { displayName: user.displayName, email: user.email } : null,
    // The creator shares this link; they cannot sponsor their own petition (signPetition refuses).
    own: user !== null && petition.author_id === user.id,
    ...form,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  const petition = await sponsorPetition(params)
  return signAction({ request, petition, formData: await readForm(request), user: await getUser(request), sponsorToken: params.token })
}

export default function SponsorPetition() {
  const page = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as { errors?: SignFormErrors; values?: Record<string, string> } | undefined
  const [search] = useSearchParams()
  const { t } = useTranslation('signatures')
  const p = page.petition
  return (
    <section className="page narrow">
      <h1>{p.title}</h1>
      <p>{t('sponsor.intro', { count: p.sponsorsRequired })}</p>
      <p>{t('sponsor.progress', { count: p.sponsorCount, required: p.sponsorsRequired })}</p>
      <h2>{t('sponsor.action')}</h2>
      <p>{p.action}</p>
      {p.backgroundHtml ? (
        <>
          <h2>{t('sponsor.background')}</h2>
          <div className="prose" dangerouslySetInnerHTML={{ __html: p.backgroundHtml }} />
        </>
      ) : null}
      {page.own ? (
        <FormMessage tone="info">{t('errors.ownPetition')}</FormMessage>
      ) : (
        <SignForm petition={p} user={page.user} errors={result?.errors} values={result?.values} signed={search.get('signed')} sponsorToken={page.token} areas={page.areas} map={page.map} />
      )}
    </section>
  )
}
