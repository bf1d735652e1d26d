import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { getUser, requestMeta, requireUser } from '../modules/accounts/auth.server'
import type { FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { isHoneypotFilled } from '../lib/honeypot'
import { translatorFor } from '../lib/i18n.server'
import { Field, FormMessage } from '../components/forms'
import { HoneypotField } from '../components/HoneypotField'
import { LocationPicker } from '../components/map/LocationPicker'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { resolveLocation } from '../modules/geo/location.server'
import { ALERT_RADII, alertArea, alertsOf, cancelOwnAlert, cityArea, subscribeAlert, type AlertScope } from '../modules/reports/alerts.server'
import { reportFeedLinks, reportFeedPath } from '../modules/reports/feeds'
import { reportCategories } from '../modules/reports/reports.server'

/**
 * /alerts — local alerts and feeds. First choose a place (the map, "my location", or without
 * JavaScript an area or typed coordinates: a GET form, so the choice has a URL); then choose what
 * to follow — new reports within a radius of it, or in its neighbourhood, district or the whole
 * city — by e-mail (POST) or as a feed (each option links its RSS feed). Logged-in people also see
 * their alerts, each with a button to stop it.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

type Choice = { value: string; scope: AlertScope; feed: string }

async function choicesFor(request: Request, city: { slug: string; name: string; id: number } | null) {
  const params = new URL(request.url).searchParams
  const sent = { lat: params.get('lat') ?? '', lng: params.get('lng') ?? '', area: params.get('area') ?? '' }
  if (params.get('whole') === 'city' && city) {
    return {
      sent,
      point: null,
      errors: null,
      choices: [
        { value: `area:${city.slug}`, scope: { kind: 'area', areaId: city.id, slug: city.slug, name: city.name, level: 'city' }, feed: reportFeedPath({ kind: 'area', slug: city.slug }) },
      ] as Choice[],
    }
  }
  if (!params.has('lat') && !params.has('lng') && !params.has('area')) return { sent, point: null, errors: null, choices: null }
  const resolved = await resolveLocation(sent)
  if (!resolved.ok) return { sent, point: null, errors: resolved.errors, choices: null }
  const { lat, lng, areas } = resolved.location
  const choices: Choice[] = [
    ...ALERT_RADII.map((radiusM) => ({ value: `radius:${radiusM}`, scope: { kind: 'radius' as const, lat, lng, radiusM }, feed: reportFeedPath({ kind: 'near', lat, lng, radiusM }) })),
    // Most specific first: the neighbourhood, its district, the whole city.
    ...[...areas]
      .reverse()
      .map((a) => ({ value: `area:${a.slug}`, scope: { kind: 'area' as const, areaId: a.id, slug: a.slug, name: a.name, level: a.level }, feed: reportFeedPath({ kind: 'area', slug: a.slug }) })),
  ]
  return { sent, point: { lat, lng }, errors: null, choices }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const user = await getUser(request)
  const [areas, bounds, profile, categories] = await Promise.all([areaOptions(locale), cityBounds(), cityProfile(), reportCategories(locale)])
  const cityRow = await cityArea()
  const city = profile?.name ?? cityRow?.name ?? 'Plaza'
  const place = await choicesFor(request, cityRow)
  const errors: Record<string, string> = {}
  for (const [field, keys] of Object.entries(place.errors ?? {})) if (keys?.[0]) errors[field] = t(`geo:${keys[0]}`, { city })
  const subscribed = new URL(request.url).searchParams.get('subscribed')
  return data(
    {
      title: t('alerts:title'),
      feedTitle: t('alerts:feed.allTitle', { city }),
      locale,
      city,
      areas,
      bounds,
      config: mapClientConfig(),
      sent: place.sent,
      point: place.point,
      choices: place.choices,
      errors,
      subscribed: subscribed === 'pending' || subscribed === 'active' ? subscribed : null,
      email: user?.email ?? '',
      loggedIn: Boolean(user),
      mine: user ? await alertsOf(user) : [],
      categories: categories.map((c) => ({ code: c.code, name: c.name })),
    },
    { status: Object.keys(errors).length ? 400 : 200 },
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, ...reportFeedLinks({}, data?.feedTitle ?? '')]

type ActionResult = { errors: Record<string, string>; values: Record<string, string>; cancelled?: undefined } | { cancelled: true; errors?: undefined; values?: undefined }

const translate = (errors: FieldErrors, t: (key: string) => string) => {
  const out: Record<string, string> = {}
  for (const [field, keys] of Object.entries(errors)) if (keys?.[0]) out[field] = t(keys[0])
  return out
}

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const form = await readForm(request)
  const fields = formFields(form)
  const values = { email: fields.email ?? '', choice: fields.choice ?? '', updates: fields.updates === 'on' ? 'on' : '' }
  const fail = (status: number, errors: Record<string, string>, headers?: HeadersInit) => data<ActionResult>({ errors, values }, { status, headers })

  if (fields.intent === 'cancel') {
    const user = await requireUser(request)
    const id = Number(fields.alertId)
    const result = Number.isInteger(id) && id > 0 ? await cancelOwnAlert(user, id) : { kind: 'notFound' as const }
    if (result.kind === 'notFound') return fail(404, { form: t('alerts:errors.notYours') })
    return data<ActionResult>({ cancelled: true })
  }

  if (isHoneypotFilled(form)) return fail(400, { form: t('alerts:errors.spam') })
  const user = await getUser(request)
  const choice = /^(radius):(\d{1,5})$|^(area):([a-z0-9-]{1,100})$/.exec(fields.choice ?? '')
  if (!choice) return fail(400, { choice: t('alerts:errors.choice') })
  let where: { lat: number; lng: number; radiusM: number } | { areaId: number }
  if (choice[1] === 'radius') {
    const resolved = await resolveLocation({ lat: fields.lat ?? '', lng: fields.lng ?? '' })
    if (!resolved.ok) return fail(400, { choice: t('alerts:errors.location') })
    where = { lat: resolved.location.lat, lng: resolved.location.lng, radiusM: Number(choice[2]) }
  } else {
    const area = await alertArea(choice[4]!)
    if (!area) return fail(400, { choice: t('alerts:errors.area') })
    where = { areaId: area.id }
  }
  const result = await subscribeAlert({ email: fields.email ?? '', userId: user?.id ?? null, includeUpdates: fields.updates === 'on', locale, ip: requestMeta(request).ip, ...where })
  switch (result.kind) {
    case 'invalid':
      return fail(400, translate(result.errors, t))
    case 'tooMany':
      return fail(409, { form: t('alerts:errors.tooMany', { max: 20 }) })
    case 'rateLimited':
      return fail(429, { form: t('alerts:errors.rateLimited', { minutes: Math.ceil(result.retryAfterSeconds / 60) }) }, { 'Retry-After': String(result.retryAfterSeconds) })
    case 'pending':
    case 'active':
      return redirect(`/alerts?subscribed=${result.kind}`)
  }
}

type T = (key: string, options?: Record<string, unknown>) => string
function scopeText(t: T, scope: AlertScope): string {
  if (scope.kind === 'radius') return t('scope.radius', { radius: scope.radiusM, latitude: scope.lat, longitude: scope.lng })
  if (scope.level === 'city') return t('scope.city', { name: scope.name })
  if (scope.level === 'district') return t('scope.district', { name: scope.name })
  return t('scope.area', { name: scope.name })
}

export default function AlertsPage() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('alerts')
  const scope = (s: AlertScope) => scopeText(t as T, s)
  const e = result?.errors ?? {}
  const chosen = result?.values?.choice
  const date = new Intl.DateTimeFormat(d.locale, { dateStyle: 'medium', timeZone: 'UTC' })
  return (
    <div className="page">
      <h1>{d.title}</h1>
      <p>{t('intro', { city: d.city })}</p>

      {d.subscribed === 'pending' ? (
        <section className="notice notice--success" aria-labelledby="alerts-done" role="status">
          <h2 id="alerts-done">{t('pending.title')}</h2>
          <p>{t('pending.body')}</p>
        </section>
      ) : null}
      {d.subscribed === 'active' ? (
        <section className="notice notice--success" aria-labelledby="alerts-done" role="status">
          <h2 id="alerts-done">{t('active.title')}</h2>
          <p>{t('active.body')}</p>
        </section>
      ) : null}
      {result?.cancelled ? <FormMessage tone="success">{t('mine.stopped')}</FormMessage> : null}

      {d.loggedIn ? (
        <section aria-labelledby="alerts-mine">
          <h2 id="alerts-mine">{t('mine.heading')}</h2>
          {d.mine.length === 0 ? <p>{t('mine.none')}</p> : null}
          <ul className="role-list">
            {d.mine.map((a) => (
              <li key={a.id}>
                <span>
                  {scope(a.scope)}
                  {a.includeUpdates ? ` (${t('options.withUpdates')})` : ''} · {a.email} · {a.confirmed ? t('mine.since', { date: date.format(new Date(a.createdAt)) }) : t('mine.unconfirmed')}
                </span>
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="cancel" />
                  <input type="hidden" name="alertId" value={a.id} />
                  <button type="submit" className="secondary">
                    {t('mine.stop')}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {d.choices ? (
        <section aria-labelledby="alerts-options">
          <h2 id="alerts-options">{t('options.heading')}</h2>
          {d.point ? <p>{t('options.point', { latitude: d.point.lat, longitude: d.point.lng })}</p> : null}
          {e.form ? <FormMessage tone="error">{e.form}</FormMessage> : null}
          <Form method="post" noValidate className="stack">
            <HoneypotField />
            <input type="hidden" name="intent" value="subscribe" />
            {d.point ? (
              <>
                <input type="hidden" name="lat" value={String(d.point.lat)} />
                <input type="hidden" name="lng" value={String(d.point.lng)} />
              </>
            ) : null}
            <fieldset aria-describedby={e.choice || e.location ? 'choice-error' : undefined}>
              <legend>{t('options.legend')}</legend>
              {e.choice || e.location ? (
                <p className="field-error" id="choice-error">
                  {e.choice ?? e.location}
                </p>
              ) : null}
              <ul className="role-list">
                {d.choices.map((c, i) => (
                  <li key={c.value}>
                    <label className="choice">
                      <input type="radio" name="choice" value={c.value} defaultChecked={chosen ? chosen === c.value : i === 0} />
                      {c.scope.kind === 'radius' ? t('options.radius', { radius: c.scope.radiusM }) : scope(c.scope)}
                    </label>
                    <a href={c.feed} type="application/rss+xml" aria-label={t('options.feedFor', { scope: scope(c.scope) })}>
                      {t('options.feed')}
                    </a>
                  </li>
                ))}
              </ul>
            </fieldset>
            <label className="choice">
              <input type="checkbox" name="updates" defaultChecked={result?.values ? result.values.updates === 'on' : false} />
              {t('options.updates')}
            </label>
            <Field
              name="email"
              type="email"
              label={t('options.email')}
              hint={d.loggedIn ? undefined : t('options.emailHint')}
              autoComplete="email"
              required
              defaultValue={result?.values?.email ?? d.email}
              error={e.email}
            />
            <button type="submit">{t('options.submit')}</button>
          </Form>
          <p>
            <Link to="/alerts">{t('options.another')}</Link>
          </p>
        </section>
      ) : null}

      {!d.choices && d.bounds ? (
        <section aria-labelledby="alerts-place">
          <h2 id="alerts-place">{t('place.heading')}</h2>
          <Form method="get" className="stack" noValidate>
            <LocationPicker config={d.config} bounds={d.bounds} areas={d.areas} defaults={d.sent} errors={d.errors} legend={t('place.legend')} id="alert-place" />
            <button type="submit">{t('place.submit')}</button>
          </Form>
          <p>
            <Link to="/alerts?whole=city">{t('place.wholeCity', { city: d.city })}</Link>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="alerts-feeds">
        <h2 id="alerts-feeds">{t('feeds.heading')}</h2>
        <p>{t('feeds.intro')}</p>
        <ul className="link-list">
          <li>
            <a href={reportFeedPath({ kind: 'all' })} type="application/rss+xml">
              {t('feeds.all', { city: d.city })}
            </a>{' '}
            (
            <a href={reportFeedPath({ kind: 'all' }, 'atom')} type="application/atom+xml">
              {t('feeds.atom')}
            </a>
            )
          </li>
        </ul>
        <h3>{t('feeds.byCategory')}</h3>
        <ul className="link-list">
          {d.categories.map((c) => (
            <li key={c.code}>
              <a href={reportFeedPath({ kind: 'category', code: c.code })} type="application/rss+xml">
                {c.name}
              </a>
            </li>
          ))}
        </ul>
      </section>
    </div>
  )
}
