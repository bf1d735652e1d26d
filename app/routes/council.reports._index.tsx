import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { LinksFunction } from '@remix-run/node'
import type { ReportPriority } from '../../db/schema'
import councilStyles from '../components/charts/charts.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { useRequestContext } from '../lib/context'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { BulkChange, CouncilCounts, CouncilFilterFields, CouncilPages, CouncilTable, SELECT_ALL_SCRIPT } from '../modules/reports/components/CouncilList'
import { areaOptions } from '../modules/geo/areas.server'
import {
  AGES,
  BULK_MAX,
  SORTS,
  STATE_KINDS,
  bulkChange,
  councilReports,
  departmentMembers,
  parseCouncilQuery,
  queryString,
  scopeCategories,
  stateLabels,
  type BulkSkip,
} from '../modules/reports/council.server'
import { priorities, reportStates } from '../modules/reports/reports.server'

/**
 * /council/reports — the reports routed to the staff member's departments: a GET form of filters
 * and sorts, counts per state, 50 rows a page, and a POST form that changes the checked reports
 * (status, priority, assignee) through bulkTriage. Both forms work without JavaScript; after a bulk
 * change the list comes back with the same filter and the outcome.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: councilStyles }]

/**
 * HTML and CSS only (ADR 140, ADR 154): both forms are plain forms, and the one part that needs
 * JavaScript, the "select every report on this page" box, is a small inline script
 * (SELECT_ALL_SCRIPT). No React in the browser, and no loader data encoded for hydration.
 */
export const handle = { hydrate: false }

const SKIPS: readonly BulkSkip[] = ['forbidden', 'notFound', 'badTransition', 'badAssignee', 'nothingToDo', 'other']

/** The outcome of a bulk change, carried in the redirect: `done=12&skipped=forbidden.2,badTransition.1`. */
function bulkOutcome(params: URLSearchParams) {
  const done = params.get('done')
  if (done === null || !/^\d{1,4}$/.test(done)) return null
  const skipped: Array<{ reason: BulkSkip; n: number }> = []
  for (const part of (params.get('skipped') ?? '').split(',').slice(0, SKIPS.length)) {
    const [reason, n] = part.split('.')
    if (SKIPS.includes(reason as BulkSkip) && /^\d{1,4}$/.test(n ?? '')) skipped.push({ reason: reason as BulkSkip, n: Number(n) })
  }
  return { changed: Number(done), skipped }
}

// One formatter per language: building one costs more than formatting the page's hundred dates.
const dateFormats = new Map<string, Intl.DateTimeFormat>()
function dateFormat(locale: string) {
  let format = dateFormats.get(locale)
  if (!format) dateFormats.set(locale, (format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })))
  return format
}

