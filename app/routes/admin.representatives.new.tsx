import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import styles from '../components/representatives/representatives.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { handleRepresentativeForm, representativeFormOptions } from '../modules/letters/representatives-form.server'
import { RepresentativeForm } from '../components/representatives/RepresentativeForm'

/** /admin/representatives/new — add a representative (admin:settings). */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  return { title: t('representatives:admin.newTitle'), options: await representativeFormOptions(locale) }
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const outcome = await handleRepresentativeForm(request, admin.id, t)
  if (outcome.kind === 'redirect') return outcome.response
  return data({ values: outcome.values, errors: outcome.errors }, { status: outcome.status })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function NewRepresentative() {
  const { title, options } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('representatives')
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/representatives">{t('admin.back')}</Link>
      </p>
      <h1>{title}</h1>
      <RepresentativeForm options={options} values={result?.values ?? {}} errors={result?.errors ?? {}} submitLabel={t('admin.create')} />
    </section>
  )
}
