import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import mapStyles from '../styles/map.css'
import { useRequestContext } from '../lib/context'
import petitionStyles from '../components/petitions/petitions.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { FlagForm } from '../components/FlagForm'
import { SignForm } from '../components/petitions/SignForm'
import { NearLine } from '../components/map/NearLine'
import { nearLabel } from '../modules/basemap/search.server'
import { Choropleth, dailySeries, PetitionProgress, PetitionStateBadge, SignaturesOverTime } from '../components/petitions/PetitionParts'
import { discussionData } from '../modules/deliberation/page.server'
import { Discussion } from '../modules/deliberation/components/Discussion'
import { mayTakePart } from '../modules/deliberation/deliberation.server'
import { flagContent, flagReasons } from '../modules/moderation/moderation.server'
import { areaShapes } from '../modules/petitions/choropleth.server'
import { deletePetitionDraft, gatherSponsors, petitionForViewer, petitionJsonResponse } from '../modules/petitions/petitions.server'
import { signAction } from '../modules/petitions/sign-http.server'
import { signFormData } from '../modules/petitions/signatures.server'
import { isPublicState } from '../modules/petitions/states'
import { FollowForm } from '../components/FollowForm'
import { ideaPath } from '../modules/processes/path.server'
import { IdeaPathView } from '../modules/processes/components/parts'

/**
 * /petitions/:id — a petition as the public reads it: what it asks, of whom, its background, the
 * live count against the next threshold (refreshed from count.json every few seconds when
 * JavaScript runs), "awaiting response", the council's response and the debate, time left,
 * signatures per district and neighbourhood (a server-drawn choropleth with its table), signatures
 * over time, the sign form while open, and its discussion. Its author also sees a draft, the
 * sponsor link and progress, and the reason of a rejection. /petitions/:id.json (the same `$id`
 * segment ending in ".json") is the machine-readable copy.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: petitionStyles },
]

/**
 * Sent without React (issue 18, ADR 140): the forms are plain POST forms, the sign form's place is
 * the picker's list of areas, typed coordinates or the address search, and the live count is the
 * small script below.
 */
export const handle = { hydrate: false }

/**
 * The live count without React: every 5 s the figure and the progress bar follow count.json
 * (the words around it are the server's; a reload brings the next threshold's text).
 */
const LIVE_COUNT_SCRIPT = `(function(){
var box = document.querySelector('[data-petition-id]');
if (!box || !window.fetch) return;
var figure = box.querySelector('[data-petition-count]');
var bar = box.querySelector('[data-petition-progress]');
var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
setInterval(function () {
  fetch('/petitions/' + box.getAttribute('data-petition-id') + '/count.json', { headers: { Accept: 'application/json' } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (b) {
      if (!b || typeof b.count !== 'number') return;
      figure.textContent = format.format(b.count);
      if (bar) bar.value = Math.min(b.count, Number(bar.max));
    })
    .catch(function () {});
}, 5000);
})()`

const petitionId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  // /petitions/:id.json — Remix's $id takes "12.json"; documents are answered before Remix (fastRoutes).
  if (params.id?.endsWith('.json')) return petitionJsonResponse(request)
  const id = petitionId(params)
  const [user, { locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const petition = await petitionForViewer(id, user)
  if (!petition) throw new Response('Not Found', { status: 404 })
  const published = isPublicState(petition.state)
  const [shapes, sign, discussion] = await Promise.all([
    published ? areaShapes() : Promise.resolve(null),
    petition.state === 'open' ? signFormData() : Promise.resolve({ areas: [], map: null }),
    published ? discussionData(request, user, 'petition', id) : Promise.resolve(null),
  ])
  const { row, ...view } = petition
  return {
    title: petition.title,
    locale,
    petition: view,
    near: published ? await nearLabel(row.lat, row.lng) : null,
    // "What happened to my idea" (issue 21): its path to the result it became.
    ideaPath: published ? await ideaPath('petition', id) : null,
    signing: { id: row.id, state: row.state, area_id: row.area_id, closes_at: row.closes_at },
    user: user ? { displayName: user.displayName, email: user.email } : null,
    shapes,
    sign,
    discussion,
    daily: dailySeries(petition.daily, row.state === 'open' ? new Date().toISOString().slice(0, 10) : undefined),
    flagReasons,
    loggedIn: Boolean(user),
  }
}

// Anonymous readers may get a copy up to 2 seconds old (the count moves fast); the HTTP layer
// never caches logged-in people's pages.
export const headers = () => ({ 'Plaza-Page-Cache': '2' })

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const d = data as { title?: string; petition?: { action: string } } | undefined
  return [{ title: `${d?.title ?? ''} · Plaza` }, { name: 'description', content: d?.petition?.action ?? '' }]
}

