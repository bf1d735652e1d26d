import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage, fieldIds } from '../components/forms'
import { letterForReview, rejectLetter, releaseLetter } from '../modules/letters/letters.server'

/**
 * /admin/letters/:id — one held letter: its text, why it was held, the similar letters (how many,
 * from how many senders, and a sample), and the decision: release (sent to every representative) or
 * reject (the sender is told, with the note). Both write an audit row.
 */
const NOTE_MAX = 1000

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:access')
  const { t } = await translatorFor(request)
  const letter = /^\d{1,12}$/.test(params.id ?? '') ? await letterForReview(Number(params.id)) : null
  if (!letter) throw new Response(t('common:errors.notFoundTitle'), { status: 404 })
  return { title: letter.subject, letter }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'admin:access')
  const { t } = await translatorFor(request)
  const id = Number(params.id)
  if (!Number.isSafeInteger(id)) throw new Response(t('common:errors.notFoundTitle'), { status: 404 })
  const form = await readForm(request)
  const intent = form.get('intent')
  const rawNote = form.get('note')
  const note = typeof rawNote === 'string' ? rawNote.replace(/\r\n?/g, '\n').trim() : ''
  if (note.length > NOTE_MAX) return data({ kind: 'error' as const, error: t('letters:admin.noteLong'), note }, { status: 400 })
  if (intent !== 'release' && intent !== 'reject') return data({ kind: 'error' as const, error: t('common:errors.malformedForm'), note }, { status: 400 })
  const result = intent === 'release' ? await releaseLetter(user.id, id, note || null) : await rejectLetter(user.id, id, note || null)
  if (result.kind === 'notFrozen') return data({ kind: 'error' as const, error: t('letters:admin.notFrozen'), note }, { status: 409 })
  return data({ kind: 'done' as const, intent, note: '' })
}

export default function ReviewLetter() {
  const { letter } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t, i18n } = useTranslation('letters')
  const date = (iso: string) => new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))
  const error = result?.kind === 'error' ? result.error : undefined
  const { id, described } = fieldIds('note', { hint: t('admin.noteHint'), error })
  return (
    <article className="page narrow">
      <p>
        <Link to="/admin/letters">{t('admin.back')}</Link>
      </p>
      <h1>{letter.subject}</h1>
      {result?.kind === 'done' ? <FormMessage tone="success">{result.intent === 'release' ? t('admin.released') : t('admin.rejected')}</FormMessage> : null}
      <dl>
        <dt>{t('admin.sender')}</dt>
        <dd>{`${letter.senderName} <${letter.senderEmail}>`}</dd>
        <dt>{t('admin.written')}</dt>
        <dd>{date(letter.createdAt)}</dd>
        <dt>{t('status.letterStatus')}</dt>
        <dd data-testid="letter-state">{letter.status}</dd>
        <dt>{t('admin.reason')}</dt>
        <dd>{letter.frozenReason === 'similar' ? t('admin.reasons.similar', { count: letter.similar.senders }) : (letter.frozenReason ?? '—')}</dd>
        <dt>{t('admin.recipients')}</dt>
        <dd>{letter.deliveries.map((d) => `${d.representative.name} (${t(`status.${d.status}`, { date: d.sentAt ? date(d.sentAt) : '' })})`).join(', ')}</dd>
      </dl>
      <h2>{t('admin.text')}</h2>
      {letter.body !== null ? <pre className="letter-text">{letter.body}</pre> : <p>{t('admin.noText')}</p>}
      <h2>{t('admin.similarHeading')}</h2>
      <p>{t('admin.similarCount', { letters: letter.similar.letters, senders: letter.similar.senders })}</p>
      <ul className="similar-letters">
        {letter.similar.sample.map((s) => (
          <li key={s.id}>
            <details>
              <summary>
                {s.subject} — {s.senderName}, {date(s.createdAt)} · {t('admin.similarity', { percent: Math.round(s.similarity * 100) })}
              </summary>
              {s.body !== null ? <pre className="letter-text">{s.body}</pre> : <p>{t('admin.noText')}</p>}
            </details>
          </li>
        ))}
      </ul>
      {letter.status === 'frozen' ? (
        <Form method="post" className="stack">
          <div className={`field${error ? ' field--error' : ''}`}>
            <label htmlFor={id}>{t('admin.note')}</label>
            <p className="field__hint" id={`${id}-hint`}>
              {t('admin.noteHint')}
            </p>
            {error ? (
              <p className="field-error" id={`${id}-error`}>
                {error}
              </p>
            ) : null}
            <textarea id={id} name="note" rows={3} maxLength={NOTE_MAX} defaultValue={result?.note ?? ''} aria-invalid={error ? true : undefined} aria-describedby={described} />
          </div>
          <div className="actions">
            <button type="submit" name="intent" value="release">
              {t('admin.release')}
            </button>{' '}
            <button type="submit" name="intent" value="reject" className="secondary">
              {t('admin.reject')}
            </button>
          </div>
        </Form>
      ) : null}
    </article>
  )
}
