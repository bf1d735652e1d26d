import { useId } from 'react'
import { ChartFrame } from './ChartFrame'
import { colourOf, niceScale } from './scale'

/**
 * Stacked columns: one column per x value (e.g. a week), one coloured segment per series (e.g. a
 * category). Server-rendered SVG: nothing needs JavaScript. Each segment carries a <title> with its
 * figure for pointer users; the table below the chart carries every figure for everyone.
 */
export function StackedBarChart({
  title,
  description,
  xLabels,
  series,
  labels,
}: {
  title: string
  description: string
  xLabels: string[]
  series: Array<{ label: string; values: number[] }>
  labels: { summary: string; series: string; total: string }
}) {
  const id = `chart-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`
  const width = 640
  const height = 260
  const m = { left: 40, right: 10, top: 12, bottom: 34 }
  const plotW = width - m.left - m.right
  const plotH = height - m.top - m.bottom
  const totals = xLabels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0))
  const { max, ticks } = niceScale(Math.max(0, ...totals))
  const step = plotW / Math.max(xLabels.length, 1)
  const barW = Math.max(4, step * 0.7)
  const y = (v: number) => m.top + plotH - (v / max) * plotH
  return (
    <ChartFrame
      id={id}
      title={title}
      description={description}
      width={width}
      height={height}
      legend={series.map((s, i) => ({ label: s.label, colour: i }))}
      table={{
        summary: labels.summary,
        caption: title,
        head: [labels.series, ...xLabels, labels.total],
        rows: [...series.map((s) => [s.label, ...xLabels.map((_, i) => s.values[i] ?? 0), s.values.reduce((a, b) => a + b, 0)]), [labels.total, ...totals, totals.reduce((a, b) => a + b, 0)]],
      }}
    >
      {ticks.map((tick) => (
        <g key={tick}>
          <line className="chart__grid" x1={m.left} x2={width - m.right} y1={y(tick)} y2={y(tick)} />
          <text className="chart__label" x={m.left - 6} y={y(tick) + 4} textAnchor="end">
            {tick}
          </text>
        </g>
      ))}
      {xLabels.map((label, i) => {
        let base = 0
        const x = m.left + i * step + (step - barW) / 2
        return (
          <g key={label}>
            {series.map((s, k) => {
              const v = s.values[i] ?? 0
              if (v <= 0) return null
              const top = y(base + v)
              const h = y(base) - top
              base += v
              return (
                <rect key={s.label} x={x} y={top} width={barW} height={Math.max(h, 0.5)} fill={colourOf(k)} stroke="#ffffff" strokeWidth={0.5}>
                  <title>{`${s.label}, ${label}: ${v}`}</title>
                </rect>
              )
            })}
            <text className="chart__label" x={x + barW / 2} y={height - m.bottom + 14} textAnchor="middle">
              {label}
            </text>
          </g>
        )
      })}
      <line className="chart__axis" x1={m.left} x2={width - m.right} y1={y(0)} y2={y(0)} />
    </ChartFrame>
  )
}
