import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, fieldIds, FormMessage } from '../components/forms'
import { supportedLocales } from '../lib/i18n'
import { translatorFor } from '../lib/i18n.server'
import { requirePermission } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { COMPONENT_RULES, MAX_PHASES } from '../modules/processes/phases'
import { imageFailureMessage, processImageUrl, readImageForm, type PendingImage } from '../modules/processes/images.server'
import { areaChoices, processFormValues, processFromForm, processRecord, saveProcess } from '../modules/processes/processes.server'
import { openBallot } from '../modules/processes/projects.server'
import { surveysOf } from '../modules/processes/surveys.server'
import styles from '../modules/processes/components/processes.css'

/**
 * /admin/processes/:id (or /admin/processes/new) — a process's title, description, scope, pots and
 * phases (each with dates and the components it turns on), in one plain form: the phase rows are
 * repeated fields, with empty rows to add more without JavaScript. Audited. Once the feasible
 * projects are known, "Open the ballot" creates the process's budget vote (app/modules/voting).
 */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

const idOf = (raw: string | undefined): number | null => {
  if (raw === 'new') return null
  const id = Number(raw)
  if (!/^\d{1,12}$/.test(raw ?? '') || !Number.isSafeInteger(id)) throw new Response('Not Found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const id = idOf(params.id)
  const { t, locale } = await translatorFor(request)
  const p = id === null ? null : await processRecord({ id })
  if (id !== null && !p) throw new Response('Not Found', { status: 404 })
  return {
    title: p ? t('processes:admin.edit') : t('processes:admin.new'),
    id,
    slug: p?.slug ?? null,
    budgetVoteId: p?.budgetVoteId ?? null,
    imageUrl: p?.imageId ? processImageUrl(p.imageId, 'thumb') : null,
    values: processFormValues(p),
    rows: Math.min(MAX_PHASES, (p?.phases.length ?? 0) + 2),
    areas: await areaChoices(locale),
    surveys: id === null ? [] : await surveysOf(id, locale),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const id = idOf(params.id)
  const { t } = await translatorFor(request)
  // Multipart (the process form, with its image) or urlencoded (the ballot button, scripts).
  const form = await readImageForm(request, 'process')
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...form.headers } })
  const fields = form.fields
  const images: PendingImage[] = form.kind === 'ok' ? form.images.slice(0, 1) : []
  const at = processNow()
  if (form.kind === 'tooLarge')
    return data({ errors: { images: imageFailureMessage(t, [{ kind: 'tooLarge' }]) } as Record<string, string>, values: fields, images }, { status: 413, headers: form.headers })
  if (fields.intent === 'ballot') {
    if (id === null) throw new Response('Not Found', { status: 404 })
    const r = await openBallot(admin, id, at)
    if (r.kind === 'ok') return redirect(`/admin/processes/${id}?ballot=${r.voteId}`)
    if (r.kind === 'forbidden') throw new Response('Forbidden', { status: 403 })
    if (r.kind === 'notFound') throw new Response('Not Found', { status: 404 })
    const message = r.kind === 'invalid' ? Object.values(r.errors).map((k) => (k.includes(':') ? t(k) : t(`processes:${k}`)))[0] : t(`processes:ballot.${r.kind}`)
    return data({ errors: { form: message ?? t('processes:errors.ballot') } as Record<string, string>, values: null, images: [] as PendingImage[] }, { status: r.kind === 'already' ? 409 : 400 })
  }
  const parsed = processFromForm(fields)
  const translate = (errors: Record<string, string>) => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(`processes:${v}`)]))
  // A refused image is said next to the image field, with the other fields' mistakes; nothing is saved.
  const imageError: Record<string, string> = form.kind === 'ok' && form.failures.length ? { images: imageFailureMessage(t, form.failures) } : {}
  if (!parsed.input || Object.keys(imageError).length) return data({ errors: { ...translate(parsed.errors), ...imageError }, values: fields, images }, { status: 400 })
  const r = await saveProcess(admin, id, parsed.input, at, { ref: images[0]?.ref ?? null, remove: fields.removeImage === 'on' })
  if (r.kind === 'ok') return redirect(`/admin/processes/${r.id}?saved=1`)
  if (r.kind === 'invalid') return data({ errors: translate(r.errors), values: fields, images }, { status: 400 })
  throw new Response(r.kind === 'forbidden' ? 'Forbidden' : 'Not Found', { status: r.kind === 'forbidden' ? 403 : 404 })
}

