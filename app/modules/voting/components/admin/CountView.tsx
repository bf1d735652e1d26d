import { useTranslation } from 'react-i18next'
import { formatPercent, formatWeight } from '../../arithmetic'
import { methods } from '../../methods'

/** A count, as the administrator checks it before publishing (countProcess's answer, or the published one). */

interface Tally {
  weight: number
  ballots: number
}
type AnyResult =
  | { method: 'yesno'; yes: Tally; no: Tally; abstain: Tally; turnout: Tally; yesShare: { numerator: number; denominator: number } }
  | { method: 'approval'; options: Array<Tally & { option: string; rank: number }>; turnout: Tally }
  | { method: 'quadratic'; options: Array<{ option: string; votes: number; rawVotes: number; ballots: number; rank: number }>; turnout: Tally; creditsSpent: number }
  | {
      method: 'budget'
      turnout: Tally
      pots: Array<{ pot: string; budget: number; spent: number; left: number; projects: Array<{ position: number; project: string; cost: number; votes: number; outcome: string }> }>
    }
  | { method: 'ranked'; options: string[]; winners: string[]; ranking: string[][]; d: number[][]; turnout: Tally }

/** The method's result inside countProcess's answer (itself, or under `result`). */
function methodResult(count: unknown): AnyResult | null {
  if (!count || typeof count !== 'object') return null
  // countProcess's answer names its method too: the result proper is under `result`.
  const c = count as { method?: unknown; result?: unknown }
  if (c.result) return methodResult(c.result)
  return typeof c.method === 'string' && (methods as readonly string[]).includes(c.method) ? (count as AnyResult) : null
}

type Formatting = { w: (milli: number) => string; label: (id: string) => string; locale: string }

export function CountView({ count, labels, currency, locale }: { count: unknown; labels: Record<string, string>; currency: string; locale: string }) {
  const { t } = useTranslation('votesAdmin')
  const r = methodResult(count)
  if (!r) return count ? <pre>{JSON.stringify(count, null, 2).slice(0, 20_000)}</pre> : <p>{t('results.none')}</p>
  const fmt: Formatting = { w: (milli: number) => formatWeight(milli, locale), label: (id: string) => labels[id] ?? id, locale }
  return (
    <>
      <p>{t('results.turnout', { weight: fmt.w(r.turnout.weight), ballots: r.turnout.ballots })}</p>
      <MethodCount result={r} fmt={fmt} currency={currency} />
    </>
  )
}

function MethodCount({ result: r, fmt, currency }: { result: AnyResult; fmt: Formatting; currency: string }) {
  const { t } = useTranslation('votesAdmin')
  const { w, label, locale } = fmt
  switch (r.method) {
    case 'yesno':
      return (
        <>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t('results.answer')}</th>
                <th scope="col">{t('results.weight')}</th>
                <th scope="col">{t('results.ballots')}</th>
              </tr>
            </thead>
            <tbody>
              {(['yes', 'no', 'abstain'] as const).map((a) => (
                <tr key={a}>
                  <th scope="row">{t(`voting:answer.${a}`)}</th>
                  <td>{w(r[a].weight)}</td>
                  <td>{r[a].ballots}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>{t('results.yesShare', { share: formatPercent(r.yesShare, locale) ?? '–' })}</p>
        </>
      )
    case 'approval':
    case 'quadratic':
      return (
        <>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t('results.rank')}</th>
                <th scope="col">{t('results.option')}</th>
                <th scope="col">{r.method === 'quadratic' ? t('results.votes') : t('results.weight')}</th>
                <th scope="col">{t('results.ballots')}</th>
              </tr>
            </thead>
            <tbody>
              {r.options.map((o) => (
                <tr key={o.option}>
                  <td>{o.rank}</td>
                  <th scope="row">{label(o.option)}</th>
                  <td>{'votes' in o ? w(o.votes) : w(o.weight)}</td>
                  <td>{o.ballots}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )
    case 'budget':
      return <BudgetCount result={r} fmt={fmt} currency={currency} />
    case 'ranked':
      return (
        <>
          <p>{t('results.winners', { winners: r.winners.map(label).join(', ') })}</p>
          <ol>
            {r.ranking.map((level, i) => (
              <li key={i}>{level.map(label).join(' = ')}</li>
            ))}
          </ol>
        </>
      )
  }
}

function BudgetCount({ result: r, fmt, currency }: { result: Extract<AnyResult, { method: 'budget' }>; fmt: Formatting; currency: string }) {
  const { t } = useTranslation('votesAdmin')
  const { w, label, locale } = fmt
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency })
  return (
    <>
      {r.pots.map((pot) => (
        <table className="data-table" key={pot.pot}>
          <caption>{t('results.pot', { pot: label(pot.pot), budget: money.format(pot.budget / 100), spent: money.format(pot.spent / 100) })}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('results.project')}</th>
              <th scope="col">{t('results.cost')}</th>
              <th scope="col">{t('results.weight')}</th>
              <th scope="col">{t('results.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {pot.projects.map((p) => (
              <tr key={p.project}>
                <td>{p.position}</td>
                <th scope="row">{label(p.project)}</th>
                <td>{money.format(p.cost / 100)}</td>
                <td>{w(p.votes)}</td>
                <td>{t(`outcome.${p.outcome}`, { defaultValue: p.outcome })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  )
}
