import { useId } from 'react'
import { ChartFrame } from './ChartFrame'
import { colourOf, niceScale } from './scale'

/**
 * Horizontal bars, one per item (e.g. the median hours to first response per category), with the
 * formatted figure at the end of each bar. Items without a value are listed with their `display`.
 */
export function BarChart({
  title,
  description,
  items,
  labels,
}: {
  title: string
  description: string
  items: Array<{ label: string; value: number | null; display: string; note?: string }>
  labels: { summary: string; item: string; value: string; note?: string }
}) {
  const id = `chart-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`
  const width = 640
  const row = 26
  const m = { left: 190, right: 80, top: 8, bottom: 8 }
  const height = m.top + m.bottom + Math.max(items.length, 1) * row
  const { max } = niceScale(Math.max(0, ...items.map((i) => i.value ?? 0)))
  const plotW = width - m.left - m.right
  return (
    <ChartFrame
      id={id}
      title={title}
      description={description}
      width={width}
      height={height}
      table={{
        summary: labels.summary,
        caption: title,
        head: [labels.item, labels.value, ...(labels.note ? [labels.note] : [])],
        rows: items.map((i) => [i.label, i.display, ...(labels.note ? [i.note ?? ''] : [])]),
      }}
    >
      {items.map((item, i) => {
        const yTop = m.top + i * row
        const w = item.value === null ? 0 : Math.max((item.value / max) * plotW, 1)
        return (
          <g key={item.label}>
            <text className="chart__label" x={m.left - 8} y={yTop + row / 2 + 4} textAnchor="end">
              {item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label}
            </text>
            <rect x={m.left} y={yTop + 4} width={w} height={row - 8} fill={colourOf(4)}>
              <title>{`${item.label}: ${item.display}`}</title>
            </rect>
            <text className="chart__value" x={m.left + w + 6} y={yTop + row / 2 + 4}>
              {item.display}
            </text>
          </g>
        )
      })}
      <line className="chart__axis" x1={m.left} x2={m.left} y1={m.top} y2={height - m.bottom} />
    </ChartFrame>
  )
}
