import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { TextInput } from '../modules/services/components/ServicesForm'
import { routeTestSchema } from '../modules/services/schema'
import { routingMatrix, setRoute, testRoute } from '../modules/services/services.server'

/**
 * /admin/services/routing — the routing rules as a matrix (categories × city, districts,
 * neighbourhoods), a form to set or remove one, and the tester: who gets this category here? (admin:settings)
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const done = new URL(request.url).searchParams.get('done')
  return { title: t('services:routing.title'), matrix: await routingMatrix(), done: done === 'saved' ? done : null }
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  if (fields.intent === 'test') {
    const parsed = routeTestSchema.safeParse(fields)
    if (!parsed.success) {
      const errors: Record<string, string[]> = {}
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= [issue.message]
      return refusal(t, 400, errors, fields, 'test')
    }
    const found = await testRoute(parsed.data)
    if (found.kind === 'unknownCategory') return refusal(t, 400, { category: ['services:errors.categoryRequired'] }, fields, 'test')
    if (found.kind === 'unknownArea') return refusal(t, 400, { area: ['services:errors.areaUnknown'] }, fields, 'test')
    return data({ target: 'test', values: fields, errors: {} as Record<string, string>, test: found })
  }
  const result = await setRoute(user.id, fields)
  if (!result.ok) return refusal(t, result.status, result.errors, fields, 'rule')
  return redirect('/admin/services/routing?done=saved')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

const indent = (level: string) => (level === 'neighbourhood' ? '\u00a0\u00a0' : '')

export default function AdminRouting() {
  const { title, matrix, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as { target: string; values: Record<string, string>; errors: Record<string, string>; test?: Awaited<ReturnType<typeof testRoute>> } | undefined
  const { t } = useTranslation('services')
  const n = useNames()
  const departmentName = new Map(matrix.departments.map((d) => [d.id, n(d.name)]))
  const rule = result?.target === 'rule' ? result : { values: {} as Record<string, string>, errors: {} as Record<string, string> }
  const test = result?.target === 'test' ? result : { values: {} as Record<string, string>, errors: {} as Record<string, string>, test: undefined }
  const columns = matrix.areas
  const categoryName = (code: string) => n(matrix.categories.find((c) => c.code === code)?.name ?? code)
  return (
    <section className="page">
      <p>
        <Link to="/admin/services">{t('back')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('routing.intro')}</p>
      {done ? <FormMessage tone="success">{t('saved')}</FormMessage> : null}

      <section aria-labelledby="tester">
        <h2 id="tester">{t('routing.tester')}</h2>
        <p>{t('routing.testerIntro')}</p>
        {test.test ? (
          <div className="notice notice--info" role="status" data-testid="route-test">
            {test.test.kind === 'routed' ? (
              <>
                <p>
                  <strong>{t('routing.routed', { department: n(test.test.department.name), category: categoryName(test.values.category ?? '') })}</strong>
                </p>
                <p>{test.test.rule.areaId === null ? t('routing.byCityRule') : t('routing.byRule', { area: n(test.test.rule.areaName) })}</p>
                <p>{t('routing.places', { areas: test.test.areas.map((a) => n(a.name)).join(', ') })}</p>
              </>
            ) : test.test.kind === 'outsideCity' ? (
              <p>{t('routing.outsideCity')}</p>
            ) : (
              <p>{t('routing.notServedHere', { category: categoryName(test.values.category ?? '') })}</p>
            )}
          </div>
        ) : null}
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="test" />
          <Field name="test-category" label={t('routing.category')} error={test.errors.category}>
            <select id="field-test-category" name="category" defaultValue={test.values.category ?? ''} aria-describedby={test.errors.category ? 'field-test-category-error' : undefined}>
              <option value="" />
              {matrix.categories.map((c) => (
                <option key={c.id} value={c.code}>
                  {n(c.name)}
                </option>
              ))}
            </select>
          </Field>
          <TextInput prefix="test" name="lat" label={t('routing.lat')} values={test.values} errors={test.errors} />
          <TextInput prefix="test" name="lng" label={t('routing.lng')} values={test.values} errors={test.errors} />
          <Field name="test-area" label={t('routing.orArea')} error={test.errors.area}>
            <select id="field-test-area" name="area" defaultValue={test.values.area ?? ''} aria-describedby={test.errors.area ? 'field-test-area-error' : undefined}>
              <option value="">{t('routing.anyArea')}</option>
              {columns.map((a) => (
                <option key={a.id} value={a.id}>
                  {indent(a.level)}
                  {n(a.name)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('routing.test')}</button>
        </Form>
      </section>

      <section aria-labelledby="matrix">
        <h2 id="matrix">{t('routing.matrix')}</h2>
        <div className="table-scroll" role="region" aria-labelledby="matrix" tabIndex={0}>
          {/* On a phone each category is a card, each area a named line (app.css, table.cards). */}
          <table className="data-table cards">
            <thead>
              <tr>
                <th scope="col">{t('routing.category')}</th>
                {columns.map((a) => (
                  <th key={a.id} scope="col">
                    {a.level === 'city' ? t('routing.wholeCity') : n(a.name)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {matrix.categories.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{n(c.name)}</th>
                  {columns.map((a) => {
                    // The city column shows the city-wide rule (area null) or a rule on the city area itself.
                    const dept = a.level === 'city' ? (matrix.rules[`${c.id}:0`] ?? matrix.rules[`${c.id}:${a.id}`]) : matrix.rules[`${c.id}:${a.id}`]
                    return (
                      <td key={a.id} data-label={a.level === 'city' ? t('routing.wholeCity') : n(a.name)}>
                        {dept ? departmentName.get(dept) : '–'}
                      </td>
                    )
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="set-rule">
        <h2 id="set-rule">{t('routing.set')}</h2>
        <Form method="post" className="stack">
          {rule.errors.form ? <FormMessage tone="error">{rule.errors.form}</FormMessage> : null}
          <Field name="rule-category" label={t('routing.category')} error={rule.errors.categoryId}>
            <select id="field-rule-category" name="categoryId" defaultValue={rule.values.categoryId ?? ''} aria-describedby={rule.errors.categoryId ? 'field-rule-category-error' : undefined}>
              <option value="" />
              {matrix.categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {n(c.name)}
                </option>
              ))}
            </select>
          </Field>
          <Field name="rule-area" label={t('routing.area')} error={rule.errors.areaId}>
            <select id="field-rule-area" name="areaId" defaultValue={rule.values.areaId ?? ''} aria-describedby={rule.errors.areaId ? 'field-rule-area-error' : undefined}>
              <option value="">{t('routing.wholeCity')}</option>
              {columns
                .filter((a) => a.level !== 'city')
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {indent(a.level)}
                    {n(a.name)}
                  </option>
                ))}
            </select>
          </Field>
          <Field name="rule-department" label={t('routing.department')} error={rule.errors.departmentId}>
            <select
              id="field-rule-department"
              name="departmentId"
              defaultValue={rule.values.departmentId ?? ''}
              aria-describedby={rule.errors.departmentId ? 'field-rule-department-error' : undefined}
            >
              <option value="">{t('routing.noDepartment')}</option>
              {matrix.departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {n(d.name)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('save')}</button>
        </Form>
      </section>
    </section>
  )
}
