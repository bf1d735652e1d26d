import { Link } from '@remix-run/react'
import { useId } from 'react'
import { useTranslation } from 'react-i18next'
import type { PetitionState } from '../../../db/schema'
import { niceScale } from '../charts'
import { ChartFrame } from '../charts/ChartFrame'
import { colourOf } from '../charts/scale'
import { formatters } from '../../lib/format'
import { CLASS_COLOURS, choroplethClasses, classOf } from '../../modules/petitions/choropleth'

/** UI pieces of petitions: state badge, list card, the count with its thresholds, the choropleth, the chart. */

export function PetitionStateBadge({ state, awaiting }: { state: PetitionState; awaiting?: boolean }) {
  const { t } = useTranslation('petitions')
  return (
    <span className={`badge petition-state petition-state--${state}`}>
      {t(`states.${state}`)}
      {awaiting ? ` · ${t('awaitingResponse')}` : ''}
    </span>
  )
}

export interface PetitionCardData {
  id: number
  title: string
  action: string
  state: PetitionState
  signatures: number
  responseThreshold: number
  closesAt: string | null
  awaitingResponse: boolean
  respondedAt: string | null
  debatedAt: string | null
}

export function PetitionCard({ p, locale }: { p: PetitionCardData; locale: string }) {
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  return (
    <li className="petition-card">
      <h3 className="petition-card__title">
        <Link to={`/petitions/${p.id}`}>{p.title}</Link>
      </h3>
      <p className="petition-card__action">{p.action}</p>
      <p className="petition-card__meta">
        <PetitionStateBadge state={p.state} awaiting={p.awaitingResponse} /> · {t('signaturesCount', { count: p.signatures, n: f.integer.format(p.signatures) })}
        {p.respondedAt ? ` · ${t('filters.responded')}` : ''}
        {p.debatedAt ? ` · ${t('filters.debated')}` : ''}
        {p.state === 'open' && p.closesAt ? (
          <>
            {' · '}
            {t('closesOn')} <time dateTime={p.closesAt}>{f.date.format(new Date(p.closesAt))}</time>
          </>
        ) : null}
      </p>
    </li>
  )
}

/**
 * The count against the next threshold: a native <progress> with its label, both thresholds in
 * words, and `data-petition-count` for the script that refreshes it from count.json.
 */
export function PetitionProgress({ id, signatures, thresholds, locale }: { id: number; signatures: number; thresholds: { response: number; debate: number }; locale: string }) {
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  const next = signatures < thresholds.response ? { kind: 'response', at: thresholds.response } : signatures < thresholds.debate ? { kind: 'debate', at: thresholds.debate } : null
  const labelId = `petition-progress-${id}`
  return (
    <div className="petition-progress" data-testid="petition-progress" data-petition-id={id} data-response={thresholds.response} data-debate={thresholds.debate}>
      <p className="petition-progress__count" id={labelId}>
        <strong data-petition-count="">{f.integer.format(signatures)}</strong> {t('signaturesWord', { count: signatures })}
      </p>
      {next ? (
        <>
          <progress aria-labelledby={labelId} aria-describedby={`${labelId}-next`} max={next.at} value={Math.min(signatures, next.at)} data-petition-progress="" />
          <p id={`${labelId}-next`} className="petition-progress__next">
            {t(next.kind === 'response' ? 'progress.toResponse' : 'progress.toDebate', { n: f.integer.format(next.at) })}
          </p>
        </>
      ) : (
        <p className="petition-progress__next">{t('progress.bothReached')}</p>
      )}
      <ul className="petition-progress__thresholds">
        <li>{t('progress.responseThreshold', { n: f.integer.format(thresholds.response) })}</li>
        <li>{t('progress.debateThreshold', { n: f.integer.format(thresholds.debate) })}</li>
      </ul>
    </div>
  )
}

export interface ChoroplethProps {
  shapes: { width: number; height: number; city: string; areas: Array<{ id: number; level: 'district' | 'neighbourhood'; path: string }> }
  counts: Array<{ id: number; name: string; level: 'district' | 'neighbourhood'; signatures: number }>
  level: 'district' | 'neighbourhood'
  locale: string
}

/**
 * Counted signatures per district or neighbourhood, drawn on the server as SVG (presentation
 * attributes only), with a legend of the classes and the same numbers as a table beside it.
 */