export default function AdminProcess() {
  const d = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const { t, i18n } = useTranslation('processes')
  const values: Record<string, string> = answer?.values ?? d.values
  const pending = answer?.images?.[0] ?? null
  const errors: Record<string, string> = answer?.errors ?? {}
  const [params] = useSearchParams()
  const text = (name: string, label: string, hint?: string) => <Field key={name} name={name} label={label} hint={hint} error={errors[name]} defaultValue={values[name] ?? ''} />
  const districts = d.areas.filter((a) => a.level === 'district')
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/processes">{t('admin.back')}</Link>
      </p>
      <h1>{d.id === null ? t('admin.new') : t('admin.edit')}</h1>
      {params.get('saved') ? <FormMessage tone="success">{t('admin.saved')}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {d.slug ? (
        <p>
          <Link to={`/processes/${d.slug}`}>{t('admin.view')}</Link>
        </p>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="stack" data-testid="process-form">
        {text('slug', t('admin.fields.slug'), t('admin.fields.slugHint'))}
        {supportedLocales.map((l) => text(`title_${l}`, t('admin.fields.title', { code: l })))}
        {supportedLocales.map((l) => (
          <Field key={l} name={`description_${l}`} label={t('admin.fields.description', { code: l })} error={errors[`description_${l}`]}>
            <textarea id={`field-description_${l}`} name={`description_${l}`} rows={4} defaultValue={values[`description_${l}`] ?? ''} />
          </Field>
        ))}
        <fieldset data-testid="process-image">
          <legend>{t('admin.image.legend')}</legend>
          {d.imageUrl && !pending ? (
            <>
              <p>{t('admin.image.current')}</p>
              <img src={d.imageUrl} alt={values[`imageAlt_${i18n.language}`] || t('images.processAlt', { title: values[`title_${i18n.language}`] ?? d.slug ?? '' })} width={160} height={120} />
              <div className="field">
                <label>
                  <input type="checkbox" name="removeImage" defaultChecked={values.removeImage === 'on'} /> {t('admin.image.remove')}
                </label>
              </div>
            </>
          ) : null}
          {pending ? (
            <div data-testid="pending-images">
              <p>{t('admin.image.chosen')}</p>
              <input type="hidden" name="imageRef" value={pending.ref} />
              <img src={pending.thumbUrl} alt={t('images.chosen', { n: 1 })} width={160} height={120} />
            </div>
          ) : null}
          <Field name="images" label={t('admin.image.file')} hint={t('admin.image.hint')} error={errors.images}>
            <input
              id="field-images"
              name="images"
              type="file"
              accept="image/jpeg,image/png,image/webp,image/avif,image/heic"
              aria-invalid={errors.images ? true : undefined}
              aria-describedby={fieldIds('images', { hint: 'hint', error: errors.images }).described}
            />
          </Field>
          {supportedLocales.map((l) => text(`imageAlt_${l}`, t('admin.image.alt', { code: l })))}
        </fieldset>
        <Field name="areaId" label={t('admin.fields.area')} error={errors.areaId}>
          <select id="field-areaId" name="areaId" defaultValue={values.areaId ?? ''}>
            <option value="">{t('submit.fields.wholeCity')}</option>
            {d.areas.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
        {text('currency', t('admin.fields.currency'))}
        {text('cityBudget', t('admin.fields.cityBudget'), t('admin.fields.budgetHint'))}
        {districts.length ? (
          <fieldset>
            <legend>{t('admin.fields.districtBudgets')}</legend>
            {districts.map((a) => text(`budget.${a.id}`, a.name))}
          </fieldset>
        ) : null}
        <div className="field">
          <label>
            <input type="checkbox" name="published" defaultChecked={values.published === 'on'} /> {t('admin.fields.published')}
          </label>
        </div>
        <h2>{t('admin.phases')}</h2>
        <p className="field__hint">{t('admin.phasesHint')}</p>
        <div className="phase-rows">
          {Array.from({ length: d.rows }, (_, i) => (
            <fieldset key={i} data-testid={`phase-${i}`}>
              <legend>{t('admin.phaseN', { n: i + 1 })}</legend>
              {supportedLocales.map((l) => text(`phase.${i}.title_${l}`, t('admin.fields.phaseTitle', { code: l })))}
              <Field name={`phase.${i}.startsAt`} type="datetime-local" label={t('admin.fields.startsAt')} error={errors[`phase.${i}.startsAt`]} defaultValue={values[`phase.${i}.startsAt`] ?? ''} />
              <Field name={`phase.${i}.endsAt`} type="datetime-local" label={t('admin.fields.endsAt')} error={errors[`phase.${i}.endsAt`]} defaultValue={values[`phase.${i}.endsAt`] ?? ''} />
              <fieldset>
                <legend>{t('admin.fields.components')}</legend>
                {COMPONENT_RULES.map((r) => (
                  <label key={r} className="checkbox-inline">
                    <input type="checkbox" name={`phase.${i}.${r}`} defaultChecked={values[`phase.${i}.${r}`] === 'on'} /> {t(`rules.${r}`)}{' '}
                  </label>
                ))}
              </fieldset>
            </fieldset>
          ))}
        </div>
        <div className="actions">
          <button type="submit">{t('admin.save')}</button>
        </div>
      </Form>
      {d.id !== null ? (
        <section aria-labelledby="surveys-title">
          <h2 id="surveys-title">{t('surveys:admin.listTitle')}</h2>
          {d.surveys.length ? (
            <ul>
              {d.surveys.map((s) => (
                <li key={s.id}>
                  <Link to={`/admin/processes/${d.id}/surveys/${s.id}`}>{s.title}</Link> — {t('surveys:list.answers', { count: s.responses })}
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('surveys:admin.noSurveys')}</p>
          )}
          <p>
            <Link to={`/admin/processes/${d.id}/surveys/new`}>{t('surveys:admin.new')}</Link>
          </p>
        </section>
      ) : null}
      {d.id !== null ? (
        <section aria-labelledby="ballot-title">
          <h2 id="ballot-title">{t('ballot.title')}</h2>
          {d.budgetVoteId ? (
            <p>
              <Link to={`/admin/votes/${d.budgetVoteId}`} data-testid="admin-ballot">
                {t('ballot.manage')}
              </Link>
            </p>
          ) : (
            <Form method="post">
              <p>{t('ballot.intro')}</p>
              <input type="hidden" name="intent" value="ballot" />
              <button type="submit">{t('ballot.open')}</button>
            </Form>
          )}
        </section>
      ) : null}
    </section>
  )
}
