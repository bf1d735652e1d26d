import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { councilRowHtml, type RowWords } from './CouncilList'

/**
 * The council list writes its rows as text (ADR 154). These are the rows as the React component they
 * replaced wrote them: the text must be the same bytes, for every kind of row and every value that
 * needs escaping.
 */
type Row = Parameters<typeof councilRowHtml>[0]

function ReactRow({ r, showDepartment, backQuery, words, checked }: { r: Row; showDepartment: boolean; backQuery: string; words: RowWords; checked: boolean }) {
  const [selectBefore, selectAfter = ''] = words.select
  return (
    <tr className={`council-row council-row--${r.kind}`}>
      <td>
        <input type="checkbox" name="id" value={r.id} id={`select-${r.id}`} aria-label={`${selectBefore}${r.id}${selectAfter}`} defaultChecked={checked} />
      </td>
      <td>
        <a href={`/council/reports/${r.id}${backQuery}`}>{`#${r.id} ${r.title}`}</a>
        {r.kind === 'unconfirmed' || r.kind === 'hidden' ? <span className={`badge badge--flag badge--${r.kind}`}> {words[r.kind]}</span> : null}
        {showDepartment ? <span className="council-row__department">{r.department}</span> : null}
      </td>
      <td data-label={words.label.category}>{r.category}</td>
      <td data-label={words.label.area}>{r.area ?? '–'}</td>
      <td data-label={words.label.status}>{r.stateLabel}</td>
      <td data-label={words.label.priority}>{words.priority[r.priority]}</td>
      <td data-label={words.label.assignee}>{r.assignee ?? words.unassigned}</td>
      <td data-label={words.label.supports}>{r.supports}</td>
      <td data-label={words.label.filed}>
        <time dateTime={r.filedAt}>{r.filed}</time>
      </td>
      <td data-label={words.label.updated}>
        <time dateTime={r.updatedAt}>{r.updated}</time>
      </td>
    </tr>
  )
}

const words = (select: string): RowWords => ({
  priority: { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' },
  unassigned: 'No one',
  select: select.split('\u0001') as [string, string?],
  unconfirmed: 'Unconfirmed',
  hidden: 'Hidden',
  label: { category: 'Category', area: 'Area', status: 'Status', priority: 'Priority', assignee: 'Assigned to', supports: 'Supports', filed: 'Filed', updated: 'Updated' },
})

const row: Row = {
  id: 99789,
  title: 'Pothole near number 128',
  stateLabel: 'Investigating',
  kind: 'open',
  priority: 'normal',
  category: 'Pothole',
  department: null,
  area: 'Les Salines',
  assignee: null,
  supports: 0,
  filed: 'Dec 7, 2026',
  filedAt: '2026-12-07T20:39:37.889Z',
  updated: 'Dec 7, 2026',
  updatedAt: '2026-12-07T20:41:52.984Z',
}

const viaReact = (...args: Parameters<typeof councilRowHtml>) => {
  const [r, showDepartment, backQuery, w, checked] = args
  const html = renderToString(
    <table>
      <tbody>
        <ReactRow r={r} showDepartment={showDepartment} backQuery={backQuery} words={w} checked={checked} />
      </tbody>
    </table>,
  )
  return html.slice('<table><tbody>'.length, -'</tbody></table>'.length)
}

describe('councilRowHtml', () => {
  const cases: Array<[string, Parameters<typeof councilRowHtml>]> = [
    ['a plain open row', [row, false, '?back=', words('Select report #\u0001'), false]],
    [
      'ticked, with its department and a query to go back to',
      [{ ...row, department: 'Roads & Paths' }, true, `?back=${encodeURIComponent('?status=all&sort=oldest')}`, words('Select report #\u0001'), true],
    ],
    ['unconfirmed, nothing assigned, no area', [{ ...row, kind: 'unconfirmed', area: null, assignee: null, priority: 'urgent' }, false, '?back=', words('Seleccionar el aviso n.º \u0001'), false]],
    ['hidden, assigned, a department of no name', [{ ...row, kind: 'hidden', assignee: "Anna O'Brien", supports: 12 }, true, '?back=', words('\u0001 — choisir'), false]],
    [
      'every value needing escapes',
      [
        {
          ...row,
          title: '<script>alert("x")</script> & \'quotes\'',
          category: 'A<B>',
          area: '"Old" Town',
          stateLabel: "Fixed & 'done'",
          assignee: '<b>Eve</b>',
          filed: '7 déc. 2026',
          department: '<i>',
        },
        true,
        '?back=%3Fa%3D1',
        { ...words('Select <#\u0001>'), unassigned: '<none>', label: { ...words('').label, category: 'Cat"egory', updated: "Updated'" } },
        true,
      ],
    ],
  ]
  for (const [name, args] of cases) {
    it(`writes what React writes: ${name}`, () => {
      expect(councilRowHtml(...args)).toBe(viaReact(...args))
    })
  }

  it('never lets a title close the cell', () => {
    const html = councilRowHtml({ ...row, title: '</a></td><script>x()</script>' }, false, '?back=', words('#\u0001'), false)
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;/a&gt;&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;')
  })
})
