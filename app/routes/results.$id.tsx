import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { formatters } from '../lib/format'
import { translatorFor } from '../lib/i18n.server'
import { getUser, requirePermission } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { formatMoney, MILESTONE_TEXT_MAX, RESULT_STATUSES } from '../modules/processes/phases'
import { altOf, imageFailureMessage, readImageForm } from '../modules/processes/images.server'
import { addMilestone, mayUpdateResults, milestoneFieldErrors, resultView, updateResult } from '../modules/processes/results.server'
import { ImageFields, ImageGallery, Progress } from '../modules/processes/components/parts'
import styles from '../modules/processes/components/processes.css'

/**
 * /results/:id — one result: status, progress, budget and spent, dated milestones, where it came
 * from (project, proposal or petition, and the vote), and every change, dated. Staff update it here.
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
  const result = await resultView(id, locale)
  if (!result) throw new Response('Not Found', { status: 404 })
  return { title: result.title, result, mayUpdate: mayUpdateResults(user) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = idOf(params.id)
  const staff = await requirePermission(request, 'proposal:respond')
  const { t } = await translatorFor(request)
  // Multipart (the milestone form, with its photos) or urlencoded (the update form).
  const form = await readImageForm(request, 'milestone')
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...form.headers } })
  const fields = form.fields
  const images = form.kind === 'ok' ? form.images : []
  if (form.kind === 'tooLarge')
    return data(
      { intent: 'milestone', message: null, errors: { images: imageFailureMessage(t, [{ kind: 'tooLarge' }]) } as Record<string, string>, values: fields, images },
      { status: 413, headers: form.headers },
    )
  const at = processNow()
  const translated = (errors: Record<string, string>) => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(`processes:${v}`)]))
  if (fields.intent === 'milestone' && form.failures.length) {
    const fieldErrors = translated(milestoneFieldErrors(fields))
    return data({ intent: 'milestone', message: null, errors: { ...fieldErrors, images: imageFailureMessage(t, form.failures) }, values: fields, images }, { status: 400 })
  }
  const r =
    fields.intent === 'milestone'
      ? await addMilestone(staff, id, fields, { refs: images.map((i) => i.ref), alt: altOf(fields) }, at)
      : fields.intent === 'update'
        ? await updateResult(staff, id, fields, at)
        : null
  if (!r) return data({ intent: 'none', message: null, errors: { form: t('common:errors.malformedForm') } as Record<string, string>, values: fields, images }, { status: 400 })
  if (r.kind === 'ok')
    return data({ intent: fields.intent, message: t(fields.intent === 'milestone' ? 'processes:result.milestoneAdded' : 'processes:result.updated'), errors: {}, values: {}, images: [] })
  if (r.kind === 'invalid') return data({ intent: fields.intent, message: null, errors: translated(r.errors), values: fields, images }, { status: 400 })
  throw new Response('Not Found', { status: r.kind === 'forbidden' ? 403 : 404 })
}

const describeChange = (t: (k: string, o?: Record<string, unknown>) => string, money: (c: number) => string, after: Record<string, unknown>) =>
  Object.entries(after)
    .filter(([k]) => k !== 'milestone')
    .map(([k, v]) => {
      if (k === 'status') return `${t('result.status')}: ${t(`status.${String(v)}`)}`
      if (k === 'budget' || k === 'spent') return `${t(`result.${k}`)}: ${money(Number(v))}`
      if (k === 'progress') return `${t('result.progress')}: ${String(v)}%`
      if (k === 'happenedOn') return `${t('result.milestone')}: ${String(v)}`
      if (k === 'photos') return t('result.photos', { count: Number(v) })
      return `${t(`result.${k}`)}: ${String(v)}`
    })
    .join(' · ')

export default function ResultPage() {
  const { result: r, mayUpdate } = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const { t, i18n } = useTranslation('processes')
  const f = formatters(i18n.language)
  const money = (cents: number) => formatMoney(cents, r.currency, i18n.language)
  const errors: Record<string, string> = answer?.errors ?? {}
  const values: Record<string, string> = (answer?.values as Record<string, string> | undefined) ?? {}
  const mine = (intent: string) => answer?.intent === intent
  return (
    <article className="page narrow">
      <p>
        <Link to="/results">{t('result.back')}</Link>
      </p>
      <h1>{r.title}</h1>
      {answer?.message ? <FormMessage tone="success">{answer.message}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <dl>
        <dt>{t('result.status')}</dt>
        <dd data-testid="result-status">{t(`status.${r.status}`)}</dd>
        <dt>{t('result.progress')}</dt>
        <dd>
          <Progress value={r.progress} label={t('result.progress')} />
        </dd>
        <dt>{t('result.budget')}</dt>
        <dd>{money(r.budget)}</dd>
        <dt>{t('result.spent')}</dt>
        <dd>{money(r.spent)}</dd>
        {r.areaName ? (
          <>
            <dt>{t('result.area')}</dt>
            <dd>{r.areaName}</dd>
          </>
        ) : null}
        <dt>{t('result.source')}</dt>
        <dd>
          <Link to={r.source.url} data-testid="result-source">
            {t(`sources.${r.source.kind}`)}: {r.source.title ?? `#${r.source.id}`}
          </Link>
        </dd>
        {r.process ? (
          <>
            <dt>{t('result.process')}</dt>
            <dd>
              <Link to={`/processes/${r.process.slug}`}>{r.process.title}</Link>
            </dd>
          </>
        ) : null}
        {r.voteId ? (
          <>
            <dt>{t('result.vote')}</dt>
            <dd>
              <Link to={`/votes/${r.voteId}`}>{t('result.voteLink')}</Link>
            </dd>
          </>
        ) : null}
      </dl>
      {r.description ? (
        <p className="prose" style={{ whiteSpace: 'pre-line' }}>
          {r.description}
        </p>
      ) : null}
      <h2>{t('result.milestones')}</h2>
      {r.milestones.length === 0 ? (
        <p>{t('result.noMilestones')}</p>
      ) : (
        <ol className="result-list" data-testid="milestones">
          {r.milestones.map((m) => (
            <li key={m.id}>
              <strong>{f.date.format(new Date(`${m.happenedOn}T00:00:00Z`))}</strong>
              <p style={{ whiteSpace: 'pre-line' }}>{m.text}</p>
              <ImageGallery images={m.images} fallbackAlt={(n) => t('images.milestoneAlt', { n, date: f.date.format(new Date(`${m.happenedOn}T00:00:00Z`)) })} />
            </li>
          ))}
        </ol>
      )}
      <h2>{t('result.history')}</h2>
      <ol className="result-list" data-testid="history">
        {r.history.map((h) => (
          <li key={h.id}>
            {f.dateTime.format(new Date(h.changedAt))} — {h.before === null && !('milestone' in h.after) ? t('result.created') : describeChange(t, money, h.after)}
          </li>
        ))}
      </ol>
      {mayUpdate ? (
        <>
          <section aria-labelledby="update-title">
            <h2 id="update-title">{t('result.updateTitle')}</h2>
            <Form method="post" className="stack" data-testid="update-form">
              <input type="hidden" name="intent" value="update" />
              <Field name="status" label={t('result.status')} error={mine('update') ? errors.status : undefined}>
                <select id="field-status" name="status" defaultValue={mine('update') ? values.status : r.status}>
                  {RESULT_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`status.${s}`)}
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                name="progress"
                label={t('result.progressField')}
                error={mine('update') ? errors.progress : undefined}
                defaultValue={mine('update') ? values.progress : String(r.progress)}
                inputMode="numeric"
              />
              <Field
                name="budget"
                label={t('result.budgetField', { currency: r.currency })}
                error={mine('update') ? errors.budget : undefined}
                defaultValue={mine('update') ? values.budget : String(r.budget / 100)}
              />
              <Field
                name="spent"
                label={t('result.spentField', { currency: r.currency })}
                error={mine('update') ? errors.spent : undefined}
                defaultValue={mine('update') ? values.spent : String(r.spent / 100)}
              />
              <div className="actions">
                <button type="submit">{t('result.save')}</button>
              </div>
            </Form>
          </section>
          <section aria-labelledby="milestone-title">
            <h2 id="milestone-title">{t('result.addMilestone')}</h2>
            <Form method="post" encType="multipart/form-data" className="stack" data-testid="milestone-form">
              <input type="hidden" name="intent" value="milestone" />
              <Field name="happenedOn" type="date" label={t('result.date')} error={mine('milestone') ? errors.happenedOn : undefined} defaultValue={mine('milestone') ? values.happenedOn : ''} />
              <Field name="text" label={t('result.text')} error={mine('milestone') ? errors.text : undefined}>
                <textarea
                  id="field-text"
                  name="text"
                  rows={3}
                  maxLength={MILESTONE_TEXT_MAX}
                  defaultValue={mine('milestone') ? values.text : ''}
                  aria-describedby={mine('milestone') && errors.text ? 'field-text-error' : undefined}
                />
              </Field>
              <ImageFields pending={mine('milestone') ? (answer?.images ?? []) : []} error={mine('milestone') ? errors.images : undefined} alt={mine('milestone') ? values.imageAlt : ''} />
              <div className="actions">
                <button type="submit">{t('result.post')}</button>
              </div>
            </Form>
          </section>
        </>
      ) : null}
    </article>
  )
}
