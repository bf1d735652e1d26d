import type { ActionFunctionArgs, HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import type { AnchorHTMLAttributes } from 'react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { formatters } from '../lib/format'
import { translatorFor } from '../lib/i18n.server'
import { localize } from '../lib/localized'
import { cityDefaultLocale } from '../lib/localized.server'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { clockInjected, processNow } from '../modules/processes/clock.server'
import { formatMoney, PROJECT_DESCRIPTION_MAX, PROJECT_TITLE_MAX } from '../modules/processes/phases'
import { descriptionHtml, districtOptions, isFollowing, pageCacheSeconds, processRecord, setFollowing, timeline } from '../modules/processes/processes.server'
import { altOf, imageFailureMessage, processImageUrl, readImageForm } from '../modules/processes/images.server'
import { projectCounts, projectFieldErrors, projectsOf, ruleOpenIn, submitProject, supportProject } from '../modules/processes/projects.server'
import { ImageFields, Timeline } from '../modules/processes/components/parts'
import styles from '../modules/processes/components/processes.css'

/**
 * /processes/:slug — a participatory process: its description, its phases as a timeline with the
 * current one marked, and what the current phase turns on: submitting a project, supporting
 * projects, the ballot, the results. Following it mails each phase change. Plain POST forms.
 */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

// An anonymous visitor has nothing to do on this page but read it and follow links (the forms need
// a session): the page is sent as HTML and CSS, without React and its data (root.tsx, ADR 137).
// Signed-in people get the hydrated page.
export const handle = { hydrate: (data: unknown) => Boolean((data as { signedIn?: boolean } | undefined)?.signedIn) }

// Anonymous copies are reused for a few seconds (never past a phase change): the page cache only
// stores pages of visitors without a session (app/lib/page-cache.server.ts).
const CACHE_SECONDS = 5
export const headers: HeadersFunction = ({ loaderHeaders }) => {
  const seconds = loaderHeaders.get('Plaza-Page-Cache')
  return seconds ? { 'Plaza-Page-Cache': seconds } : new Headers()
}

const AFTER_RE = /^(\d{1,9})\.(\d{1,12})$/

async function load(slug: string | undefined) {
  const p = slug ? await processRecord({ slug }) : null
  if (!p || !p.published) throw new Response('Not Found', { status: 404 })
  return p
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const p = await load(params.slug)
  const [user, { locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const at = processNow()
  const url = new URL(request.url)
  const afterMatch = AFTER_RE.exec(url.searchParams.get('after') ?? '')
  const after = afterMatch ? { supports: Number(afterMatch[1]), id: Number(afterMatch[2]) } : null
  const [projects, counts, following] = await Promise.all([projectsOf(p.id, { after }), projectCounts(p.id), user ? isFollowing(p.id, user.id) : false])
  const fallback = cityDefaultLocale()
  const seconds = user ? 0 : pageCacheSeconds(p, at, CACHE_SECONDS, clockInjected())
  return data(
    {
      title: localize(p.title, locale, fallback),
      descriptionHtml: descriptionHtml(localize(p.description, locale, fallback)),
      slug: p.slug,
      image: p.imageId ? { src: processImageUrl(p.imageId, 'medium'), alt: localize(p.imageAlt, locale, fallback) } : null,
      currency: p.currency,
      cityBudget: p.cityBudget,
      districts: await districtOptions(p, locale),
      budgetVoteId: p.budgetVoteId,
      timeline: timeline(p, locale, at),
      open: { submit: ruleOpenIn(p, 'submit', at), supports: ruleOpenIn(p, 'supports', at), vote: ruleOpenIn(p, 'vote', at), accountability: ruleOpenIn(p, 'accountability', at) },
      // Only what the list shows (the page's data is sent to the browser when it hydrates).
      projects: projects.items.map((j) => ({ id: j.id, title: j.title, state: j.state, cost: j.finalCost ?? j.estimatedCost, supports: j.supports })),
      next: projects.next ? `${projects.next.supports}.${projects.next.id}` : null,
      counts,
      signedIn: Boolean(user),
      following,
    },
    seconds > 0 ? { headers: { 'Plaza-Page-Cache': String(seconds) } } : undefined,
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const p = await load(params.slug)
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  // Multipart (the submit form, with its images) or urlencoded (follow, support).
  const form = await readImageForm(request, 'project')
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...form.headers } })
  const fields = form.fields
  const images = form.kind === 'ok' ? form.images : []
  const at = processNow()
  if (form.kind === 'tooLarge')
    return data(
      { intent: 'submit', message: null, errors: { images: imageFailureMessage(t, [{ kind: 'tooLarge' }]) } as Record<string, string>, values: fields, images },
      { status: 413, headers: form.headers },
    )
  const refusal = (r: { kind: 'closed'; opensAt: string | null } | { kind: 'levelTooLow'; required: number } | { kind: 'notFound' } | { kind: 'notSupportable' }) => {
    if (r.kind === 'closed') return r.opensAt ? t('processes:refusals.closedUntil', { date: formatters(locale).dateTime.format(new Date(r.opensAt)) }) : t('processes:refusals.closed')
    if (r.kind === 'levelTooLow') return t('processes:refusals.level', { level: r.required })
    if (r.kind === 'notSupportable') return t('processes:refusals.notSupportable')
    return t('common:errors.notFoundTitle')
  }
  switch (fields.intent) {
    case 'follow':
    case 'unfollow':
      await setFollowing(user, p.id, fields.intent === 'follow', at)
      return data({ intent: fields.intent, message: t(fields.intent === 'follow' ? 'processes:follow.done' : 'processes:follow.stopped'), errors: {}, values: {}, images: [] })
    case 'submit': {
      const translated = (errors: Record<string, string>) => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(`processes:${v}`)]))
      // A refused image is said next to the images field, with the other fields' mistakes; nothing is saved.
      if (form.kind === 'ok' && form.failures.length)
        return data({ intent: 'submit', message: null, errors: { ...translated(projectFieldErrors(fields)), images: imageFailureMessage(t, form.failures) }, values: fields, images }, { status: 400 })
      const r = await submitProject(user, p.id, fields, at, { refs: images.map((i) => i.ref), alt: altOf(fields) })
      if (r.kind === 'ok') return redirect(`/processes/projects/${r.id}?submitted=1`)
      if (r.kind === 'invalid') return data({ intent: 'submit', message: null, errors: translated(r.errors), values: fields, images }, { status: 400 })
      return data({ intent: 'submit', message: null, errors: { form: refusal(r) }, values: fields, images }, { status: r.kind === 'notFound' ? 404 : r.kind === 'levelTooLow' ? 403 : 409 })
    }
    case 'support': {
      const id = Number(fields.project)
      if (!Number.isSafeInteger(id)) return data({ intent: 'support', message: null, errors: { form: t('common:errors.malformedForm') }, values: {}, images: [] }, { status: 400 })
      const r = await supportProject(user, id, at)
      if (r.kind === 'ok') return data({ intent: 'support', message: t('processes:projects.supported'), errors: {}, values: {}, images: [] })
      return data({ intent: 'support', message: null, errors: { form: refusal(r) }, values: {}, images: [] }, { status: r.kind === 'notFound' ? 404 : r.kind === 'levelTooLow' ? 403 : 409 })
    }
    default:
      return data({ intent: 'none', message: null, errors: { form: t('common:errors.malformedForm') }, values: {}, images: [] }, { status: 400 })
  }
}

