import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import petitionStyles from '../components/petitions/petitions.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { renderMarkdown } from '../lib/markdown.server'
import { Field, FormMessage } from '../components/forms'
import { PetitionStateBadge } from '../components/petitions/PetitionParts'
import { getPetition, publishDebateOutcome, respondToPetition, scheduleDebate, type CouncilResult } from '../modules/petitions/petitions.server'
import { isPublicState, RESPONSE_MAX } from '../modules/petitions/states'

/**
 * /council/petitions/:id — staff with 'petition:respond': the council's response (Markdown,
 * previewed on the server) once the response threshold is reached; the debate's date once the
 * debate threshold is reached, then its outcome. Each is published on the petition's page, its
 * first publication e-mailed to the signers who asked for updates, and every change audited.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: petitionStyles }]

const petitionId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

type Values = { response: string; date: string; outcome: string }

async function pageData(request: Request, id: number, form: { values: Partial<Values>; errors: Record<string, string>; preview: { field: string; html: string } | null }) {
  const [{ t, locale }, p] = await Promise.all([translatorFor(request), getPetition(id)])
  if (!p || !isPublicState(p.state)) throw new Response('Not Found', { status: 404 })
  return {
    title: t('petitions:council.petitionTitle', { title: p.title }),
    locale,
    petition: {
      id: p.id,
      title: p.title,
      action: p.action,
      state: p.state,
      signatures: p.signature_count,
      responseThreshold: p.response_threshold,
      debateThreshold: p.debate_threshold,
      responseReachedAt: p.response_threshold_reached_at,
      debateReachedAt: p.debate_threshold_reached_at,
      respondedAt: p.responded_at,
      debatedAt: p.debated_at,
      awaiting: p.response_threshold_reached_at !== null && p.responded_at === null,
    },
    values: { response: form.values.response ?? p.response_md ?? '', date: form.values.date ?? p.debate_scheduled_for ?? '', outcome: form.values.outcome ?? p.debate_outcome_md ?? '' },
    errors: form.errors,
    preview: form.preview,
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = petitionId(params)
  await requirePermission(request, 'petition:respond')
  return pageData(request, id, { values: {}, errors: {}, preview: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

function refusal(result: Exclude<CouncilResult, { kind: 'ok' }>, field: string, t: (key: string, options?: Record<string, unknown>) => string): { status: number; field: string; message: string } {
  switch (result.kind) {
    case 'forbidden':
      return { status: 403, field: 'form', message: t('petitions:errors.mayNotRespond') }
    case 'notFound':
      return { status: 404, field: 'form', message: t('petitions:errors.notFound') }
    case 'empty':
      return { status: 400, field, message: t('petitions:errors.textRequired') }
    case 'tooLong':
      return { status: 400, field, message: t('petitions:errors.textTooLong', { max: RESPONSE_MAX }) }
    case 'badDate':
      return { status: 400, field: 'date', message: t('petitions:errors.badDate') }
    case 'notReached':
      return { status: 409, field: 'form', message: t(result.threshold === 'response' ? 'petitions:errors.responseNotReached' : 'petitions:errors.debateNotReached') }
    case 'notScheduled':
      return { status: 409, field: 'outcome', message: t('petitions:errors.debateNotScheduled') }
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const id = petitionId(params)
  const user = await requirePermission(request, 'petition:respond')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const values: Partial<Values> = {}
  if (fields.response !== undefined) values.response = fields.response.slice(0, RESPONSE_MAX + 1000)
  if (fields.date !== undefined) values.date = fields.date.slice(0, 40)
  if (fields.outcome !== undefined) values.outcome = fields.outcome.slice(0, RESPONSE_MAX + 1000)
  const intent = fields.intent ?? ''
  if (intent === 'preview-response' || intent === 'preview-outcome') {
    const field = intent === 'preview-response' ? 'response' : 'outcome'
    const text = (values[field] ?? '').trim()
    return data(await pageData(request, id, { values, errors: {}, preview: text ? { field, html: renderMarkdown(text) } : null }))
  }
  let result: CouncilResult
  let field: string
  if (intent === 'respond') [result, field] = [await respondToPetition(user, id, values.response ?? ''), 'response']
  else if (intent === 'schedule') [result, field] = [await scheduleDebate(user, id, (values.date ?? '').trim()), 'date']
  else if (intent === 'outcome') [result, field] = [await publishDebateOutcome(user, id, values.outcome ?? ''), 'outcome']
  else return data(await pageData(request, id, { values, errors: { form: t('petitions:errors.badRequest') }, preview: null }), { status: 400 })
  if (result.kind === 'ok') return redirect(`/council/petitions/${id}?done=${intent}`)
  const r = refusal(result, field, t)
  if (r.status === 404) throw new Response('Not Found', { status: 404 })
  return data(await pageData(request, id, { values, errors: { [r.field]: r.message }, preview: null }), { status: r.status })
}

export default function CouncilPetition() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const { petition: p, values, errors, preview, locale } = acted ?? loaded
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  const [search] = useSearchParams()
  const done = acted ? null : search.get('done')
  const described = (name: string) => (errors[name] ? `field-${name}-error` : undefined)
  return (
    <div className="page">
      <p>
        <Link to="/council/petitions">{t('council.backToList')}</Link>
      </p>
      <h1>{p.title}</h1>
      <p>
        <PetitionStateBadge state={p.state} awaiting={p.awaiting} /> · {t('signaturesCount', { count: p.signatures, n: f.integer.format(p.signatures) })} ·{' '}
        <Link to={`/petitions/${p.id}`}>{t('council.publicPage')}</Link>
      </p>
      <p>{p.action}</p>
      {done === 'respond' || done === 'schedule' || done === 'outcome' ? <FormMessage tone="success">{t(`council.doneMessages.${done}`)}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}

      <section aria-labelledby="response-heading">
        <h2 id="response-heading">{t('page.response')}</h2>
        {p.responseReachedAt ? (
          <Form method="post" className="stack">
            <Field name="response" label={t('council.responseLabel')} hint={t('council.markdownHint')} error={errors.response}>
              <textarea
                id="field-response"
                name="response"
                rows={10}
                defaultValue={values.response}
                aria-invalid={errors.response ? true : undefined}
                aria-describedby={['field-response-hint', described('response')].filter(Boolean).join(' ')}
              />
            </Field>
            {preview?.field === 'response' ? <div className="markdown" data-testid="response-preview" dangerouslySetInnerHTML={{ __html: preview.html }} /> : null}
            <div className="button-row">
              <button type="submit" name="intent" value="preview-response" className="secondary">
                {t('form.preview')}
              </button>
              <button type="submit" name="intent" value="respond">
                {p.respondedAt ? t('council.correctResponse') : t('council.publishResponse')}
              </button>
            </div>
          </Form>
        ) : (
          <p>{t('council.responseNotYet', { n: f.integer.format(p.responseThreshold) })}</p>
        )}
      </section>

      <section aria-labelledby="debate-heading">
        <h2 id="debate-heading">{t('page.debate')}</h2>
        {p.debateReachedAt ? (
          <>
            <Form method="post" className="stack">
              <Field name="date" label={t('council.dateLabel')} error={errors.date}>
                <input id="field-date" name="date" type="date" defaultValue={values.date} aria-invalid={errors.date ? true : undefined} aria-describedby={described('date')} />
              </Field>
              <button type="submit" name="intent" value="schedule">
                {t('council.schedule')}
              </button>
            </Form>
            <Form method="post" className="stack">
              <Field name="outcome" label={t('council.outcomeLabel')} hint={t('council.markdownHint')} error={errors.outcome}>
                <textarea
                  id="field-outcome"
                  name="outcome"
                  rows={8}
                  defaultValue={values.outcome}
                  aria-invalid={errors.outcome ? true : undefined}
                  aria-describedby={['field-outcome-hint', described('outcome')].filter(Boolean).join(' ')}
                />
              </Field>
              {preview?.field === 'outcome' ? <div className="markdown" dangerouslySetInnerHTML={{ __html: preview.html }} /> : null}
              <div className="button-row">
                <button type="submit" name="intent" value="preview-outcome" className="secondary">
                  {t('form.preview')}
                </button>
                <button type="submit" name="intent" value="outcome">
                  {t('council.publishOutcome')}
                </button>
              </div>
            </Form>
          </>
        ) : (
          <p>{t('council.debateNotYet', { n: f.integer.format(p.debateThreshold) })}</p>
        )}
      </section>
    </div>
  )
}
