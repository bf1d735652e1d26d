import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import petitionStyles from '../components/petitions/petitions.css'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { petitionFormPage, petitionSaveErrors, readPetitionSubmission } from '../modules/petitions/form.server'
import { deletePetitionDraft, draftForEditing, getPetition, updatePetitionDraft } from '../modules/petitions/petitions.server'
import { PetitionForm } from '../components/petitions/PetitionForm'

/**
 * /petitions/:id/edit — the author changes their draft (only a draft, only its author), saves it
 * again, sends it to gather sponsors or throws it away. Someone else's draft: 403 with the reason;
 * a petition that left draft: back to its page.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: petitionStyles },
]

const petitionId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

/** The draft for its author; otherwise the refusal (as a page with its reason, or a redirect). */
async function draftOf(request: Request, id: number) {
  const user = await requireUser(request)
  const draft = await draftForEditing(id, user.id)
  if (draft) return { user, draft, refusal: null }
  const petition = await getPetition(id)
  if (!petition || (petition.state === 'draft' && petition.author_id !== user.id)) {
    // Someone else's draft is private: said plainly, without showing anything of it.
    const { t } = await translatorFor(request)
    return { user, draft: null, refusal: t(petition ? 'petitions:errors.notYourDraft' : 'petitions:errors.notFound') }
  }
  if (petition.author_id !== user.id) {
    const { t } = await translatorFor(request)
    return { user, draft: null, refusal: t('petitions:errors.notYourDraft') }
  }
  throw redirect(`/petitions/${id}`)
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = petitionId(params)
  const { draft, refusal } = await draftOf(request, id)
  if (!draft) return data({ id, refusal, page: null }, { status: 403 })
  return { id, refusal: null, page: await petitionFormPage(request, { values: draft.values, errors: {}, previewHtml: null }) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.page?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = petitionId(params)
  const { user, draft, refusal } = await draftOf(request, id)
  if (!draft) return data({ id, refusal, page: null }, { status: 403 })
  const { t } = await translatorFor(request)
  const submission = await readPetitionSubmission(request, t)
  if (submission.kind === 'delete') {
    await deletePetitionDraft(user, id)
    return redirect('/petitions?deleted=1')
  }
  if (submission.kind === 'render') return data({ id, refusal: null, page: await petitionFormPage(request, submission) }, { status: submission.status })
  const result = await updatePetitionDraft(user, id, submission.input, { gather: submission.intent === 'gather' })
  if (result.kind === 'saved') return redirect(`/petitions/${id}?done=${result.state === 'draft' ? 'saved' : result.state}`)
  const refused = petitionSaveErrors(result, t)
  return data({ id, refusal: null, page: await petitionFormPage(request, { values: submission.values, errors: refused.errors, previewHtml: null }) }, { status: refused.status })
}

export default function EditPetition() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const { id, refusal, page } = acted ?? loaded
  const { t } = useTranslation('petitions')
  return (
    <div className="page petition-new">
      <p>
        <Link to={`/petitions/${id}`}>{t('backToPetition')}</Link>
      </p>
      <h1>{t('edit.title')}</h1>
      {refusal || !page ? (
        <div className="notice notice--error" role="alert" data-testid="edit-refused">
          <p>{refusal}</p>
        </div>
      ) : (
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
        />
      )}
    </div>
  )
}
