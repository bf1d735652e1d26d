import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { getUser, requestMeta } from '../modules/accounts/auth.server'
import { translatorFor, localeOf } from '../lib/i18n.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { readForm } from '../lib/forms.server'
import { isHoneypotFilled } from '../lib/honeypot'
import { config } from '../lib/config.server'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { LocationPicker } from '../components/map/LocationPicker'
import { areaOptions, areaPoint, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { resolveLocation } from '../modules/geo/location.server'
import { BODY_MAX, MAX_RECIPIENTS, areaSlugOf, chosenRecipients, letterFieldsSchema, letterToRepresentative, writeLetter } from '../modules/letters/letters.server'
import { knownSender } from '../modules/letters/mine.server'
import { getRepresentative, representativesFor, type Place, type RepresentativeGroup } from '../modules/letters/representatives.server'
import { groupKey } from '../modules/letters/groups'

/**
 * /letters/new — write to your representatives, in steps that each work without JavaScript:
 * where you live (the location picker: map, address search when a geocoder is configured, typed
 * coordinates, or the area list), whom to write to (checkboxes per group, "all of them"; bounced
 * addresses shown but not selectable), the letter, then a preview exactly as it will be sent.
 * "Send" stores the letter unconfirmed and mails the sender a link; nothing goes out before they
 * confirm. Every step carries what came before in the URL or hidden fields, so nothing typed is lost.
 * ?representative=:id starts with that representative chosen.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

const ID_RE = /^\d{1,12}$/
const ALL_RE = /^[a-z0-9_-]{1,40}:\d{1,12}$/

type Values = Record<string, string>
type Errors = Record<string, string>

interface ResolvedPlace {
  place: Place
  label: string
  /** The hidden fields that carry the place to the next step. */
  fields: Values
}

async function placeOf(values: Values): Promise<{ ok: true; value: ResolvedPlace } | { ok: false; errors: FieldErrors } | null> {
  if (values.area && !values.lat && !values.lng) {
    const point = await areaPoint(values.area)
    if (!point) return { ok: false, errors: { area: ['picker.errors.area'] } }
    return { ok: true, value: { place: { areaId: point.id }, label: '', fields: { area: values.area } } }
  }
  if (!values.lat && !values.lng) return null
  const resolved = await resolveLocation(values)
  if (!resolved.ok) return resolved
  const { lat, lng, areas } = resolved.location
  const label = areas
    .filter((a) => a.level !== 'city')
    .map((a) => a.name)
    .join(', ')
  return { ok: true, value: { place: { lat, lng }, label, fields: { lat: String(lat), lng: String(lng) } } }
}

function chosenOf(params: URLSearchParams | FormData) {
  const ids = params
    .getAll('rep')
    .filter((v): v is string => typeof v === 'string' && ID_RE.test(v))
    .map(Number)
    .slice(0, 100)
  const all = params
    .getAll('all')
    .filter((v): v is string => typeof v === 'string' && ALL_RE.test(v))
    .slice(0, 20)
  return { ids, all }
}

