import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import petitionStyles from '../components/petitions/petitions.css'
import { followAsAuthor } from '../modules/notifications/follow.server'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { emptyPetitionValues, petitionFormPage, petitionSaveErrors, readPetitionSubmission } from '../modules/petitions/form.server'
import { createPetition } from '../modules/petitions/petitions.server'
import { PetitionForm } from '../components/petitions/PetitionForm'

/**
 * /petitions/new — write a petition: title, the action it asks, background in Markdown (previewed
 * on the server), whom it asks (the council, a department or a representative in office), an
 * optional area whose residents alone may sign and an optional place on the map; save it as a
 * draft or send it to gather sponsors. Needs an account at the "propose" level.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: petitionStyles },
]

export async function loader({ request }: LoaderFunctionArgs) {
  return petitionFormPage(request, { values: emptyPetitionValues, errors: {}, previewHtml: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const submission = await readPetitionSubmission(request, t)
  if (submission.kind === 'delete') return redirect('/petitions')
  if (submission.kind === 'render') return data(await petitionFormPage(request, submission), { status: submission.status })
  const result = await createPetition(user, submission.input, { gather: submission.intent === 'gather', locale })
  if (result.kind === 'saved' && submission.values.follow === 'on') await followAsAuthor({ user, targetKind: 'petition', targetId: result.id, locale })
  if (result.kind === 'saved') return redirect(`/petitions/${result.id}?done=${result.state === 'draft' ? 'saved' : result.state}`)
  const refused = petitionSaveErrors(result, t)
  return data(await petitionFormPage(request, { values: submission.values, errors: refused.errors, previewHtml: null }), { status: refused.status })
}

export default function NewPetition() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const page = acted ?? loaded
  const { t } = useTranslation('petitions')
  return (
    <div className="page petition-new">
      <p>
        <Link to="/petitions">{t('backToList')}</Link>
      </p>
      <h1>{t('new.title')}</h1>
      {page.allowed ? (
        <>
          <p>{page.sponsors > 0 ? t('new.intro', { count: page.sponsors }) : t('new.introNoSponsors')}</p>
          <PetitionForm
            values={page.values}
            errors={page.errors}
            targets={page.targets}
            categories={page.categories}
            areas={page.areas}
            map={page.map}
            previewHtml={page.previewHtml}
            sponsors={page.sponsors}
            city={page.city}
            offerFollow={page.canFollow}
          />
        </>
      ) : (
        <div className="notice notice--info" role="status" data-testid="petition-level">
          <p>{t('new.needsLevel', { level: page.level })}</p>
          <p>{page.level >= 2 ? <Link to="/account/verify">{t('new.verifyLink')}</Link> : <Link to="/account">{t('new.confirmEmailLink')}</Link>}</p>
        </div>
      )}
    </div>
  )
}
