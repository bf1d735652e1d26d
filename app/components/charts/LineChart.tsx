import { useId } from 'react'
import { ChartFrame } from './ChartFrame'
import { colourOf, niceScale } from './scale'

/**
 * Lines over an x axis (e.g. weekly medians); a missing value (null) breaks the line rather than
 * pretending to be zero. Values are drawn as given and shown through `format` in the tooltips and
 * the table.
 */
// Dark blue and vermilion first: the two lines most charts have stay far apart for every reader.
const lineColour = (k: number) => [4, 5, 2, 0, 6, 1, 3, 7][k % 8]!

export function LineChart({
  title,
  description,
  xLabels,
  series,
  format,
  labels,
}: {
  title: string
  description: string
  xLabels: string[]
  series: Array<{ label: string; values: Array<number | null> }>
  format: (value: number) => string
  labels: { summary: string; series: string; missing: string }
}) {
  const id = `chart-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`
  const width = 640
  const height = 240
  const m = { left: 72, right: 28, top: 12, bottom: 34 }
  const plotW = width - m.left - m.right
  const plotH = height - m.top - m.bottom
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const { max, ticks } = niceScale(Math.max(0, ...all))
  const step = plotW / Math.max(xLabels.length - 1, 1)
  const x = (i: number) => m.left + i * step
  const y = (v: number) => m.top + plotH - (v / max) * plotH
  // Runs of consecutive values, each drawn as one polyline.
  const runs = (values: Array<number | null>) => {
    const out: Array<Array<[number, number]>> = []
    let run: Array<[number, number]> = []
    values.forEach((v, i) => {
      if (v === null) {
        if (run.length) out.push(run)
        run = []
      } else run.push([x(i), y(v)])
    })
    if (run.length) out.push(run)
    return out
  }
  return (
    <ChartFrame
      id={id}
      title={title}
      description={description}
      width={width}
      height={height}
      legend={series.map((s, i) => ({ label: s.label, colour: lineColour(i) }))}
      table={{
        summary: labels.summary,
        caption: title,
        head: [labels.series, ...xLabels],
        rows: series.map((s) => [s.label, ...s.values.map((v) => (v === null ? labels.missing : format(v)))]),
      }}
    >
      {ticks.map((tick) => (
        <g key={tick}>
          <line className="chart__grid" x1={m.left} x2={width - m.right} y1={y(tick)} y2={y(tick)} />
          <text className="chart__label" x={m.left - 6} y={y(tick) + 4} textAnchor="end">
            {format(tick)}
          </text>
        </g>
      ))}
      {xLabels.map((label, i) => (
        <text key={label} className="chart__label" x={x(i)} y={height - m.bottom + 14} textAnchor="middle">
          {label}
        </text>
      ))}
      {series.map((s, k) => {
        const colour = colourOf(lineColour(k))
        return (
          <g key={s.label}>
            {runs(s.values).map((run, r) => (
              <polyline key={r} points={run.map(([px, py]) => `${px},${py}`).join(' ')} fill="none" stroke={colour} strokeWidth={2.5} />
            ))}
            {s.values.map((v, i) =>
              v === null ? null : (
                <circle key={i} cx={x(i)} cy={y(v)} r={3.5} fill={colour}>
                  <title>{`${s.label}, ${xLabels[i]}: ${format(v)}`}</title>
                </circle>
              ),
            )}
          </g>
        )
      })}
      <line className="chart__axis" x1={m.left} x2={width - m.right} y1={y(0)} y2={y(0)} />
    </ChartFrame>
  )
}