export async function action({ request, params }: ActionFunctionArgs) {
  const id = petitionId(params)
  const user = await getUser(request)
  const form = await readForm(request)
  const intent = form.get('intent')
  if (intent === 'sign') return signAction({ request, petition: { id }, formData: form, user })
  const { t } = await translatorFor(request)
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/petitions/${id}`)}`)
  const fail = (status: number, message: string) => data({ message }, { status })
  switch (intent) {
    case 'gather': {
      const result = await gatherSponsors(user, id)
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      if (result.kind === 'notDraft') return fail(409, t('petitions:errors.notDraft'))
      if (result.kind === 'blocked') return fail(403, t('petitions:errors.blocked', { reason: result.reason }))
      if (result.kind === 'needsLevel') return fail(403, t('petitions:errors.needsLevel', { level: result.level }))
      return redirect(`/petitions/${id}?done=${result.state}`)
    }
    case 'delete': {
      const result = await deletePetitionDraft(user, id)
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      if (result.kind === 'notDraft') return fail(409, t('petitions:errors.notDraft'))
      return redirect('/petitions?deleted=1')
    }
    case 'flag': {
      const reason = flagReasons.find((r) => r === form.get('reason'))
      if (!reason) return fail(400, t('petitions:errors.flagReason'))
      const refusal = await mayTakePart(user)
      if (refusal?.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: refusal.reason }))
      if (refusal?.kind === 'needsLevel') return fail(403, t('deliberation:needsLevel'))
      const note = form.get('note')
      const result = await flagContent(user.id, { targetKind: 'petition', targetId: id, reason, note: typeof note === 'string' ? note.slice(0, 1000) : '' })
      if (result.kind === 'alreadyFlagged') return fail(409, t('deliberation:flag.already'))
      if (result.kind === 'ownContent') return fail(400, t('deliberation:flag.own'))
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      return redirect(`/petitions/${id}?done=flagged`)
    }
    default:
      return fail(400, t('petitions:errors.badRequest'))
  }
}

const DONE = ['saved', 'sponsoring', 'pending', 'flagged'] as const

