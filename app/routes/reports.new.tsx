import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { getUser, requestMeta } from '../modules/accounts/auth.server'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { isHoneypotFilled } from '../lib/honeypot'
import { Field, FormMessage } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { PinMap } from '../components/map/PinMap'
import { LocationPicker } from '../components/map/LocationPicker'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { resolveLocation } from '../modules/geo/location.server'
import { categoriesServing } from '../modules/reports/department-routing.server'
import { fileReport, guestFilings, similarReports } from '../modules/reports/reports.server'
import { pendingPhotos, photoErrorMessage, readReportForm } from '../modules/reports/photos.server'
import { guestSchema, newReportSchema } from '../modules/reports/schema'
import { CATEGORY_CODE, MAX_PHOTOS } from '../modules/reports/limits'
import { checkAttributes, serviceAttributes } from '../modules/open311/open311.server'

/**
 * /reports/new — report a problem in three steps that each work without JavaScript:
 * where (the location picker, or a photo whose GPS position places the pin), what (the categories
 * that serve that place), then the details — beside open reports of that category within 250 m,
 * which the person may support instead of filing a duplicate. Logged-out reporters give a name and
 * an e-mail address and confirm the report from their mailbox before it is public.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

function photoRefsOf(params: URLSearchParams | FormData) {
  return params
    .getAll('photo')
    .filter((v): v is string => typeof v === 'string' && /^\d{1,12}\.[A-Za-z0-9_-]{8,64}$/.test(v))
    .slice(0, MAX_PHOTOS)
}

async function pageData(request: Request, values: Record<string, string>, refs: string[]) {
  const areaLocale = await localeOf(request)
  const [{ t, locale }, user, areas, bounds, city] = await Promise.all([translatorFor(request), getUser(request), areaOptions(areaLocale), cityBounds(), cityProfile()])
  const cityName = city?.name ?? 'Plaza'
  const photos = refs.length ? await pendingPhotos(refs) : []
  const base = {
    title: t('reports:new.title'),
    city: cityName,
    areas,
    bounds,
    config: mapClientConfig(),
    user: user ? { name: user.displayName } : null,
    photos,
    values,
  }
  const hasLocation = Boolean(values.lat || values.lng || values.area)
  if (!hasLocation) return { ...base, step: 'where' as const, errors: {} as Record<string, string>, location: null, categories: [], similar: [] }
  const resolved = await resolveLocation(values)
  if (!resolved.ok) {
    const errors: Record<string, string> = {}
    for (const [field, keys] of Object.entries(resolved.errors)) if (keys?.[0]) errors[field] = t(`geo:${keys[0]}`, { city: cityName })
    return { ...base, step: 'where' as const, errors, location: null, categories: [], similar: [] }
  }
  const { lat, lng, areas: hits } = resolved.location
  const location = {
    lat,
    lng,
    place:
      hits
        .filter((a) => a.level !== 'city')
        .map((a) => a.name)
        .join(', ') || cityName,
  }
  const categories = await categoriesServing(lat, lng, locale)
  const chosen = categories.find((c) => c.code === values.category)
  if (!chosen) {
    const errors: Record<string, string> = values.category ? { category: t('reports:errors.categoryNotHere') } : {}
    return { ...base, step: 'what' as const, errors, location, categories, similar: [] }
  }
  const [similar, attributes] = await Promise.all([similarReports(chosen.code, lat, lng, undefined, undefined, locale), serviceAttributes(chosen.code, locale)])
  // The category's own questions (its Open311 service definition), asked on the web form too.
  const questions = attributes
    .filter((a) => a.variable)
    .map((a) => ({ code: a.code, question: a.description, hint: a.datatype_description ?? null, required: a.required, type: a.datatype, values: a.values ?? [] }))
  return { ...base, step: 'details' as const, errors: {} as Record<string, string>, location, categories, category: chosen, similar, questions }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams
  if (params.get('sent') === '1') {
    const { t } = await translatorFor(request)
    return { title: t('reports:new.sentTitle'), step: 'sent' as const }
  }
  const values = {
    lat: params.get('lat') ?? '',
    lng: params.get('lng') ?? '',
    area: params.get('area') ?? '',
    category: CATEGORY_CODE.test(params.get('category') ?? '') ? params.get('category')! : '',
  }
  const page = await pageData(request, values, photoRefsOf(params))
  const notice = params.get('nogps') === '1' ? 'noGps' : params.get('gps') === '1' ? 'fromGps' : null
  return data({ ...page, notice }, { status: Object.keys(page.errors).length ? 400 : 200 })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

const query = (values: Record<string, string | undefined>, refs: string[]) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v)
  for (const r of refs) q.append('photo', r)
  return q.toString()
}

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const user = await getUser(request)
  const form = await readReportForm(request)
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  const fields = form.fields
  const carried = form.kind === 'ok' ? form.photoRefs : []
  const uploads = form.kind === 'ok' ? form.photos : []
  const stored = uploads.flatMap((p) => (p.kind === 'stored' ? [p.ref] : []))
  const refs = [...new Set([...carried.filter((r) => /^\d{1,12}\.[A-Za-z0-9_-]{8,64}$/.test(r)), ...stored])].slice(0, MAX_PHOTOS)
  const photoErrors = uploads.flatMap((p, i) => (p.kind === 'stored' ? [] : [photoErrorMessage(t, p, i + 1)]))
  // An upload over the limit is refused before it is read whole; the form comes back with what
  // was typed before the photo field (browsers send fields in order) and says why.
  if (form.kind === 'tooLarge') photoErrors.push(photoErrorMessage(t, { kind: 'tooLarge' }))

  // "Start from a photo": its GPS position (read before the metadata is stripped) places the pin.
  if (fields.intent === 'locate') {
    const first = uploads.find((p) => p.kind === 'stored')
    if (!first) {
      const values = { lat: '', lng: '', area: '', category: '' }
      const page = await pageData(request, values, refs)
      return data({ ...page, errors: { photo: photoErrors[0] ?? t('reports:errors.photoMissing') } }, { status: 400 })
    }
    if (!first.gps) return redirect(`/reports/new?${query({ nogps: '1' }, refs)}`)
    return redirect(`/reports/new?${query({ lat: String(round(first.gps.lat)), lng: String(round(first.gps.lng)), gps: '1' }, refs)}`)
  }

  const values: Record<string, string> = {
    lat: fields.lat ?? '',
    lng: fields.lng ?? '',
    area: '',
    category: fields.category ?? '',
    title: fields.title ?? '',
    description: fields.description ?? '',
    anonymous: fields.anonymous ?? '',
    name: fields.name ?? '',
    email: fields.email ?? '',
  }
  for (const [k, v] of Object.entries(fields)) if (/^attribute\[[a-z0-9_.-]{1,64}\]$/i.test(k)) values[k] = v.slice(0, 4000)
  const errors: FieldErrors = {}
  const parsed = newReportSchema.safeParse(fields)
  if (!parsed.success) Object.assign(errors, translatedErrors(parsed.error, t))
  const guest = user ? null : guestSchema.safeParse(fields)
  if (guest && !guest.success) Object.assign(errors, { ...translatedErrors(guest.error, t), ...errors })
  if (photoErrors.length) errors.photo = photoErrors
  const definitions = parsed.success ? await serviceAttributes(parsed.data.category, locale) : []
  const given: Record<string, string[]> = {}
  for (const a of definitions) given[a.code] = fields[`attribute[${a.code}]`] ? [fields[`attribute[${a.code}]`]!] : []
  const checked = checkAttributes(parsed.success ? parsed.data.category : '', definitions, given)
  for (const a of definitions) {
    if (checked.errors.some((e) => e.description.startsWith(`attribute[${a.code}]`))) errors[`attribute[${a.code}]`] = [t('reports:errors.attribute', { question: a.description })]
  }
  if (isHoneypotFilled(fields)) errors.form = [t('reports:errors.spam')]
  if (!errors.form && !user) {
    const ip = requestMeta(request).ip ?? 'unknown'
    if ((await guestFilings.count(ip)).over) errors.form = [t('reports:errors.tooMany')]
  }
  if (Object.keys(errors).length === 0 && parsed.success) {
    const result = await fileReport(
      {
        categoryCode: parsed.data.category,
        title: parsed.data.title,
        description: parsed.data.description,
        lat: parsed.data.lat,
        lng: parsed.data.lng,
        anonymous: parsed.data.anonymous === 'on',
        photoRefs: refs,
        attributes: checked.answers,
        locale,
      },
      user ? { kind: 'user', userId: user.id, name: user.displayName } : { kind: 'guest', email: guest!.data!.email, name: guest!.data!.name },
    )
    // No follow box here: the reporter follows their report once it is public (followOwnReport, issue 19 part 3) and one click in any mail stops it.
    if (result.kind === 'filed') return redirect(result.confirmed ? `/reports/${result.id}?filed=1` : '/reports/new?sent=1')
    if (result.kind === 'outsideCity') errors.location = [t('reports:errors.outsideCity')]
    else errors.category = [t('reports:errors.categoryNotHere')]
  }
  const page = await pageData(request, values, refs)
  const flat: Record<string, string> = { ...page.errors }
  for (const [k, v] of Object.entries(errors)) if (v?.length) flat[k] = v.join(' ')
  return data({ ...page, errors: flat, notice: null }, { status: form.kind === 'tooLarge' ? 413 : 400 })
}

const round = (v: number) => Math.round(v * 1e6) / 1e6

export default function NewReport() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const { t } = useTranslation('reports')
  const page = (acted ?? loaded) as Exclude<typeof loaded, { step: 'sent' }> & { step: string; notice?: string | null }
  if (loaded.step === 'sent' && !acted) {
    return (
      <section className="page narrow" data-testid="report-sent">
        <h1>{t('new.sentTitle')}</h1>
        <p>{t('new.sentBody')}</p>
        <p>
          <Link to="/reports">{t('new.backToList')}</Link>
        </p>
      </section>
    )
  }
  const { errors, values, photos, location, categories, similar, user, city } = page
  const refs = photos.map((p) => p.ref)
  const keep = (extra: Record<string, string | undefined>) => query({ lat: location ? String(location.lat) : values.lat, lng: location ? String(location.lng) : values.lng, ...extra }, refs)
  return (
    <div className="page report-new">
      <h1>{t('new.title')}</h1>
      <ol className="steps" aria-label={t('new.stepsLabel')}>
        <li aria-current={page.step === 'where' ? 'step' : undefined}>{t('new.stepWhere')}</li>
        <li aria-current={page.step === 'what' ? 'step' : undefined}>{t('new.stepWhat')}</li>
        <li aria-current={page.step === 'details' ? 'step' : undefined}>{t('new.stepDetails')}</li>
      </ol>
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {page.notice === 'noGps' ? <FormMessage tone="info">{t('new.noGps')}</FormMessage> : null}
      {page.notice === 'fromGps' ? <FormMessage tone="info">{t('new.fromGps')}</FormMessage> : null}
      {photos.length ? (
        <ul className="photo-strip" aria-label={t('new.photosAttached')}>
          {photos.map((p) => (
            <li key={p.ref}>
              <img src={p.thumbUrl} alt={t('new.photoAlt')} width={120} height={120} />
            </li>
          ))}
        </ul>
      ) : null}

      {page.step === 'where' && page.bounds ? (
        <>
          <Form method="get" className="stack" noValidate>
            {refs.map((r) => (
              <input key={r} type="hidden" name="photo" value={r} />
            ))}
            <LocationPicker config={page.config} bounds={page.bounds} areas={page.areas} defaults={values} errors={errors} legend={t('new.whereLegend', { city })} />
            <button type="submit">{t('new.continue')}</button>
          </Form>
          <Form method="post" encType="multipart/form-data" className="stack report-new__from-photo" noValidate>
            <input type="hidden" name="intent" value="locate" />
            {refs.map((r) => (
              <input key={r} type="hidden" name="photoRef" value={r} />
            ))}
            <Field name="photo" label={t('new.fromPhotoLabel')} hint={t('new.fromPhotoHint')} error={errors.photo}>
              <input id="field-photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/avif" aria-describedby="field-photo-hint" />
            </Field>
            <button type="submit" className="secondary">
              {t('new.fromPhotoSubmit')}
            </button>
          </Form>
        </>
      ) : null}

      {page.step === 'what' && location ? (
        <Form method="get" className="stack" noValidate>
          <p>
            {t('new.placeChosen', { place: location.place })} <Link to={`/reports/new?${query({}, refs)}`}>{t('new.changePlace')}</Link>
          </p>
          {page.bounds ? <PinMap bounds={page.bounds} point={location} label={t('new.pinLabel', { place: location.place })} /> : null}
          <input type="hidden" name="lat" value={String(location.lat)} />
          <input type="hidden" name="lng" value={String(location.lng)} />
          {refs.map((r) => (
            <input key={r} type="hidden" name="photo" value={r} />
          ))}
          {categories.length === 0 ? (
            <FormMessage tone="error">{t('new.nothingServed')}</FormMessage>
          ) : (
            <fieldset aria-describedby={errors.category ? 'category-error' : undefined}>
              <legend>{t('new.whatLegend')}</legend>
              {errors.category ? (
                <p className="field-error" id="category-error">
                  {errors.category}
                </p>
              ) : null}
              {categories.map((c) => (
                <label key={c.code} className="choice">
                  <input type="radio" name="category" value={c.code} defaultChecked={values.category === c.code} required /> {c.name}
                  {c.group ? <span className="choice__hint"> · {c.group}</span> : null}
                </label>
              ))}
            </fieldset>
          )}
          {categories.length ? <button type="submit">{t('new.continue')}</button> : null}
        </Form>
      ) : null}

      {page.step === 'details' && location && 'category' in page && page.category ? (
        <div className="report-new__details">
          <p>
            {t('new.placeChosen', { place: location.place })} · {t('new.categoryChosen', { category: page.category.name })} <Link to={`/reports/new?${keep({})}`}>{t('new.changeCategory')}</Link>
          </p>
          {page.bounds ? <PinMap bounds={page.bounds} point={location} label={t('new.pinLabel', { place: location.place })} /> : null}
          {similar.length ? (
            <section className="similar" aria-labelledby="similar-heading" data-testid="similar-reports">
              <h2 id="similar-heading">{t('new.similarHeading')}</h2>
              <p>{t('new.similarIntro')}</p>
              <ul>
                {similar.map((s) => (
                  <li key={s.id}>
                    <Link to={`/reports/${s.id}`}>{s.title}</Link> — {t('new.similarDistance', { metres: s.distanceM })} · {t('supports', { count: s.supports })}
                    <Form method="post" action={`/reports/${s.id}`} className="inline">
                      <input type="hidden" name="intent" value="support" />
                      <button type="submit" className="secondary">
                        {t('new.supportInstead')}
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <Form method="post" encType="multipart/form-data" className="stack" noValidate>
            <HoneypotField />
            <input type="hidden" name="intent" value="file" />
            <input type="hidden" name="lat" value={String(location.lat)} />
            <input type="hidden" name="lng" value={String(location.lng)} />
            <input type="hidden" name="category" value={page.category.code} />
            {refs.map((r) => (
              <input key={r} type="hidden" name="photoRef" value={r} />
            ))}
            {errors.location ? <FormMessage tone="error">{errors.location}</FormMessage> : null}
            {errors.category ? <FormMessage tone="error">{errors.category}</FormMessage> : null}
            <Field name="title" label={t('fields.title')} hint={t('hints.title')} required defaultValue={values.title} error={errors.title} />
            <Field name="description" label={t('fields.description')} hint={t('hints.description')} error={errors.description}>
              <textarea
                id="field-description"
                name="description"
                rows={6}
                defaultValue={values.description}
                required
                aria-invalid={errors.description ? true : undefined}
                aria-describedby={errors.description ? 'field-description-hint field-description-error' : 'field-description-hint'}
              />
            </Field>
            {'questions' in page && page.questions?.length ? (
              <fieldset className="stack">
                <legend>{t('new.questions')}</legend>
                {page.questions.map((q) => {
                  const name = `attribute[${q.code}]`
                  const id = `field-attribute-${q.code}`
                  const error = errors[name]
                  const described = [q.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined
                  return (
                    <div key={q.code} className={`field${error ? ' field--error' : ''}`}>
                      <label htmlFor={id}>
                        {q.question}
                        {q.required ? '' : ` ${t('new.optional')}`}
                      </label>
                      {q.hint ? (
                        <p className="field__hint" id={`${id}-hint`}>
                          {q.hint}
                        </p>
                      ) : null}
                      {error ? (
                        <p className="field-error" id={`${id}-error`}>
                          {error}
                        </p>
                      ) : null}
                      {q.type === 'singlevaluelist' || q.type === 'multivaluelist' ? (
                        <select id={id} name={name} defaultValue={values[name] ?? ''} aria-describedby={described} aria-invalid={error ? true : undefined}>
                          <option value="">{t('new.choose')}</option>
                          {q.values.map((v) => (
                            <option key={v.key} value={v.key}>
                              {v.name}
                            </option>
                          ))}
                        </select>
                      ) : q.type === 'text' ? (
                        <textarea id={id} name={name} rows={3} defaultValue={values[name] ?? ''} aria-describedby={described} aria-invalid={error ? true : undefined} />
                      ) : (
                        <input id={id} name={name} type="text" defaultValue={values[name] ?? ''} aria-describedby={described} aria-invalid={error ? true : undefined} />
                      )}
                    </div>
                  )
                })}
              </fieldset>
            ) : null}
            {photos.length < MAX_PHOTOS ? (
              <Field name="photo" label={t('fields.photos', { count: MAX_PHOTOS - photos.length })} hint={t('hints.photos')} error={errors.photo}>
                <input
                  id="field-photo"
                  name="photo"
                  type="file"
                  multiple
                  accept="image/jpeg,image/png,image/webp,image/avif"
                  aria-describedby={errors.photo ? 'field-photo-hint field-photo-error' : 'field-photo-hint'}
                  aria-invalid={errors.photo ? true : undefined}
                />
              </Field>
            ) : null}
            {user ? null : (
              <fieldset className="stack">
                <legend>{t('new.aboutYou')}</legend>
                <p>{t('new.guestIntro')}</p>
                <Field name="name" label={t('fields.name')} hint={t('hints.name')} autoComplete="name" required defaultValue={values.name} error={errors.name} />
                <Field name="email" type="email" label={t('fields.email')} hint={t('hints.email')} autoComplete="email" required defaultValue={values.email} error={errors.email} />
              </fieldset>
            )}
            <label className="choice">
              <input type="checkbox" name="anonymous" defaultChecked={values.anonymous === 'on'} /> {t('fields.anonymous')}
            </label>
            <p className="field__hint">{user ? t('hints.anonymousUser', { name: user.name }) : t('hints.anonymousGuest')}</p>
            <button type="submit">{t('new.submit')}</button>
          </Form>
        </div>
      ) : null}
    </div>
  )
}
