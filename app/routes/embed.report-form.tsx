import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import embedStyles from '../components/embed/embed.css'
import { embedHeaders, OutLink, useEmbedT, widgetNotFound, WidgetErrorBoundary, WidgetFrame } from '../components/embed/parts'
import { embedLocale } from '../components/embed/bare'
import { Field, FormMessage } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { requestMeta } from '../modules/accounts/auth.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { isHoneypotFilled } from '../lib/honeypot'
import { translator, translatorFor } from '../lib/i18n.server'
import { parseWidgetOptions, widgetPath, type WidgetSpec } from '../modules/embed/widgets'
import { reportFormPlace } from '../modules/embed/widgets.server'
import { checkAttributes, serviceAttributes } from '../modules/open311/open311.server'
import { fileReport, guestFilings } from '../modules/reports/reports.server'
import { pendingPhotos, photoErrorMessage, readReportForm } from '../modules/reports/photos.server'
import { categoriesServing } from '../modules/reports/department-routing.server'
import { MAX_PHOTOS, guestSchema, newReportSchema } from '../modules/reports/schema'

/**
 * /embed/report-form?area=<slug> (or ?lat=&lng=) — "report a problem here" inside a city's page.
 * Files a real report through the reports module, logged out (a frame on another site carries no
 * session): name and e-mail, and the report stays private until the e-mailed link confirms it,
 * exactly as /reports/new does. Works without JavaScript; photos are optional.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: embedStyles }]
export const handle = { layout: 'bare', i18n: 'embed' }
export const headers = embedHeaders

const REF = /^\d{1,12}\.[A-Za-z0-9_-]{8,64}$/

async function placeOf(request: Request) {
  const url = new URL(request.url)
  const spec: WidgetSpec = parseWidgetOptions('report-form', url.searchParams)
  const place = await reportFormPlace(spec)
  if (!place) widgetNotFound()
  const point = { lat: place.lat, lng: place.lng }
  const { locale } = await translatorFor(request)
  return { spec, place, point, locale: embedLocale(url) ?? locale }
}

async function formData(request: Request, values: Record<string, string>, refs: string[]) {
  const { spec, place, point, locale } = await placeOf(request)
  const categories = await categoriesServing(point.lat, point.lng, locale)
  const chosen = categories.find((c) => c.code === values.category)
  const attributes = chosen ? await serviceAttributes(chosen.code, locale) : []
  const questions = attributes.filter((a) => a.variable).map((a) => ({ code: a.code, question: a.description, required: a.required, type: a.datatype, values: a.values ?? [] }))
  const photos = refs.length ? await pendingPhotos(refs) : []
  return { action: widgetPath(spec), placeName: place.name, categories: categories.map((c) => ({ code: c.code, name: c.name })), questions, photos, values, locale }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const page = await formData(request, {}, [])
  if (page.categories.length === 0) widgetNotFound()
  return { ...page, sent: url.searchParams.get('sent') === '1', errors: {} as Record<string, string> }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.placeName ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const { spec, point, locale } = await placeOf(request)
  const t = translator(locale)
  const form = await readReportForm(request)
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...form.headers } })
  const fields = form.fields
  const uploads = form.kind === 'ok' ? form.photos : []
  const carried = form.kind === 'ok' ? form.photoRefs.filter((r) => REF.test(r)) : []
  const refs = [...new Set([...carried, ...uploads.flatMap((p) => (p.kind === 'stored' ? [p.ref] : []))])].slice(0, MAX_PHOTOS)
  const errors: FieldErrors = {}
  const photoErrors = uploads.flatMap((p, i) => (p.kind === 'stored' ? [] : [photoErrorMessage(t, p, i + 1)]))
  if (form.kind === 'tooLarge') photoErrors.push(photoErrorMessage(t, { kind: 'tooLarge' }))
  if (photoErrors.length) errors.photo = photoErrors

  const values: Record<string, string> = {
    category: fields.category ?? '',
    title: fields.title ?? '',
    description: fields.description ?? '',
    address: fields.address ?? '',
    name: fields.name ?? '',
    email: fields.email ?? '',
  }
  for (const [k, v] of Object.entries(fields)) if (/^attribute\[[a-z0-9_.-]{1,64}\]$/i.test(k)) values[k] = v.slice(0, 4000)
  const parsed = newReportSchema.safeParse({ ...fields, lat: String(point.lat), lng: String(point.lng), anonymous: undefined })
  if (!parsed.success) Object.assign(errors, translatedErrors(parsed.error, t))
  const guest = guestSchema.safeParse(fields)
  if (!guest.success) Object.assign(errors, { ...translatedErrors(guest.error, t), ...errors })
  const address = (fields.address ?? '').trim()
  if (address.length > 200) errors.address = [t('embed:reportForm.addressTooLong')]
  const definitions = parsed.success ? await serviceAttributes(parsed.data.category, locale) : []
  const given: Record<string, string[]> = {}
  for (const a of definitions) given[a.code] = fields[`attribute[${a.code}]`] ? [fields[`attribute[${a.code}]`]!] : []
  const checked = checkAttributes(parsed.success ? parsed.data.category : '', definitions, given)
  for (const a of definitions) {
    if (checked.errors.some((e) => e.description.startsWith(`attribute[${a.code}]`))) errors[`attribute[${a.code}]`] = [t('reports:errors.attribute', { question: a.description })]
  }
  if (isHoneypotFilled(fields)) errors.form = [t('reports:errors.spam')]
  if (!errors.form && Object.keys(errors).length === 0) {
    if ((await guestFilings.count(requestMeta(request).ip ?? 'unknown')).over) errors.form = [t('reports:errors.tooMany')]
  }
  if (Object.keys(errors).length === 0 && parsed.success && guest.success) {
    const result = await fileReport(
      {
        categoryCode: parsed.data.category,
        title: parsed.data.title,
        description: parsed.data.description,
        address: address || null,
        lat: point.lat,
        lng: point.lng,
        anonymous: false,
        photoRefs: refs,
        attributes: checked.answers,
        locale,
      },
      { kind: 'guest', email: guest.data.email, name: guest.data.name },
    )
    if (result.kind === 'filed') {
      const back = new URL(widgetPath(spec), 'http://x')
      back.searchParams.set('sent', '1')
      return redirect(back.pathname + back.search)
    }
    if (result.kind === 'outsideCity') errors.form = [t('reports:errors.outsideCity')]
    else errors.category = [t('reports:errors.categoryNotHere')]
  }
  const page = await formData(request, values, refs)
  const flat: Record<string, string> = {}
  for (const [k, v] of Object.entries(errors)) if (v?.length) flat[k] = v.join(' ')
  return data({ ...page, sent: false, errors: flat }, { status: form.kind === 'tooLarge' ? 413 : 400, headers: form.kind === 'tooLarge' ? form.headers : undefined })
}

export default function ReportFormWidget() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const page = acted ?? loaded
  const t = useEmbedT()
  const { values, errors } = page
  const place = page.placeName ?? t('reportForm.here')
  if (page.sent && !acted) {
    return (
      <WidgetFrame widget="report-form">
        <h1>{t('reportForm.sentTitle')}</h1>
        <p data-testid="report-sent">{t('reportForm.sentBody')}</p>
        <p>
          <a href={page.action}>{t('reportForm.another')}</a>
        </p>
      </WidgetFrame>
    )
  }
  const refs = page.photos.map((p) => p.ref)
  return (
    <WidgetFrame widget="report-form">
      <h1>{t('reportForm.title', { place })}</h1>
      <p className="widget__meta">{t('reportForm.intro')}</p>
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <Form method="post" action={page.action} encType="multipart/form-data" reloadDocument noValidate className="stack">
        <HoneypotField />
        {refs.map((r) => (
          <input key={r} type="hidden" name="photoRef" value={r} />
        ))}
        <Field name="category" label={t('reportForm.category')} error={errors.category}>
          <select
            id="field-category"
            name="category"
            defaultValue={values.category ?? ''}
            required
            aria-invalid={errors.category ? true : undefined}
            aria-describedby={errors.category ? 'field-category-error' : undefined}
          >
            <option value="">{t('reportForm.choose')}</option>
            {page.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        {page.questions.map((q) => {
          const name = `attribute[${q.code}]`
          const id = `field-attribute-${q.code}`
          const error = errors[name]
          return (
            <div key={q.code} className={`field${error ? ' field--error' : ''}`}>
              <label htmlFor={id}>
                {q.question}
                {q.required ? '' : ` ${t('reportForm.optional')}`}
              </label>
              {error ? (
                <p className="field-error" id={`${id}-error`}>
                  {error}
                </p>
              ) : null}
              {q.type === 'singlevaluelist' || q.type === 'multivaluelist' ? (
                <select id={id} name={name} defaultValue={values[name] ?? ''} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined}>
                  <option value="">{t('reportForm.choose')}</option>
                  {q.values.map((v) => (
                    <option key={v.key} value={v.key}>
                      {v.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input id={id} name={name} type="text" defaultValue={values[name] ?? ''} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
              )}
            </div>
          )
        })}
        <Field name="title" label={t('reportForm.titleLabel')} required defaultValue={values.title} error={errors.title} />
        <Field name="description" label={t('reportForm.description')} error={errors.description}>
          <textarea
            id="field-description"
            name="description"
            rows={4}
            defaultValue={values.description}
            required
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={errors.description ? 'field-description-error' : undefined}
          />
        </Field>
        <Field name="address" label={t('reportForm.address')} hint={t('reportForm.addressHint')} defaultValue={values.address} error={errors.address} />
        {refs.length < MAX_PHOTOS ? (
          <Field name="photo" label={t('reportForm.photo')} hint={t('reportForm.photoHint')} error={errors.photo}>
            <input
              id="field-photo"
              name="photo"
              type="file"
              accept="image/jpeg,image/png,image/webp,image/avif"
              aria-describedby={errors.photo ? 'field-photo-hint field-photo-error' : 'field-photo-hint'}
              aria-invalid={errors.photo ? true : undefined}
            />
          </Field>
        ) : null}
        {refs.length ? <p className="widget__meta">{t('reportForm.photosKept', { count: refs.length })}</p> : null}
        <Field name="name" label={t('reportForm.name')} autoComplete="name" required defaultValue={values.name} error={errors.name} />
        <Field name="email" type="email" label={t('reportForm.email')} hint={t('reportForm.emailHint')} autoComplete="email" required defaultValue={values.email} error={errors.email} />
        <button type="submit">{t('reportForm.submit')}</button>
      </Form>
      <p className="widget__meta">
        <OutLink href="/reports/new">{t('reportForm.fullForm')}</OutLink>
      </p>
    </WidgetFrame>
  )
}

export const ErrorBoundary = WidgetErrorBoundary