export default function PetitionPage() {
  const {
    petition: p,
    near,
    signing,
    user,
    shapes,
    sign,
    discussion,
    daily,
    locale,
    flagReasons,
    loggedIn,
    ideaPath: path,
  } = useLoaderData<typeof loader>() as Exclude<Awaited<ReturnType<typeof loader>>, Response>
  const acted = useActionData<typeof action>() as { message?: string; errors?: Record<string, string>; values?: Record<string, string> } | undefined
  const [params] = useSearchParams()
  const { t } = useTranslation('petitions')
  const n = useNames()
  const f = formatters(locale)
  const done = DONE.find((d) => d === params.get('done'))
  const published = isPublicState(p.state)
  const { cspNonce } = useRequestContext()
  const count = p.signatures
  const targetName =
    p.target.kind === 'council' ? t('targets.council') : p.target.kind === 'representative' ? `${p.target.name ?? ''}${p.target.role ? ` (${n(p.target.role)})` : ''}` : n(p.target.name)
  return (
    <article className="page petition-page" aria-labelledby="petition-title">
      <p>
        <Link to="/petitions">{t('backToList')}</Link>
      </p>
      {done ? <FormMessage tone="success">{t(`done.${done}`)}</FormMessage> : null}
      {acted?.message ? <FormMessage tone="error">{acted.message}</FormMessage> : null}
      <header className="petition-page__header">
        <p>
          <PetitionStateBadge state={p.state} awaiting={p.awaitingResponse} />
        </p>
        <h1 id="petition-title">{p.title}</h1>
        <p className="petition-page__action">{p.action}</p>
        <NearLine address={near} />
        <p className="petition-page__meta">
          {t('page.target', { target: targetName })}
          {p.area ? (
            <>
              {' · '}
              {t('page.restricted')} <Link to={`/areas/${p.area.slug}`}>{p.area.name}</Link>
            </>
          ) : null}
          {' · '}
          {t('page.by', { name: p.authorName ?? t('deletedUser') })}
        </p>
      </header>

      {p.rejection ? (
        <div className="notice notice--error" role="status" data-testid="rejection">
          <p>{t('page.rejected', { reason: t(`reasons.${p.rejection.reason}`) })}</p>
          {p.rejection.details ? <p>{p.rejection.details}</p> : null}
        </div>
      ) : null}

      {p.state === 'draft' && p.viewer.isAuthor ? (
        <section className="notice notice--info" aria-labelledby="draft-heading" data-testid="draft-actions">
          <h2 id="draft-heading">{t('page.draftHeading')}</h2>
          <p>{p.sponsors.required > 0 ? t('page.draftIntro', { count: p.sponsors.required }) : t('page.draftIntroNoSponsors')}</p>
          <div className="button-row">
            <Link to={`/petitions/${p.id}/edit`} className="button">
              {t('page.edit')}
            </Link>
            <Form method="post">
              <input type="hidden" name="intent" value="gather" />
              <button type="submit">{p.sponsors.required > 0 ? t('page.gather') : t('page.submit')}</button>
            </Form>
            <Form method="post">
              <input type="hidden" name="intent" value="delete" />
              <button type="submit" className="danger">
                {t('page.delete')}
              </button>
            </Form>
          </div>
        </section>
      ) : null}

      {p.state === 'sponsoring' ? (
        <section className="notice notice--info" aria-labelledby="sponsor-heading" data-testid="sponsoring">
          <h2 id="sponsor-heading">{t('page.sponsorHeading')}</h2>
          <p>{t('page.sponsorProgress', { count: p.sponsors.required, n: f.integer.format(p.sponsors.count), required: f.integer.format(p.sponsors.required) })}</p>
          <progress max={p.sponsors.required} value={Math.min(p.sponsors.count, p.sponsors.required)} aria-label={t('page.sponsorHeading')} />
          {p.sponsorLink ? (
            <>
              <p>{t('page.sponsorLinkIntro')}</p>
              <p>
                <a href={p.sponsorLink} data-testid="sponsor-link">
                  {p.sponsorLink}
                </a>
              </p>
            </>
          ) : null}
        </section>
      ) : null}

      {p.state === 'pending' ? (
        <p className="notice notice--info" role="status">
          {t('page.pending')}
        </p>
      ) : null}
      {p.state === 'hidden' ? (
        <p className="notice notice--info" role="status">
          {t('page.hidden')}
        </p>
      ) : null}

      {published ? (
        <section aria-labelledby="count-heading" className="petition-page__count">
          <h2 id="count-heading" className="petition-page__count-heading">
            {t('page.countHeading')}
          </h2>
          <PetitionProgress id={p.id} signatures={count} thresholds={p.thresholds} locale={locale} />
          {p.state === 'open' ? <script nonce={cspNonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: LIVE_COUNT_SCRIPT }} /> : null}
          {p.awaitingResponse ? (
            <p className="petition-page__awaiting" data-testid="awaiting-response">
              {t('page.awaiting', { date: p.responseReachedAt ? f.date.format(new Date(p.responseReachedAt)) : '' })}
            </p>
          ) : null}
          {p.state === 'open' && p.closesAt ? (
            <p>
              {t('page.daysLeft', { count: p.daysLeft ?? 0 })} ({t('closesOn')} <time dateTime={p.closesAt}>{f.date.format(new Date(p.closesAt))}</time>)
            </p>
          ) : null}
          {p.state === 'closed' && p.closedAt ? (
            <p>
              {t('page.closedOn')} <time dateTime={p.closedAt}>{f.date.format(new Date(p.closedAt))}</time>
            </p>
          ) : null}
        </section>
      ) : null}

      {/* Closed: the form's place says so (and a late signature's refusal lands here). */}
      {published ? (
        <SignForm
          petition={signing}
          user={user}
          errors={acted?.errors}
          values={acted?.values ?? (params.get('lat') ? { lat: params.get('lat') ?? '', lng: params.get('lng') ?? '' } : undefined)}
          signed={params.get('signed')}
          areas={sign.areas}
          map={sign.map}
          areaName={p.area?.name ?? null}
        />
      ) : null}

      {p.response ? (
        <section aria-labelledby="response-heading" className="petition-page__response" data-testid="response">
          <h2 id="response-heading">{t('page.response')}</h2>
          <p className="petition-page__date">
            <time dateTime={p.response.at}>{f.date.format(new Date(p.response.at))}</time>
          </p>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: p.response.html }} />
        </section>
      ) : null}

      {p.debate ? (
        <section aria-labelledby="debate-heading" className="petition-page__debate" data-testid="debate">
          <h2 id="debate-heading">{t('page.debate')}</h2>
          <p>{t('page.debateScheduled', { date: f.date.format(new Date(`${p.debate.date}T00:00:00Z`)) })}</p>
          {p.debate.outcomeHtml ? <div className="markdown" dangerouslySetInnerHTML={{ __html: p.debate.outcomeHtml }} /> : null}
        </section>
      ) : null}

      {p.backgroundHtml ? (
        <section aria-labelledby="background-heading">
          <h2 id="background-heading">{t('page.background')}</h2>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: p.backgroundHtml }} />
        </section>
      ) : null}

      {published && shapes ? (
        <section aria-labelledby="where-heading" className="petition-page__where">
          <h2 id="where-heading">{t('page.where')}</h2>
          <div className="petition-page__maps">
            <Choropleth shapes={shapes} counts={p.areaCounts} level="district" locale={locale} />
            <Choropleth shapes={shapes} counts={p.areaCounts} level="neighbourhood" locale={locale} />
          </div>
        </section>
      ) : null}

      {published ? (
        <section aria-labelledby="time-heading">
          <h2 id="time-heading">{t('page.overTime')}</h2>
          <SignaturesOverTime daily={daily} locale={locale} />
          <p className="petition-page__data">
            <a href={`/petitions/${p.id}.json`}>{t('page.json')}</a>
          </p>
        </section>
      ) : null}

      {published ? <FollowForm targetKind="petition" targetId={p.id} back={`/petitions/${p.id}`} email={user?.email ?? ''} /> : null}
      {path ? <IdeaPathView path={path} /> : null}
      {discussion ? <Discussion data={discussion} locale={locale} title={t('page.discussion')} /> : null}
      {published && loggedIn ? (
        <FlagForm action={`/petitions/${p.id}`} reasons={flagReasons} labels={{ summary: t('page.flag'), reason: t('page.flagReason'), note: t('page.flagNote'), submit: t('page.flagSubmit') }} />
      ) : null}
    </article>
  )
}
