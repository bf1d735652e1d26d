import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { QUESTIONNAIRE_ANSWERS } from '../modules/letters/stats'
import { answerLetterQuestionnaire, answerSchema, letterQuestionnaireByToken } from '../modules/letters/questionnaire.server'

/**
 * /letters/questionnaire/:token — "Did you get a reply from X?". The mail's four links open this
 * page with ?answer= chosen; only the button (a POST) records it, so a mail scanner opening the
 * links changes nothing. The answer can be changed until eight weeks after delivery.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const q = await letterQuestionnaireByToken(params.token ?? '')
  if (!q) return data({ title: t('letters:questionnaire.invalidTitle'), q: null, chosen: null }, { status: 404 })
  const given = answerSchema.safeParse(new URL(request.url).searchParams.get('answer'))
  return { title: t('letters:questionnaire.title'), q, chosen: given.success ? given.data : q.answer }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request)
  const parsed = answerSchema.safeParse(form.get('answer'))
  if (!parsed.success) return data({ kind: 'error' as const }, { status: 400 })
  const result = await answerLetterQuestionnaire(params.token ?? '', parsed.data)
  if (result.kind === 'invalid') return data({ kind: 'invalid' as const }, { status: 404 })
  if (result.kind === 'closed') return data({ kind: 'closed' as const }, { status: 409 })
  return data({ kind: 'done' as const, changed: result.changed, statusToken: result.statusToken })
}

export default function LetterQuestionnaire() {
  const { q, chosen } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t, i18n } = useTranslation('letters')
  const day = (iso: string) => new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso))
  if (!q || result?.kind === 'invalid') {
    return (
      <section className="page narrow">
        <h1>{t('questionnaire.invalidTitle')}</h1>
        <p>{t('questionnaire.invalidBody')}</p>
      </section>
    )
  }
  const statusLink = (
    <p>
      <Link to={`/letters/${q.statusToken}`}>{t('questionnaire.statusLink')}</Link>
    </p>
  )
  if (result?.kind === 'done') {
    return (
      <section className="page narrow">
        <h1>{t('questionnaire.title')}</h1>
        <FormMessage tone="success">{result.changed ? t('questionnaire.thanks') : t('questionnaire.unchanged')}</FormMessage>
        {statusLink}
      </section>
    )
  }
  return (
    <section className="page narrow">
      <h1>{t('questionnaire.title')}</h1>
      <p>{t('questionnaire.intro', { representative: q.representative.name, subject: q.subject })}</p>
      {q.answer ? <p>{t('questionnaire.current', { answer: t(`answers.${q.answer}`) })}</p> : null}
      {!q.open || result?.kind === 'closed' ? (
        <p>{t('questionnaire.closed', { date: day(q.openUntil) })}</p>
      ) : (
        <Form method="post" className="stack">
          <fieldset aria-describedby={result?.kind === 'error' ? 'answer-error' : undefined}>
            <legend>{t('questionnaire.legend', { representative: q.representative.name })}</legend>
            {result?.kind === 'error' ? (
              <p className="field-error" id="answer-error">
                {t('questionnaire.chooseError')}
              </p>
            ) : null}
            {QUESTIONNAIRE_ANSWERS.map((a) => (
              <label key={a} className="choice">
                <input type="radio" name="answer" value={a} defaultChecked={chosen === a} /> {t(`answers.${a}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t('questionnaire.submit')}</button>
          <p className="field__hint">{t('questionnaire.changeUntil', { date: day(q.openUntil) })}</p>
        </Form>
      )}
      {statusLink}
    </section>
  )
}
