import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { config } from '../lib/config.server'
import { requireDevMail } from '../lib/mail/dev-mail.server'
import { translatorFor } from '../lib/i18n.server'
import { listOutbox } from '../lib/mail/outbox.server'
import devMailStyles from '../lib/mail/dev-mail.css'

/**
 * GET /dev/mail — the outbox, newest first, so that people can open their e-mails without a mail
 * server: only in development, tests and on the demo site (app/lib/mail/dev-mail.server.ts); on a
 * real installation this page does not exist, whatever DEV_MAIL says.
 */

const PAGE_SIZE = 50
const pageSchema = z.coerce.number().int().min(1).max(100_000)

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: devMailStyles }]
export const handle = { i18n: 'mail' }

export async function loader({ request }: LoaderFunctionArgs) {
  await requireDevMail()
  const { t, locale } = await translatorFor(request)
  const page = pageSchema.safeParse(new URL(request.url).searchParams.get('page') ?? '1')
  if (!page.success) throw new Response(t('errors.badRequestTitle'), { status: 400 })
  const { mails, hasOlder } = await listOutbox(page.data, PAGE_SIZE)
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' })
  return {
    title: t('mail:dev.title'),
    smtp: config().MAIL_URL !== undefined,
    page: page.data,
    hasOlder,
    mails: mails.map((m) => ({
      id: m.id,
      to: m.to_address,
      subject: m.subject,
      kind: m.kind,
      status: m.status,
      createdAt: m.created_at,
      created: time.format(new Date(m.created_at)),
    })),
  }
}

export const headers = () => ({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function DevMailOutbox() {
  const { mails, smtp, page, hasOlder } = useLoaderData<typeof loader>()
  const { t } = useTranslation('mail')
  return (
    <section className="page dev-mail">
      <h1>{t('dev.title')}</h1>
      <p className="dev-mail__note">{smtp ? t('dev.alsoSent') : t('dev.notSent')}</p>
      <p>{t('dev.intro')}</p>
      {mails.length === 0 ? (
        <p>{t('dev.empty')}</p>
      ) : (
        <table className="dev-mail__table">
          <caption>{t('dev.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dev.created')}</th>
              <th scope="col">{t('dev.to')}</th>
              <th scope="col">{t('dev.subject')}</th>
              <th scope="col">{t('dev.kind')}</th>
              <th scope="col">{t('dev.status')}</th>
            </tr>
          </thead>
          <tbody>
            {mails.map((m) => (
              <tr key={m.id}>
                <td>
                  <time dateTime={m.createdAt}>{m.created}</time>
                </td>
                <td>{m.to}</td>
                <td>
                  <Link to={`/dev/mail/${m.id}`}>{m.subject}</Link>
                </td>
                <td>
                  <code>{m.kind}</code>
                </td>
                <td>{t(`dev.statuses.${m.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page > 1 || hasOlder ? (
        <nav aria-label={t('dev.pages')} className="dev-mail__pages">
          {page > 1 ? <Link to={page === 2 ? '/dev/mail' : `/dev/mail?page=${page - 1}`}>{t('dev.newer')}</Link> : null}
          {hasOlder ? <Link to={`/dev/mail?page=${page + 1}`}>{t('dev.older')}</Link> : null}
        </nav>
      ) : null}
    </section>
  )
}