async function pageData(request: Request, values: Values, chosen: { ids: number[]; all: string[] }, options: { write?: boolean } = {}) {
  const areaLocale = await localeOf(request)
  const [{ t, locale }, user, areas, bounds, city] = await Promise.all([translatorFor(request), getUser(request), areaOptions(areaLocale), cityBounds(), cityProfile()])
  const cityName = city?.name ?? 'Plaza'
  // A verified resident does not retype what Plaza knows (issue 18): the address of their last
  // letter, and their home district in the place picker. Both stay editable.
  const known = user && user.verificationLevel >= 2 ? await knownSender(user.id, user.homeAreaId) : null
  const prefill = {
    name: values.name ?? user?.displayName ?? '',
    email: values.email ?? user?.email ?? '',
    address: values.address ?? known?.address ?? '',
    subject: values.subject ?? '',
    body: values.body ?? '',
  }
  const where = !values.lat && !values.lng && !values.area && known?.areaSlug ? { area: known.areaSlug } : {}
  const base = {
    title: t('letters:new.title'),
    city: cityName,
    areas,
    bounds,
    config: mapClientConfig(),
    values: { ...values, ...prefill },
    whereDefaults: { ...values, ...prefill, ...where },
    bodyMax: BODY_MAX,
  }
  const resolved = await placeOf(values)
  const empty = { groups: [] as RepresentativeGroup[], place: null, chosenIds: [] as number[], recipients: [] as Array<{ id: number; name: string; role: string }> }
  if (!resolved) return { ...base, ...empty, step: 'where' as const, errors: {} as Errors }
  if (!resolved.ok) {
    const errors: Errors = {}
    for (const [field, keys] of Object.entries(resolved.errors)) if (keys?.[0]) errors[field] = t(`geo:${keys[0]}`, { city: cityName })
    return { ...base, ...empty, step: 'where' as const, errors }
  }
  const groups = await representativesFor(resolved.value.place, { locale })
  const label = resolved.value.label || groups.map((g) => g.area).find((a) => a.level !== 'city')?.name || groups[0]?.area.name || cityName
  const place = { ...resolved.value, label }
  const wants = chosen.ids.length > 0 || chosen.all.length > 0
  if (!wants) return { ...base, ...empty, groups, place, step: 'choose' as const, errors: {} as Errors }
  const picked = await chosenRecipients(place.place, chosen.ids, chosen.all, groups)
  if (!picked.ok) {
    const errors: Errors = { recipients: picked.reason === 'tooMany' ? t('letters:errors.tooMany', { max: MAX_RECIPIENTS }) : t(`letters:errors.${picked.reason}`) }
    return { ...base, ...empty, groups, place, chosenIds: chosen.ids, step: 'choose' as const, errors }
  }
  const recipients = picked.recipients.map((r) => ({ id: r.id, name: r.name, role: r.role }))
  return { ...base, groups, place, chosenIds: recipients.map((r) => r.id), recipients, step: 'write' as const, errors: {} as Errors, write: options.write ?? true }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams
  const values: Values = { lat: params.get('lat') ?? '', lng: params.get('lng') ?? '', area: params.get('area') ?? '' }
  const chosen = chosenOf(params)
  const preselect = params.get('representative') ?? ''
  if (ID_RE.test(preselect) && !values.lat && !values.lng && !values.area) {
    // Start from one representative: their area (and the areas above it), with them chosen.
    const rep = await getRepresentative(Number(preselect))
    const slug = rep ? await areaSlugOf(rep.areaId) : null
    if (slug) {
      values.area = slug
      const page = await pageData(request, values, { ids: [], all: [] })
      return { ...page, chosenIds: rep && !rep.emailBouncedAt ? [rep.id] : [] }
    }
  }
  const page = await pageData(request, values, chosen)
  return data(page, { status: Object.keys(page.errors).length ? 400 : 200 })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

const duration = (seconds: number, locale: string) => {
  const [value, unit] = seconds >= 7200 ? [Math.ceil(seconds / 3600), 'hour'] : [Math.max(1, Math.ceil(seconds / 60)), 'minute']
  return new Intl.NumberFormat(locale, { style: 'unit', unit: unit as 'hour' | 'minute', unitDisplay: 'long' }).format(value)
}

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const form = await readForm(request)
  const fields: Values = {}
  for (const name of ['lat', 'lng', 'area', 'name', 'email', 'address', 'subject', 'body', 'intent']) {
    const v = form.get(name)
    fields[name] = typeof v === 'string' ? v.slice(0, name === 'body' ? BODY_MAX * 2 : 2000) : ''
  }
  const chosen = chosenOf(form)
  const page = await pageData(request, fields, chosen)
  if (page.step !== 'write' || !page.place) return data({ ...page, preview: null }, { status: 400 })
  const intent = fields.intent
  if (intent === 'edit') return data({ ...page, preview: null })

  const errors: Errors = {}
  const parsed = letterFieldsSchema.safeParse(fields)
  if (!parsed.success) for (const [k, v] of Object.entries(translatedErrors(parsed.error, t))) if (v?.[0]) errors[k] = v[0]
  if (isHoneypotFilled(form)) errors.form = t('letters:errors.spam')
  if (Object.keys(errors).length || !parsed.success) return data({ ...page, errors, preview: null }, { status: 400 })

  const picked = await chosenRecipients(page.place.place, page.chosenIds, [], page.groups)
  if (!picked.ok) return data({ ...page, step: 'choose' as const, errors: { recipients: t(`letters:errors.${picked.reason}`, { max: MAX_RECIPIENTS }) }, preview: null }, { status: 400 })

  if (intent !== 'send') {
    const first = picked.recipients[0]!
    const mail = letterToRepresentative(first.name, {
      senderName: parsed.data.name,
      senderEmail: parsed.data.email,
      senderAddress: parsed.data.address,
      subject: parsed.data.subject,
      body: parsed.data.body,
    })
    const preview = { to: `${first.name} <${first.email.replace(/^(.).*(@.*)$/, '$1…$2')}>`, from: config().MAIL_FROM, replyTo: mail.replyTo, subject: mail.subject, text: mail.text, name: first.name }
    return data({ ...page, values: { ...page.values, ...parsed.data }, step: 'preview' as const, preview })
  }

  const user = await getUser(request)
  const result = await writeLetter({ ...parsed.data, recipients: picked.recipients, place: page.place.place, locale, userId: user?.id ?? null, ip: requestMeta(request).ip })
  if (result.kind === 'written') return redirect(`/letters/${result.statusToken}?written=1`)
  const message =
    result.kind === 'self'
      ? t('letters:errors.self', { names: result.names.join(', ') })
      : t(result.which === 'sender' ? 'letters:errors.senderLimit' : 'letters:errors.ipLimit', { time: duration(result.retryAfterSeconds, locale) })
  return data({ ...page, errors: { form: message }, preview: null }, { status: result.kind === 'self' ? 400 : 429 })
}

