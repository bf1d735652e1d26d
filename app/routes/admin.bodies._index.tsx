import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { addDepartmentBodies, listBodies } from '../modules/foi/bodies.server'

/** /admin/bodies — the directory of public bodies (admin:settings): edit, import from CSV, add the city's departments. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const bodies = await listBodies(locale, { includeInactive: true })
  return { title: t('foi:admin.bodiesTitle'), bodies: bodies.map((b) => ({ id: b.id, slug: b.slug, name: b.name, email: b.email, active: b.active, department: b.departmentId !== null, law: b.law })) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const fields = formFields(await readForm(request))
  if (fields.intent !== 'departments') return data({ added: null as number | null }, { status: 400 })
  return data({ added: await addDepartmentBodies(admin.id) })
}

export default function AdminBodies() {
  const { bodies } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('foi')
  return (
    <section className="page">
      <p>
        <Link to="/admin">{t('admin.back')}</Link>
      </p>
      <h1>{t('admin.bodiesTitle')}</h1>
      {result?.added != null ? <FormMessage tone="success">{t('admin.departmentsAdded', { count: result.added })}</FormMessage> : null}
      <p>
        <Link to="/admin/bodies/new">{t('admin.newBody')}</Link> · <Link to="/admin/bodies/import">{t('admin.import')}</Link> · <Link to="/admin/information-requests">{t('admin.mailTitle')}</Link>
      </p>
      <Form method="post">
        <input type="hidden" name="intent" value="departments" />
        <button type="submit">{t('admin.addDepartments')}</button>
      </Form>
      <div className="table-scroll">
        <table className="data-table cards" data-testid="admin-bodies">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.slug')}</th>
              <th scope="col">{t('admin.email')}</th>
              <th scope="col">{t('admin.law')}</th>
              <th scope="col">{t('admin.state')}</th>
            </tr>
          </thead>
          <tbody>
            {bodies.map((b) => (
              <tr key={b.id}>
                <th scope="row">
                  <Link to={`/admin/bodies/${b.id}`}>{b.name}</Link>
                </th>
                <td data-label={t('admin.slug')}>{b.slug}</td>
                <td data-label={t('admin.email')}>{b.email ?? '—'}</td>
                <td data-label={t('admin.law')}>{t(`laws.${b.law}.short`)}</td>
                <td data-label={t('admin.state')}>
                  {b.active ? t('admin.active') : t('admin.inactive')}
                  {b.department ? ` · ${t('admin.cityDepartment')}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
