import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import proposalStyles from '../modules/proposals/components/proposals.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { renderMarkdown } from '../lib/markdown.server'
import { FormMessage } from '../components/forms'
import { answerProposal, proposalForCouncil } from '../modules/proposals/proposals.server'
import { ANSWER_MAX } from '../modules/proposals/schema'
import { StateBadge } from '../modules/proposals/components/ProposalParts'

/**
 * /council/proposals/:id — the council's answer to one proposal (Markdown, previewed on the
 * server): publishing it moves the proposal to answered and shows it on the proposal's page; the
 * audit log keeps who answered what and when. Allowed once the threshold is reached and no vote
 * is running.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: proposalStyles }]

const proposalId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

async function pageData(request: Request, id: number, form: { answer: string; error: string | null; previewHtml: string | null }) {
  const { t } = await translatorFor(request)
  const proposal = await proposalForCouncil(id)
  if (!proposal) throw new Response('Not Found', { status: 404 })
  return { title: t('proposals:council.answerTitle', { title: proposal.title }), proposal, ...form, answer: form.answer || proposal.answerMd || '' }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = proposalId(params)
  await requirePermission(request, 'proposal:respond')
  return pageData(request, id, { answer: '', error: null, previewHtml: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const id = proposalId(params)
  const user = await requirePermission(request, 'proposal:respond')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const answer = (fields.answer ?? '').slice(0, ANSWER_MAX + 1000)
  if (fields.intent === 'preview') {
    return data(await pageData(request, id, { answer, error: null, previewHtml: answer.trim() ? renderMarkdown(answer) : null }))
  }
  const result = await answerProposal(user, id, answer)
  const fail = async (status: number, error: string) => data(await pageData(request, id, { answer, error, previewHtml: null }), { status })
  switch (result.kind) {
    case 'ok':
      return redirect(`/proposals/${id}?done=answered`)
    case 'forbidden':
      throw new Response('Forbidden', { status: 403 })
    case 'notFound':
      throw new Response('Not Found', { status: 404 })
    case 'empty':
      return fail(400, t('proposals:errors.answerRequired'))
    case 'tooLong':
      return fail(400, t('proposals:errors.answerTooLong'))
    case 'notAnswerable':
      return fail(409, result.voteOpen ? t('proposals:errors.voteOpen') : t('proposals:errors.notAnswerable'))
  }
}

export default function AnswerProposal() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const page = acted ?? loaded
  const { proposal: p } = page
  const { t } = useTranslation('proposals')
  return (
    <section className="page narrow">
      <p>
        <Link to="/council/proposals">{t('council.backToList')}</Link>
      </p>
      <h1>{t('council.answerHeading')}</h1>
      <h2>
        <Link to={`/proposals/${p.id}`}>{p.title}</Link>
      </h2>
      <p>
        <StateBadge state={p.state} /> · {t('council.supportsCount', { count: p.supports })}
        {p.categoryName ? ` · ${p.categoryName}` : ''}
      </p>
      <p>{p.summary}</p>
      <details>
        <summary>{t('council.readText')}</summary>
        <div className="markdown" dangerouslySetInnerHTML={{ __html: p.bodyHtml }} />
      </details>
      {p.vote ? (
        <p>
          {t('council.voteIs')} <Link to={`/votes/${p.vote.id}`}>{t(`page.voteStates.${p.vote.state}`)}</Link>
        </p>
      ) : null}
      {page.error ? <FormMessage tone="error">{page.error}</FormMessage> : null}
      {p.answerable ? (
        <Form method="post" className="stack" noValidate>
          <div className={`field${page.error ? ' field--error' : ''}`}>
            <label htmlFor="field-answer">{t('council.answerLabel')}</label>
            <p className="field__hint" id="field-answer-hint">
              {p.answeredAt ? t('council.answerHintCorrect') : t('council.answerHint')}
            </p>
            <textarea id="field-answer" name="answer" rows={12} defaultValue={page.answer} required aria-describedby="field-answer-hint" aria-invalid={page.error ? true : undefined} />
          </div>
          {page.previewHtml ? (
            <section className="proposal-preview" aria-labelledby="preview-heading">
              <h3 id="preview-heading">{t('form.previewHeading')}</h3>
              <div className="markdown" dangerouslySetInnerHTML={{ __html: page.previewHtml }} />
            </section>
          ) : null}
          <div className="proposal-form__buttons">
            <button type="submit" name="intent" value="preview" className="secondary">
              {t('form.preview')}
            </button>
            <button type="submit" name="intent" value="answer">
              {t('council.publishAnswer')}
            </button>
          </div>
        </Form>
      ) : (
        <FormMessage tone="info">{p.state === 'voting' ? t('errors.voteOpen') : t('errors.notAnswerable')}</FormMessage>
      )}
    </section>
  )
}
