import type { useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { escapeHtml } from '../../../lib/html'
// The page's data as its loader answers it (a type only: nothing of the route is bundled here).
import type { BulkField, loader } from '../../../routes/council.reports._index'

/**
 * The parts of /council/reports (the staff's list): filters, counts per kind and state, the bulk
 * change, the table of reports and the pages. Plain forms: the filters are a GET form, the bulk
 * change a POST with the ticked rows. The page is not hydrated: the "select all" box is put in by
 * SELECT_ALL_SCRIPT, inline, where scripts run.
 */

export type CouncilListData = ReturnType<typeof useLoaderData<typeof loader>>
type Query = CouncilListData['query']

type T = (key: string, options?: Record<string, unknown>) => string
type BulkFailure = { errors: Partial<Record<BulkField, string>>; values: { state: string; priority: string; assignee: string } } | undefined

/*
 * The page's parts below are written as text, like the table's rows (ADR 154, ADR 160): the filter
 * form's hundred-odd options, the counts and the bulk change were most of what React still rendered
 * on this page. Each function writes byte for byte what the React component it replaced wrote
 * (CouncilList.test.tsx keeps those components and compares); every value goes through escapeHtml.
 * This is safe only because the page is not hydrated: no React in the browser owns these elements.
 */

/** The filter form's fields: what, where, when, who, in which order. */
export function CouncilFilterFields({ d, q }: { d: CouncilListData; q: Query }) {
  const { t } = useTranslation('council')
  return <div className="council-filters__fields" dangerouslySetInnerHTML={{ __html: councilFilterFieldsHtml(d, q, t) }} />
}

/** The inside of the filter form's fields (`div.council-filters__fields`) as HTML. */
export function councilFilterFieldsHtml(d: FilterData, q: Query, t: T): string {
  const option = (value: string, text: string, selected: string) => `<option value="${escapeHtml(value)}"${value === selected ? ' selected=""' : ''}>${escapeHtml(text)}</option>`
  const group = (label: string, inner: string) => `<optgroup label="${escapeHtml(label)}">${inner}</optgroup>`
  const byDistrict = d.areas.filter((a) => a.level === 'district')
  let html = filterSelectHtml(
    'status',
    undefined,
    t('list.status'),
    d.errors.status,
    group(t('list.kinds'), ['open', 'fixed', 'closed', 'unconfirmed', 'hidden', 'all'].map((kind) => option(kind, t(`list.kindOption.${kind}`), q.status)).join('')) +
      group(t('list.states'), d.states.map((s) => option(`state.${s.code}`, s.label, q.status)).join('')),
  )
  html += filterSelectHtml('category', undefined, t('list.category'), d.errors.category, option('', t('list.any'), q.category) + d.categories.map((c) => option(c.code, c.name, q.category)).join(''))
  html += filterSelectHtml(
    'area',
    undefined,
    t('list.area'),
    d.errors.area,
    option('', t('list.anyArea'), q.area) +
      byDistrict
        .map((district) =>
          group(
            district.name,
            option(district.slug, t('list.wholeDistrict', { name: district.name }), q.area) +
              d.areas
                .filter((a) => a.parentSlug === district.slug)
                .map((a) => option(a.slug, a.name, q.area))
                .join(''),
          ),
        )
        .join(''),
  )
  html += filterSelectHtml('age', undefined, t('list.age'), d.errors.age, option('', t('list.anyAge'), q.age) + d.ages.map((age) => option(age, t(`ages.${age}`), q.age)).join(''))
  html += filterSelectHtml(
    'priority',
    undefined,
    t('list.priority'),
    d.errors.priority,
    option('', t('list.any'), q.priority) + d.priorities.map((p) => option(p, t(`priorities.${p}`), q.priority)).join(''),
  )
  html += filterSelectHtml(
    'assignee',
    undefined,
    t('list.assignee'),
    d.errors.assignee,
    option('', t('list.anyone'), q.assignee) + option('me', t('list.me'), q.assignee) + option('none', t('list.unassigned'), q.assignee),
  )
  if (d.showDepartments) {
    html += filterSelectHtml(
      'department',
      undefined,
      t('list.department'),
      d.errors.department,
      option('', t('list.allDepartments'), q.department) + d.departments.map((dep) => option(dep.slug, dep.name, q.department)).join(''),
    )
  }
  html += filterSelectHtml('sort', undefined, t('list.sort'), d.errors.sort, d.sorts.map((s) => option(s, t(`sorts.${s}`), q.sort)).join(''))
  return html
}

/** What the filter fields read of the page's data. */
export type FilterData = Pick<CouncilListData, 'areas' | 'states' | 'categories' | 'ages' | 'priorities' | 'departments' | 'sorts' | 'showDepartments' | 'errors'>

export function CouncilCounts({ d, q }: { d: CouncilListData; q: Query }) {
  const { t } = useTranslation('council')
  return <section aria-labelledby="counts-heading" className="council-counts" dangerouslySetInnerHTML={{ __html: councilCountsHtml(d, q, t) }} />
}

/** The inside of the counts' section as HTML: how many match, the kinds and the states as links. */
export function councilCountsHtml(d: Pick<CouncilListData, 'total' | 'kinds' | 'all' | 'counts'>, q: Query, t: T): string {
  const current = (yes: boolean) => (yes ? ' aria-current="true"' : '')
  // What Remix's <Link> wrote: its own attributes, then data-discover (route discovery), then href.
  let html = `<h2 id="counts-heading">${escapeHtml(t('list.matching', { count: d.total }))}</h2><p class="council-counts__kinds">`
  for (const k of d.kinds) {
    if (k.n > 0 || k.kind === 'open')
      html += `<a class="pill"${current(q.status === k.kind)} data-discover="true" href="${escapeHtml(`/council/reports${k.href}`)}">${escapeHtml(t(`kinds.${k.kind}`))}<!-- --> (<!-- -->${k.n}<!-- -->)</a>`
  }
  html += `<a class="pill"${current(q.status === 'all')} data-discover="true" href="${escapeHtml(`/council/reports${d.all.href}`)}">${escapeHtml(t('kinds.all'))}<!-- --> (<!-- -->${d.all.n}<!-- -->)</a></p>`
  html += `<ul class="council-counts__states" aria-label="${escapeHtml(t('list.perState'))}">`
  for (const c of d.counts) {
    if (c.n > 0) html += `<li><a${current(q.status === `state.${c.state}`)} data-discover="true" href="${escapeHtml(`/council/reports${c.href}`)}">${escapeHtml(c.label)}</a>: <!-- -->${c.n}</li>`
  }
  return `${html}</ul>`
}

/** Change the state, priority or assignee of the ticked reports at once. */
export function BulkChange({ d, failed }: { d: CouncilListData; failed: BulkFailure }) {
  const { t } = useTranslation('council')
  return <fieldset className="council-bulk__change" dangerouslySetInnerHTML={{ __html: bulkChangeHtml(d, failed, t) }} />
}

/** The inside of the bulk change's fieldset as HTML. */
export function bulkChangeHtml(d: Pick<CouncilListData, 'states' | 'priorities' | 'departments' | 'members'>, failed: BulkFailure, t: T): string {
  const option = (value: string | number, text: string, selected: string) => `<option value="${escapeHtml(value)}"${String(value) === selected ? ' selected=""' : ''}>${escapeHtml(text)}</option>`
  const group = (label: string, inner: string) => `<optgroup label="${escapeHtml(label)}">${inner}</optgroup>`
  const state = failed?.values.state ?? ''
  const priority = failed?.values.priority ?? ''
  const assignee = failed?.values.assignee ?? ''
  let html = `<legend>${escapeHtml(t('bulk.legend'))}</legend><p class="field__hint">${escapeHtml(t('bulk.hint'))}</p>`
  if (failed?.errors.change) html += `<p class="field-error" role="alert">${escapeHtml(failed.errors.change)}</p>`
  html += '<div class="council-filters__fields">'
  html += filterSelectHtml(
    'state',
    'bulk-state',
    t('bulk.state'),
    failed?.errors.state,
    option('', t('bulk.noChange'), state) +
      ['open', 'fixed', 'closed', 'hidden']
        .map((kind) =>
          group(
            t(`kinds.${kind}`),
            d.states
              .filter((s) => s.kind === kind && s.code !== 'duplicate')
              .map((s) => option(s.code, s.label, state))
              .join(''),
          ),
        )
        .join(''),
  )
  html += filterSelectHtml(
    'priority',
    'bulk-priority',
    t('bulk.priority'),
    failed?.errors.priority,
    option('', t('bulk.noChange'), priority) + d.priorities.map((p) => option(p, t(`priorities.${p}`), priority)).join(''),
  )
  html += filterSelectHtml(
    'assignee',
    'bulk-assignee',
    t('bulk.assignee'),
    failed?.errors.assignee,
    option('', t('bulk.noChange'), assignee) +
      option('none', t('bulk.unassign'), assignee) +
      d.departments
        .map((dep) =>
          group(
            dep.name,
            d.members
              .filter((m) => m.department === dep.name)
              .map((m) => option(m.id, m.name, assignee))
              .join(''),
          ),
        )
        .join(''),
  )
  return `${html}</div><button type="submit">${escapeHtml(t('bulk.submit'))}</button>`
}

/**
 * A labelled select as HTML, with its error under the label: what the former FilterSelect component
 * wrote (its value chosen by `selected` on the option, as React's defaultValue renders on the server).
 */
function filterSelectHtml(name: string, id: string | undefined, label: string, error: string | undefined, options: string): string {
  const fieldId = escapeHtml(id ?? `filter-${name}`)
  return (
    `<div class="field${error ? ' field--error' : ''}"><label for="${fieldId}">${escapeHtml(label)}</label>` +
    (error ? `<p class="field-error" id="${fieldId}-error">${escapeHtml(error)}</p>` : '') +
    `<select id="${fieldId}" name="${escapeHtml(name)}"${error ? ` aria-invalid="true" aria-describedby="${fieldId}-error"` : ''}>${options}</select></div>`
  )
}

/**
 * The "select every report on this page" box, where scripts run (the page has no React in the
 * browser): it takes the place of the header cell's hidden word, named by the cell's
 * data-select-all, ticks or unticks every row, and follows the rows as they are ticked.
 */
export const SELECT_ALL_SCRIPT = `(function(){
var cell = document.querySelector('[data-select-all]');
if (!cell) return;
var table = cell.closest('table');
var rows = table.querySelectorAll('tbody input[type=checkbox][name=id]');
var all = document.createElement('input');
all.type = 'checkbox';
all.setAttribute('aria-label', cell.getAttribute('data-select-all'));
function follow() {
  var n = 0;
  for (var i = 0; i < rows.length; i++) if (rows[i].checked) n++;
  all.checked = n > 0 && n === rows.length;
}
all.addEventListener('change', function () {
  for (var i = 0; i < rows.length; i++) rows[i].checked = all.checked;
});
table.addEventListener('change', function (e) {
  if (e.target !== all) follow();
});
cell.replaceChildren(all);
follow();
})()`

export function CouncilTable({ d, checked }: { d: CouncilListData; checked: Set<string> }) {
  const { t } = useTranslation('council')
  // Each row's words looked up once per page, not once per row (150 lookups were a tenth of the render).
  const words: RowWords = {
    priority: Object.fromEntries(d.priorities.map((p) => [p, t(`priorities.${p}`)])) as Record<string, string>,
    unassigned: t('list.unassigned'),
    select: t('list.selectOne', { id: '\u0001' }).split('\u0001') as [string, string?],
    unconfirmed: t('kinds.unconfirmed'),
    hidden: t('kinds.hidden'),
    // On a phone each row is a card; a cell says what it is (app.css .cards).
    label: Object.fromEntries(LABELLED.map((k) => [k, t(`list.${k}`)])) as Record<(typeof LABELLED)[number], string>,
  }
  const backQuery = `?back=${encodeURIComponent(d.qs)}`
  return (
    <div className="table-scroll" role="region" aria-label={t('list.caption', { page: d.page, pages: d.pages })} tabIndex={0}>
      <table className="data-table council-table cards">
        <caption className="visually-hidden">{t('list.caption', { page: d.page, pages: d.pages })}</caption>
        <thead>
          <tr>
            <th scope="col" data-select-all={t('list.selectAll')}>
              <span className="visually-hidden">{t('list.select')}</span>
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
        {/* The rows as text (ADR 154): fifty rows of ten cells were two thirds of React's work on this page. */}
        <tbody dangerouslySetInnerHTML={{ __html: d.items.map((r) => councilRowHtml(r, d.showDepartments, backQuery, words, checked.has(String(r.id)))).join('') }} />
      </table>
    </div>
  )
}

export interface RowWords {
  priority: Record<string, string>
  unassigned: string
  /** "Select report #…" around the id. */
  select: [string, string?]
  unconfirmed: string
  hidden: string
  label: Record<(typeof LABELLED)[number], string>
}
const LABELLED = ['category', 'area', 'status', 'priority', 'assignee', 'supports', 'filed', 'updated'] as const

type Row = CouncilListData['items'][number]

/**
 * One row of the table as HTML, byte for byte what React would write for it (CouncilList.test.tsx
 * renders the same row with React and compares): every value through escapeHtml. The page is not
 * hydrated, so no React ever owns these elements in the browser.
 */
export function councilRowHtml(r: Row, showDepartment: boolean, backQuery: string, words: RowWords, checked: boolean): string {
  const [selectBefore, selectAfter = ''] = words.select
  const cell = (label: string, text: string) => `<td data-label="${escapeHtml(label)}">${escapeHtml(text)}</td>`
  const time = (label: string, iso: string, text: string) => `<td data-label="${escapeHtml(label)}"><time dateTime="${escapeHtml(iso)}">${escapeHtml(text)}</time></td>`
  const flag = r.kind === 'unconfirmed' || r.kind === 'hidden' ? `<span class="badge badge--flag badge--${r.kind}"> <!-- -->${escapeHtml(words[r.kind])}</span>` : ''
  const department = showDepartment ? `<span class="council-row__department">${escapeHtml(r.department ?? '')}</span>` : ''
  return (
    `<tr class="council-row council-row--${escapeHtml(r.kind)}">` +
    `<td><input type="checkbox" name="id" id="select-${r.id}" aria-label="${escapeHtml(`${selectBefore}${r.id}${selectAfter}`)}"${checked ? ' checked=""' : ''} value="${r.id}"/></td>` +
    `<td><a href="${escapeHtml(`/council/reports/${r.id}${backQuery}`)}">${escapeHtml(`#${r.id} ${r.title}`)}</a>${flag}${department}</td>` +
    cell(words.label.category, r.category) +
    cell(words.label.area, r.area ?? '–') +
    cell(words.label.status, r.stateLabel) +
    cell(words.label.priority, words.priority[r.priority] ?? '') +
    cell(words.label.assignee, r.assignee ?? words.unassigned) +
    cell(words.label.supports, String(r.supports)) +
    time(words.label.filed, r.filedAt, r.filed) +
    time(words.label.updated, r.updatedAt, r.updated) +
    '</tr>'
  )
}

export function CouncilPages({ d }: { d: CouncilListData }) {
  const { t } = useTranslation('council')
  if (d.pages <= 1) return null
  return <nav className="pagination" aria-label={t('list.pages')} dangerouslySetInnerHTML={{ __html: councilPagesHtml(d, t) }} />
}

/** The inside of the pages' navigation as HTML. */
export function councilPagesHtml(d: Pick<CouncilListData, 'prev' | 'next' | 'page' | 'pages'>, t: T): string {
  return (
    (d.prev !== null ? `<a rel="prev" data-discover="true" href="${escapeHtml(`/council/reports${d.prev}`)}">${escapeHtml(t('list.previous'))}</a>` : '') +
    `<span>${escapeHtml(t('list.pageOf', { page: d.page, pages: d.pages }))}</span>` +
    (d.next !== null ? `<a rel="next" data-discover="true" href="${escapeHtml(`/council/reports${d.next}`)}">${escapeHtml(t('list.next'))}</a>` : '')
  )
}
