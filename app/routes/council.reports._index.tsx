import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { LinksFunction } from '@remix-run/node'
import type { ReportPriority } from '../../db/schema'
import councilStyles from '../components/charts/charts.css'
import { requirePermission } from '../lib/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
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
  const date = dateFormat(locale)
  const departmentName = new Map(scope.departments.map((d) => [d.id, d.name]))
  const showDepartments = scope.all || scope.departments.length > 1
  // Only what a row shows: every field is also serialized into the page for hydration.
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
    filed: date.format(new Date(r.createdAt)),
    filedAt: r.createdAt,
    updated: date.format(new Date(r.updatedAt)),
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

type BulkField = 'ids' | 'state' | 'priority' | 'assignee' | 'change'

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
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  const [checked, setChecked] = useState<Set<string>>(() => new Set(failed?.values.ids ?? []))
  useEffect(() => setChecked(new Set(failed?.values.ids ?? [])), [failed])
  const toggleAll = (on: boolean) => setChecked(on ? new Set(d.items.map((i) => String(i.id))) : new Set())
  const q = d.query
  const byDistrict = d.areas.filter((a) => a.level === 'district')
  const kindStates = (kind: string) => d.states.filter((s) => s.kind === kind)
  // Each row's words looked up once per page, not once per row (150 lookups were a tenth of the render).
  const priorityLabel = Object.fromEntries(d.priorities.map((p) => [p, t(`priorities.${p}`)])) as Record<string, string>
  const unassigned = t('list.unassigned')
  const backQuery = `?back=${encodeURIComponent(d.qs)}`
  const [selectBefore, selectAfter = ''] = t('list.selectOne', { id: '\u0001' }).split('\u0001')

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
        <div className="council-filters__fields">
          <FilterSelect name="status" label={t('list.status')} value={q.status} error={d.errors.status}>
            <optgroup label={t('list.kinds')}>
              {['open', 'fixed', 'closed', 'unconfirmed', 'hidden', 'all'].map((kind) => (
                <option key={kind} value={kind}>
                  {t(`list.kindOption.${kind}`)}
                </option>
              ))}
            </optgroup>
            <optgroup label={t('list.states')}>
              {d.states.map((s) => (
                <option key={s.code} value={`state.${s.code}`}>
                  {s.label}
                </option>
              ))}
            </optgroup>
          </FilterSelect>
          <FilterSelect name="category" label={t('list.category')} value={q.category} error={d.errors.category}>
            <option value="">{t('list.any')}</option>
            {d.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect name="area" label={t('list.area')} value={q.area} error={d.errors.area}>
            <option value="">{t('list.anyArea')}</option>
            {byDistrict.map((district) => (
              <optgroup key={district.slug} label={district.name}>
                <option value={district.slug}>{t('list.wholeDistrict', { name: district.name })}</option>
                {d.areas
                  .filter((a) => a.parentSlug === district.slug)
                  .map((a) => (
                    <option key={a.slug} value={a.slug}>
                      {a.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </FilterSelect>
          <FilterSelect name="age" label={t('list.age')} value={q.age} error={d.errors.age}>
            <option value="">{t('list.anyAge')}</option>
            {d.ages.map((age) => (
              <option key={age} value={age}>
                {t(`ages.${age}`)}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect name="priority" label={t('list.priority')} value={q.priority} error={d.errors.priority}>
            <option value="">{t('list.any')}</option>
            {d.priorities.map((p) => (
              <option key={p} value={p}>
                {t(`priorities.${p}`)}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect name="assignee" label={t('list.assignee')} value={q.assignee} error={d.errors.assignee}>
            <option value="">{t('list.anyone')}</option>
            <option value="me">{t('list.me')}</option>
            <option value="none">{t('list.unassigned')}</option>
          </FilterSelect>
          {d.showDepartments ? (
            <FilterSelect name="department" label={t('list.department')} value={q.department} error={d.errors.department}>
              <option value="">{t('list.allDepartments')}</option>
              {d.departments.map((dep) => (
                <option key={dep.slug} value={dep.slug}>
                  {dep.name}
                </option>
              ))}
            </FilterSelect>
          ) : null}
          <FilterSelect name="sort" label={t('list.sort')} value={q.sort} error={d.errors.sort}>
            {d.sorts.map((s) => (
              <option key={s} value={s}>
                {t(`sorts.${s}`)}
              </option>
            ))}
          </FilterSelect>
        </div>
        <p className="council-filters__buttons">
          <button type="submit">{t('list.apply')}</button> <Link to="/council/reports">{t('list.reset')}</Link>
        </p>
      </Form>

      <section aria-labelledby="counts-heading" className="council-counts">
        <h2 id="counts-heading">{t('list.matching', { count: d.total })}</h2>
        <p className="council-counts__kinds">
          {d.kinds
            .filter((k) => k.n > 0 || k.kind === 'open')
            .map((k) => (
              <Link key={k.kind} className="pill" to={`/council/reports${k.href}`} aria-current={q.status === k.kind ? 'true' : undefined}>
                {t(`kinds.${k.kind}`)} ({k.n})
              </Link>
            ))}
          <Link className="pill" to={`/council/reports${d.all.href}`} aria-current={q.status === 'all' ? 'true' : undefined}>
            {t('kinds.all')} ({d.all.n})
          </Link>
        </p>
        <ul className="council-counts__states" aria-label={t('list.perState')}>
          {d.counts
            .filter((c) => c.n > 0)
            .map((c) => (
              <li key={c.state}>
                <Link to={`/council/reports${c.href}`} aria-current={q.status === `state.${c.state}` ? 'true' : undefined}>
                  {c.label}
                </Link>
                : {c.n}
              </li>
            ))}
        </ul>
      </section>

      <Form method="post" className="council-bulk">
        {failed?.errors.ids ? (
          <p className="field-error" id="bulk-ids-error" role="alert">
            {failed.errors.ids}
          </p>
        ) : null}
        {d.items.length ? (
          <fieldset className="council-bulk__change">
            <legend>{t('bulk.legend')}</legend>
            <p className="field__hint">{t('bulk.hint')}</p>
            {failed?.errors.change ? (
              <p className="field-error" role="alert">
                {failed.errors.change}
              </p>
            ) : null}
            <div className="council-filters__fields">
              <FilterSelect name="state" id="bulk-state" label={t('bulk.state')} value={failed?.values.state ?? ''} error={failed?.errors.state}>
                <option value="">{t('bulk.noChange')}</option>
                {['open', 'fixed', 'closed', 'hidden'].map((kind) => (
                  <optgroup key={kind} label={t(`kinds.${kind}`)}>
                    {kindStates(kind)
                      .filter((s) => s.code !== 'duplicate')
                      .map((s) => (
                        <option key={s.code} value={s.code}>
                          {s.label}
                        </option>
                      ))}
                  </optgroup>
                ))}
              </FilterSelect>
              <FilterSelect name="priority" id="bulk-priority" label={t('bulk.priority')} value={failed?.values.priority ?? ''} error={failed?.errors.priority}>
                <option value="">{t('bulk.noChange')}</option>
                {d.priorities.map((p) => (
                  <option key={p} value={p}>
                    {t(`priorities.${p}`)}
                  </option>
                ))}
              </FilterSelect>
              <FilterSelect name="assignee" id="bulk-assignee" label={t('bulk.assignee')} value={failed?.values.assignee ?? ''} error={failed?.errors.assignee}>
                <option value="">{t('bulk.noChange')}</option>
                <option value="none">{t('bulk.unassign')}</option>
                {d.departments.map((dep) => (
                  <optgroup key={dep.slug} label={dep.name}>
                    {d.members
                      .filter((m) => m.department === dep.name)
                      .map((m) => (
                        <option key={`${dep.slug}-${m.id}`} value={m.id}>
                          {m.name}
                        </option>
                      ))}
                  </optgroup>
                ))}
              </FilterSelect>
            </div>
            <button type="submit">{t('bulk.submit')}</button>
          </fieldset>
        ) : null}
        {d.items.length === 0 ? (
          <p>{t('list.empty')}</p>
        ) : (
          // A narrow screen scrolls the table, not the page (a focusable region, for keyboards).
          <div className="table-scroll" role="region" aria-label={t('list.caption', { page: d.page, pages: d.pages })} tabIndex={0}>
            <table className="data-table council-table cards">
              <caption className="visually-hidden">{t('list.caption', { page: d.page, pages: d.pages })}</caption>
              <thead>
                <tr>
                  <th scope="col">
                    {hydrated ? (
                      <input
                        type="checkbox"
                        aria-label={t('list.selectAll')}
                        checked={checked.size > 0 && checked.size === d.items.length}
                        onChange={(e) => toggleAll(e.target.checked)}
                      />
                    ) : (
                      <span className="visually-hidden">{t('list.select')}</span>
                    )}
                  </th>
                  <th scope="col">{t('list.report')}</th>
                  <th scope="col">{t('list.category')}</th>
                  <th scope="col">{t('list.area')}</th>
                  <th scope="col">{t('list.status')}</th>
                  <th scope="col">{t('list.priority')}</th>
                  <th scope="col">{t('list.assignee')}</th>
                  <th scope="col">{t('list.supports')}</th>
                  <th scope="col">{t('list.filed')}</th>
                  <th scope="col">{t('list.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((r) => (
                  <tr key={r.id} className={`council-row council-row--${r.kind}`}>
                    <td>
                      <input
                        type="checkbox"
                        name="id"
                        value={r.id}
                        id={`select-${r.id}`}
                        aria-label={`${selectBefore}${r.id}${selectAfter}`}
                        checked={checked.has(String(r.id))}
                        onChange={(e) =>
                          setChecked((prev) => {
                            const next = new Set(prev)
                            if (e.target.checked) next.add(String(r.id))
                            else next.delete(String(r.id))
                            return next
                          })
                        }
                      />
                    </td>
                    <td>
                      {/* A plain link: fifty router links cost a tenth of the page's render. */}
                      <a href={`/council/reports/${r.id}${backQuery}`}>{`#${r.id} ${r.title}`}</a>
                      {r.kind === 'unconfirmed' || r.kind === 'hidden' ? <span className={`badge badge--${r.kind}`}> {t(`kinds.${r.kind}`)}</span> : null}
                      {d.showDepartments ? <span className="council-row__department">{r.department}</span> : null}
                    </td>
                    <td data-label={t('list.category')}>{r.category}</td>
                    <td data-label={t('list.area')}>{r.area ?? '–'}</td>
                    <td data-label={t('list.status')}>{r.stateLabel}</td>
                    <td data-label={t('list.priority')}>{priorityLabel[r.priority]}</td>
                    <td data-label={t('list.assignee')}>{r.assignee ?? unassigned}</td>
                    <td data-label={t('list.supports')}>{r.supports}</td>
                    <td data-label={t('list.filed')}>
                      <time dateTime={r.filedAt}>{r.filed}</time>
                    </td>
                    <td data-label={t('list.updated')}>
                      <time dateTime={r.updatedAt}>{r.updated}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Form>

      {d.pages > 1 ? (
        <nav className="pagination" aria-label={t('list.pages')}>
          {d.prev !== null ? (
            <Link to={`/council/reports${d.prev}`} rel="prev">
              {t('list.previous')}
            </Link>
          ) : null}
          <span>{t('list.pageOf', { page: d.page, pages: d.pages })}</span>
          {d.next !== null ? (
            <Link to={`/council/reports${d.next}`} rel="next">
              {t('list.next')}
            </Link>
          ) : null}
        </nav>
      ) : null}
    </section>
  )
}

function FilterSelect({ name, id, label, value, error, children }: { name: string; id?: string; label: string; value: string; error?: string; children: React.ReactNode }) {
  const fieldId = id ?? `filter-${name}`
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={fieldId}>{label}</label>
      {error ? (
        <p className="field-error" id={`${fieldId}-error`}>
          {error}
        </p>
      ) : null}
      {/* Keyed by value: a link that changes the filter shows the new value, not the last one typed. */}
      <select key={value} id={fieldId} name={name} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={error ? `${fieldId}-error` : undefined}>
        {children}
      </select>
    </div>
  )
}
