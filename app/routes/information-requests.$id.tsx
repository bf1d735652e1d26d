import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { can } from '../modules/accounts/policy'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { classifyRequest, draftFollowUp, redact, requestPage, sendFollowUp, suggestClassification, takeDown, type RequestAttachment } from '../modules/foi/foi.server'
import { CLASSIFICATIONS, classifySchema, letterSchema, redactSchema, takedownSchema } from '../modules/foi/schema'
import { StatusBadge } from '../modules/foi/components/status-badge'
import { PdfRedactionForm, redactionValues, type PdfRedactionValues } from '../modules/foi/components/pdf-redaction-form'
import { parseAreas, parsePages } from '../modules/foi/pdf-redact.server'
import { redactDocument } from '../modules/foi/redaction.server'
import { FoiFollow } from '../modules/foi/components/follow-form'
import { RedactTextForm } from '../modules/foi/components/redact-text-form'
import { isFollowing, setFollowing } from '../modules/foi/public.server'

/**
 * /information-requests/:id — a request in public: the letters, the body's answers with their
 * documents and the documents' text, the status against the statutory deadline. The requester
 * classifies answers and sends reminders or asks for an internal review; anyone logged in may
 * suggest a classification; the requester and administrators redact; administrators take down.
 */

const idOf = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!Number.isInteger(id) || id <= 0) throw new Response('Not found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = idOf(params)
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const viewer = user ? { id: user.id, isAdmin: can(user, 'admin:settings') } : null
  const page = await requestPage(id, viewer, locale)
  if (!page) throw new Response('Not found', { status: 404 })
  const url = new URL(request.url)
  const letterKind = url.searchParams.get('letter')
  const draft =
    user && page.isRequester && (letterKind === 'reminder' || letterKind === 'internal_review')
      ? { kind: letterKind, text: (await draftFollowUp(id, letterKind, { id: user.id, displayName: user.displayName })) ?? '' }
      : null
  const following = user ? await isFollowing(user.id, 'request', id) : false
  return {
    following,
    title: page.title,
    heading: t('foi:request.title'),
    page,
    locale,
    loggedIn: Boolean(user),
    isAdmin: viewer?.isAdmin ?? false,
    draft,
    sent: url.searchParams.has('sent'),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Result = { done?: string; errors?: FieldErrors; letter?: { kind: string; text: string }; pdf?: PdfRedactionValues }

/** Pages withheld, words and areas blacked out in an answer's PDF: the public gets the redacted copy. */
async function redactPdfAction(fields: Record<string, string | undefined>, requestId: number, actor: { id: number; isAdmin: boolean }, t: (key: string, values?: Record<string, unknown>) => string) {
  const values: PdfRedactionValues = { id: fields.id ?? '', pages: fields.pages ?? '', words: fields.words ?? '', areas: fields.areas ?? '' }
  const fail = (status: number, errors: FieldErrors) => data<Result>({ errors, pdf: values }, { status })
  const attachmentId = Number(values.id)
  if (!Number.isInteger(attachmentId) || attachmentId <= 0) return fail(404, { form: [t('foi:errors.notFound')] })
  const errors: FieldErrors = {}
  const pages = parsePages(values.pages)
  if (!pages) errors.pages = [t('foi:errors.pagesInvalid')]
  const words = values.words
    .split(/\r?\n/)
    .map((w) => w.trim())
    .filter(Boolean)
  if (words.length > 100 || words.some((w) => w.length > 200)) errors.words = [t('foi:errors.wordsInvalid')]
  const areas = parseAreas(values.areas)
  if (!areas) errors.areas = [t('foi:errors.areasInvalid')]
  if (!pages || !areas || errors.words) return fail(400, errors)
  const result = await redactDocument(actor, requestId, attachmentId, { pages, words, areas }, t('foi:redaction.withheldPage'))
  switch (result.kind) {
    case 'ok':
      return data<Result>({ done: 'pdfRedacted' })
    case 'notFound':
      return fail(404, { form: [t('foi:errors.notFound')] })
    case 'forbidden':
      return fail(403, { form: [t('foi:errors.forbidden')] })
    case 'notPdf':
      return fail(400, { form: [t('foi:errors.notPdf')] })
    case 'unreadable':
      return fail(422, { form: [t('foi:errors.pdfUnreadable')] })
    case 'noSuchPage':
      return fail(400, { pages: [t('foi:errors.noSuchPage', { count: result.pages })] })
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const id = idOf(params)
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const isAdmin = can(user, 'admin:settings')
  const fields = formFields(await readForm(request))
  const fail = (status: number, errors: FieldErrors, extra: Partial<Result> = {}) => data<Result>({ errors, ...extra }, { status })
  const notFound = () => fail(404, { form: [t('foi:errors.notFound')] })
  switch (fields.intent) {
    case 'classify':
    case 'suggest': {
      const parsed = classifySchema.safeParse(fields)
      if (!parsed.success) return fail(400, translatedErrors(parsed.error, t))
      if (fields.intent === 'suggest') {
        return (await suggestClassification(user.id, id, parsed.data.status)) === 'ok' ? data<Result>({ done: 'suggested' }) : notFound()
      }
      const result = await classifyRequest(user.id, id, parsed.data.status)
      if (result.kind === 'notFound') return notFound()
      if (result.kind === 'notRequester') return fail(403, { form: [t('foi:errors.notRequester')] })
      return redirect(`/information-requests/${id}`)
    }
    case 'letter': {
      const parsed = letterSchema.safeParse(fields)
      if (!parsed.success) return fail(400, translatedErrors(parsed.error, t), { letter: { kind: fields.kind ?? 'reminder', text: fields.text ?? '' } })
      const result = await sendFollowUp({ id: user.id, displayName: user.displayName }, id, parsed.data.kind, parsed.data.text)
      if (result.kind === 'notFound') return notFound()
      if (result.kind === 'notRequester') return fail(403, { form: [t('foi:errors.notRequester')] })
      if (result.kind !== 'ok') return fail(409, { form: [t('foi:errors.closed')] }, { letter: parsed.data })
      return redirect(`/information-requests/${id}?letterSent=1`)
    }
    case 'redact': {
      const parsed = redactSchema.safeParse({ ...fields, hideFile: fields.hideFile === 'on' })
      if (!parsed.success) return fail(400, { form: [t('foi:errors.redactInvalid')] })
      const result = await redact({ id: user.id, isAdmin }, id, parsed.data.target, parsed.data.id, parsed.data.text, parsed.data.hideFile)
      if (result.kind === 'notFound') return notFound()
      if (result.kind === 'forbidden') return fail(403, { form: [t('foi:errors.forbidden')] })
      return data<Result>({ done: 'redacted' })
    }
    case 'redactPdf':
      return redactPdfAction(fields, id, { id: user.id, isAdmin }, t)
    case 'follow':
    case 'unfollow':
      if (!(await setFollowing(user.id, 'request', id, fields.intent === 'follow'))) return notFound()
      return data<Result>({ done: fields.intent === 'follow' ? 'followed' : 'unfollowed' })
    case 'takedown':
    case 'restore': {
      if (!isAdmin) return fail(403, { form: [t('foi:errors.forbidden')] })
      let note: string | null = null
      if (fields.intent === 'takedown') {
        const parsed = takedownSchema.safeParse(fields)
        if (!parsed.success) return fail(400, translatedErrors(parsed.error, t))
        note = parsed.data.note
      }
      const result = await takeDown(user.id, id, note)
      if (result.kind === 'notFound') return notFound()
      return data<Result>({ done: note === null ? 'restored' : 'takenDown' })
    }
    default:
      return fail(400, { form: [t('foi:errors.unknownAction')] })
  }
}

export default function InformationRequest() {
  const { page, locale, loggedIn, isAdmin, draft, sent, following } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as Result | undefined
  const { t } = useTranslation('foi')
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' })
  const letter = result?.letter ?? draft
  const mayRedact = page.isRequester || isAdmin
  return (
    <article className="page">
      <p>
        <Link to="/information-requests">{t('request.back')}</Link>
      </p>
      <h1>{page.title}</h1>
      {sent ? <FormMessage tone="success">{t('request.sent')}</FormMessage> : null}
      {result?.done ? <FormMessage tone="success">{t(`request.done.${result.done}`)}</FormMessage> : null}
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form[0]}</FormMessage> : null}
      {page.hidden ? (
        <div className="notice notice--info" data-testid="foi-takedown">
          <p>
            <strong>{t('request.takenDown')}</strong> {page.takedownNote}
          </p>
        </div>
      ) : null}
      <dl className="facts">
        <dt>{t('request.body')}</dt>
        <dd>
          <Link to={`/bodies/${page.body.id}`}>{page.body.name}</Link>
        </dd>
        <dt>{t('request.by')}</dt>
        <dd>{page.requester.name}</dd>
        <dt>{t('request.law')}</dt>
        <dd>{t(`laws.${page.law}.name`)}</dd>
        <dt>{t('request.status')}</dt>
        <dd>
          <StatusBadge status={page.displayStatus} />
          {page.awaitingClassification ? ` ${t('request.awaitingClassification')}` : null}
        </dd>
        <dt>{t('request.dueOn')}</dt>
        <dd>{day.format(new Date(`${page.dueOn}T00:00:00Z`))}</dd>
      </dl>
      {page.displayStatus === 'overdue' || page.displayStatus === 'long_overdue' ? <p>{t(`laws.${page.law}.whenOverdue`)}</p> : null}
      {page.hidden ? null : <FoiFollow kind="request" following={following} loggedIn={loggedIn} here={`/information-requests/${page.id}`} />}

      <h2>{t('request.correspondence')}</h2>
      <ol className="foi-messages">
        {page.messages.map((m) => (
          <li key={m.id} className={`card foi-message foi-message--${m.direction}`} data-testid={`foi-message-${m.direction}`}>
            <h3>
              {t(`request.kind.${m.kind}`, { defaultValue: m.kind })} · <time dateTime={m.createdAt}>{when.format(new Date(m.createdAt))}</time>
            </h3>
            <p className="foi-subject">{m.subject}</p>
            <pre className="foi-letter">{m.text}</pre>
            {m.redacted ? <p className="field__hint">{t('request.redactedNote')}</p> : null}
            {m.originalText !== null ? (
              <details>
                <summary>{t('request.original')}</summary>
                <pre className="foi-letter" data-testid="foi-original">
                  {m.originalText}
                </pre>
              </details>
            ) : null}
            {m.attachments.map((a) => (
              <AttachmentView key={a.id} a={a} requestId={page.id} isAdmin={isAdmin} mayRedact={mayRedact} result={result} />
            ))}
            {mayRedact && m.direction === 'in' ? <RedactTextForm target="message" id={m.id} original={m.originalText ?? m.text} /> : null}
          </li>
        ))}
      </ol>

      {page.isRequester ? (
        <section aria-labelledby="foi-classify" className="card">
          <h2 id="foi-classify">{t('request.classifyHeading')}</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="classify" />
            <fieldset>
              <legend>{t('request.classifyLegend')}</legend>
              {CLASSIFICATIONS.map((s) => (
                <label key={s} className="choice">
                  <input type="radio" name="status" value={s} defaultChecked={page.status === s} /> {t(`status.${s}`)}
                </label>
              ))}
            </fieldset>
            {result?.errors?.status ? <p className="field-error">{result.errors.status[0]}</p> : null}
            <div>
              <button type="submit">{t('request.classify')}</button>
            </div>
          </Form>
          <p>
            <Link to="?letter=reminder">{t('request.writeReminder')}</Link> · <Link to="?letter=internal_review">{t('request.writeReview')}</Link>
          </p>
          {letter ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="letter" />
              <input type="hidden" name="kind" value={letter.kind} />
              <label htmlFor="foi-letter-text">{t(`request.kind.${letter.kind}`)}</label>
              {result?.errors?.text ? (
                <p className="field-error" id="foi-letter-error">
                  {result.errors.text[0]}
                </p>
              ) : null}
              <textarea id="foi-letter-text" name="text" rows={12} defaultValue={letter.text} aria-describedby={result?.errors?.text ? 'foi-letter-error' : undefined} />
              <div>
                <button type="submit">{t('request.sendLetter')}</button>
              </div>
            </Form>
          ) : null}
        </section>
      ) : loggedIn && !page.hidden ? (
        <section aria-labelledby="foi-suggest" className="card">
          <h2 id="foi-suggest">{t('request.suggestHeading')}</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="suggest" />
            <label htmlFor="foi-suggest-status">{t('request.suggestLabel')}</label>
            <select id="foi-suggest-status" name="status">
              {CLASSIFICATIONS.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
            <div>
              <button type="submit">{t('request.suggest')}</button>
            </div>
          </Form>
        </section>
      ) : null}
      {page.suggestions.length && (page.isRequester || isAdmin) ? (
        <p>
          {t('request.suggestions')} {page.suggestions.map((s) => `${t(`status.${s.status}`)} (${s.count})`).join(', ')}
        </p>
      ) : null}

      {isAdmin ? (
        <section aria-labelledby="foi-admin" className="card">
          <h2 id="foi-admin">{t('request.adminHeading')}</h2>
          {page.hidden ? (
            <Form method="post">
              <input type="hidden" name="intent" value="restore" />
              <button type="submit">{t('request.restore')}</button>
            </Form>
          ) : (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="takedown" />
              <label htmlFor="foi-takedown-note">{t('request.takedownNote')}</label>
              {result?.errors?.note ? (
                <p className="field-error" id="foi-takedown-error">
                  {result.errors.note[0]}
                </p>
              ) : null}
              <textarea id="foi-takedown-note" name="note" rows={3} aria-describedby={result?.errors?.note ? 'foi-takedown-error' : undefined} />
              <div>
                <button type="submit">{t('request.takedown')}</button>
              </div>
            </Form>
          )}
        </section>
      ) : null}
    </article>
  )
}

/** One document of an answer: its link, its text, and the redaction forms for those who may redact. */
function AttachmentView({ a, requestId, isAdmin, mayRedact, result }: { a: RequestAttachment; requestId: number; isAdmin: boolean; mayRedact: boolean; result?: Result }) {
  const { t } = useTranslation('foi')
  const page = { id: requestId }
  return (
    <section className="foi-attachment" aria-label={a.filename}>
      <p>
        {a.hidden && !isAdmin ? (
          <span>
            {a.filename} ({t('request.withheld')})
          </span>
        ) : (
          <a href={`/information-requests/${page.id}/files/${a.id}`}>{a.filename}</a>
        )}{' '}
        · {t('request.size', { kb: Math.max(1, Math.round(a.size / 1024)) })}
        {a.pdfRedacted ? <> · {t('redaction.redactedCopy')}</> : null}
        {a.pdfRedacted && isAdmin ? (
          <>
            {' '}
            · <a href={`/information-requests/${page.id}/files/${a.id}?original=1`}>{t('redaction.original')}</a>
          </>
        ) : null}
      </p>
      {a.text ? (
        <details open>
          <summary>{t('request.documentText')}</summary>
          <pre className="foi-letter" data-testid="foi-document-text">
            {a.text}
          </pre>
        </details>
      ) : null}
      {a.originalText !== null ? (
        <details>
          <summary>{t('request.original')}</summary>
          <pre className="foi-letter">{a.originalText}</pre>
        </details>
      ) : null}
      {mayRedact && a.pdf ? (
        <PdfRedactionForm values={result?.pdf?.id === String(a.id) ? result.pdf : redactionValues(a.id, a.pdfRedaction)} errors={result?.pdf?.id === String(a.id) ? result.errors : undefined} />
      ) : null}
      {mayRedact && !a.pdf ? <RedactTextForm target="attachment" id={a.id} original={a.originalText ?? a.text ?? ''} hideFile={a.hidden} /> : null}
    </section>
  )
}
