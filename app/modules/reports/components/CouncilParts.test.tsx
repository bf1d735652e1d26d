import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { StaticRouter } from 'react-router-dom/server'
import { describe, expect, it } from 'vitest'
import { bulkChangeHtml, councilCountsHtml, councilFilterFieldsHtml, councilPagesHtml, type CouncilListData } from './CouncilList'

/**
 * The council list's filter fields, counts, bulk change and pages are written as text (ADR 160), as its
 * rows are (ADR 154). Below are the React components they replaced, as they were (with `t` passed in
 * instead of read from the i18n context): the text must be the same bytes for every choice, every error
 * and every value that needs escaping. The whole pages are compared as well, build against build, by
 * tests/bench/render-pages.ts (docs/performance.md, "Sixth pass").
 */
type T = (key: string, options?: Record<string, unknown>) => string
type Data = CouncilListData
type Query = Data['query']
type BulkFailure = { errors: Partial<Record<'ids' | 'state' | 'priority' | 'assignee' | 'change', string>>; values: { state: string; priority: string; assignee: string } } | undefined

function FilterSelect({ name, id, label, value, error, children }: { name: string; id?: string; label: string; value: string; error?: string; children: ReactNode }) {
  const fieldId = id ?? `filter-${name}`
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={fieldId}>{label}</label>
      {error ? (
        <p className="field-error" id={`${fieldId}-error`}>
          {error}
        </p>
      ) : null}
      <select key={value} id={fieldId} name={name} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={error ? `${fieldId}-error` : undefined}>
        {children}
      </select>
    </div>
  )
}

function ReactFilterFields({ d, q, t }: { d: Data; q: Query; t: T }) {
  const byDistrict = d.areas.filter((a) => a.level === 'district')
  return (
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
  )
}

