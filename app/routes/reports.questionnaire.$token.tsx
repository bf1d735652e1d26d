import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { formFields, readForm } from '../lib/forms.server'
import { translatedErrors } from '../lib/forms'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { answerQuestionnaire, answerSchema, questionnaireByToken } from '../modules/reports/questionnaire.server'
import { COMMENT_MAX } from '../modules/reports/schema'

/**
 * /reports/questionnaire/:token — "Has this problem been fixed?", asked by e-mail four weeks after
 * a report went to the council. Answered once; the answer moves the report (fixed, or reopened) on
 * its public timeline.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const q = await questionnaireByToken(params.token ?? '')
  if (!q) return data({ state: 'invalid' as const, title: t('alerts:questionnaire.invalidTitle'), report: null }, { status: 404 })
  const report = { id: q.reportId, title: q.title, stateKind: q.stateKind }
  if (q.answeredAt) return { state: 'answered' as const, title: t('alerts:questionnaire.alreadyTitle'), report }
  return { state: 'open' as const, title: t('alerts:questionnaire.title'), report }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

type ActionResult =
  | { kind: 'errors'; errors: Record<string, string[] | undefined>; values: Record<string, string> }
  | { kind: 'done'; changed: 'fixed' | 'open' | null; fixed: boolean }
  | { kind: 'already' }
  | { kind: 'invalid' }

export async function action({ request, params }: ActionFunctionArgs) {
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const parsed = answerSchema.safeParse(fields)
  if (!parsed.success) {
    return data<ActionResult>({ kind: 'errors', errors: translatedErrors(parsed.error, t), values: { fixed: fields.fixed ?? '', comment: fields.comment ?? '' } }, { status: 400 })
  }
  const result = await answerQuestionnaire(params.token ?? '', { fixed: parsed.data.fixed === 'yes', comment: parsed.data.comment })
  if (result.kind === 'invalid') return data<ActionResult>({ kind: 'invalid' }, { status: 404 })
  if (result.kind === 'already') return data<ActionResult>({ kind: 'already' }, { status: 409 })
  return data<ActionResult>({ kind: 'done', changed: result.changed, fixed: parsed.data.fixed === 'yes' })
}

export default function Questionnaire() {
  const { state, title, report } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('alerts')
  const back = report ? (
    <p>
      <Link to={`/reports/${report.id}`}>{t('questionnaire.seeReport', { title: report.title })}</Link>
    </p>
  ) : null

  if (state === 'invalid' || result?.kind === 'invalid') {
    return (
      <section className="page narrow">
        <h1>{title}</h1>
        <p>{t('questionnaire.invalidBody')}</p>
      </section>
    )
  }
  if (result?.kind === 'done') {
    return (
      <section className="page narrow">
        <h1>{t('questionnaire.thanksTitle')}</h1>
        <FormMessage tone="success">{result.changed === 'fixed' ? t('questionnaire.nowFixed') : result.changed === 'open' ? t('questionnaire.reopened') : t('questionnaire.recorded')}</FormMessage>
        {back}
      </section>
    )
  }
  if (state === 'answered' || result?.kind === 'already') {
    return (
      <section className="page narrow">
        <h1>{t('questionnaire.alreadyTitle')}</h1>
        <p>{t('questionnaire.alreadyBody')}</p>
        {back}
      </section>
    )
  }
  const errors = result?.kind === 'errors' ? result.errors : {}
  const values = result?.kind === 'errors' ? result.values : { fixed: '', comment: '' }
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      <p>{t('questionnaire.intro', { title: report!.title })}</p>
      {back}
      <Form method="post" noValidate className="stack">
        <fieldset aria-describedby={errors.fixed ? 'fixed-error' : undefined}>
          <legend>{report!.stateKind === 'fixed' ? t('questionnaire.questionFixed') : t('questionnaire.question')}</legend>
          {errors.fixed ? (
            <p className="field-error" id="fixed-error">
              {errors.fixed[0]}
            </p>
          ) : null}
          <label className="choice">
            <input type="radio" name="fixed" value="yes" defaultChecked={values.fixed === 'yes'} />
            {t('questionnaire.yes')}
          </label>
          <label className="choice">
            <input type="radio" name="fixed" value="no" defaultChecked={values.fixed === 'no'} />
            {t('questionnaire.no')}
          </label>
        </fieldset>
        <div className={`field${errors.comment ? ' field--error' : ''}`}>
          <label htmlFor="field-comment">{t('questionnaire.comment')}</label>
          <p className="field__hint" id="field-comment-hint">
            {t('questionnaire.commentHint', { max: COMMENT_MAX })}
          </p>
          {errors.comment ? (
            <p className="field-error" id="field-comment-error">
              {errors.comment[0]}
            </p>
          ) : null}
          <textarea
            id="field-comment"
            name="comment"
            rows={4}
            maxLength={COMMENT_MAX}
            defaultValue={values.comment}
            aria-invalid={errors.comment ? true : undefined}
            aria-describedby={errors.comment ? 'field-comment-hint field-comment-error' : 'field-comment-hint'}
          />
        </div>
        <button type="submit">{t('questionnaire.submit')}</button>
      </Form>
    </section>
  )
}
