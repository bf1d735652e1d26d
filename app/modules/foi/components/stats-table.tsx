import { Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'

export interface StatsRow {
  bodyId: number
  name: string
  requests: number
  due: number
  answeredOnTime: number
  overdue: number
  refused: number
  onTimeRate: number | null
  onTimeInterval: { low: number; high: number } | null
  refusedRate: number | null
  refusedInterval: { low: number; high: number } | null
}

const pct = (x: number) => `${Math.round(x * 100)}%`

/** The league table: answered on time and refused, each with its Wilson 95% interval. */
export function StatsTable({ rows, caption }: { rows: StatsRow[]; caption: string }) {
  const { t } = useTranslation('foi')
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="foi-stats">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('stats.body')}</th>
            <th scope="col">{t('stats.requests')}</th>
            <th scope="col">{t('stats.onTime')}</th>
            <th scope="col">{t('stats.overdue')}</th>
            <th scope="col">{t('stats.refused')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.bodyId}>
              <th scope="row">
                <Link to={`/bodies/${r.bodyId}`}>{r.name}</Link>
              </th>
              <td>{r.requests}</td>
              <td>
                {r.onTimeRate === null || !r.onTimeInterval
                  ? t('stats.none')
                  : t('stats.rate', { rate: pct(r.onTimeRate), low: pct(r.onTimeInterval.low), high: pct(r.onTimeInterval.high), n: r.answeredOnTime, of: r.due })}
              </td>
              <td>{r.overdue}</td>
              <td>
                {r.refusedRate === null || !r.refusedInterval
                  ? t('stats.none')
                  : t('stats.rate', { rate: pct(r.refusedRate), low: pct(r.refusedInterval.low), high: pct(r.refusedInterval.high), n: r.refused, of: r.requests })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
