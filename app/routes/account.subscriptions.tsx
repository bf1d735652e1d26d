import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requireUser } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { FormMessage } from '../components/forms'
import { isFollowMode } from '../modules/notifications/follow'
import { changeOwnSubscription, subscriptionsOf } from '../modules/notifications/follow.server'

/**
 * /account/subscriptions — what the logged-in person follows by e-mail (made while logged in, or
 * to their own confirmed address): change between at once and a daily digest, or stop. Only one's
 * own: any other id is a 404.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  return { title: t('notifications:account.title'), items: await subscriptionsOf(user) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const f = formFields(await readForm(request))
  const id = /^\d{1,12}$/.test(f.id ?? '') ? Number(f.id) : 0
  const change = f.intent === 'stop' ? ({ stop: true } as const) : isFollowMode(f.mode) ? { mode: f.mode } : null
  if (!change) return data({ done: null, error: t('notifications:errors.mode') }, { status: 400 })
  const result = await changeOwnSubscription(user, id, change)
  if (result.kind === 'notFound') return data({ done: null, error: t('notifications:account.notYours') }, { status: 404 })
  return { done: 'stop' in change ? ('stopped' as const) : ('saved' as const), error: null }
}

export default function Subscriptions() {
  const { title, items } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('notifications')
  return (
    <section className="page">
      <h1>{title}</h1>
      <p>{t('account.intro')}</p>
      {result?.done ? <FormMessage tone="success">{t(`account.${result.done}`)}</FormMessage> : null}
      {result?.error ? <FormMessage tone="error">{result.error}</FormMessage> : null}
      {items.length === 0 ? (
        <p>{t('account.none')}</p>
      ) : (
        <table className="table cards">
          <thead>
            <tr>
              <th scope="col">{t('account.what')}</th>
              <th scope="col">{t('account.mode')}</th>
              <th scope="col">{t('account.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-subscription={s.id}>
                <td>
                  <Link to={s.url}>{s.title}</Link> ({t(`kinds.${s.targetKind}`)}){!s.confirmed ? <em> · {t('account.unconfirmed')}</em> : null}
                </td>
                <td data-label={t('account.mode')}>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="id" value={s.id} />
                    <label className="visually-hidden" htmlFor={`mode-${s.id}`}>
                      {t('account.mode')}
                    </label>
                    <select id={`mode-${s.id}`} name="mode" defaultValue={s.mode}>
                      <option value="immediate">{t('form.immediate')}</option>
                      <option value="daily">{t('form.daily')}</option>
                    </select>
                    <button type="submit" name="intent" value="mode" className="secondary">
                      {t('account.save')}
                    </button>
                  </Form>
                </td>
                <td data-label={t('account.actions')}>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" name="intent" value="stop" className="secondary">
                      {t('account.stop')}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>{t('account.feeds')}</p>
    </section>
  )
}
