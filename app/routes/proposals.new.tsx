import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import proposalStyles from '../modules/proposals/components/proposals.css'
import { followAsAuthor } from '../modules/notifications/follow.server'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { requiredLevel } from '../modules/accounts/policy'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { emptyValues, readSubmission, saveErrors, type FormValues, type PendingImageView } from '../modules/proposals/form.server'
import { createProposal, proposalCategories } from '../modules/proposals/proposals.server'
import { ProposalForm } from '../modules/proposals/components/ProposalParts'
import { citySettings } from '../modules/city/settings.server'

/**
 * /proposals/new — write a proposal: title, summary, Markdown text (previewed on the server),
 * category, tags, an optional place and an optional image; save it as a draft (only its author
 * sees it) or publish it. Needs an account at the level VERIFICATION_LEVELS gives "propose"
 * (default 1, e-mail confirmed); below it the page says how to get there.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: proposalStyles },
]

async function pageData(request: Request, form: { values: FormValues; errors: Record<string, string>; previewHtml: string | null; image: PendingImageView | null }) {
  const user = await requireUser(request)
  const areaLocale = await localeOf(request)
  const [{ t }, categories, areas, bounds, city] = await Promise.all([translatorFor(request), proposalCategories(), areaOptions(areaLocale), cityBounds(), cityProfile()])
  const level = requiredLevel('propose', (await citySettings()).VERIFICATION_LEVELS)
  return {
    title: t('proposals:new.title'),
    allowed: user.verificationLevel >= level,
    canFollow: Boolean(user.email && user.emailConfirmed),
    level,
    categories: categories.map((c) => ({ code: c.code, name: c.name })),
    map: bounds ? { config: mapClientConfig(), bounds, areas } : null,
    city: city?.name ?? 'Plaza',
    ...form,
  }
}

export async function loader({ request }: LoaderFunctionArgs) {
  return pageData(request, { values: emptyValues, errors: {}, previewHtml: null, image: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const submission = await readSubmission(request, t)
  if (submission.kind === 'delete') return redirect('/proposals')
  if (submission.kind === 'render') {
    return data(await pageData(request, submission), { status: submission.status, headers: submission.headers })
  }
  const result = await createProposal(user, submission.input, { publish: submission.intent === 'publish' })
  if (result.kind === 'saved' && submission.values.follow === 'on') await followAsAuthor({ user, targetKind: 'proposal', targetId: result.id, locale })
  if (result.kind === 'saved') return redirect(`/proposals/${result.id}?done=${result.state === 'draft' ? 'saved' : 'published'}`)
  const refused = saveErrors(result, t)
  return data(await pageData(request, { values: submission.values, errors: refused.errors, previewHtml: null, image: submission.image }), { status: refused.status })
}

export default function NewProposal() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const page = acted ?? loaded
  const { t } = useTranslation('proposals')
  return (
    <div className="page proposal-new">
      <p>
        <Link to="/proposals">{t('backToList')}</Link>
      </p>
      <h1>{t('new.title')}</h1>
      {page.allowed ? (
        <>
          <p>{t('new.intro')}</p>
          <ProposalForm
            values={page.values}
            errors={page.errors}
            categories={page.categories}
            map={page.map}
            previewHtml={page.previewHtml}
            pendingImage={page.image}
            currentImage={null}
            editing={false}
            city={page.city}
            offerFollow={page.canFollow}
          />
        </>
      ) : (
        <div className="notice notice--info" role="status" data-testid="propose-level">
          <p>{t('new.needsLevel', { level: page.level })}</p>
          <p>{page.level >= 2 ? <Link to="/account/verify">{t('page.verifyLink')}</Link> : <Link to="/account">{t('new.confirmEmailLink')}</Link>}</p>
        </div>
      )}
    </div>
  )
}