function ReactCounts({ d, q, t }: { d: Data; q: Query; t: T }) {
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

function ReactBulkChange({ d, failed, t }: { d: Data; failed: BulkFailure; t: T }) {
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

function ReactPages({ d, t }: { d: Data; t: T }) {
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

/** The inside of the one element a component renders. */
const inner = (node: ReactNode) => {
  const html = renderToString(<StaticRouter location="/council/reports">{node}</StaticRouter>)
  return html.slice(html.indexOf('>') + 1, html.lastIndexOf('</'))
}

// Every word comes back with characters to escape, so that no value reaches the page unescaped.
const t: T = (key, options) => `${key}<&"'>${options ? JSON.stringify(options) : ''}`

const base: Data = {
  title: 'Reports',
  query: { status: 'open', category: '', area: '', age: '', priority: '', assignee: '', department: '', sort: 'newest', page: 1 },
  qs: '',
  errors: {},
  items: [],
  counts: [
    { state: 'unconfirmed', kind: 'unconfirmed', n: 3, label: 'Unconfirmed', href: '?status=state.unconfirmed' },
    { state: 'confirmed', kind: 'open', n: 12, label: 'Open', href: '?status=state.confirmed' },
    { state: 'fixed', kind: 'fixed', n: 0, label: 'Fixed', href: '?status=state.fixed' },
    { state: 'not_responsible', kind: 'closed', n: 4, label: "Not the council's", href: '?status=state.not_responsible&category=a%26b' },
  ],
  kinds: [
    { kind: 'unconfirmed', n: 3, href: '?status=unconfirmed' },
    { kind: 'open', n: 12, href: '' },
    { kind: 'fixed', n: 0, href: '?status=fixed' },
    { kind: 'closed', n: 4, href: '?status=closed&area=x%3Cy' },
    { kind: 'hidden', n: 0, href: '?status=hidden' },
  ],
  all: { n: 19, href: '?status=all' },
  total: 12,
  page: 1,
  pages: 3,
  prev: null,
  next: '?page=2',
  csv: '/council/reports.csv',
  categories: [
    { code: 'pothole', name: 'Pothole' },
    { code: 'a&b', name: 'Signs <& lines>' },
  ],
  areas: [
    { slug: 'ciutat-vella', name: 'Ciutat Vella', level: 'district', parentSlug: null },
    { slug: 'l-illa', name: "L'Illa", level: 'neighbourhood', parentSlug: 'ciutat-vella' },
    { slug: 'el-sargal', name: 'El "Sargal"', level: 'district', parentSlug: null },
    { slug: 'el-coll', name: 'El Coll', level: 'neighbourhood', parentSlug: 'el-sargal' },
    { slug: 'la-riera', name: 'La Riera', level: 'neighbourhood', parentSlug: 'ciutat-vella' },
  ],
  states: [
    { code: 'unconfirmed', kind: 'unconfirmed', label: 'Unconfirmed' },
    { code: 'confirmed', kind: 'open', label: 'Open' },
    { code: 'fixed', kind: 'fixed', label: 'Fixed' },
    { code: 'duplicate', kind: 'closed', label: 'Duplicate' },
    { code: 'not_responsible', kind: 'closed', label: "Not the council's" },
    { code: 'hidden', kind: 'hidden', label: '<Hidden>' },
  ],
  departments: [
    { id: 1, slug: 'roads', name: 'Roads & pavements' },
    { id: 2, slug: 'parks', name: 'Parks' },
  ],
  showDepartments: false,
  departmentNames: ['Roads & pavements'],
  members: [
    { id: 2, name: 'Rafael Roads', department: 'Roads & pavements' },
    { id: 7, name: "Anna O'Brien", department: 'Parks' },
    { id: 9, name: '<b>Eve</b>', department: 'Roads & pavements' },
  ],
  ages: ['1', '7', '30', '90', 'older30'],
  sorts: ['newest', 'oldest', 'priority', 'supports', 'updated'],
  priorities: ['low', 'normal', 'high', 'urgent'],
  outcome: null,
  moved: null,
}

const filtered: Data = {
  ...base,
  query: { status: 'state.not_responsible', category: 'a&b', area: 'l-illa', age: '90', priority: 'urgent', assignee: 'none', department: 'parks', sort: 'priority', page: 2 },
  showDepartments: true,
}
const wrong: Data = {
  ...base,
  query: { ...base.query, status: 'all', area: 'el-sargal', assignee: 'me', sort: 'updated' },
  showDepartments: true,
  errors: { status: 'Choose a <status>', category: 'Not one of yours', area: 'No such area', age: 'x', priority: 'y', assignee: 'z', department: 'Not "yours"', sort: 'w', page: 'p' },
}

describe('the council list written as text', () => {
  const datas: Array<[string, Data]> = [
    ['the default filter', base],
    ['every filter chosen, with departments', filtered],
    ['every field in error', wrong],
  ]
  for (const [name, d] of datas) {
    it(`writes the filter fields as React did: ${name}`, () => {
      expect(councilFilterFieldsHtml(d, d.query, t)).toBe(inner(<ReactFilterFields d={d} q={d.query} t={t} />))
    })
    it(`writes the counts as React did: ${name}`, () => {
      expect(councilCountsHtml(d, d.query, t)).toBe(inner(<ReactCounts d={d} q={d.query} t={t} />))
    })
  }
  for (const q of [base.query, { ...base.query, status: 'all' }, { ...base.query, status: 'state.confirmed' }, { ...base.query, status: 'hidden' }]) {
    it(`marks the current status among the counts: ${q.status}`, () => {
      expect(councilCountsHtml(base, q, t)).toBe(inner(<ReactCounts d={base} q={q} t={t} />))
    })
  }

  const failures: Array<[string, BulkFailure]> = [
    ['no failure', undefined],
    ['a refused change keeps its choices', { errors: { ids: 'Tick a report' }, values: { state: 'fixed', priority: 'urgent', assignee: '9' } }],
    ['unassign chosen', { errors: {}, values: { state: '', priority: '', assignee: 'none' } }],
    [
      'every field in error',
      { errors: { change: 'Choose <something>', state: 'Unknown "state"', priority: "Can't", assignee: 'Not & member' }, values: { state: 'bogus', priority: 'x', assignee: '<7>' } },
    ],
  ]
  for (const [name, failed] of failures) {
    it(`writes the bulk change as React did: ${name}`, () => {
      expect(bulkChangeHtml(base, failed, t)).toBe(inner(<ReactBulkChange d={base} failed={failed} t={t} />))
    })
  }

  for (const [prev, next] of [
    [null, '?page=2'],
    ['?page=1&sort=oldest', '?page=3&sort=oldest'],
    ['?area=a%26b', null],
  ] as const) {
    it(`writes the pages as React did: ${prev} ${next}`, () => {
      const d = { ...base, prev, next, page: 2 }
      expect(councilPagesHtml(d, t)).toBe(inner(<ReactPages d={d} t={t} />))
    })
  }

  it('never lets a name close its element', () => {
    const d = { ...base, categories: [{ code: '"><script>x()</script>', name: '</option></select><script>y()</script>' }] }
    const html = councilFilterFieldsHtml(d, d.query, t)
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;/option&gt;&lt;/select&gt;&lt;script&gt;y()&lt;/script&gt;')
  })
})
