import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { cityDefaultLocale } from '../lib/localized.server'
import { refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { LocalizedInputs, TextInput, localizedValues } from '../modules/services/components/ServicesForm'
import { deleteDepartment, listDepartments, saveDepartment } from '../modules/services/services.server'

/** /admin/services/departments — departments: names per language, contact; add, edit, delete unused (admin:settings). */

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const url = new URL(request.url)
  const done = url.searchParams.get('done')
  return { title: t('services:departments.title'), departments: await listDepartments(), defaultLocale: cityDefaultLocale(), done: done === 'saved' || done === 'deleted' ? done : null }
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  const id = /^\d{1,12}$/.test(fields.id ?? '') ? Number(fields.id) : undefined
  if (fields.intent === 'delete' && id) {
    const result = await deleteDepartment(user.id, id)
    if (!result.ok) return refusal(t, result.status, result.errors, fields, String(id), 'uses' in result ? result.uses : {})
    return redirect('/admin/services/departments?done=deleted')
  }
  const result = await saveDepartment(user.id, fields, id)
  if (!result.ok) return refusal(t, result.status, result.errors, fields, id ? String(id) : 'new')
  return redirect('/admin/services/departments?done=saved')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

function DepartmentForm({ prefix, id, values, errors, defaultLocale }: { prefix: string; id?: number; values: Record<string, string>; errors: Record<string, string>; defaultLocale: string }) {
  const { t } = useTranslation('services')
  return (
    <Form method="post" className="stack">
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {id ? <input type="hidden" name="id" value={id} /> : null}
      <TextInput prefix={prefix} name="slug" label={t('departments.slug')} hint={t('departments.slugHint')} values={values} errors={errors} />
      <LocalizedInputs prefix={prefix} field="name" label={t('departments.name')} values={values} errors={errors} defaultLocale={defaultLocale} />
      <TextInput prefix={prefix} name="email" type="email" label={t('departments.email')} values={values} errors={errors} />
      <TextInput prefix={prefix} name="phone" type="tel" label={t('departments.phone')} values={values} errors={errors} />
      <button type="submit">{id ? t('save') : t('add')}</button>
    </Form>
  )
}

export default function AdminDepartments() {
  const { title, departments, defaultLocale, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('services')
  const n = useNames()
  const stateOf = (target: string, values: Record<string, string>) =>
    result?.target === target ? { values: result.values as Record<string, string>, errors: result.errors as Record<string, string> } : { values, errors: {} as Record<string, string> }
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/services">{t('back')}</Link>
      </p>
      <h1>{title}</h1>
      {done ? <FormMessage tone="success">{t(done)}</FormMessage> : null}
      {departments.length === 0 ? <p>{t('none')}</p> : null}
      {departments.map((d) => {
        const state = stateOf(String(d.id), { slug: d.slug, email: d.email ?? '', phone: d.phone ?? '', ...localizedValues('name', d.name) })
        return (
          <details key={d.id} open={result?.target === String(d.id)}>
            <summary>
              <span data-testid={`department-${d.slug}`}>{n(d.name)}</span> <code>{d.slug}</code>
              {d.email || d.phone ? ` · ${[d.email, d.phone].filter(Boolean).join(' · ')}` : ''}
            </summary>
            <DepartmentForm prefix={`d${d.id}`} id={d.id} values={state.values} errors={state.errors} defaultLocale={defaultLocale} />
            <Form method="post">
              <input type="hidden" name="id" value={d.id} />
              <input type="hidden" name="intent" value="delete" />
              <p className="field__hint">{t('departments.deleteHint')}</p>
              <button type="submit">{t('delete')}</button>
            </Form>
          </details>
        )
      })}
      <section aria-labelledby="department-new">
        <h2 id="department-new">{t('departments.new')}</h2>
        <DepartmentForm prefix="new" {...stateOf('new', {})} defaultLocale={defaultLocale} />
      </section>
    </section>
  )
}
