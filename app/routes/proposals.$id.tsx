import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import proposalStyles from '../modules/proposals/components/proposals.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { PlazaMap } from '../components/map/PlazaMap'
import { requiredLevel } from '../modules/accounts/policy'
import { mapClientConfig } from '../modules/geo/config.server'
import { discussionData } from '../modules/deliberation/page.server'
import { Discussion } from '../modules/deliberation/components/Discussion'
import { mayTakePart } from '../modules/deliberation/deliberation.server'
import { flagContent, flagReasons } from '../modules/moderation/moderation.server'
import { deleteDraft, proposalForViewer, publishProposal, supportProposal } from '../modules/proposals/proposals.server'
import { supportRefusal } from '../modules/proposals/policy'
import { isPublicState } from '../modules/proposals/states'
import { StateBadge, SupportProgress } from '../modules/proposals/components/ProposalParts'
import { FlagForm } from '../components/FlagForm'
import { NearLine } from '../components/map/NearLine'
import { nearLabel } from '../modules/basemap/search.server'
import { FollowForm } from '../components/FollowForm'
import { citySettings } from '../modules/city/settings.server'
import { ideaPath } from '../modules/processes/path.server'
import { IdeaPathView } from '../modules/processes/components/parts'

/**
 * /proposals/:id — a proposal as the public reads it: summary, text, author, category, tags,
 * place and map, image, supports against the threshold, time left, state, the council's answer
 * and the vote when there are, and the discussion. Residents at the support level support it
 * (once); others are told how to get there. Its author sees their draft here and publishes it.
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

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = proposalId(params)
  const [user, { locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const proposal = await proposalForViewer(id, user)
  if (!proposal) throw new Response('Not Found', { status: 404 })
  const level = requiredLevel('support', (await citySettings()).VERIFICATION_LEVELS)
  const refusal = proposal.viewer.supported ? null : supportRefusal(user, { state: proposal.state, authorId: null }, level)
  const discussion = isPublicState(proposal.state) ? await discussionData(request, user, 'proposal', id) : null
  const d = 0.004
  return {
    title: proposal.title,
    locale,
    proposal,
    near: proposal.place ? await nearLabel(proposal.place.lat, proposal.place.lng) : null,
    // "What happened to my idea" (issue 21): its path to the result it became.
    ideaPath: isPublicState(proposal.state) ? await ideaPath('proposal', id) : null,
    discussion,
    loggedIn: Boolean(user),
    followEmail: user?.email ?? '',
    support: proposal.viewer.supported ? ({ kind: 'supported' } as const) : refusal ? refusal : ({ kind: 'may' } as const),
    supportLevel: level,
    mapConfig: mapClientConfig(),
    bounds: proposal.place ? ([proposal.place.lng - d * 1.4, proposal.place.lat - d, proposal.place.lng + d * 1.4, proposal.place.lat + d] as [number, number, number, number]) : null,
    flagReasons,
  }
}

// Anonymous readers may get a copy up to 5 seconds old; logged-in people always a fresh one.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'description', content: data?.proposal.summary ?? '' }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = proposalId(params)
  const { t } = await translatorFor(request)
  const user = await getUser(request)
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/proposals/${id}`)}`)
  const fields = formFields(await readForm(request))
  const fail = (status: number, message: string, verify = false) => data({ message, verify }, { status })
  switch (fields.intent) {
    case 'support': {
      const result = await supportProposal(user.id, id)
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      if (result.kind === 'needsLevel') return fail(403, t('proposals:errors.supportLevel', { level: result.level }), true)
      if (result.kind === 'notOpen') return fail(409, t('proposals:errors.supportClosed'))
      return redirect(`/proposals/${id}?done=${result.kind === 'already' ? 'alreadySupported' : result.thresholdReached ? 'thresholdReached' : 'supported'}`)
    }
    case 'publish': {
      const result = await publishProposal(user, id)
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      if (result.kind === 'notDraft') return fail(409, t('proposals:errors.notDraft'))
      if (result.kind === 'blocked') return fail(403, t('proposals:errors.blocked', { reason: result.reason }))
      if (result.kind === 'needsLevel') return fail(403, t('proposals:errors.needsLevel', { level: result.level }), true)
      return redirect(`/proposals/${id}?done=published`)
    }
    case 'delete': {
      const result = await deleteDraft(user, id)
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      if (result.kind === 'notDraft') return fail(409, t('proposals:errors.notDraft'))
      return redirect('/proposals?deleted=1')
    }
    case 'flag': {
      const reason = flagReasons.find((r) => r === fields.reason)
      if (!reason) return fail(400, t('proposals:errors.flagReason'))
      const refusal = await mayTakePart(user)
      if (refusal?.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: refusal.reason }))
      if (refusal?.kind === 'needsLevel') return fail(403, t('deliberation:needsLevel'))
      const result = await flagContent(user.id, { targetKind: 'proposal', targetId: id, reason, note: (fields.note ?? '').slice(0, 1000) })
      if (result.kind === 'alreadyFlagged') return fail(409, t('deliberation:flag.already'))
      if (result.kind === 'ownContent') return fail(400, t('deliberation:flag.own'))
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      return redirect(`/proposals/${id}?done=flagged`)
    }
    default:
      return fail(400, t('proposals:errors.badRequest'))
  }
}

const DONE = ['supported', 'alreadySupported', 'thresholdReached', 'published', 'saved', 'flagged', 'answered'] as const

export default function ProposalPage() {
  const { proposal: p, near, discussion, loggedIn, support, supportLevel, mapConfig, bounds, locale, flagReasons, followEmail, ideaPath: path } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const [search] = useSearchParams()
  const { t } = useTranslation('proposals')
  const n = useNames()
  const f = formatters(locale)
  const done = DONE.find((d) => d === search.get('done'))
  const here = `/proposals/${p.id}`
  return (
    <div className="page proposal-page">
      <p>
        <Link to="/proposals">{t('backToList')}</Link>
      </p>
      <h1>{p.title}</h1>
      {done ? <FormMessage tone="success">{t(`done.${done}`)}</FormMessage> : null}
      {failure ? (
        <FormMessage tone="error">
          {failure.message}
          {failure.verify ? (
            <>
              {' '}
              <Link to="/account/verify">{t('page.verifyLink')}</Link>
            </>
          ) : null}
        </FormMessage>
      ) : null}
      {p.state === 'draft' ? (
        <div className="notice notice--info" role="status">
          <p>{t('page.draftNotice')}</p>
          <div className="inline-form">
            <Link to={`${here}/edit`}>{t('page.edit')}</Link>
            <Form method="post" action={here}>
              <input type="hidden" name="intent" value="publish" />
              <button type="submit">{t('page.publish')}</button>
            </Form>
            <Form method="post" action={here}>
              <input type="hidden" name="intent" value="delete" />
              <button type="submit" className="secondary">
                {t('page.deleteDraft')}
              </button>
            </Form>
          </div>
        </div>
      ) : null}
      {p.state === 'hidden' ? <FormMessage tone="info">{t('page.hidden')}</FormMessage> : null}
      <p className="proposal-page__summary">{p.summary}</p>
      <div className="proposal-page__grid">
        <div>
          <dl className="proposal-facts" data-testid="proposal-facts">
            <div>
              <dt>{t('page.state')}</dt>
              <dd>
                <StateBadge state={p.state} />
              </dd>
            </div>
            <div>
              <dt>{t('page.author')}</dt>
              <dd>{p.authorName ?? t('deletedUser')}</dd>
            </div>
            {p.category ? (
              <div>
                <dt>{t('page.category')}</dt>
                <dd>
                  <Link to={`/proposals?category=${p.category.code}`}>{n(p.category.name)}</Link>
                </dd>
              </div>
            ) : null}
            {p.area ? (
              <div>
                <dt>{t('page.place')}</dt>
                <dd>
                  <Link to={`/areas/${p.area.slug}`}>{n(p.area.name)}</Link>
                  {p.district ? (
                    <>
                      {', '}
                      <Link to={`/areas/${p.district.slug}`}>{n(p.district.name)}</Link>
                    </>
                  ) : null}
                </dd>
              </div>
            ) : null}
            {p.publishedAt ? (
              <div>
                <dt>{t('page.published')}</dt>
                <dd>
                  <time dateTime={p.publishedAt}>{f.date.format(new Date(p.publishedAt))}</time>
                </dd>
              </div>
            ) : null}
            {p.daysLeft !== null ? (
              <div>
                <dt>{t('page.timeLeft')}</dt>
                <dd data-testid="proposal-time-left">{p.daysLeft > 0 ? t('page.archivedIn', { count: p.daysLeft }) : t('page.archivedSoon')}</dd>
              </div>
            ) : null}
            {p.state === 'archived' && p.archivedAt ? (
              <div>
                <dt>{t('page.archived')}</dt>
                <dd>
                  <time dateTime={p.archivedAt}>{f.date.format(new Date(p.archivedAt))}</time>
                </dd>
              </div>
            ) : null}
          </dl>
          {p.tags.length ? (
            <p className="proposal-page__tags">
              {p.tags.map((tag) => (
                <Link key={tag} to={`/proposals?tag=${encodeURIComponent(tag)}`} className="pill">
                  {`#${tag}`}
                </Link>
              ))}
            </p>
          ) : null}
          {p.image ? (
            <p className="proposal-page__image">
              <a href={`/proposals/images/${p.image.id}/full.jpg`}>
                <img
                  src={`/proposals/images/${p.image.id}/medium.jpg`}
                  alt={t('page.imageAlt', { title: p.title })}
                  width={p.image.width >= p.image.height ? 640 : Math.round((640 * p.image.width) / p.image.height)}
                  height={p.image.width >= p.image.height ? Math.round((640 * p.image.height) / p.image.width) : 640}
                />
              </a>
            </p>
          ) : null}
          <div className="markdown proposal-page__body" dangerouslySetInnerHTML={{ __html: p.bodyHtml }} />
        </div>
        <aside className="proposal-page__side" aria-label={t('page.supportsHeading')}>
          {p.state !== 'draft' ? (
            <section className="proposal-support" aria-labelledby="supports-heading">
              <h2 id="supports-heading">{t('page.supportsHeading')}</h2>
              <SupportProgress id={p.id} supports={p.supports} threshold={p.threshold} locale={locale} />
              {support.kind === 'supported' ? (
                <p data-testid="support-state">{t('page.youSupport')}</p>
              ) : support.kind === 'may' || support.kind === 'login' ? (
                <Form method="post" action={here}>
                  <input type="hidden" name="intent" value="support" />
                  <button type="submit" className="proposal-support__button">
                    {loggedIn ? t('page.support') : t('page.supportLogin')}
                  </button>
                </Form>
              ) : support.kind === 'needsLevel' ? (
                <p data-testid="support-state">
                  {t('page.supportNeedsLevel', { level: supportLevel })} <Link to="/account/verify">{t('page.verifyLink')}</Link>
                </p>
              ) : (
                <p data-testid="support-state">{t(`page.supportClosed.${p.state}`)}</p>
              )}
            </section>
          ) : null}
          {p.vote ? (
            <section aria-labelledby="vote-heading">
              <h2 id="vote-heading">{t('page.voteHeading')}</h2>
              <p>
                <Link to={`/votes/${p.vote.id}`}>{p.vote.title}</Link> — {t(`page.voteStates.${p.vote.state}`)}
              </p>
            </section>
          ) : null}
          {p.place && bounds ? (
            <>
              <PlazaMap config={mapConfig} bounds={bounds} label={t('page.mapLabel', { title: p.title })} filter={{ layers: ['proposals'] }} className="proposal-page__map" />
              <NearLine address={near} />
              <p className="proposal-page__coordinates">{t('page.coordinates', { latitude: p.place.lat, longitude: p.place.lng })}</p>
            </>
          ) : null}
        </aside>
      </div>
      {p.answer ? (
        <section className="proposal-answer" aria-labelledby="answer-heading" data-testid="council-answer">
          <h2 id="answer-heading">{t('page.answerHeading')}</h2>
          <p className="proposal-answer__date">
            <time dateTime={p.answer.at}>{f.date.format(new Date(p.answer.at))}</time>
          </p>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: p.answer.html }} />
        </section>
      ) : null}
      {p.viewer.mayAnswer && (p.state === 'threshold_reached' || p.state === 'voting' || p.state === 'answered') ? (
        <p>
          <Link to={`/council/proposals/${p.id}`}>{t('page.answerLink')}</Link>
        </p>
      ) : null}
      {isPublicState(p.state) ? <FollowForm targetKind="proposal" targetId={p.id} back={here} email={followEmail} /> : null}
      {path ? <IdeaPathView path={path} /> : null}
      {discussion ? <Discussion data={discussion} locale={locale} title={t('page.discussion')} /> : null}
      {loggedIn && !p.viewer.isAuthor && isPublicState(p.state) ? (
        <FlagForm action={here} reasons={flagReasons} labels={{ summary: t('page.flag'), reason: t('page.flagReason'), note: t('page.flagNote'), submit: t('page.flagSubmit') }} />
      ) : null}
    </div>
  )
}
