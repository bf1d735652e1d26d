import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { formatters } from '../lib/format'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { getUser, requirePermission, requireUser } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { ideaPath } from '../modules/processes/path.server'
import { formatMoney, REASON_MAX } from '../modules/processes/phases'
import { processRecord } from '../modules/processes/processes.server'
import { mayReview, projectView, reviewProject, ruleOpenIn, supportProject } from '../modules/processes/projects.server'
import { IdeaPathView, ImageGallery } from '../modules/processes/components/parts'
import styles from '../modules/processes/components/processes.css'

/**
 * /processes/projects/:id — a project of a participatory budget: what it asks, its cost, place and
 * supports, the staff's feasibility decision with its public reason, and its whole path to the
 * result it became. Residents support it while the support phase is open; staff review it here.
 */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

const idOf = (raw: string | undefined) => {
  const id = Number(raw)
  if (!/^\d{1,12}$/.test(raw ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = idOf(params.id)
  const [user, { locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const project = await projectView(id, locale, user?.id ?? null)
  if (!project) throw new Response('Not Found', { status: 404 })
  const process = await processRecord({ id: project.processId })
  const at = processNow()
  return {
    title: project.title,
    project,
    path: await ideaPath('project', id),
    supportsOpen: process ? ruleOpenIn(process, 'supports', at) : false,
    signedIn: Boolean(user),
    mayReview: mayReview(user) && project.budgetVoteId === null && ['submitted', 'feasible', 'unfeasible'].includes(project.state),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = idOf(params.id)
  const { t, locale } = await translatorFor(request)
  const form = await readForm(request)
  const fields = formFields(form)
  if (fields.intent === 'review') {
    const staff = await requirePermission(request, 'proposal:respond')
    const r = await reviewProject(staff, id, fields, processNow())
    if (r.kind === 'ok') return data({ message: t('processes:review.saved'), errors: {} as Record<string, string>, values: {} as Record<string, string> })
    if (r.kind === 'invalid') return data({ message: null, errors: Object.fromEntries(Object.entries(r.errors).map(([k, v]) => [k, t(`processes:${v}`)])), values: fields }, { status: 400 })
    if (r.kind === 'locked') return data({ message: null, errors: { form: t('processes:review.locked') }, values: fields }, { status: 409 })
    throw new Response('Not Found', { status: r.kind === 'forbidden' ? 403 : 404 })
  }
  if (fields.intent === 'support') {
    const user = await requireUser(request)
    const r = await supportProject(user, id, processNow())
    if (r.kind === 'ok') return data({ message: t('processes:projects.supported'), errors: {}, values: {} })
    const message =
      r.kind === 'closed'
        ? r.opensAt
          ? t('processes:refusals.closedUntil', { date: formatters(locale).dateTime.format(new Date(r.opensAt)) })
          : t('processes:refusals.closed')
        : r.kind === 'levelTooLow'
          ? t('processes:refusals.level', { level: r.required })
          : r.kind === 'notSupportable'
            ? t('processes:refusals.notSupportable')
            : t('common:errors.notFoundTitle')
    return data({ message: null, errors: { form: message }, values: {} }, { status: r.kind === 'levelTooLow' ? 403 : r.kind === 'notFound' ? 404 : 409 })
  }
  return data({ message: null, errors: { form: t('common:errors.malformedForm') }, values: {} }, { status: 400 })
}

export default function ProjectPage() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t, i18n } = useTranslation('processes')
  const j = d.project
  const f = formatters(i18n.language)
  const money = (cents: number) => formatMoney(cents, j.currency, i18n.language)
  const errors: Record<string, string> = result?.errors ?? {}
  const values: Record<string, string> = (result?.values as Record<string, string> | undefined) ?? {}
  return (
    <article className="page narrow">
      <p>
        <Link to={`/processes/${j.processSlug}`}>{t('projects.back', { process: j.processTitle })}</Link>
      </p>
      <h1>{j.title}</h1>
      {params.get('submitted') ? <FormMessage tone="success">{t('submit.done')}</FormMessage> : null}
      {result?.message ? <FormMessage tone="success">{result.message}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <dl>
        <dt>{t('projects.state')}</dt>
        <dd data-testid="project-state">{t(`states.${j.state}`)}</dd>
        <dt>{t('projects.estimatedCost')}</dt>
        <dd>{money(j.estimatedCost)}</dd>
        {j.finalCost !== null ? (
          <>
            <dt>{t('projects.finalCost')}</dt>
            <dd>{money(j.finalCost)}</dd>
          </>
        ) : null}
        {j.areaName ? (
          <>
            <dt>{t('projects.area')}</dt>
            <dd>{j.areaName}</dd>
          </>
        ) : null}
        {j.lat !== null && j.lng !== null ? (
          <>
            <dt>{t('projects.place')}</dt>
            <dd>
              <a href={`/map?lat=${j.lat}&lng=${j.lng}&zoom=17`}>
                {j.lat.toFixed(5)}, {j.lng.toFixed(5)}
              </a>
            </dd>
          </>
        ) : null}
        <dt>{t('projects.supportsLabel')}</dt>
        <dd data-testid="project-supports">{f.integer.format(j.supports)}</dd>
        {j.votes !== null ? (
          <>
            <dt>{t('projects.votes')}</dt>
            <dd>{f.integer.format(j.votes)}</dd>
          </>
        ) : null}
        <dt>{t('projects.submittedOn')}</dt>
        <dd>{f.date.format(new Date(j.createdAt))}</dd>
      </dl>
      <p className="prose" style={{ whiteSpace: 'pre-line' }}>
        {j.description}
      </p>
      <ImageGallery images={j.images} fallbackAlt={(n) => t('images.projectAlt', { n, title: j.title })} />
      {j.reviewedAt ? (
        <section aria-labelledby="review-title">
          <h2 id="review-title">{t('review.title')}</h2>
          <p data-testid="feasibility">{j.state === 'unfeasible' ? t('review.unfeasible') : t('review.feasible')}</p>
          {j.feasibilityReason ? <p data-testid="feasibility-reason">{j.feasibilityReason}</p> : null}
        </section>
      ) : null}
      {d.supportsOpen && (j.state === 'submitted' || j.state === 'feasible') ? (
        d.signedIn ? (
          j.supported ? (
            <p>{t('projects.youSupported')}</p>
          ) : (
            <Form method="post">
              <input type="hidden" name="intent" value="support" />
              <button type="submit">{t('projects.support')}</button>
            </Form>
          )
        ) : (
          <p>
            <Link to={`/login?redirectTo=${encodeURIComponent(`/processes/projects/${j.id}`)}`}>{t('projects.loginToSupport')}</Link>
          </p>
        )
      ) : null}
      {d.path ? <IdeaPathView path={d.path} /> : null}
      {d.mayReview ? (
        <section aria-labelledby="review-form-title">
          <h2 id="review-form-title">{t('review.formTitle')}</h2>
          <Form method="post" className="stack" data-testid="review-form">
            <input type="hidden" name="intent" value="review" />
            <fieldset>
              <legend>{t('review.decision')}</legend>
              <label>
                <input type="radio" name="feasible" value="yes" defaultChecked={(values.feasible ?? (j.state === 'unfeasible' ? 'no' : 'yes')) === 'yes'} /> {t('review.yes')}
              </label>{' '}
              <label>
                <input type="radio" name="feasible" value="no" defaultChecked={(values.feasible ?? (j.state === 'unfeasible' ? 'no' : 'yes')) === 'no'} /> {t('review.no')}
              </label>
            </fieldset>
            <Field name="reason" label={t('review.reason')} hint={t('review.reasonHint')} error={errors.reason}>
              <textarea
                id="field-reason"
                name="reason"
                rows={4}
                maxLength={REASON_MAX}
                defaultValue={values.reason ?? j.feasibilityReason ?? ''}
                aria-invalid={errors.reason ? true : undefined}
                aria-describedby={`field-reason-hint${errors.reason ? ' field-reason-error' : ''}`}
              />
            </Field>
            <Field
              name="finalCost"
              label={t('review.finalCost', { currency: j.currency })}
              error={errors.finalCost}
              defaultValue={values.finalCost ?? (j.finalCost !== null ? String(j.finalCost / 100) : String(j.estimatedCost / 100))}
              inputMode="numeric"
            />
            <div className="actions">
              <button type="submit">{t('review.save')}</button>
            </div>
          </Form>
        </section>
      ) : null}
    </article>
  )
}
