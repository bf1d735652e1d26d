import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { getUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { logOut } from '../modules/accounts/accounts.server'
import { redirectClearingSession } from '../modules/accounts/form.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  return { title: t('accounts:logout.title') }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

// Logging out changes state, so it is a POST (a link or image cannot log anyone out).
export async function action({ request }: ActionFunctionArgs) {
  const user = await getUser(request)
  if (user) await logOut(user.sessionId)
  return redirectClearingSession('/')
}

export default function LogOut() {
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('logout.title')}</h1>
      <p>{t('logout.intro')}</p>
      <Form method="post">
        <button type="submit">{t('logout.submit')}</button>
      </Form>
    </section>
  )
}
