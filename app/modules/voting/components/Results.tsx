import { useTranslation } from 'react-i18next'
import { BarChart } from '../../../components/charts'
import { formatPercent, formatWeight } from '../arithmetic'
import type { MethodResult } from '../methods'
import { labelOf, moneyFormatter } from './ballot-form'

/**
 * A result with the details of its method: yes/no shares, approval and quadratic bars (with their
 * numbers as tables), the participatory budget's full ordered list per pot with what was selected
 * and what did not fit, and Schulze's pairwise matrix d and strongest paths p as tables.
 */
export function Results({
  result,
  labels,
  currency,
  locale,
  areaNames,
}: {
  result: MethodResult
  labels: Record<string, string>
  currency: string
  locale: string
  areaNames: Record<string, string>
}) {
  const { t } = useTranslation('votes')
  const w = (milli: number) => formatWeight(milli, locale)
  const n = new Intl.NumberFormat(locale)
  const label = (id: string) => labelOf(labels, id)
  switch (result.method) {
    case 'yesno': {
      const total = result.turnout.weight
      const share = (weight: number) => formatPercent({ numerator: weight, denominator: total }, locale) ?? '–'
      return (
        <div className="results results--yesno">
          <table className="data-table">
            <caption>{t('results.yesno.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('results.answer')}</th>
                <th scope="col">{t('results.weight')}</th>
                <th scope="col">{t('results.share')}</th>
                <th scope="col">{t('results.ballots')}</th>
              </tr>
            </thead>
            <tbody>
              {(['yes', 'no', 'abstain'] as const).map((answer) => (
                <tr key={answer}>
                  <th scope="row">{t(`voting:answer.${answer}`)}</th>
                  <td>{w(result[answer].weight)}</td>
                  <td>{share(result[answer].weight)}</td>
                  <td>{n.format(result[answer].ballots)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="results__headline">
            {result.yesShare.denominator > 0 ? t('results.yesno.yesShare', { share: formatPercent(result.yesShare, locale), byHead: formatPercent(result.yesShareByHead, locale) ?? '–' }) : null}{' '}
            <strong>{t(`results.yesno.majority.${result.majority}`)}</strong>
          </p>
        </div>
      )
    }
    case 'approval':
      return (
        <div className="results">
          <BarChart
            title={t('results.approval.title')}
            description={t('results.approval.description')}
            items={result.options.map((o) => ({ label: `${o.rank}. ${label(o.option)}`, value: o.weight / 1000, display: w(o.weight), note: n.format(o.ballots) }))}
            labels={{ summary: t('results.showNumbers'), item: t('results.option'), value: t('results.weight'), note: t('results.ballots') }}
          />
          <p>{t('results.approval.blank', { weight: w(result.blank.weight), count: result.blank.ballots })}</p>
        </div>
      )
    case 'quadratic':
      return (
        <div className="results">
          <BarChart
            title={t('results.quadratic.title')}
            description={t('results.quadratic.description')}
            items={result.options.map((o) => ({
              label: `${o.rank}. ${label(o.option)}`,
              value: o.votes / 1000,
              display: w(o.votes),
              note: t('results.quadratic.note', { raw: n.format(o.rawVotes), ballots: n.format(o.ballots) }),
            }))}
            labels={{ summary: t('results.showNumbers'), item: t('results.option'), value: t('results.quadratic.votes'), note: t('results.quadratic.rawAndBallots') }}
          />
          <p>{t('results.quadratic.credits', { spent: n.format(result.creditsSpent), available: n.format(result.creditsAvailable) })}</p>
        </div>
      )
    case 'budget': {
      const money = moneyFormatter(locale, currency)
      return (
        <div className="results">
          {result.pots.map((pot) => {
            const where = pot.areaId === null ? t('ballot.budget.cityWide') : (areaNames[String(pot.areaId)] ?? t('ballot.budget.district'))
            return (
              <section key={pot.pot} className="results__pot" aria-labelledby={`pot-${pot.pot}`}>
                <h3 id={`pot-${pot.pot}`}>{labels[pot.pot] ?? where}</h3>
                <p>{t('results.budget.summary', { budget: money(pot.budget), spent: money(pot.spent), left: money(pot.left), count: pot.turnout.ballots })}</p>
                <table className="data-table">
                  <caption>{t('results.budget.caption', { pot: labels[pot.pot] ?? where })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('results.budget.position')}</th>
                      <th scope="col">{t('results.budget.project')}</th>
                      <th scope="col">{t('results.budget.votes')}</th>
                      <th scope="col">{t('results.budget.cost')}</th>
                      <th scope="col">{t('results.budget.outcome')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {pot.projects.map((row) => (
                      <tr key={row.project} className={`results__outcome results__outcome--${row.outcome}`}>
                        <td>{row.position}</td>
                        <th scope="row">{label(row.project)}</th>
                        <td>
                          {w(row.votes)} <span className="results__muted">({t('results.ballotsCount', { count: row.ballots })})</span>
                        </td>
                        <td>{money(row.cost)}</td>
                        <td>{row.outcome === 'doesNotFit' ? t('voting:outcome.doesNotFit', { left: money(row.moneyLeft) }) : t(`voting:outcome.${row.outcome}`)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            )
          })}
        </div>
      )
    }
    case 'ranked': {
      const names = result.options.map(label)
      const matrix = (caption: string, cells: number[][], id: string, help: string) => (
        <div className="results__matrix">
          <table className="data-table" aria-describedby={`${id}-help`}>
            <caption>{caption}</caption>
            <thead>
              <tr>
                <td />
                {names.map((name, j) => (
                  <th key={j} scope="col">
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cells.map((row, i) => (
                <tr key={i}>
                  <th scope="row">{names[i]}</th>
                  {row.map((cell, j) => (
                    <td key={j} className={i === j ? 'results__diagonal' : cell > cells[j]![i]! ? 'results__wins' : undefined}>
                      {i === j ? '—' : w(cell)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p id={`${id}-help`} className="field__hint">
            {help}
          </p>
        </div>
      )
      return (
        <div className="results">
          <p className="results__headline">
            <strong>
              {result.winners.length === 1
                ? t('results.ranked.winner', { name: label(result.winners[0]!) })
                : result.winners.length > 1
                  ? t('results.ranked.tiedWinners', { names: result.winners.map(label).join(', ') })
                  : t('results.ranked.noWinner')}
            </strong>
          </p>
          <h3>{t('results.ranked.order')}</h3>
          <ol className="results__ranking">
            {result.ranking.map((level, i) => (
              <li key={i}>{level.length > 1 ? t('results.ranked.tied', { names: level.map(label).join(', ') }) : label(level[0]!)}</li>
            ))}
          </ol>
          {matrix(t('results.ranked.d'), result.d, 'schulze-d', t('results.ranked.dHelp'))}
          {matrix(t('results.ranked.p'), result.p, 'schulze-p', t('results.ranked.pHelp'))}
        </div>
      )
    }
  }
}
