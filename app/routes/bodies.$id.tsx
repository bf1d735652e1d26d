import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { getUser, requireUser } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { FoiFollow } from '../modules/foi/components/follow-form'
import { isFollowing, setFollowing } from '../modules/foi/public.server'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { getBody } from '../modules/foi/bodies.server'
import { bodyStatistics, searchRequests } from '../modules/foi/foi.server'
import { StatsTable } from '../modules/foi/components/stats-table'
import { StatusBadge } from '../modules/foi/components/status-badge'

/** /bodies/:id — one public body: ask it, its requests and how it answers. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = Number(params.id)
  if (!Number.isInteger(id) || id <= 0) throw new Response('Not found', { status: 404 })
  const [{ locale }, user] = await Promise.all([translatorFor(request), getUser(request)])
  const body = await getBody(id, locale)
  if (!body || !body.active) throw new Response('Not found', { status: 404 })
  const following = user ? await isFollowing(user.id, 'body', id) : false
  const [stats, requests] = await Promise.all([bodyStatistics(locale, id), searchRequests({ q: '', status: '', bodyId: id, page: 1 }, locale)])
  return {
    title: body.name,
    body: { id: body.id, name: body.name, category: body.category, areaName: body.areaName, parentId: body.parentId, parentName: body.parentName, law: body.law, canAsk: Boolean(body.email) },
    stats,
    requests: requests.items,
    locale,
    loggedIn: Boolean(user),
    following,
  }
}

/** Follow or stop following the body (logged in). */
export async function action({ request, params }: ActionFunctionArgs) {
  const id = Number(params.id)
  if (!Number.isInteger(id) || id <= 0) throw new Response('Not found', { status: 404 })
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const { intent } = formFields(await readForm(request))
  if (intent !== 'follow' && intent !== 'unfollow') return data({ error: t('foi:errors.unknownAction') }, { status: 400 })
  if (!(await setFollowing(user.id, 'body', id, intent === 'follow'))) throw new Response('Not found', { status: 404 })
  return data({ error: null })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function BodyPage() {
  const { body, stats, requests, locale, loggedIn, following } = useLoaderData<typeof loader>()
  const { t } = useTranslation('foi')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
  return (
    <section className="page">
      <p>
        <Link to="/bodies">{t('bodies.back')}</Link>
      </p>
      <h1>{body.name}</h1>
      <dl className="facts">
        {body.category ? (
          <>
            <dt>{t('bodies.category')}</dt>
            <dd>{body.category}</dd>
          </>
        ) : null}
        {body.areaName ? (
          <>
            <dt>{t('bodies.area')}</dt>
            <dd>{body.areaName}</dd>
          </>
        ) : null}
        {body.parentId ? (
          <>
            <dt>{t('bodies.parent')}</dt>
            <dd>
              <Link to={`/bodies/${body.parentId}`}>{body.parentName}</Link>
            </dd>
          </>
        ) : null}
        <dt>{t('request.law')}</dt>
        <dd>
          {t(`laws.${body.law}.name`)} — {t(`laws.${body.law}.deadline`)}
        </dd>
      </dl>
      {body.canAsk ? (
        <p>
          <Link className="button" to={`/information-requests/new?body=${body.id}`}>
            {t('bodies.ask')}
          </Link>
        </p>
      ) : (
        <p>{t('bodies.noAddress')}</p>
      )}
      <FoiFollow kind="body" following={following} loggedIn={loggedIn} here={`/bodies/${body.id}`} feeds={`/feeds/information-requests/body/${body.id}`} />
      <StatsTable rows={stats} caption={t('stats.caption')} />
      <h2>{t('bodies.requestsHeading')}</h2>
      {requests.length === 0 ? (
        <p>{t('list.none')}</p>
      ) : (
        <ul className="card-list">
          {requests.map((r) => (
            <li key={r.id} className="card">
              <Link to={`/information-requests/${r.id}`}>{r.title}</Link> · {date.format(new Date(r.sentAt))} · <StatusBadge status={r.displayStatus} />
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={`/information-requests?body=${body.id}`}>{t('bodies.allRequests')}</Link>
      </p>
    </section>
  )
}
