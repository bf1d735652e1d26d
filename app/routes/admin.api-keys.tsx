import { data, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage, RowActionForm } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { listDepartments } from '../modules/accounts/accounts.server'
import { endpointUrl, issueApiKey, listApiKeys, revokeApiKey } from '../modules/open311/open311.server'
import { issueKeySchema, revokeKeySchema } from '../modules/open311/schema'

/**
 * /admin/api-keys — keys for Open311 clients: issue one (its secret is shown once, only in the answer
 * to the form), see when each was last used, revoke. Every issue and revocation is audited.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  return { title: t('open311:admin.title'), locale, keys: await listApiKeys(), departments: await listDepartments(), endpoint: endpointUrl() }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

// The answer to "issue" carries a secret: no cache may keep it.
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' })

type ActionResult =
  | { done: 'issued'; name: string; secret: string; errors?: undefined; values?: undefined }
  | { done: 'revoked'; name: string; errors?: undefined; values?: undefined }
  | { done?: undefined; errors: FieldErrors; values: Record<string, string> }

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const failure = (status: number, errors: FieldErrors, values: Record<string, string> = {}) => data<ActionResult>({ errors, values }, { status })
  if (fields.intent === 'revoke') {
    const parsed = revokeKeySchema.safeParse(fields)
    if (!parsed.success) return failure(400, { form: [t('open311:errors.noSuchKey')] })
    const keys = await listApiKeys()
    const name = keys.find((k) => k.id === parsed.data.keyId)?.name ?? ''
    const result = await revokeApiKey(admin.id, parsed.data.keyId)
    if (result.kind === 'notFound') return failure(404, { form: [t('open311:errors.noSuchKey')] })
    if (result.kind === 'alreadyRevoked') return failure(409, { form: [t('open311:errors.alreadyRevoked')] })
    return data<ActionResult>({ done: 'revoked', name })
  }
  const parsed = issueKeySchema.safeParse(fields)
  if (!parsed.success) return failure(400, translatedErrors(parsed.error, t), fields)
  const result = await issueApiKey(admin.id, {
    name: parsed.data.name,
    departmentId: parsed.data.departmentId ?? null,
    mayUpdate: parsed.data.mayUpdate === 'on',
    trusted: parsed.data.trusted === 'on',
    mayChangeState: parsed.data.mayChangeState === 'on',
  })
  if (result.kind === 'noSuchDepartment') return failure(400, { departmentId: [t('open311:errors.noSuchDepartment')] }, fields)
  return data<ActionResult>({ done: 'issued', name: parsed.data.name, secret: result.secret })
}

export default function AdminApiKeys() {
  const { keys, departments, locale, endpoint } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('open311')
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
  const errors = result?.errors ?? {}
  const values = result?.values ?? {}
  return (
    <section className="page">
      <p>
        <Link to="/admin">{t('admin.back')}</Link>
      </p>
      <h1>{t('admin.title')}</h1>
      <p>{t('admin.intro', { endpoint })}</p>
      {result?.done === 'issued' ? (
        <div className="notice notice--success" role="status">
          <p>{t('admin.issued', { name: result.name })}</p>
          <label htmlFor="issued-secret">{t('admin.secretLabel')}</label>
          <input id="issued-secret" className="secret" readOnly value={result.secret} size={56} aria-describedby="issued-secret-hint" />
          <p id="issued-secret-hint">{t('admin.secretOnce')}</p>
        </div>
      ) : null}
      {result?.done === 'revoked' ? <FormMessage tone="success">{t('admin.revoked', { name: result.name })}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form[0]}</FormMessage> : null}

      <h2>{t('admin.keysTitle')}</h2>
      {keys.length === 0 ? (
        <p>{t('admin.none')}</p>
      ) : (
        <table className="data-table cards">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.prefix')}</th>
              <th scope="col">{t('admin.department')}</th>
              <th scope="col">{t('admin.mayUpdate')}</th>
              <th scope="col">{t('admin.trusted')}</th>
              <th scope="col">{t('admin.created')}</th>
              <th scope="col">{t('admin.lastUsed')}</th>
              <th scope="col">{t('admin.status')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td data-label={t('admin.prefix')}>
                  <code>{k.prefix}…</code>
                </td>
                <td data-label={t('admin.department')}>{k.department ?? t('admin.anyDepartment')}</td>
                <td data-label={t('admin.mayUpdate')}>
                  {k.mayUpdate ? (k.departmentId === null ? t(k.mayChangeState ? 'admin.updatesCouncil' : 'admin.updatesCitizen') : t('admin.yes')) : t('admin.no')}
                </td>
                <td data-label={t('admin.trusted')}>{k.trusted ? t('admin.yes') : t('admin.no')}</td>
                <td data-label={t('admin.created')}>{k.createdBy ? t('admin.createdBy', { date: when.format(new Date(k.createdAt)), name: k.createdBy }) : when.format(new Date(k.createdAt))}</td>
                <td data-label={t('admin.lastUsed')}>{k.lastUsedAt ? when.format(new Date(k.lastUsedAt)) : t('admin.never')}</td>
                <td data-label={t('admin.status')}>
                  {k.revokedAt ? (
                    t('admin.revokedOn', { date: when.format(new Date(k.revokedAt)) })
                  ) : (
                    <RowActionForm intent="revoke" field="keyId" value={k.id} label={t('admin.revoke')} accessibleName={t('admin.revokeNamed', { name: k.name })} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('admin.issueTitle')}</h2>
      <Form method="post" noValidate className="stack narrow">
        <input type="hidden" name="intent" value="issue" />
        <Field name="name" label={t('fields.name')} hint={t('hints.name')} required defaultValue={values.name} error={errors.name?.[0]} />
        <Field name="departmentId" label={t('fields.department')} hint={t('hints.department')} error={errors.departmentId?.[0]}>
          <select
            id="field-departmentId"
            name="departmentId"
            defaultValue={values.departmentId ?? ''}
            aria-describedby={errors.departmentId ? 'field-departmentId-hint field-departmentId-error' : 'field-departmentId-hint'}
            aria-invalid={errors.departmentId ? true : undefined}
          >
            <option value="">{t('admin.anyDepartment')}</option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <label className="choice">
          <input type="checkbox" name="mayUpdate" defaultChecked={values.mayUpdate === 'on'} aria-describedby="may-update-hint" /> {t('fields.mayUpdate')}
        </label>
        <p className="field__hint" id="may-update-hint">
          {t('hints.mayUpdate')}
        </p>
        <label className="choice">
          <input type="checkbox" name="mayChangeState" defaultChecked={values.mayChangeState === 'on'} aria-describedby="may-change-state-hint" /> {t('fields.mayChangeState')}
        </label>
        <p className="field__hint" id="may-change-state-hint">
          {t('hints.mayChangeState')}
        </p>
        {errors.mayChangeState ? (
          <p className="field-error" role="alert">
            {errors.mayChangeState[0]}
          </p>
        ) : null}
        <label className="choice">
          <input type="checkbox" name="trusted" defaultChecked={values.trusted === 'on'} aria-describedby="trusted-hint" /> {t('fields.trusted')}
        </label>
        <p className="field__hint" id="trusted-hint">
          {t('hints.trusted')}
        </p>
        <button type="submit">{t('admin.issue')}</button>
      </Form>
    </section>
  )
}