// A date's medium form in UTC depends on its day only: each day is formatted once per language, not
// once per row and column (a hundred Intl calls a page).
const dayTexts = new Map<string, string>()
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/
function dayText(locale: string, iso: string) {
  if (!ISO_UTC.test(iso)) return dateFormat(locale).format(new Date(iso))
  const key = `${locale}|${iso.slice(0, 10)}`
  let text = dayTexts.get(key)
  if (text === undefined) {
    text = dateFormat(locale).format(new Date(iso))
    if (dayTexts.size >= 5_000) dayTexts.clear()
    dayTexts.set(key, text)
  }
  return text
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const { query, filter, errors, scope } = await parseCouncilQuery(url.searchParams, user)
  const [page, categories, areas, states, labels, members] = await Promise.all([
    councilReports(filter),
    scopeCategories(filter.departmentIds === null ? null : scope.departments.map((d) => d.id)),
    areaOptions(locale),
    reportStates(),
    stateLabels(t),
    departmentMembers(scope.departments.map((d) => d.id)),
  ])
  const departmentName = new Map(scope.departments.map((d) => [d.id, d.name]))
  const showDepartments = scope.all || scope.departments.length > 1
  // Only what a row shows.
  const items = page.items.map((r) => ({
    id: r.id,
    title: r.title,
    stateLabel: labels[r.state] ?? r.state,
    kind: r.stateKind,
    priority: r.priority,
    category: r.categoryName,
    department: showDepartments ? r.departmentName : null,
    area: r.areaName ?? r.districtName,
    assignee: r.assigneeName,
    supports: r.supports,
    filed: dayText(locale, r.createdAt),
    filedAt: r.createdAt,
    updated: dayText(locale, r.updatedAt),
    updatedAt: r.updatedAt,
  }))
  const body = {
    title: t('council:list.title'),
    query,
    qs: queryString(query),
    errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(v)])),
    items,
    counts: page.counts.map((c) => ({ ...c, label: labels[c.state] ?? c.state, href: queryString(query, { status: `state.${c.state}`, page: 1 }) })),
    kinds: STATE_KINDS.map((kind) => ({
      kind,
      n: page.counts.filter((c) => c.kind === kind).reduce((s, c) => s + c.n, 0),
      href: queryString(query, { status: kind, page: 1 }),
    })),
    all: { n: page.counts.reduce((s, c) => s + c.n, 0), href: queryString(query, { status: 'all', page: 1 }) },
    total: page.total,
    page: page.page,
    pages: page.pages,
    prev: page.page > 1 ? queryString(query, { page: page.page - 1 }) : null,
    next: page.page < page.pages ? queryString(query, { page: page.page + 1 }) : null,
    csv: `/council/reports.csv${queryString(query, { page: 1 })}`,
    categories: categories.map((c) => ({ code: c.code, name: c.name })),
    areas,
    states: [...states.entries()].map(([code, s]) => ({ code, kind: s.kind, label: labels[code] ?? code })),
    departments: scope.departments,
    showDepartments,
    departmentNames: scope.departments.map((d) => d.name),
    members: members.map((m) => ({ id: m.id, name: m.name, department: departmentName.get(m.departmentId) ?? '' })),
    // Lists of choices travel with the data: the browser bundle has no *.server modules.
    ages: [...AGES],
    sorts: [...SORTS],
    priorities: [...priorities],
    outcome: bulkOutcome(url.searchParams),
    moved: /^\d{1,12}$/.test(url.searchParams.get('moved') ?? '') ? Number(url.searchParams.get('moved')) : null,
  }
  return data(body, { status: Object.keys(errors).length ? 400 : 200 })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export type BulkField = 'ids' | 'state' | 'priority' | 'assignee' | 'change'

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { t } = await translatorFor(request)
  const form = await readForm(request)
  const url = new URL(request.url)
  const { query } = await parseCouncilQuery(url.searchParams, user)
  const field = (name: string) => {
    const v = form.get(name)
    return typeof v === 'string' ? v.trim().slice(0, 100) : ''
  }
  const rawIds = form.getAll('id').filter((v): v is string => typeof v === 'string')
  const errors: Partial<Record<BulkField, string>> = {}
  const ids = [...new Set(rawIds.filter((v) => /^\d{1,12}$/.test(v)).map(Number))]
  if (ids.length === 0 || ids.length !== new Set(rawIds).size) errors.ids = t('council:bulk.errors.ids')
  else if (ids.length > BULK_MAX) errors.ids = t('council:bulk.errors.tooMany', { max: BULK_MAX })
  const change: { state?: string; priority?: ReportPriority; assigneeId?: number | null } = {}
  const state = field('state')
  if (state) {
    const known = await reportStates()
    const kind = known.get(state)?.kind
    // Duplicates need the original's number: that is done one report at a time.
    if (!kind || kind === 'unconfirmed' || state === 'duplicate') errors.state = t('council:errors.unknownState')
    else change.state = state
  }
  const priority = field('priority')
  if (priority) {
    if ((priorities as readonly string[]).includes(priority)) change.priority = priority as ReportPriority
    else errors.priority = t('council:errors.priority')
  }
  const assignee = field('assignee')
  if (assignee) {
    if (assignee === 'none') change.assigneeId = null
    else if (/^\d{1,12}$/.test(assignee)) change.assigneeId = Number(assignee)
    else errors.assignee = t('council:errors.assigneeUnknown')
  }
  if (!errors.state && !errors.priority && !errors.assignee && Object.keys(change).length === 0) errors.change = t('council:bulk.errors.nothing')
  if (Object.keys(errors).length > 0) {
    return data({ errors, values: { ids: rawIds.slice(0, BULK_MAX), state, priority, assignee } }, { status: 400 })
  }
  const outcome = await bulkChange(user, ids, change)
  const back = new URLSearchParams(queryString(query).slice(1))
  back.set('done', String(outcome.changed))
  const skipped = Object.entries(outcome.skipped).map(([reason, n]) => `${reason}.${n}`)
  if (skipped.length) back.set('skipped', skipped.join(','))
  return redirect(`/council/reports?${back.toString()}`)
}

