import type { ReactNode } from 'react'

/**
 * What every chart shares: a figure with a visible caption, the SVG (role="img" with its own
 * <title> and <desc>, so screen readers hear one sentence), an optional legend, and the numbers
 * as a table in a <details> for anyone who cannot or would rather not read the picture.
 */
export interface ChartTable {
  /** The <summary> of the details, e.g. "Show the numbers". */
  summary: string
  caption: string
  head: string[]
  rows: Array<Array<string | number>>
}

export function ChartFrame({
  id,
  title,
  description,
  legend,
  table,
  children,
  width,
  height,
}: {
  id: string
  title: string
  description: string
  legend?: Array<{ label: string; colour: number }>
  table: ChartTable
  children: ReactNode
  width: number
  height: number
}) {
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} focusable="false">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {children}
      </svg>
      {legend && legend.length ? (
        <ul className="chart__legend" aria-hidden="true">
          {legend.map((l) => (
            <li key={l.label}>
              <span className={`chart__swatch chart__swatch--${l.colour % 9}`} />
              {l.label}
            </li>
          ))}
        </ul>
      ) : null}
      <details>
        <summary>{table.summary}</summary>
        <table>
          <caption className="visually-hidden">{table.caption}</caption>
          <thead>
            <tr>
              {table.head.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) =>
                  j === 0 ? (
                    <th key={j} scope="row">
                      {cell}
                    </th>
                  ) : (
                    <td key={j}>{cell}</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}
