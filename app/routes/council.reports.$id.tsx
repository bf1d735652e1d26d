import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, isRouteErrorResponse, useActionData, useLoaderData, useRouteError } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import mapStyles from '../styles/map.css'
import councilStyles from '../components/charts/charts.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { ReportAudit, ReportFacts, ReporterContact, ReportTimeline, TriageFormSection } from '../modules/reports/components/TriageParts'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { TEXT_MAX, reportDepartmentId, stateLabels, submitTriage, triagePage, type TriageErrors, type TriageForm } from '../modules/reports/council.server'
import { mayTriage, priorities } from '../modules/reports/reports.server'
import { deliveryDetail, resendDelivery } from '../modules/delivery/delivery.server'

/**
 * /council/reports/:id — triage one report: everything the public sees, the reporter's contact,
 * and one form that may change category, status, priority, assignee, location and duplicate, and
 * post a public update (typed or from a template) and a private note. Every field is checked
 * before anything is written; errors come back next to their field with what was typed. The full
 * timeline (private notes included) and the report's audit rows are on the page.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: councilStyles },
]

const FIELDS = ['category', 'state', 'priority', 'assignee', 'lat', 'lng', 'area', 'duplicateOf', 'update', 'templateId', 'note'] as const
// What was typed comes back after an error; beyond this it is not a report but an attack.
const ECHO_MAX = 20_000

const reportId = (value: string | undefined) => {
  if (!value || !/^\d{1,12}$/.test(value)) throw new Response('Not Found', { status: 404 })
  return Number(value)
}

/** The list's query string to go back to (only a query string: never another path). */
const backQuery = (value: string | null) => (value && value.length < 1000 && /^\?[\w.=&%+-]*$/.test(value) ? value : '')

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const id = reportId(params.id)
  const page = await triagePage(id, user)
  if (page.kind === 'notFound') throw new Response('Not Found', { status: 404 })
  if (page.kind === 'forbidden') throw data({ department: page.department }, { status: 403 })
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const [labels, areas, bounds, delivery] = await Promise.all([stateLabels(t), areaOptions(locale), cityBounds(), deliveryDetail(id, locale)])
  const { report, timeline, audit, templates } = page.data
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const at = (iso: string | null) => (iso ? `${when.format(new Date(iso))} UTC` : null)
  // Which template answers automatically on which state (a department's own before the shared one).
  const auto = new Map<string, { title: string; state: string }>()
  for (const tpl of [...templates].sort((a, b) => Number(a.departmentId === null) - Number(b.departmentId === null))) {
    if (tpl.autoState && !auto.has(tpl.autoState)) auto.set(tpl.autoState, { title: tpl.title, state: labels[tpl.autoState] ?? tpl.autoState })
  }
  const saved = (url.searchParams.get('saved') ?? '').split(',').filter((s) => /^(state|category|priority|assignee|location|duplicate|update|note)$/.test(s))
  const resent = url.searchParams.get('resent') === '1'
  return {
    title: t('council:report.title', { id }),
    report: {
      ...report,
      stateLabel: labels[report.state] ?? report.state,
      createdAtText: at(report.createdAt),
      confirmedAtText: at(report.confirmedAt),
      updatedAtText: at(report.updatedAt),
    },
    photos: page.data.photos,
    categories: page.data.categories,
    states: page.data.states.map((s) => ({ ...s, label: labels[s.code] ?? s.code })),
    assignees: page.data.assignees,
    templates: templates.map((tpl) => ({ id: tpl.id, title: tpl.title, text: tpl.text, department: tpl.departmentName })),
    auto: [...auto.values()],
    similar: page.data.similar.map((s) => ({ id: s.id, title: s.title, distanceM: s.distanceM, state: labels[s.state] ?? s.state })),
    timeline: timeline.map((u) => ({ ...u, at: at(u.createdAt), fromLabel: u.fromState ? (labels[u.fromState] ?? u.fromState) : null, toLabel: u.toState ? (labels[u.toState] ?? u.toState) : null })),
    audit: audit.map((a) => ({ id: a.id, action: a.action, actor: a.actor, reason: a.reason, at: at(a.created_at), changes: auditChanges(a.before, a.after) })),
    areas,
    bounds,
    mapConfig: mapClientConfig(),
    // The browser bundle has no *.server modules: the list of priorities travels with the data.
    priorities: [...priorities],
    back: backQuery(url.searchParams.get('back')),
    saved,
    // Where the report went (issue 19): null when its body works inside Plaza.
    delivery: delivery
      ? {
          ...delivery,
          queuedAt: at(delivery.queuedAt),
          sentAt: at(delivery.sentAt),
          nextAttemptAt: at(delivery.nextAttemptAt),
        }
      : null,
    resent,
    isAdmin: user.roles.some((r) => r.role === 'admin'),
  }
}

