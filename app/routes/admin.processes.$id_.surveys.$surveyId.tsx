import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { formFields, readForm } from '../lib/forms.server'
import { supportedLocales } from '../lib/i18n'
import { translatorFor } from '../lib/i18n.server'
import { localize } from '../lib/localized'
import { cityDefaultLocale } from '../lib/localized.server'
import { requirePermission } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { processRecord } from '../modules/processes/processes.server'
import { EXTRA_ROWS, MAX_QUESTIONS, QUESTION_TYPES, surveyFormValues, surveyFromForm } from '../modules/processes/survey'
import { saveSurvey, surveyRecord } from '../modules/processes/surveys.server'
import styles from '../modules/processes/components/surveys.css'

/**
 * /admin/processes/:id/surveys/:surveyId (or …/new) — an administrator builds a survey of a process:
 * its title per language, the verification level answering needs, and its questions (type,
 * wording and choices per language, a condition on an earlier choice). One plain form with
 * repeated question rows and empty rows to add more without JavaScript. Audited. Questions are
 * fixed once someone has answered.
 */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

const ID = /^\d{1,12}$/

async function load(params: { id?: string; surveyId?: string }) {
  const process = params.id && ID.test(params.id) ? await processRecord({ id: Number(params.id) }) : null
  if (!process) throw new Response('Not Found', { status: 404 })
  if (params.surveyId === 'new') return { process, survey: null }
  const survey = params.surveyId && ID.test(params.surveyId) ? await surveyRecord(Number(params.surveyId)) : null
  if (!survey || survey.processId !== process.id) throw new Response('Not Found', { status: 404 })
  return { process, survey }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { process, survey } = await load(params)
  const { t, locale } = await translatorFor(request)
  return {
    heading: survey ? t('surveys:admin.edit') : t('surveys:admin.new'),
    processId: process.id,
    processTitle: localize(process.title, locale, cityDefaultLocale()),
    slug: process.slug,
    surveyId: survey?.id ?? null,
    responses: survey?.responses ?? 0,
    values: surveyFormValues(survey, 1),
    rows: Math.min(MAX_QUESTIONS, (survey?.questions.length ?? 0) + EXTRA_ROWS),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.heading ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { process, survey } = await load(params)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const parsed = surveyFromForm(fields)
  const translate = (errors: Record<string, string>) => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(`surveys:${v}`)]))
  if (!parsed.input)
    return data({ errors: { ...translate(parsed.errors), form: parsed.errors.form ? t(`surveys:${parsed.errors.form}`) : t('surveys:errors.summary') }, values: fields }, { status: 400 })
  const r = await saveSurvey(admin, process.id, survey?.id ?? null, parsed.input, processNow())
  if (r.kind === 'ok') return redirect(`/admin/processes/${process.id}/surveys/${r.id}?saved=1`)
  if (r.kind === 'answered') return data({ errors: { form: t('surveys:errors.answered') }, values: fields }, { status: 409 })
  throw new Response(r.kind === 'forbidden' ? 'Forbidden' : 'Not Found', { status: r.kind === 'forbidden' ? 403 : 404 })
}

