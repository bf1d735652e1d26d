import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { cityDefaultLocale } from '../lib/localized.server'
import { refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { CategoryForm } from '../modules/services/components/CategoryForm'
import { listCategories, saveCategory } from '../modules/services/services.server'

/** /admin/services/categories — report categories: the list and a new one (admin:settings). */

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const done = new URL(request.url).searchParams.get('done')
  return { title: t('services:categories.title'), categories: await listCategories(), defaultLocale: cityDefaultLocale(), done: done === 'deleted' ? done : null }
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  const result = await saveCategory(user.id, fields)
  if (!result.ok) return refusal(t, result.status, result.errors, fields)
  return redirect(`/admin/services/categories/${result.id}?done=saved`)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function AdminCategories() {
  const { title, categories, defaultLocale, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('services')
  const n = useNames()
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/services">{t('back')}</Link>
      </p>
      <h1>{title}</h1>
      {done ? <FormMessage tone="success">{t(done)}</FormMessage> : null}
      {categories.length === 0 ? <p>{t('none')}</p> : null}
      <ul className="link-list">
        {categories.map((c) => (
          <li key={c.id}>
            {c.colour ? <span className="swatch" style={{ background: c.colour }} aria-hidden="true" /> : null} <Link to={`/admin/services/categories/${c.id}`}>{n(c.name)}</Link> <code>{c.code}</code>
            {Object.keys(c.group).length ? ` · ${n(c.group)}` : ''}
            {c.active ? '' : ` · ${t('categories.inactive')}`}
          </li>
        ))}
      </ul>
      <section aria-labelledby="category-new">
        <h2 id="category-new">{t('categories.new')}</h2>
        <CategoryForm
          prefix="new"
          values={result ? (result.values as Record<string, string>) : { active: 'on', position: String(categories.length) }}
          errors={result ? (result.errors as Record<string, string>) : {}}
          defaultLocale={defaultLocale}
        />
      </section>
    </section>
  )
}