type DeliveryData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['delivery']>

function DeliveryPanel({ d }: { d: { delivery: DeliveryData; isAdmin: boolean; resent: boolean; error: string | undefined } }) {
  const { t } = useTranslation('delivery')
  const x = d.delivery
  const rows: Array<[string, string | null]> = [
    [t('staff.to'), x.body],
    [t('staff.how'), t(`methods.${x.method}`)],
    [t('staff.where'), x.destination],
    [t('staff.status'), t(`statuses.${x.status}`)],
    [t('staff.queued'), x.queuedAt],
    [t('staff.sent'), x.sentAt],
    [t('staff.ref'), x.externalId],
    [t('staff.attempts'), String(x.attempts)],
    [t('staff.error'), x.lastError],
    [t('staff.next'), x.nextAttemptAt],
  ]
  return (
    <section aria-labelledby="report-delivery" className="council-report__delivery" data-testid="staff-delivery">
      <h2 id="report-delivery">{t('staff.heading')}</h2>
      <dl className="summary">
        {rows
          .filter((row): row is [string, string] => Boolean(row[1]))
          .map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd style={{ overflowWrap: 'anywhere' }}>{value}</dd>
            </div>
          ))}
      </dl>
      {d.resent ? <FormMessage tone="success">{t('staff.resent')}</FormMessage> : null}
      {d.error ? <FormMessage tone="error">{d.error}</FormMessage> : null}
      <ResendForm status={x.status} />
      {d.isAdmin ? (
        <p>
          <Link to="/admin/delivery">{t('staff.manage')}</Link>
        </p>
      ) : null}
    </section>
  )
}

/** Staff send the report again (failed, waiting for a retry, or sent but lost by the body): a plain POST form. */
function ResendForm({ status }: { status: string }) {
  const { t } = useTranslation('delivery')
  // One being sent right now is its sender's.
  if (status === 'sending') return null
  return (
    <Form method="post" replace>
      <input type="hidden" name="intent" value="resend" />
      {status === 'sent' ? <p id="resend-hint">{t('staff.resendHint')}</p> : null}
      <button type="submit" className="button button--secondary" aria-describedby={status === 'sent' ? 'resend-hint' : undefined}>
        {status === 'sent' ? t('staff.resendAgain') : t('staff.resend')}
      </button>
    </Form>
  )
}

/** "state: confirmed → fixed; priority: normal → high" from an audit row's JSON. */
function auditChanges(before: string | null, after: string | null): string {
  const parse = (s: string | null): Record<string, unknown> => {
    try {
      const v = s ? (JSON.parse(s) as unknown) : {}
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  const b = parse(before)
  const a = parse(after)
  const show = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].map((k) => `${k}: ${show(b[k])} → ${show(a[k])}`).join('; ')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const id = reportId(params.id)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'resend') return resend(user, id, t, new URL(request.url).searchParams.get('back'))
  const form: TriageForm = {}
  const values: Record<string, string> = {}
  for (const name of FIELDS) {
    if (typeof fields[name] === 'string') {
      form[name] = fields[name]
      values[name] = fields[name]!.slice(0, ECHO_MAX)
    }
  }
  const outcome = await submitTriage(user, id, form)
  if (outcome.kind === 'invalid') {
    if (outcome.status === 404) throw new Response('Not Found', { status: 404 })
    if (outcome.status === 403) throw new Response('Forbidden', { status: 403 })
    const city = (await cityProfile())?.name ?? ''
    const errors = Object.fromEntries(Object.entries(outcome.errors).map(([field, key]) => [field, t(key!, { max: TEXT_MAX, city })]))
    return data({ errors: errors as Partial<Record<keyof TriageErrors, string>>, values, nothing: false }, { status: outcome.status })
  }
  if (outcome.kind === 'nothing') return data({ errors: {}, values, nothing: true })
  const back = backQuery(new URL(request.url).searchParams.get('back'))
  // Re-routed to a department this person does not work for: the report has left their list.
  if (!mayTriage(user, await reportDepartmentId(id))) return redirect(`/council/reports${back || '?'}${back ? '&' : ''}moved=${id}`)
  return redirect(`/council/reports/${id}?saved=${outcome.changed.join(',')}${back ? `&back=${encodeURIComponent(back)}` : ''}`)
}