function Hidden({ values }: { values: Values }) {
  return (
    <>
      {Object.entries(values).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
    </>
  )
}

export default function NewLetter() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const { t } = useTranslation('letters')
  const n = useNames()
  const page = (acted ?? loaded) as unknown as Omit<typeof loaded, 'step' | 'values'> & {
    values: Values
    preview?: { to: string; from: string; replyTo: string; subject: string; text: string; name: string } | null
    step: 'where' | 'choose' | 'write' | 'preview'
  }
  const { errors, values, place, groups, recipients, city } = page
  const steps = ['where', 'choose', 'write', 'preview'] as const
  const stepLabel = { where: t('new.stepWhere'), choose: t('new.stepChoose'), write: t('new.stepWrite'), preview: t('new.stepPreview') }
  const chosenIds = new Set(page.chosenIds)
  const carried: Values = place ? { ...place.fields } : {}
  const repFields = recipients.map((r) => <input key={r.id} type="hidden" name="rep" value={String(r.id)} />)
  const placeQuery = new URLSearchParams(carried).toString()

  return (
    <div className="page narrow letters-new">
      <h1>{t('new.title')}</h1>
      <p>{t('new.intro', { city })}</p>
      <ol className="steps" aria-label={t('new.stepsLabel')}>
        {steps.map((s) => (
          <li key={s} aria-current={page.step === s ? 'step' : undefined}>
            {stepLabel[s]}
          </li>
        ))}
      </ol>
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}

      {page.step === 'where' && page.bounds ? (
        <Form method="get" className="stack" noValidate>
          <p>{t('new.whereHint')}</p>
          <LocationPicker config={page.config} bounds={page.bounds} areas={page.areas} defaults={page.whereDefaults} errors={errors} legend={t('new.whereLegend', { city })} />
          <button type="submit">{t('new.continue')}</button>
        </Form>
      ) : null}

      {page.step === 'choose' && place ? (
        <Form method="get" className="stack" noValidate data-testid="letters-choose">
          <p>
            {t('new.placeChosen', { place: place.label })} <Link to="/letters/new">{t('new.changePlace')}</Link>
          </p>
          <Hidden values={carried} />
          {errors.recipients ? (
            <p className="field-error" id="recipients-error" role="alert">
              {errors.recipients}
            </p>
          ) : null}
          {groups.length === 0 ? <FormMessage tone="info">{t('new.noRepresentatives')}</FormMessage> : null}
          {groups.map((g) => {
            const key = groupKey(g)
            const available = g.members.filter((m) => !m.bounced)
            return (
              <fieldset key={key} className="rep-group">
                <legend>{t('new.chooseLegend', { level: g.level.name, area: g.area.name })}</legend>
                {available.length > 1 ? (
                  <label className="choice">
                    <input type="checkbox" name="all" value={key} /> {t('new.all', { count: available.length })}
                  </label>
                ) : null}
                <ul className="rep-list">
                  {g.members.map((m) => (
                    <li key={m.id} className="rep-choice">
                      {m.thumbUrl ? <img src={m.thumbUrl} alt="" width={48} height={48} /> : null}
                      {m.bounced ? (
                        <span>
                          <span className="rep-choice__name">{m.name}</span> · {n(m.role)}
                          {m.party ? ` · ${m.party}` : ''} — <em>{t('new.bounced')}</em>
                        </span>
                      ) : (
                        <label className="choice">
                          <input type="checkbox" name="rep" value={String(m.id)} defaultChecked={chosenIds.has(m.id)} /> <span className="rep-choice__name">{m.name}</span> · {n(m.role)}
                          {m.party ? ` · ${m.party}` : ''}
                        </label>
                      )}
                    </li>
                  ))}
                </ul>
              </fieldset>
            )
          })}
          {groups.length ? <button type="submit">{t('new.chooseSubmit')}</button> : null}
        </Form>
      ) : null}

      {page.step === 'write' && place ? (
        <Form method="post" className="stack" noValidate data-testid="letters-write">
          <p>
            {t('new.writingTo', { names: recipients.map((r) => r.name).join(', ') })}{' '}
            <Link to={`/letters/new?${placeQuery}&${recipients.map((r) => `rep=${r.id}`).join('&')}`}>{t('new.changeRecipients')}</Link>
          </p>
          <HoneypotField />
          <Hidden values={carried} />
          {repFields}
          <fieldset className="stack">
            <legend>{t('new.aboutYou')}</legend>
            <p>{t('new.aboutYouHint')}</p>
            <Field name="name" label={t('fields.name')} hint={t('hints.name')} autoComplete="name" required defaultValue={values.name} error={errors.name} />
            <Field name="email" type="email" label={t('fields.email')} hint={t('hints.email')} autoComplete="email" required defaultValue={values.email} error={errors.email} />
            <TextArea name="address" label={t('fields.address')} hint={t('hints.address')} rows={3} value={values.address} error={errors.address} autoComplete="street-address" />
          </fieldset>
          <fieldset className="stack">
            <legend>{t('new.letter')}</legend>
            <Field name="subject" label={t('fields.subject')} hint={t('hints.subject')} required defaultValue={values.subject} error={errors.subject} />
            <TextArea name="body" label={t('fields.body')} hint={t('hints.body', { max: page.bodyMax })} rows={14} value={values.body} error={errors.body} maxLength={page.bodyMax} />
          </fieldset>
          <button type="submit" name="intent" value="preview">
            {t('new.previewSubmit')}
          </button>
        </Form>
      ) : null}

      {page.step === 'preview' && page.preview && place ? (
        <section className="stack" aria-labelledby="preview-heading" data-testid="letters-preview">
          <h2 id="preview-heading">{t('new.previewTitle')}</h2>
          <p>{t('new.previewIntro', { name: page.preview.name })}</p>
          <p>{t('new.writingTo', { names: recipients.map((r) => r.name).join(', ') })}</p>
          <dl className="mail-headers">
            <dt>{t('new.previewFrom')}</dt>
            <dd>{page.preview.from}</dd>
            <dt>{t('new.previewTo')}</dt>
            <dd>{page.preview.to}</dd>
            <dt>{t('new.previewReplyTo')}</dt>
            <dd>{page.preview.replyTo}</dd>
            <dt>{t('new.previewSubject')}</dt>
            <dd>{page.preview.subject}</dd>
          </dl>
          <pre className="mail-preview" role="region" aria-label={t('new.previewText')} tabIndex={0}>
            {page.preview.text}
          </pre>
          <Form method="post" className="stack" noValidate>
            <HoneypotField />
            <Hidden values={carried} />
            {repFields}
            <Hidden values={{ name: values.name ?? '', email: values.email ?? '', address: values.address ?? '', subject: values.subject ?? '', body: values.body ?? '' }} />
            <p className="field__hint">{t('new.sendHint')}</p>
            <div className="actions">
              <button type="submit" name="intent" value="send">
                {t('new.send')}
              </button>{' '}
              <button type="submit" name="intent" value="edit" className="secondary">
                {t('new.edit')}
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  )
}

function TextArea({
  name,
  label,
  hint,
  rows,
  value,
  error,
  maxLength,
  autoComplete,
}: {
  name: string
  label: string
  hint: string
  rows: number
  value?: string
  error?: string
  maxLength?: number
  autoComplete?: string
}) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <Field name={name} label={label} hint={hint} error={error}>
      <textarea id={id} name={name} rows={rows} defaultValue={value} required maxLength={maxLength} autoComplete={autoComplete} aria-invalid={error ? true : undefined} aria-describedby={described} />
    </Field>
  )
}
