import { useState, type FormEvent } from 'react'
import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useHydrated } from '../../../lib/hydrated'
import type { MethodSpec } from '../methods'
import { ballotFieldId, labelOf, moneyFormatter, type BallotError, type BallotFormValues } from './ballot-form'

/**
 * The ballot of each method as a plain HTML form: it works without JavaScript (the server checks
 * credits, money and ranks; each refusal is printed beside the part of the ballot it concerns, and
 * listed with a link to it above the choices). With JavaScript the credits or money left are shown
 * as the voter types; nothing depends on it. A budget shows only the pots the voter may choose:
 * the city-wide ones and those of the districts they live in.
 */
export function BallotForm({
  spec,
  labels,
  currency,
  locale,
  values,
  errors,
  action,
  changing,
  areaNames,
  voterAreaIds,
}: {
  spec: MethodSpec
  labels: Record<string, string>
  currency: string
  locale: string
  values: BallotFormValues
  errors: BallotError[]
  action: string
  changing: boolean
  areaNames: Record<string, string>
  voterAreaIds: number[]
}) {
  const { t } = useTranslation('votes')
  // Only once hydrated: the live figures are an addition, never what the form relies on. They follow
  // what the person changed since the form was given `values`, else `values` themselves.
  const hydrated = useHydrated()
  const [edited, setEdited] = useState<{ from: BallotFormValues; values: BallotFormValues } | null>(null)
  const live = !hydrated ? null : edited && edited.from === values ? edited.values : values
  const onChange = (event: FormEvent<HTMLFormElement>) => {
    const form = new FormData(event.currentTarget)
    setEdited({
      from: values,
      values: {
        votes: Object.fromEntries(spec.method === 'quadratic' ? spec.options.map((o) => [o, String(form.get(`votes.${o}`) ?? '')]) : []),
        projects: form.getAll('projects').map(String),
      },
    })
  }
  const errorId = 'ballot-errors'
  const shown = shownFields(spec, voterAreaIds)
  return (
    <Form method="post" action={action} className="ballot-form stack" onChange={onChange} aria-describedby={errors.length ? errorId : undefined} noValidate>
      <input type="hidden" name="intent" value="cast" />
      {errors.length ? (
        <div className="notice notice--error" role="alert" id={errorId}>
          <p>{t('ballot.errorsHeading')}</p>
          <ul>
            {errors.map((e, i) => (
              <li key={i}>{e.field && shown.has(e.field) ? <a href={`#${ballotFieldId(e.field)}`}>{e.message}</a> : e.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {spec.method === 'yesno' ? (
        <fieldset>
          <legend>{t('ballot.yesno.legend')}</legend>
          {(['yes', 'no', 'abstain'] as const).map((answer) => (
            <label key={answer} className="ballot-choice">
              <input type="radio" name="answer" value={answer} defaultChecked={values.answer === answer} />
              {t(`voting:answer.${answer}`)}
            </label>
          ))}
        </fieldset>
      ) : null}
      {spec.method === 'approval' ? (
        <fieldset>
          <legend>{spec.minChoices > 0 ? t('ballot.approval.legendRange', { min: spec.minChoices, max: spec.maxChoices }) : t('ballot.approval.legend', { count: spec.maxChoices })}</legend>
          {spec.options.map((option) => (
            <label key={option} className="ballot-choice">
              <input type="checkbox" name="approved" value={option} defaultChecked={values.approved?.includes(option)} />
              {labelOf(labels, option)}
            </label>
          ))}
        </fieldset>
      ) : null}
      {spec.method === 'quadratic' ? <QuadraticFields spec={spec} labels={labels} values={values} live={live} errors={errors} /> : null}
      {spec.method === 'budget' ? (
        <BudgetFields spec={spec} labels={labels} values={values} live={live} money={moneyFormatter(locale, currency)} areaNames={areaNames} voterAreaIds={voterAreaIds} errors={errors} />
      ) : null}
      {spec.method === 'ranked' ? (
        <fieldset>
          <legend>{t('ballot.ranked.legend')}</legend>
          <p className="field__hint">{spec.minChoices > 0 ? t('ballot.ranked.limitsRange', { min: spec.minChoices, max: spec.maxChoices }) : t('ballot.ranked.limits', { count: spec.maxChoices })}</p>
          <div className="ballot-ranks">
            {spec.options.map((option) => (
              <div key={option} className={`field${errorsOf(errors, `option:${option}`).length ? ' field--error' : ''}`} id={ballotFieldId(`option:${option}`)}>
                <label htmlFor={`rank-${option}`}>{labelOf(labels, option)}</label>
                <FieldErrors errors={errors} field={`option:${option}`} />
                <select
                  id={`rank-${option}`}
                  name={`rank.${option}`}
                  defaultValue={values.rank?.[option] ?? ''}
                  aria-describedby={errorsOf(errors, `option:${option}`).length ? `${ballotFieldId(`option:${option}`)}-error` : undefined}
                >
                  <option value="">{t('ballot.ranked.notRanked')}</option>
                  {spec.options.map((_, i) => (
                    <option key={i} value={String(i + 1)}>
                      {t('ballot.ranked.rank', { rank: i + 1 })}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
        </fieldset>
      ) : null}
      <button type="submit">{changing ? t('ballot.submitChange') : t('ballot.submit')}</button>
    </Form>
  )
}

/** The parts of the ballot this form draws (a refusal about a pot the voter is not shown links nowhere). */
function shownFields(spec: MethodSpec, voterAreaIds: number[]): Set<string> {
  if (spec.method === 'budget') return new Set(['districts', ...spec.pots.filter((p) => p.areaId === null || voterAreaIds.includes(p.areaId)).map((p) => `pot:${p.id}`)])
  if (spec.method === 'quadratic') return new Set(['credits', ...spec.options.map((o) => `option:${o}`)])
  if (spec.method === 'ranked') return new Set(spec.options.map((o) => `option:${o}`))
  return new Set()
}

const errorsOf = (errors: BallotError[], field: string) => errors.filter((e) => e.field === field)

/** The refusals that concern one part of the ballot, printed beside it. */
function FieldErrors({ errors, field }: { errors: BallotError[]; field: string }) {
  const mine = errorsOf(errors, field)
  if (!mine.length) return null
  return (
    <p className="field-error" id={`${ballotFieldId(field)}-error`}>
      {mine.map((e, i) => (
        <span key={i} className="ballot-error">
          {e.message}
        </span>
      ))}
    </p>
  )
}

function QuadraticFields({
  spec,
  labels,
  values,
  live,
  errors,
}: {
  spec: Extract<MethodSpec, { method: 'quadratic' }>
  labels: Record<string, string>
  values: BallotFormValues
  live: BallotFormValues | null
  errors: BallotError[]
}) {
  const { t } = useTranslation('votes')
  const max = Math.floor(Math.sqrt(spec.credits))
  const costs = Array.from({ length: Math.min(max, 10) }, (_, i) => i + 1)
  const votesOf = (option: string) => {
    const v = live?.votes?.[option] ?? ''
    return /^\d{1,6}$/.test(v) ? Number(v) : 0
  }
  const used = spec.options.reduce((sum, o) => sum + votesOf(o) ** 2, 0)
  return (
    <fieldset id={ballotFieldId('credits')}>
      <legend>{t('ballot.quadratic.legend', { credits: spec.credits })}</legend>
      <FieldErrors errors={errors} field="credits" />
      <p className="field__hint">{t('ballot.quadratic.intro', { credits: spec.credits })}</p>
      <table className="data-table ballot-costs">
        <caption>{t('ballot.quadratic.costTable')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('ballot.quadratic.votesColumn')}</th>
            <th scope="col">{t('ballot.quadratic.costColumn')}</th>
          </tr>
        </thead>
        <tbody>
          {costs.map((n) => (
            <tr key={n}>
              <td>{n}</td>
              <td>{n * n}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {spec.options.map((option) => (
        <div key={option} className={`field ballot-votes${errorsOf(errors, `option:${option}`).length ? ' field--error' : ''}`} id={ballotFieldId(`option:${option}`)}>
          <label htmlFor={`votes-${option}`}>{t('ballot.quadratic.votesFor', { option: labelOf(labels, option) })}</label>
          <FieldErrors errors={errors} field={`option:${option}`} />
          <input
            id={`votes-${option}`}
            name={`votes.${option}`}
            type="number"
            min={0}
            max={max}
            step={1}
            inputMode="numeric"
            defaultValue={values.votes?.[option] ?? ''}
            aria-describedby={errorsOf(errors, `option:${option}`).length ? `${ballotFieldId(`option:${option}`)}-error` : undefined}
          />
          {live ? <span className="ballot-votes__cost">{t('ballot.quadratic.cost', { count: votesOf(option) ** 2 })}</span> : null}
        </div>
      ))}
      {live ? (
        <p className={`ballot-total${used > spec.credits ? ' ballot-total--over' : ''}`} aria-live="polite">
          {used > spec.credits ? t('ballot.quadratic.over', { used, credits: spec.credits }) : t('ballot.quadratic.remaining', { left: spec.credits - used, credits: spec.credits })}
        </p>
      ) : null}
    </fieldset>
  )
}

function BudgetFields({
  spec,
  labels,
  values,
  live,
  money,
  areaNames,
  voterAreaIds,
  errors,
}: {
  spec: Extract<MethodSpec, { method: 'budget' }>
  labels: Record<string, string>
  values: BallotFormValues
  live: BallotFormValues | null
  money: (amount: number) => string
  areaNames: Record<string, string>
  voterAreaIds: number[]
  errors: BallotError[]
}) {
  const { t } = useTranslation('votes')
  const chosen = new Set(live?.projects ?? [])
  // Only what this voter may choose (the server refuses the rest): city-wide pots and their districts'.
  const pots = spec.pots.filter((p) => p.areaId === null || voterAreaIds.includes(p.areaId))
  const districtPots = pots.filter((p) => p.areaId !== null).length
  return (
    <div className="ballot-budget" id={ballotFieldId('districts')}>
      <p className="field__hint">{t('ballot.budget.intro')}</p>
      {districtPots > 0 ? <p className="field__hint">{t('ballot.budget.districts', { count: spec.maxDistricts })}</p> : null}
      <FieldErrors errors={errors} field="districts" />
      {pots.map((pot) => {
        const projects = spec.projects.filter((p) => p.pot === pot.id)
        const total = projects.reduce((sum, p) => sum + (chosen.has(p.id) ? p.cost : 0), 0)
        const where = pot.areaId === null ? t('ballot.budget.cityWide') : (areaNames[String(pot.areaId)] ?? t('ballot.budget.district'))
        const field = `pot:${pot.id}`
        const problems = errorsOf(errors, field).length > 0
        return (
          <fieldset
            key={pot.id}
            id={ballotFieldId(field)}
            className={problems ? 'ballot-pot ballot-pot--error' : 'ballot-pot'}
            aria-describedby={problems ? `${ballotFieldId(field)}-error` : undefined}
          >
            <legend>{t('ballot.budget.pot', { pot: labels[pot.id] ?? where, limit: money(pot.ballotLimit) })}</legend>
            <FieldErrors errors={errors} field={field} />
            {pot.areaId !== null ? <p className="field__hint">{t('ballot.budget.yourDistrict', { area: where })}</p> : null}
            {projects.map((project) => (
              <label key={project.id} className="ballot-choice">
                <input type="checkbox" name="projects" value={project.id} defaultChecked={values.projects?.includes(project.id)} />
                <span>
                  {labelOf(labels, project.id)} <span className="ballot-cost">{t('ballot.budget.cost', { cost: money(project.cost) })}</span>
                </span>
              </label>
            ))}
            {live ? (
              <p className={`ballot-total${total > pot.ballotLimit ? ' ballot-total--over' : ''}`} aria-live="polite">
                {total > pot.ballotLimit
                  ? t('ballot.budget.over', { total: money(total), limit: money(pot.ballotLimit) })
                  : t('ballot.budget.remaining', { total: money(total), left: money(pot.ballotLimit - total) })}
              </p>
            ) : null}
          </fieldset>
        )
      })}
    </div>
  )
}