export function Choropleth({ shapes, counts, level, locale }: ChoroplethProps) {
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  const id = `choropleth-${level}-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`
  const rows = counts.filter((c) => c.level === level)
  const byId = new Map(rows.map((c) => [c.id, c]))
  const classes = choroplethClasses(Math.max(0, ...rows.map((r) => r.signatures)))
  const title = t(level === 'district' ? 'map.byDistrict' : 'map.byNeighbourhood')
  const sorted = [...rows].sort((a, b) => b.signatures - a.signatures || a.name.localeCompare(b.name))
  return (
    <figure className="choropleth" aria-labelledby={`${id}-caption`} data-testid={`choropleth-${level}`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg viewBox={`0 0 ${shapes.width} ${shapes.height}`} role="img" aria-labelledby={`${id}-title`} focusable="false" className="choropleth__map">
        <title id={`${id}-title`}>{t('map.description', { title })}</title>
        <path d={shapes.city} fill="#ffffff" stroke="#33414d" strokeWidth={1} fillRule="evenodd" />
        {shapes.areas
          .filter((a) => a.level === level)
          .map((a) => {
            const c = byId.get(a.id)
            const n = c?.signatures ?? 0
            return (
              <path key={a.id} d={a.path} fill={CLASS_COLOURS[classOf(n, classes)]} stroke="#33414d" strokeWidth={level === 'district' ? 1 : 0.5} fillRule="evenodd">
                <title>{`${c?.name ?? ''}: ${t('signaturesCount', { count: n, n: f.integer.format(n) })}`}</title>
              </path>
            )
          })}
      </svg>
      <ul className="choropleth__legend" aria-label={t('map.legend')}>
        {classes.map((c) => (
          <li key={c.index}>
            <svg width="14" height="14" aria-hidden="true" focusable="false">
              <rect width="14" height="14" fill={CLASS_COLOURS[c.index]} stroke="#33414d" strokeWidth={0.5} />
            </svg>{' '}
            {c.to === 0 ? t('map.none') : c.from === c.to ? f.integer.format(c.from) : `${f.integer.format(c.from)}–${f.integer.format(c.to)}`}
          </li>
        ))}
      </ul>
      <details className="choropleth__table">
        <summary>{t('map.showNumbers')}</summary>
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t(level === 'district' ? 'map.district' : 'map.neighbourhood')}</th>
              <th scope="col">{t('map.signatures')}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.id}>
                <th scope="row">{r.name}</th>
                <td>{f.integer.format(r.signatures)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}

/** Every UTC day from the first to the last, with the counted signatures of each (zeros filled in). */
export function dailySeries(daily: Array<{ day: string; signatures: number }>, until?: string): Array<{ day: string; signatures: number }> {
  if (daily.length === 0) return []
  const byDay = new Map(daily.map((d) => [d.day, d.signatures]))
  const out: Array<{ day: string; signatures: number }> = []
  const last = until && until > daily.at(-1)!.day ? until : daily.at(-1)!.day
  for (let d = new Date(`${daily[0]!.day}T00:00:00Z`); out.length < 1000; d = new Date(d.getTime() + 86_400_000)) {
    const day = d.toISOString().slice(0, 10)
    out.push({ day, signatures: byDay.get(day) ?? 0 })
    if (day >= last) break
  }
  return out
}

/**
 * Signatures over time: a bar per UTC day (the cumulative count in each bar's tooltip), the axis
 * labelled at most every few days, and a table of day, signatures and running total.
 */
export function SignaturesOverTime({ daily, locale }: { daily: Array<{ day: string; signatures: number }>; locale: string }) {
  const { t } = useTranslation('petitions')
  const id = `chart-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`
  const f = formatters(locale)
  if (daily.length === 0) return <p>{t('chart.empty')}</p>
  const rows: Array<{ day: string; signatures: number; total: number }> = []
  for (const d of daily) rows.push({ ...d, total: (rows.at(-1)?.total ?? 0) + d.signatures })
  const total = rows.at(-1)?.total ?? 0
  const dayLabel = (day: string) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`))
  const width = 640
  const height = 220
  const m = { left: 64, right: 16, top: 12, bottom: 30 }
  const plotW = width - m.left - m.right
  const plotH = height - m.top - m.bottom
  const { max, ticks } = niceScale(Math.max(1, ...daily.map((d) => d.signatures)))
  const step = plotW / rows.length
  const every = Math.max(1, Math.ceil(rows.length / 8))
  const y = (v: number) => m.top + plotH - (v / max) * plotH
  return (
    <ChartFrame
      id={id}
      title={t('chart.title')}
      description={t('chart.description', { days: rows.length, total: f.integer.format(total) })}
      width={width}
      height={height}
      table={{
        summary: t('map.showNumbers'),
        caption: t('chart.title'),
        head: [t('chart.day'), t('chart.daily'), t('chart.cumulative')],
        rows: rows.map((r) => [dayLabel(r.day), f.integer.format(r.signatures), f.integer.format(r.total)]),
      }}
    >
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={m.left} x2={width - m.right} y1={y(tick)} y2={y(tick)} stroke="#d0d7de" strokeWidth={1} />
          <text className="chart__label" x={m.left - 6} y={y(tick) + 4} textAnchor="end">
            {f.integer.format(tick)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => (
        <g key={r.day}>
          <rect x={m.left + i * step + step * 0.1} y={y(r.signatures)} width={Math.max(step * 0.8, 1)} height={m.top + plotH - y(r.signatures)} fill={colourOf(4)}>
            <title>{`${dayLabel(r.day)}: ${f.integer.format(r.signatures)} (${f.integer.format(r.total)})`}</title>
          </rect>
          {i % every === 0 ? (
            <text className="chart__label" x={m.left + i * step + step / 2} y={height - m.bottom + 16} textAnchor="middle">
              {dayLabel(r.day)}
            </text>
          ) : null}
        </g>
      ))}
    </ChartFrame>
  )
}
