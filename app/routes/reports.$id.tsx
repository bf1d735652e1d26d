import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import mapStyles from '../styles/map.css'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { translatedErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { PlazaMap } from '../components/map/PlazaMap'
import { NearLine } from '../components/map/NearLine'
import { nearLabel } from '../modules/basemap/search.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { discussionData } from '../modules/deliberation/page.server'
import { Discussion } from '../modules/deliberation/components/Discussion'
import { flagContent, flagReasons } from '../modules/moderation/moderation.server'
import { mayTakePart } from '../modules/deliberation/deliberation.server'
import { reportForViewer, reporterChange, reportStateLabels, reportTimeline, supportReport } from '../modules/reports/reports.server'
import { photosOf } from '../modules/reports/photos.server'
import { reporterUpdateSchema } from '../modules/reports/schema'
import { StateBadge, Timeline } from '../modules/reports/components/ReportParts'
import { deliveryStatus } from '../modules/delivery/delivery.server'
import { serviceAttributes } from '../modules/open311/open311.server'
import { FlagForm } from '../components/FlagForm'
import { FollowForm } from '../components/FollowForm'

/**
 * /reports/:id — a report as the public follows it: map, photos, status, the department handling
 * it, the public timeline and the discussion. The reporter may mark it fixed or reopen it; others
 * may support it ("me too") or flag it for moderators.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
]

const reportId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = reportId(params)
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const report = await reportForViewer(id, user, locale)
  if (!report) throw new Response('Not Found', { status: 404 })
  const [timeline, photos, states, discussion, definitions, delivery, near] = await Promise.all([
    reportTimeline(id, { locale }),
    photosOf(id),
    reportStateLabels(locale, (code) => t(`reports:states.${code}`)),
    report.stateKind === 'hidden' || report.stateKind === 'unconfirmed' ? null : discussionData(request, user, 'report', id),
    serviceAttributes(report.category.code, locale),
    // Where it went when its body works outside Plaza (issue 19), as FixMyStreet shows "Sent to …".
    deliveryStatus(id, locale),
    nearLabel(report.lat, report.lng, report.address),
  ])
  const answers = definitions.flatMap((a) => {
    const given = report.attributes[a.code]
    if (given === undefined) return []
    const shown = (Array.isArray(given) ? given : [given]).map((v) => a.values?.find((x) => x.key === v)?.name ?? v)
    return [{ question: a.description, answer: shown.join(', ') }]
  })
  const labels = states
  const d = 0.004
  return {
    title: report.title,
    locale,
    report,
    near,
    timeline,
    delivery,
    photos,
    answers,
    labels,
    discussion,
    loggedIn: Boolean(user),
    followEmail: user?.email ?? '',
    config: mapClientConfig(),
    bounds: [report.lng - d * 1.4, report.lat - d, report.lng + d * 1.4, report.lat + d] as [number, number, number, number],
    flagReasons,
  }
}

// Anonymous readers may get a copy up to 5 seconds old; logged-in people always a fresh one.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = reportId(params)
  const { t } = await translatorFor(request)
  const user = await getUser(request)
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/reports/${id}`)}`)
  const fields = formFields(await readForm(request))
  const fail = (status: number, message: string) => data({ message, values: { text: fields.text ?? '' } }, { status })
  if (fields.intent === 'flag') {
    const reason = flagReasons.find((r) => r === fields.reason)
    if (!reason) return fail(400, t('reports:errors.flagReason'))
    const refusal = await mayTakePart(user)
    if (refusal?.kind === 'blocked') return fail(403, t('deliberation:blocked', { reason: refusal.reason }))
    if (refusal?.kind === 'needsLevel') return fail(403, t('deliberation:needsLevel'))
    const result = await flagContent(user.id, { targetKind: 'report', targetId: id, reason, note: (fields.note ?? '').slice(0, 1000) })
    if (result.kind === 'alreadyFlagged') return fail(409, t('deliberation:flag.already'))
    if (result.kind === 'ownContent') return fail(400, t('deliberation:flag.own'))
    if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
    return redirect(`/reports/${id}?done=flagged`)
  }
  const parsed = reporterUpdateSchema.safeParse(fields)
  if (!parsed.success) return fail(400, Object.values(translatedErrors(parsed.error, t))[0]?.[0] ?? t('reports:errors.badRequest'))
  if (parsed.data.intent === 'support') {
    const result = await supportReport(user.id, id)
    if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
    if (result.kind === 'own') return fail(400, t('reports:errors.supportOwn'))
    if (result.kind === 'notOpen') return fail(409, t('reports:errors.supportClosed'))
    return redirect(`/reports/${id}?done=${result.kind === 'already' ? 'alreadySupported' : 'supported'}`)
  }
  const result = await reporterChange(id, { userId: user.id }, parsed.data.intent === 'fixed' ? 'fixed' : 'open', parsed.data.text ?? '')
  if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
  if (result.kind === 'forbidden') return fail(403, t('reports:errors.notReporter'))
  if (result.kind === 'badTransition') return fail(409, t('reports:errors.badTransition'))
  return redirect(`/reports/${id}?done=${parsed.data.intent}`)
}

export default function ReportPage() {
  const { report, near, timeline, delivery, photos, answers, labels, discussion, loggedIn, config, bounds, locale, flagReasons, followEmail } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const [search] = useSearchParams()
  const { t } = useTranslation('reports')
  const done = search.get('done') ?? (search.get('filed') ? 'filed' : null)
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const here = `/reports/${report.id}`
  return (
    <div className="page report-page">
      <p>
        <Link to="/reports">{t('backToList')}</Link>
      </p>
      <h1>{report.title}</h1>
      {done ? <FormMessage tone="success">{t(`done.${done}`, { defaultValue: '' }) || t('done.saved')}</FormMessage> : null}
      {failure ? <FormMessage tone="error">{failure.message}</FormMessage> : null}
      {report.stateKind === 'unconfirmed' ? <FormMessage tone="info">{t('page.unconfirmed')}</FormMessage> : null}
      {report.stateKind === 'hidden' ? <FormMessage tone="info">{t('page.hidden')}</FormMessage> : null}
      <div className="report-page__grid">
        <div>
          <dl className="facts" data-testid="report-facts">
            <div>
              <dt>{t('page.status')}</dt>
              <dd>
                <StateBadge kind={report.stateKind} label={labels[report.state] ?? report.state} />
              </dd>
            </div>
            <div>
              <dt>{t('page.category')}</dt>
              <dd>{report.category.name}</dd>
            </div>
            <div>
              <dt>{t('page.department')}</dt>
              <dd data-testid="report-department">{report.department.name}</dd>
            </div>
            <div>
              <dt>{t('page.place')}</dt>
              <dd>
                {report.area ? <Link to={`/areas/${report.area.slug}`}>{report.area.name}</Link> : t('page.noArea')}
                {report.districtName && report.area?.name !== report.districtName ? `, ${report.districtName}` : ''}
              </dd>
            </div>
            <div>
              <dt>{t('page.reported')}</dt>
              <dd>{t('page.reportedBy', { name: report.reporterName ?? t('anonymous'), date: date.format(new Date(report.createdAt)) })}</dd>
            </div>
            <div>
              <dt>{t('page.supports')}</dt>
              <dd data-testid="report-supports">{t('supports', { count: report.supports })}</dd>
            </div>
            {answers.map((a) => (
              <div key={a.question}>
                <dt>{a.question}</dt>
                <dd>{a.answer}</dd>
              </div>
            ))}
            {report.duplicateOf ? (
              <div>
                <dt>{t('page.duplicateOf')}</dt>
                <dd>
                  <Link to={`/reports/${report.duplicateOf}`}>#{report.duplicateOf}</Link>
                </dd>
              </div>
            ) : null}
          </dl>
          <div className="report-page__description">
            {report.description.split(/\n{2,}/).map((p, i) => (
              <p key={i}>{p}</p>
            ))}
          </div>
          {photos.length ? (
            <ul className="photo-grid" aria-label={t('page.photos')}>
              {photos.map((p, i) => (
                <li key={p.id}>
                  <a href={p.fullUrl}>
                    <img
                      src={p.url}
                      alt={t('page.photoAlt', { n: i + 1, title: report.title })}
                      width={p.width > p.height ? 400 : Math.round((400 * p.width) / p.height)}
                      height={p.width > p.height ? Math.round((400 * p.height) / p.width) : 400}
                      loading="lazy"
                    />
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="report-page__actions">
            {report.stateKind === 'open' && !report.viewer.isReporter ? (
              report.viewer.supported ? (
                <p>{t('page.youSupport')}</p>
              ) : (
                <Form method="post" action={here}>
                  <input type="hidden" name="intent" value="support" />
                  <button type="submit">{loggedIn ? t('page.support') : t('page.supportLogin')}</button>
                </Form>
              )
            ) : null}
            {report.viewer.mayMarkFixed || report.viewer.mayReopen ? (
              <Form method="post" action={here} className="stack">
                <h2>{report.viewer.mayMarkFixed ? t('page.markFixedHeading') : t('page.reopenHeading')}</h2>
                <input type="hidden" name="intent" value={report.viewer.mayMarkFixed ? 'fixed' : 'reopen'} />
                <label htmlFor="reporter-text">{t('page.reporterText')}</label>
                <textarea id="reporter-text" name="text" rows={3} defaultValue={failure?.values.text} />
                <button type="submit">{report.viewer.mayMarkFixed ? t('page.markFixed') : t('page.reopen')}</button>
              </Form>
            ) : null}
            {report.viewer.mayTriage ? (
              <p>
                <Link to={`/council/reports/${report.id}`}>{t('page.triage')}</Link>
              </p>
            ) : null}
          </div>
        </div>
        <div>
          <PlazaMap config={config} bounds={bounds} label={t('page.mapLabel', { title: report.title })} filter={{ layers: ['reports'] }} className="report-page__map" />
          <NearLine address={near} />
          <p className="report-page__coordinates">{t('page.coordinates', { latitude: report.lat, longitude: report.lng })}</p>
        </div>
      </div>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">{t('page.timeline')}</h2>
        {delivery ? <DeliveryNote delivery={delivery} locale={locale} /> : null}
        <Timeline entries={timeline} labels={labels} locale={locale} />
      </section>
      {discussion ? <FollowForm targetKind="report" targetId={report.id} back={here} email={followEmail} /> : null}
      {discussion ? <Discussion data={discussion} locale={locale} title={t('page.discussion')} /> : null}
      {loggedIn && !report.viewer.isReporter && report.stateKind !== 'hidden' ? (
        <FlagForm action={here} reasons={flagReasons} labels={{ summary: t('page.flag'), reason: t('page.flagReason'), note: t('page.flagNote'), submit: t('page.flagSubmit') }} />
      ) : null}
    </div>
  )
}

/** Where the report went when its body works outside Plaza (issue 19). */
function DeliveryNote({ delivery, locale }: { delivery: { status: string; method: string; sentAt: string | null; externalId: string | null; body: string }; locale: string }) {
  const { t } = useTranslation('delivery')
  const method = t(`methods.${delivery.method}`)
  const date = delivery.sentAt ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(delivery.sentAt)) : ''
  const text =
    delivery.status === 'sent'
      ? delivery.externalId
        ? t('status.sentRef', { body: delivery.body, method, date, ref: delivery.externalId })
        : t('status.sent', { body: delivery.body, method, date })
      : delivery.status === 'failed'
        ? t('status.failed', { body: delivery.body })
        : t('status.pending', { body: delivery.body, method })
  return (
    <p className="report-page__delivery" data-testid="report-delivery">
      {text}
    </p>
  )
}