export default function AdminSurvey() {
  const d = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const { t } = useTranslation('surveys')
  const [params] = useSearchParams()
  const values: Record<string, string> = answer?.values ?? d.values
  const errors: Record<string, string> = answer?.errors ?? {}
  const text = (name: string, label: string, hint?: string) => <Field key={name} name={name} label={label} hint={hint} error={errors[name]} defaultValue={values[name] ?? ''} />
  const area = (name: string, label: string, hint?: string) => {
    const { id, described } = fieldIds(name, { hint, error: errors[name] })
    return (
      <Field key={name} name={name} label={label} hint={hint} error={errors[name]}>
        <textarea id={id} name={name} rows={3} defaultValue={values[name] ?? ''} aria-invalid={errors[name] ? true : undefined} aria-describedby={described} />
      </Field>
    )
  }
  return (
    <section className="page narrow">
      <p>
        <Link to={`/admin/processes/${d.processId}`}>{t('admin.back', { process: d.processTitle })}</Link>
      </p>
      <h1>{d.heading}</h1>
      {params.get('saved') ? <FormMessage tone="success">{t('admin.saved')}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {d.surveyId ? (
        <p>
          <Link to={`/processes/${d.slug}/surveys/${d.surveyId}`}>{t('admin.view')}</Link> · <Link to={`/processes/${d.slug}/surveys/${d.surveyId}/results`}>{t('list.results')}</Link>
        </p>
      ) : null}
      {d.responses ? <FormMessage tone="info">{t('admin.locked', { count: d.responses })}</FormMessage> : null}
      <Form method="post" className="stack" data-testid="survey-builder">
        {supportedLocales.map((l) => text(`title_${l}`, t('admin.fields.title', { code: l })))}
        <Field name="requiredLevel" label={t('admin.fields.level')} hint={t('admin.fields.levelHint')} error={errors.requiredLevel}>
          <select id="field-requiredLevel" name="requiredLevel" defaultValue={values.requiredLevel ?? '1'} aria-describedby="field-requiredLevel-hint">
            {[0, 1, 2, 3].map((n) => (
              <option key={n} value={n}>
                {t(`admin.levels.${n}`)}
              </option>
            ))}
          </select>
        </Field>
        <h2>{t('admin.questions')}</h2>
        <p className="field__hint">{t('admin.questionsHint')}</p>
        <div className="question-rows">
          {Array.from({ length: d.rows }, (_, i) => (
            <QuestionRow key={i} i={i} values={values} errors={errors} text={text} area={area} />
          ))}
        </div>
        <div className="actions">
          <button type="submit">{t('admin.save')}</button>
        </div>
      </Form>
    </section>
  )
}

type FieldMaker = (name: string, label: string, hint?: string) => JSX.Element

/** One question's block of the builder: type, wording and choices per language, scale, condition. */
function QuestionRow({ i, values, errors, text, area }: { i: number; values: Record<string, string>; errors: Record<string, string>; text: FieldMaker; area: FieldMaker }) {
  const { t } = useTranslation('surveys')
  const p = `q.${i}.`
  const n = i + 1
  return (
    <fieldset data-testid={`question-${i}`}>
      <legend>{t('admin.questionN', { n })}</legend>
      <Field name={`${p}type`} label={t('admin.fields.type', { n })} error={errors[`${p}type`]}>
        <select id={`field-${p}type`} name={`${p}type`} defaultValue={values[`${p}type`] ?? 'single'}>
          {QUESTION_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`types.${type}`)}
            </option>
          ))}
        </select>
      </Field>
      {supportedLocales.map((l) => text(`${p}prompt_${l}`, t('admin.fields.prompt', { n, code: l })))}
      <div className="field">
        <label>
          <input type="checkbox" name={`${p}required`} defaultChecked={values[`${p}required`] === 'on'} /> {t('admin.fields.required', { n })}
        </label>
      </div>
      {supportedLocales.map((l) => area(`${p}options_${l}`, t('admin.fields.options', { n, code: l }), l === 'en' ? t('admin.fields.optionsHint') : undefined))}
      {supportedLocales.map((l) => area(`${p}rows_${l}`, t('admin.fields.rows', { n, code: l }), l === 'en' ? t('admin.fields.rowsHint') : undefined))}
      {text(`${p}min`, t('admin.fields.min', { n }), t('admin.fields.scaleHint'))}
      {text(`${p}max`, t('admin.fields.max', { n }))}
      {text(`${p}ifQuestion`, t('admin.fields.ifQuestion', { n }), t('admin.fields.ifHint'))}
      {text(`${p}ifOption`, t('admin.fields.ifOption', { n }))}
    </fieldset>
  )
}
