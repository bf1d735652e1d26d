import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { config } from '../lib/config.server'
import { requireDevMail } from '../lib/mail/dev-mail.server'
import { translatorFor } from '../lib/i18n.server'
import { outboxMail } from '../lib/mail/outbox.server'
import { linkify } from '../lib/mail/linkify'
import devMailStyles from '../lib/mail/dev-mail.css'

/**
 * GET /dev/mail/:id — one e-mail of the outbox: its headers and its text with every http(s) address
 * as a link (to follow a confirmation link without a mail server). The HTML version is shown as
 * escaped source, never rendered: it is content Plaza sends to others, not a page of this site.
 */

const idSchema = z
  .string()
  .regex(/^[1-9]\d{0,14}$/)
  .transform(Number)

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: devMailStyles }]
export const handle = { i18n: 'mail' }

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireDevMail()
  const id = idSchema.safeParse(params.id)
  const mail = id.success ? await outboxMail(id.data) : null
  if (!mail) throw new Response('Not Found', { status: 404 })
  const { t, locale } = await translatorFor(request)
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' })
  const when = (iso: string | null) => (iso ? { iso, text: time.format(new Date(iso)) } : null)
  return {
    title: t('mail:dev.messageTitle', { subject: mail.subject }),
    smtp: config().MAIL_URL !== undefined,
    mail: {
      from: config().MAIL_FROM,
      to: mail.to_address,
      replyTo: mail.reply_to,
      subject: mail.subject,
      kind: mail.kind,
      status: mail.status,
      attempts: mail.attempts,
      created: when(mail.created_at)!,
      sent: when(mail.sent_at),
      nextAttempt: mail.status === 'pending' && mail.attempts > 0 ? when(mail.next_attempt_at) : null,
      lastError: mail.last_error,
      messageId: mail.message_id,
      headers: Object.entries(mail.headers),
      text: mail.text_body,
      html: mail.html_body,
    },
  }
}

export const headers = () => ({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function DevMailMessage() {
  const { mail, smtp } = useLoaderData<typeof loader>()
  const { t } = useTranslation('mail')
  return (
    <article className="page dev-mail">
      <p>
        <Link to="/dev/mail">{t('dev.back')}</Link>
      </p>
      <h1>{mail.subject}</h1>
      <p className="dev-mail__note">{smtp ? t('dev.alsoSent') : t('dev.notSent')}</p>
      <h2>{t('dev.headers')}</h2>
      <dl className="dev-mail__headers">
        <dt>{t('dev.from')}</dt>
        <dd>{mail.from}</dd>
        <dt>{t('dev.to')}</dt>
        <dd>{mail.to}</dd>
        {mail.replyTo ? (
          <>
            <dt>{t('dev.replyTo')}</dt>
            <dd>{mail.replyTo}</dd>
          </>
        ) : null}
        <dt>{t('dev.subject')}</dt>
        <dd>{mail.subject}</dd>
        <dt>{t('dev.created')}</dt>
        <dd>
          <time dateTime={mail.created.iso}>{mail.created.text}</time>
        </dd>
        {mail.headers.map(([name, value]) => (
          <HeaderRow key={name} name={name} value={value} />
        ))}
        <dt>{t('dev.kind')}</dt>
        <dd>
          <code>{mail.kind}</code>
        </dd>
        <dt>{t('dev.status')}</dt>
        <dd>{t(`dev.statuses.${mail.status}`)}</dd>
        {mail.attempts > 0 ? (
          <>
            <dt>{t('dev.attempts')}</dt>
            <dd>{mail.attempts}</dd>
          </>
        ) : null}
        {mail.nextAttempt ? (
          <>
            <dt>{t('dev.nextAttempt')}</dt>
            <dd>
              <time dateTime={mail.nextAttempt.iso}>{mail.nextAttempt.text}</time>
            </dd>
          </>
        ) : null}
        {mail.lastError ? (
          <>
            <dt>{t('dev.lastError')}</dt>
            <dd>{mail.lastError}</dd>
          </>
        ) : null}
        {mail.sent ? (
          <>
            <dt>{t('dev.sentAt')}</dt>
            <dd>
              <time dateTime={mail.sent.iso}>{mail.sent.text}</time>
            </dd>
          </>
        ) : null}
        {mail.messageId ? (
          <>
            <dt>{t('dev.messageId')}</dt>
            <dd>
              <code>{mail.messageId}</code>
            </dd>
          </>
        ) : null}
      </dl>
      <h2>{t('dev.textBody')}</h2>
      <pre className="dev-mail__body" data-testid="mail-text">
        {linkify(mail.text).map((piece, i) =>
          'url' in piece ? (
            <a key={i} href={piece.url}>
              {piece.url}
            </a>
          ) : (
            piece.text
          ),
        )}
      </pre>
      {mail.html ? (
        <details>
          <summary>{t('dev.htmlSource')}</summary>
          <pre className="dev-mail__body" data-testid="mail-html">
            {mail.html}
          </pre>
        </details>
      ) : (
        <p>{t('dev.noHtml')}</p>
      )}
    </article>
  )
}

function HeaderRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  )
}
