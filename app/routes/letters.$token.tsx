import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../components/useNames'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { letterByToken } from '../modules/letters/letters.server'
import { citySettings } from '../modules/city/settings.server'

/**
 * /letters/:token — the sender's private status page (its link is in every mail to them): the
 * letter until its text is deleted, each representative's delivery (waiting for confirmation, held
 * for review and why, being sent, delivered when, failed and the server's words), and the
 * questionnaire answer. Never cached, never indexed.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const letter = await letterByToken(params.token ?? '')
  const headers = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' }
  if (!letter) return data({ title: t('letters:status.invalidTitle'), letter: null, notice: null, retentionDays: 0 }, { status: 404, headers })
  const q = new URL(request.url).searchParams
  const notice = q.get('written') ? 'written' : q.get('confirmed') ? 'confirmed' : q.get('frozen') ? 'frozen' : null
  return data({ title: t('letters:status.title'), letter, notice, retentionDays: (await citySettings()).LETTER_RETENTION_DAYS }, { headers })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export default function LetterStatus() {
  const { letter, notice, retentionDays } = useLoaderData<typeof loader>()
  const { t, i18n } = useTranslation('letters')
  const n = useNames()
  const date = (iso: string | null) => (iso ? new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) : '')
  if (!letter) {
    return (
      <section className="page narrow">
        <h1>{t('status.invalidTitle')}</h1>
        <p>{t('status.invalidBody')}</p>
      </section>
    )
  }
  return (
    <article className="page narrow letter-status" data-testid="letter-status">
      <h1>{t('status.title')}</h1>
      {notice === 'written' ? <FormMessage tone="info">{t('status.written')}</FormMessage> : null}
      {notice === 'confirmed' ? <FormMessage tone="success">{t('status.confirmedNotice')}</FormMessage> : null}
      {notice === 'frozen' ? <FormMessage tone="info">{t('status.frozenNotice')}</FormMessage> : null}
      <p className="field__hint">{t('status.private')}</p>
      <h2>{letter.subject}</h2>
      <p>{t('status.sentOn', { date: date(letter.createdAt) })}</p>
      {letter.status === 'frozen' ? (
        <p data-testid="letter-frozen">
          {t('status.frozenWhy')} <Link to="/petitions/new">{t('status.startPetition')}</Link>
        </p>
      ) : null}
      {letter.status === 'rejected' ? (
        <>
          <p>{t('status.rejectedWhy')}</p>
          {letter.reviewNote ? <p>{t('status.reviewNote', { note: letter.reviewNote })}</p> : null}
        </>
      ) : null}
      {letter.status === 'expired' ? <p>{t('status.expired')}</p> : null}
      <h3>{t('status.deliveries')}</h3>
      <ul className="deliveries">
        {letter.deliveries.map((d) => (
          <li key={d.id} data-status={d.status}>
            <Link to={`/representatives/${d.representative.id}`}>{d.representative.name}</Link> · {n(d.representative.role)}:{' '}
            <strong>{d.status === 'sent' ? t('status.sent', { date: date(d.sentAt) }) : letter.status === 'expired' && d.status === 'waiting' ? t('status.expired') : t(`status.${d.status}`)}</strong>
            {d.status === 'failed' && d.failureReason ? <> — {t('status.failedReason', { reason: d.failureReason })}</> : null}
            {d.answer ? <> — {t('status.answer', { answer: t(`answers.${d.answer}`) })}</> : null}
          </li>
        ))}
      </ul>
      <h3>{t('status.textHeading')}</h3>
      {letter.body !== null ? (
        <>
          <pre className="letter-text">{letter.body}</pre>
          <p className="letter-signature">
            {letter.senderName}
            <br />
            {letter.senderAddress}
          </p>
        </>
      ) : (
        <p>{t('status.deleted', { date: date(letter.bodyDeletedAt), days: retentionDays })}</p>
      )}
      <p>
        <Link to="/letters/new">{t('status.writeAnother')}</Link>
      </p>
    </article>
  )
}
