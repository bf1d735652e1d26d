import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { frozenLetters } from '../modules/letters/letters.server'

/** /admin/letters — letters held by the abuse checks, oldest first, for an administrator to review. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:access')
  const { t } = await translatorFor(request)
  return { title: t('letters:admin.title'), letters: await frozenLetters() }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function FrozenLetters() {
  const { letters } = useLoaderData<typeof loader>()
  const { t, i18n } = useTranslation('letters')
  const date = (iso: string) => new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))
  return (
    <section className="page">
      <h1>{t('admin.title')}</h1>
      <p>{t('admin.intro')}</p>
      {letters.length === 0 ? (
        <p>{t('admin.none')}</p>
      ) : (
        <table className="table cards" data-testid="frozen-letters">
          <thead>
            <tr>
              <th scope="col">{t('admin.subject')}</th>
              <th scope="col">{t('admin.sender')}</th>
              <th scope="col">{t('admin.written')}</th>
              <th scope="col">{t('admin.similar')}</th>
              <th scope="col">{t('admin.recipients')}</th>
            </tr>
          </thead>
          <tbody>
            {letters.map((l) => (
              <tr key={l.id}>
                <td>
                  <Link to={`/admin/letters/${l.id}`}>{l.subject}</Link>
                </td>
                <td data-label={t('admin.sender')}>{l.senderName}</td>
                <td data-label={t('admin.written')}>{date(l.createdAt)}</td>
                <td data-label={t('admin.similar')}>{t('admin.senders', { count: l.similarSenders })}</td>
                <td data-label={t('admin.recipients')}>{l.recipients}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