// A link of the page not hydrated (anonymous visitors): a plain <a>, without Link's router hooks.
function PlainLink({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a href={to} {...rest}>
      {children}
    </a>
  )
}

export default function ProcessPage() {
  const d = useLoaderData<typeof loader>()
  const To = d.signedIn ? Link : PlainLink
  const result = useActionData<typeof action>()
  const { t, i18n } = useTranslation('processes')
  const money = (cents: number) => formatMoney(cents, d.currency, i18n.language)
  const errors: Record<string, string> = result?.errors ?? {}
  const values: Record<string, string> = (result?.values as Record<string, string> | undefined) ?? {}
  return (
    <article className="page">
      <p>
        <To to="/processes">{t('list.back')}</To>
      </p>
      <h1>{d.title}</h1>
      {d.image ? <img className="process-image" src={d.image.src} alt={d.image.alt || t('images.processAlt', { title: d.title })} data-testid="process-image" /> : null}
      <div className="prose" dangerouslySetInnerHTML={{ __html: d.descriptionHtml }} />
      {result?.message ? <FormMessage tone="success">{result.message}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <h2>{t('page.phases')}</h2>
      <p data-testid="current-phase">{d.timeline.current ? t('page.current', { phase: d.timeline.current.title }) : t('page.noCurrent')}</p>
      <Timeline entries={d.timeline.entries} />
      {d.signedIn ? (
        <Form method="post">
          <input type="hidden" name="intent" value={d.following ? 'unfollow' : 'follow'} />
          <button type="submit" className="secondary">
            {d.following ? t('follow.stop') : t('follow.start')}
          </button>
        </Form>
      ) : (
        <p>
          <To to={`/login?redirectTo=${encodeURIComponent(`/processes/${d.slug}`)}`}>{t('follow.login')}</To>
        </p>
      )}
      {d.cityBudget ? <p>{t('page.budget', { amount: money(d.cityBudget) })}</p> : null}
      {d.budgetVoteId ? (
        <p>
          <To to={`/votes/${d.budgetVoteId}`} data-testid="ballot-link">
            {d.open.vote ? t('page.voteNow') : t('page.ballot')}
          </To>
        </p>
      ) : null}
      {d.timeline.entries.some((e) => e.components.survey) ? (
        <p>
          <To to={`/processes/${d.slug}/surveys`} data-testid="surveys-link">
            {t('surveys:list.link')}
          </To>
        </p>
      ) : null}
      {d.open.accountability || d.counts.selected ? (
        <p>
          <To to={`/results?process=${d.slug}`}>{t('page.results')}</To>
        </p>
      ) : null}

      {d.open.submit ? (
        <section aria-labelledby="submit-title">
          <h2 id="submit-title">{t('submit.title')}</h2>
          {d.signedIn ? (
            <Form method="post" encType="multipart/form-data" className="stack" data-testid="submit-form">
              <input type="hidden" name="intent" value="submit" />
              <Field name="title" label={t('submit.fields.title')} error={errors.title} defaultValue={values.title} required />
              <Field name="description" label={t('submit.fields.description')} error={errors.description}>
                <textarea
                  id="field-description"
                  name="description"
                  rows={6}
                  maxLength={PROJECT_DESCRIPTION_MAX}
                  defaultValue={values.description}
                  aria-invalid={errors.description ? true : undefined}
                  aria-describedby={errors.description ? 'field-description-error' : undefined}
                />
              </Field>
              <Field
                name="estimatedCost"
                label={t('submit.fields.cost', { currency: d.currency })}
                hint={t('submit.fields.costHint')}
                error={errors.estimatedCost}
                defaultValue={values.estimatedCost}
                inputMode="numeric"
              />
              {d.districts.length ? (
                <Field name="areaId" label={t('submit.fields.area')} hint={t('submit.fields.areaHint')} error={errors.areaId}>
                  <select id="field-areaId" name="areaId" defaultValue={values.areaId ?? ''} aria-invalid={errors.areaId ? true : undefined} aria-describedby="field-areaId-hint">
                    <option value="">{t('submit.fields.wholeCity')}</option>
                    {d.districts.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                  </select>
                </Field>
              ) : null}
              <Field name="lat" label={t('submit.fields.lat')} hint={t('submit.fields.placeHint')} error={errors.lat} defaultValue={values.lat} />
              <Field name="lng" label={t('submit.fields.lng')} error={errors.lng} defaultValue={values.lng} />
              <ImageFields pending={result?.images ?? []} error={errors.images} alt={values.imageAlt} />
              <p className="field__hint">{t('submit.titleMax', { max: PROJECT_TITLE_MAX })}</p>
              <div className="actions">
                <button type="submit">{t('submit.send')}</button>
              </div>
            </Form>
          ) : (
            <p>
              <To to={`/login?redirectTo=${encodeURIComponent(`/processes/${d.slug}`)}`}>{t('submit.login')}</To>
            </p>
          )}
        </section>
      ) : null}

      <section aria-labelledby="projects-title">
        <h2 id="projects-title">{t('projects.title')}</h2>
        <p>{t('projects.counts', { submitted: d.counts.submitted ?? 0, feasible: d.counts.feasible ?? 0, unfeasible: d.counts.unfeasible ?? 0, selected: d.counts.selected ?? 0 })}</p>
        {d.projects.length === 0 ? (
          <p>{t('projects.none')}</p>
        ) : (
          <ul className="project-list" data-testid="projects">
            {d.projects.map((j) => (
              <li key={j.id}>
                <To to={`/processes/projects/${j.id}`}>{j.title}</To>
                {` — ${t(`states.${j.state}`)} · ${money(j.cost)} · ${t('projects.supports', { count: j.supports })}`}
                {d.open.supports && d.signedIn && (j.state === 'submitted' || j.state === 'feasible') ? (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="intent" value="support" />
                    <input type="hidden" name="project" value={j.id} />
                    <button type="submit" className="secondary" aria-label={t('projects.supportThis', { title: j.title })}>
                      {t('projects.support')}
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {d.next ? (
          <p>
            <To to={`/processes/${d.slug}?after=${d.next}`}>{t('projects.more')}</To>
          </p>
        ) : null}
      </section>
    </article>
  )
}