/** "Send again" (issue 19): staff who may triage the report, audited by the delivery module. */
async function resend(user: Awaited<ReturnType<typeof requirePermission>>, id: number, t: (key: string) => string, backParam: string | null) {
  const result = await resendDelivery(user.id, id, { evenIfSent: true, may: (department) => mayTriage(user, department) })
  if (result.kind === 'forbidden') throw new Response('Forbidden', { status: 403 })
  const fail = (status: number, message: string) => data({ errors: {}, values: {}, nothing: false, resendError: message }, { status })
  if (result.kind === 'notFound') return fail(404, t('delivery:errors.noSuchDelivery'))
  if (result.kind === 'sending') return fail(409, t('delivery:errors.sending'))
  if (result.kind === 'alreadySent') return fail(409, t('delivery:errors.alreadySent'))
  const back = backQuery(backParam)
  return redirect(`/council/reports/${id}?resent=1${back ? `&back=${encodeURIComponent(back)}` : ''}`)
}

type ActionResult = { errors: Partial<Record<keyof TriageErrors, string>>; values: Record<string, string>; nothing: boolean; resendError?: string } | undefined

export default function TriageReport() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult
  const { t } = useTranslation('council')
  const r = d.report
  const e = result?.errors ?? {}
  const v = (name: string, fallback: string) => result?.values[name] ?? fallback
  const hasErrors = Object.keys(e).length > 0

  return (
    <section className="page council council-report">
      <p className="inline-links">
        <Link to={`/council/reports${d.back}`}>{t('report.back')}</Link>
        {r.stateKind !== 'unconfirmed' && r.stateKind !== 'hidden' ? <Link to={`/reports/${r.id}`}>{t('report.publicPage')}</Link> : null}
      </p>
      <h1>
        #{r.id} {r.title}
      </h1>
      <p>
        {t('report.summary', { state: r.stateLabel, category: r.category.name, department: r.department.name })}
        {r.stateKind === 'unconfirmed' || r.stateKind === 'hidden' ? <span className={`badge badge--flag badge--${r.stateKind}`}>{t(`kinds.${r.stateKind}`)}</span> : null}
      </p>
      {d.saved.length && !result ? <FormMessage tone="success">{t('report.saved', { what: d.saved.map((s) => t(`report.changed.${s}`)).join(', ') })}</FormMessage> : null}
      {result?.nothing ? <FormMessage tone="info">{t('report.nothing')}</FormMessage> : null}
      {hasErrors ? (
        <FormMessage tone="error">
          <p>{e.form ?? t('report.fixErrors')}</p>
        </FormMessage>
      ) : null}

      <div className="council-report__grid">
        <div>
          <ReportFacts d={d} />
          <ReporterContact d={d} />
          <TriageFormSection d={d} e={e} v={v} />
        </div>

        <aside>
          {d.delivery ? <DeliveryPanel d={{ delivery: d.delivery, isAdmin: d.isAdmin, resent: d.resent && !result, error: result?.resendError }} /> : null}
          <ReportTimeline d={d} />
          <ReportAudit d={d} />
        </aside>
      </div>
    </section>
  )
}

export function ErrorBoundary() {
  const error = useRouteError()
  const { t } = useTranslation('council')
  // Anything but a refusal or a missing report is the root's to show (with its request id).
  if (!isRouteErrorResponse(error) || (error.status !== 403 && error.status !== 404)) throw error
  const department = error.status === 403 && error.data && typeof error.data === 'object' ? (error.data as { department?: string }).department : undefined
  const status = error.status
  return (
    <section className="error-page">
      <h1>{status === 404 ? t('common:errors.notFoundTitle') : t('common:errors.forbiddenTitle')}</h1>
      <p>{department ? t('report.otherDepartment', { department }) : status === 404 ? t('report.notFound') : t('common:errors.forbiddenBody')}</p>
      <p>
        <Link to="/council/reports">{t('report.back')}</Link>
      </p>
    </section>
  )
}