type ActionResult = { errors: Partial<Record<BulkField, string>>; values: { ids: string[]; state: string; priority: string; assignee: string } } | undefined

export default function CouncilReports() {
  const d = useLoaderData<typeof loader>()
  const failed = useActionData<typeof action>() as ActionResult
  const { t } = useTranslation('council')
  const { cspNonce } = useRequestContext()
  // A refused bulk change comes back with the reports it was sent ticked again.
  const checked = new Set(failed?.values.ids ?? [])
  const q = d.query

  return (
    <section className="page council">
      <p>
        <Link to="/council">{t('hub.back')}</Link>
      </p>
      <h1>{t('list.title')}</h1>
      <p>{d.departmentNames.length ? t('list.intro', { departments: d.departmentNames.join(', ') }) : t('list.noDepartment')}</p>
      <ul className="inline-links">
        <li>
          <a href={d.csv} download>
            {t('list.csv')}
          </a>
        </li>
        <li>
          <Link to="/council/templates">{t('templates.title')}</Link>
        </li>
        <li>
          <Link to="/council/dashboard">{t('dashboard.title')}</Link>
        </li>
      </ul>

      {d.outcome ? (
        <FormMessage tone={d.outcome.skipped.length ? 'info' : 'success'}>
          <p>
            {t('bulk.changed', { count: d.outcome.changed })}
            {d.outcome.skipped.length ? ` ${t('bulk.skippedLead', { count: d.outcome.skipped.reduce((s, x) => s + x.n, 0) })} ` : ''}
            {d.outcome.skipped.map((s) => t(`bulk.skipped.${s.reason}`, { count: s.n })).join('; ')}
          </p>
        </FormMessage>
      ) : null}
      {d.moved ? <FormMessage tone="success">{t('list.moved', { id: d.moved })}</FormMessage> : null}
      {Object.keys(d.errors).length ? <FormMessage tone="error">{t('list.badFilter')}</FormMessage> : null}

      <Form method="get" action="/council/reports" className="council-filters" aria-labelledby="filters-heading">
        <h2 id="filters-heading">{t('list.filters')}</h2>
        <CouncilFilterFields d={d} q={q} />
        <p className="council-filters__buttons">
          <button type="submit">{t('list.apply')}</button> <Link to="/council/reports">{t('list.reset')}</Link>
        </p>
      </Form>

      <CouncilCounts d={d} q={q} />

      <Form method="post" className="council-bulk">
        {failed?.errors.ids ? (
          <p className="field-error" id="bulk-ids-error" role="alert">
            {failed.errors.ids}
          </p>
        ) : null}
        {d.items.length ? <BulkChange d={d} failed={failed} /> : null}
        {d.items.length === 0 ? (
          <p>{t('list.empty')}</p>
        ) : (
          // A narrow screen scrolls the table, not the page (a focusable region, for keyboards).
          <CouncilTable d={d} checked={checked} />
        )}
      </Form>
      {d.items.length ? <script nonce={cspNonce} dangerouslySetInnerHTML={{ __html: SELECT_ALL_SCRIPT }} /> : null}

      <CouncilPages d={d} />
    </section>
  )
}
