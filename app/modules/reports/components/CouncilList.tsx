import { Link, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
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

/** The filter form's fields: what, where, when, who, in which order. */
export function CouncilFilterFields({ d, q }: { d: CouncilListData; q: Query }) {
  return (
    <div className="council-filters__fields">
      <SubjectFilters d={d} q={q} />
      <HandlingFilters d={d} q={q} />
    </div>
  )
}

function SubjectFilters({ d, q }: { d: CouncilListData; q: Query }) {
  const { t } = useTranslation('council')
  const byDistrict = d.areas.filter((a) => a.level === 'district')
  return (
    <>
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
    </>
  )
}

function HandlingFilters({ d, q }: { d: CouncilListData; q: Query }) {
  const { t } = useTranslation('council')
  return (
    <>
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
    </>
  )
}

export function CouncilCounts({ d, q }: { d: CouncilListData; q: Query }) {
  const { t } = useTranslation('council')
  return (
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
  )
}

type BulkFailure = { errors: Partial<Record<BulkField, string>>; values: { state: string; priority: string; assignee: string } } | undefined

/** Change the state, priority or assignee of the ticked reports at once. */
export function BulkChange({ d, failed }: { d: CouncilListData; failed: BulkFailure }) {
  const { t } = useTranslation('council')
  const kindStates = (kind: string) => d.states.filter((s) => s.kind === kind)
  return (
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
  return (
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
  )
}

export function FilterSelect({ name, id, label, value, error, children }: { name: string; id?: string; label: string; value: string; error?: string; children: ReactNode }) {
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
