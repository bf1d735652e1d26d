import { Form } from '@remix-run/react'
import { useEffect, useRef, useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { BarChart, StackedBarChart } from '../../../components/charts'
import { LONG_MAX, SHORT_MAX, applies, type Answers } from '../survey'

/** A question as the answer page shows it (names already in the reader's language). */
export interface QuestionView {
  id: string
  number: number
  type: 'single' | 'multiple' | 'short' | 'long' | 'scale' | 'matrix'
  prompt: string
  required: boolean
  options: string[]
  rows: string[]
  min: number
  max: number
  showIf: { question: string; option: number } | null
  condition: { question: number; option: string } | null
}

/** The choices made so far in the form (what conditions look at). */
function choicesIn(form: HTMLFormElement, questions: QuestionView[]): Answers {
  const data = new FormData(form)
  const out: Answers = {}
  for (const q of questions) {
    if (q.type === 'single') {
      const v = data.get(`a.${q.id}`)
      if (typeof v === 'string' && v !== '') out[q.id] = Number(v)
    } else if (q.type === 'multiple') out[q.id] = data.getAll(`a.${q.id}`).map(Number)
  }
  return out
}

/**
 * The answer form: plain POST, every question rendered by the server. A conditional question
 * carries a hint saying when to answer it; with JavaScript it is hidden until its condition holds
 * (the server drops answers to questions whose condition does not hold either way).
 */
export function SurveyForm({ questions, errors, values }: { questions: QuestionView[]; errors: Record<string, string>; values: Record<string, string[]> }) {
  const { t } = useTranslation('surveys')
  const form = useRef<HTMLFormElement>(null)
  // null until the browser runs this: the first render matches the server's (all shown).
  const [live, setLive] = useState<Answers | null>(null)
  const update = () => {
    if (form.current) setLive(choicesIn(form.current, questions))
  }
  useEffect(() => {
    if (form.current) setLive(choicesIn(form.current, questions))
  }, [questions])
  const shown = (q: QuestionView) => live === null || applies(q, live)
  return (
    <Form method="post" className="stack survey-form" ref={form} onChange={update} data-testid="survey-form">
      {questions.map((q) => (
        <fieldset key={q.id} className="survey-question" hidden={!shown(q)} data-question={q.id} aria-describedby={errors[`a.${q.id}`] ? `a-${q.id}-error` : undefined}>
          <legend>
            {q.number}. {q.prompt} {q.required ? <span className="survey-required">{t('answer.required')}</span> : null}
          </legend>
          {q.condition ? <p className="field__hint">{t('answer.condition', { question: q.condition.question, option: q.condition.option })}</p> : null}
          {errors[`a.${q.id}`] ? (
            <p className="field-error" id={`a-${q.id}-error`}>
              {errors[`a.${q.id}`]}
            </p>
          ) : null}
          <QuestionInput q={q} values={values} invalid={Boolean(errors[`a.${q.id}`])} />
        </fieldset>
      ))}
      <div className="actions">
        <button type="submit">{t('answer.send')}</button>
      </div>
    </Form>
  )
}

function Choice({ type, name, value, checked, children }: { type: 'radio' | 'checkbox'; name: string; value: string; checked: boolean; children: ReactNode }) {
  return (
    <label className="survey-choice">
      <input type={type} name={name} value={value} defaultChecked={checked} /> {children}
    </label>
  )
}

function QuestionInput({ q, values, invalid }: { q: QuestionView; values: Record<string, string[]>; invalid: boolean }) {
  const { t } = useTranslation('surveys')
  const name = `a.${q.id}`
  const given = values[name] ?? []
  const describedBy = invalid ? `a-${q.id}-error` : undefined
  if (q.type === 'single' || q.type === 'multiple')
    return (
      <div className="survey-choices">
        {q.type === 'multiple' ? <p className="field__hint">{t('answer.chooseAny')}</p> : null}
        {q.options.map((o, k) => (
          <Choice key={k} type={q.type === 'single' ? 'radio' : 'checkbox'} name={name} value={String(k)} checked={given.includes(String(k))}>
            {o}
          </Choice>
        ))}
      </div>
    )
  if (q.type === 'scale')
    return (
      <div className="survey-choices survey-choices--scale">
        <p className="field__hint">{t('answer.scaleHint', { min: q.min, max: q.max })}</p>
        {Array.from({ length: q.max - q.min + 1 }, (_, k) => String(q.min + k)).map((v) => (
          <Choice key={v} type="radio" name={name} value={v} checked={given.includes(v)}>
            {v}
          </Choice>
        ))}
      </div>
    )
  if (q.type === 'matrix')
    return (
      <div className="survey-matrix">
        {q.rows.map((row, r) => (
          <fieldset key={r}>
            <legend>{row}</legend>
            {q.options.map((o, k) => (
              <Choice key={k} type="radio" name={`${name}.${r}`} value={String(k)} checked={(values[`${name}.${r}`] ?? []).includes(String(k))}>
                {o}
              </Choice>
            ))}
          </fieldset>
        ))}
      </div>
    )
  const label = t('answer.yourAnswer', { number: q.number })
  return q.type === 'short' ? (
    <input type="text" name={name} aria-label={label} maxLength={SHORT_MAX} defaultValue={given[0] ?? ''} aria-invalid={invalid || undefined} aria-describedby={describedBy} />
  ) : (
    <textarea name={name} aria-label={label} rows={5} maxLength={LONG_MAX} defaultValue={given[0] ?? ''} aria-invalid={invalid || undefined} aria-describedby={describedBy} />
  )
}

export interface QuestionResultView {
  id: string
  number: number
  type: QuestionView['type']
  prompt: string
  conditionText: string | null
  answered: number
  bars: Array<{ label: string; count: number }>
  mean: number | null
  matrix: { columns: string[]; rows: Array<{ label: string; counts: number[] }> } | null
  texts: string[]
}

/** A question's results: server-rendered SVG charts (app/components/charts) with their numbers as a table. */
export function QuestionChart({ r }: { r: QuestionResultView }) {
  const { t, i18n } = useTranslation('surveys')
  const pct = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 })
  const [condQuestion, condOption] = r.conditionText?.split('|') ?? []
  const title = `${r.number}. ${r.prompt}`
  return (
    <section className="survey-result" aria-labelledby={`result-${r.id}`} data-testid={`result-${r.id}`}>
      <h2 id={`result-${r.id}`}>{title}</h2>
      {r.conditionText ? <p className="field__hint">{t('results.condition', { question: condQuestion, option: condOption })}</p> : null}
      <p>{t('results.answered', { count: r.answered })}</p>
      {r.bars.length ? (
        <BarChart
          title={title}
          description={t('results.chartDescription', { count: r.answered })}
          items={r.bars.map((b) => ({ label: b.label, value: b.count, display: `${b.count} (${pct.format(r.answered ? b.count / r.answered : 0)})` }))}
          labels={{ summary: t('results.numbers'), item: t('results.option'), value: t('results.count') }}
        />
      ) : null}
      {r.mean !== null ? <p>{t('results.mean', { mean: r.mean })}</p> : null}
      {r.matrix ? (
        <StackedBarChart
          title={title}
          description={t('results.chartDescription', { count: r.answered })}
          xLabels={r.matrix.rows.map((row) => row.label)}
          series={r.matrix.columns.map((c, k) => ({ label: c, values: r.matrix!.rows.map((row) => row.counts[k] ?? 0) }))}
          labels={{ summary: t('results.numbers'), series: t('results.option'), total: t('results.totalLabel') }}
        />
      ) : null}
      {r.type === 'short' || r.type === 'long' ? (
        r.texts.length ? (
          <>
            <h3>{t('results.texts')}</h3>
            <ul className="survey-texts">
              {r.texts.map((text, k) => (
                <li key={k}>{text}</li>
              ))}
            </ul>
          </>
        ) : (
          <p>{t('results.noTexts')}</p>
        )
      ) : null}
    </section>
  )
}
