import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import proposalStyles from '../modules/proposals/components/proposals.css'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { readSubmission, saveErrors, type FormValues, type PendingImageView } from '../modules/proposals/form.server'
import { imageUrl } from '../modules/proposals/images.server'
import { deleteDraft, draftForEditing, proposalCategories, updateDraft } from '../modules/proposals/proposals.server'
import { ProposalForm } from '../modules/proposals/components/ProposalParts'

/**
 * /proposals/:id/edit — the author changes their draft (only a draft, only its author: anyone
 * else gets a 404, as if it did not exist), saves it again, publishes it or throws it away.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: proposalStyles },
]

const proposalId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

async function draftOf(request: Request, id: number) {
  const user = await requireUser(request)
  const draft = await draftForEditing(id, user.id)
  if (!draft) throw new Response('Not Found', { status: 404 })
  // A published proposal is not edited: people supported what it says.
  if (draft.state !== 'draft') throw redirect(`/proposals/${id}`)
  return { user, draft }
}

async function pageData(
  request: Request,
  id: number,
  imageId: number | null,
  form: { values: FormValues; errors: Record<string, string>; previewHtml: string | null; image: PendingImageView | null },
) {
  const areaLocale = await localeOf(request)
  const [{ t }, categories, areas, bounds, city] = await Promise.all([translatorFor(request), proposalCategories(), areaOptions(areaLocale), cityBounds(), cityProfile()])
  return {
    title: t('proposals:edit.title'),
    id,
    categories: categories.map((c) => ({ code: c.code, name: c.name })),
    map: bounds ? { config: mapClientConfig(), bounds, areas } : null,
    city: city?.name ?? 'Plaza',
    currentImage: imageId ? { url: imageUrl(imageId, 'thumb') } : null,
    ...form,
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = proposalId(params)
  const { draft } = await draftOf(request, id)
  return pageData(request, id, draft.imageId, { values: { ...draft.values, area: '' }, errors: {}, previewHtml: null, image: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = proposalId(params)
  const { user, draft } = await draftOf(request, id)
  const { t } = await translatorFor(request)
  const submission = await readSubmission(request, t)
  if (submission.kind === 'delete') {
    await deleteDraft(user, id)
    return redirect('/proposals?deleted=1')
  }
  if (submission.kind === 'render') return data(await pageData(request, id, draft.imageId, submission), { status: submission.status, headers: submission.headers })
  const result = await updateDraft(user, id, submission.input, { publish: submission.intent === 'publish' })
  if (result.kind === 'saved') return redirect(`/proposals/${id}?done=${result.state === 'draft' ? 'saved' : 'published'}`)
  const refused = saveErrors(result, t)
  return data(await pageData(request, id, draft.imageId, { values: submission.values, errors: refused.errors, previewHtml: null, image: submission.image }), { status: refused.status })
}

export default function EditProposal() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const page = acted ?? loaded
  const { t } = useTranslation('proposals')
  return (
    <div className="page proposal-new">
      <p>
        <Link to={`/proposals/${page.id}`}>{t('edit.back')}</Link>
      </p>
      <h1>{t('edit.title')}</h1>
      <ProposalForm
        values={page.values}
        errors={page.errors}
        categories={page.categories}
        map={page.map}
        previewHtml={page.previewHtml}
        pendingImage={page.image}
        currentImage={page.currentImage}
        editing
        city={page.city}
      />
      <Form method="post" className="proposal-edit__delete">
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="secondary">
          {t('page.deleteDraft')}
        </button>
      </Form>
    </div>
  )
}
