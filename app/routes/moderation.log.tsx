import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { auditLog } from '../modules/moderation/moderation.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'moderation:access')
  const { t, locale } = await translatorFor(request)
  const page = Math.max(1, Math.min(10_000, Number(new URL(request.url).searchParams.get('page')) || 1))
  return { title: t('moderation:logTitle'), locale, page, entries: await auditLog({ limit: 100, offset: (page - 1) * 100 }) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export default function ModerationLog() {
  const { entries, locale, page } = useLoaderData<typeof loader>()
  const { t } = useTranslation('moderation')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
  // What the entry is about, by name ("Vote #3"), never the table's code (voting_process).
  const targetName = (kind: string, id: number) => `${t(`targetKinds.${kind}`, { defaultValue: kind.replace(/_/g, ' ') })} #${id}`
  return (
    <section className="page">
      <p>
        <Link to="/moderation">{t('queueTitle')}</Link>
      </p>
      <h1>{t('logTitle')}</h1>
      <p>{t('logIntro')}</p>
      <table className="data-table cards">
        <thead>
          <tr>
            <th scope="col">{t('when')}</th>
            <th scope="col">{t('who')}</th>
            <th scope="col">{t('what')}</th>
            <th scope="col">{t('target')}</th>
            <th scope="col">{t('reason')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.created_at}>{date.format(new Date(e.created_at))}</time>
              </td>
              <td data-label={t('who')}>{e.actor ?? t('system')}</td>
              <td data-label={t('what')}>{t(`actions.${e.action}`, { defaultValue: e.action.replace(/_/g, ' ') })}</td>
              <td data-label={t('target')}>
                {e.target_kind === 'comment' ? <Link to={`/comments/${e.target_id}`}>{targetName(e.target_kind, e.target_id)}</Link> : targetName(e.target_kind, e.target_id)}
              </td>
              <td data-label={t('reason')}>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 100 ? <Link to={`/moderation/log?page=${page + 1}`}>{t('deliberation:pagination.next')}</Link> : null}
    </section>
  )
}
