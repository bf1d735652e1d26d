import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage, RowActionForm } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { bodiesWithDelivery, resendDelivery, setDeliveryMethod, unsentDeliveries } from '../modules/delivery/delivery.server'
import { DELIVERY_METHODS, deliveryMethodSchema, resendSchema } from '../modules/delivery/schema'

/**
 * /admin/delivery — how each body (department or outside body) receives its reports: inside Plaza,
 * by e-mail or through its Open311 back office; and the reports not yet sent, with the last error
 * and a button to send again. Administrators only; every change is audited (issue 19).
 */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  return { title: t('delivery:admin.title'), locale, bodies: await bodiesWithDelivery(locale), unsent: await unsentDeliveries(locale) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

type ActionResult =
  | { done: 'saved'; name: string; departmentId?: undefined; errors?: undefined; values?: undefined }
  | { done: 'resent'; id: number; departmentId?: undefined; errors?: undefined; values?: undefined }
  | { done?: undefined; departmentId: number | null; errors: FieldErrors; values: Record<string, string> }

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const failure = (status: number, errors: FieldErrors, departmentId: number | null = null) => data<ActionResult>({ errors, values: fields, departmentId }, { status })
  if (fields.intent === 'resend') {
    const parsed = resendSchema.safeParse(fields)
    if (!parsed.success) return failure(400, { form: [t('delivery:errors.noSuchDelivery')] })
    const result = await resendDelivery(admin.id, parsed.data.reportId)
    if (result.kind === 'notFound') return failure(404, { form: [t('delivery:errors.noSuchDelivery')] })
    if (result.kind === 'alreadySent') return failure(409, { form: [t('delivery:errors.alreadySent')] })
    if (result.kind === 'sending') return failure(409, { form: [t('delivery:errors.sending')] })
    return data<ActionResult>({ done: 'resent', id: parsed.data.reportId })
  }
  const departmentId = Number(fields.departmentId) || null
  const parsed = deliveryMethodSchema.safeParse(fields)
  if (!parsed.success) return failure(400, translatedErrors(parsed.error, t), departmentId)
  const result = await setDeliveryMethod(admin.id, parsed.data)
  if (result.kind === 'noSuchBody') return failure(404, { form: [t('delivery:errors.noSuchBody')] })
  const name = (await bodiesWithDelivery(locale)).find((b) => b.departmentId === parsed.data.departmentId)?.name ?? ''
  return data<ActionResult>({ done: 'saved', name })
}

export default function AdminDelivery() {
  const { bodies, unsent, locale } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('delivery')
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const errors = result?.errors ?? {}
  return (
    <section className="page">
      <p>
        <Link to="/admin">{t('admin.back')}</Link>
      </p>
      <h1>{t('admin.title')}</h1>
      <p>{t('admin.intro')}</p>
      {result?.done === 'saved' ? <FormMessage tone="success">{t('admin.saved', { name: result.name })}</FormMessage> : null}
      {result?.done === 'resent' ? <FormMessage tone="success">{t('admin.resent', { id: result.id })}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form[0]}</FormMessage> : null}

      <h2>{t('admin.unsent')}</h2>
      {unsent.length === 0 ? (
        <p>{t('admin.noneUnsent')}</p>
      ) : (
        // Cards on a phone (issue 18): each row a card, each value named by its column.
        <table className="data-table cards">
          <thead>
            <tr>
              <th scope="col">{t('admin.report')}</th>
              <th scope="col">{t('admin.body')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col">{t('admin.attempts')}</th>
              <th scope="col">{t('admin.lastError')}</th>
              <th scope="col">{t('admin.nextAttempt')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('admin.resend')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {unsent.map((u) => (
              <tr key={u.reportId} data-testid={`unsent-${u.reportId}`}>
                <td>
                  <Link to={`/reports/${u.reportId}`}>
                    {u.reportId}: {u.title}
                  </Link>
                </td>
                <td data-label={t('admin.body')}>
                  {u.body} ({t(`methods.${u.method}`)})
                </td>
                <td data-label={t('admin.status')}>{t(`statuses.${u.status}`)}</td>
                <td data-label={t('admin.attempts')}>{u.attempts}</td>
                <td data-label={t('admin.lastError')}>{u.lastError ?? ''}</td>
                <td data-label={t('admin.nextAttempt')}>{u.status === 'failed' ? '' : when.format(new Date(u.nextAttemptAt))}</td>
                <td>
                  <RowActionForm intent="resend" field="reportId" value={u.reportId} label={t('admin.resend')} accessibleName={t('admin.resendNamed', { id: u.reportId })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('admin.bodies')}</h2>
      {bodies.map((b) => {
        const mine = result?.departmentId === b.departmentId
        const e = mine ? errors : {}
        const v = mine ? (result?.values ?? {}) : {}
        const id = (field: string) => `${field}-${b.departmentId}`
        return (
          <Form method="post" key={b.departmentId} className="stack narrow" aria-labelledby={`body-${b.departmentId}`} data-testid={`body-${b.slug}`}>
            <h3 id={`body-${b.departmentId}`}>{b.name}</h3>
            <p>{t('admin.counts', { pending: b.pending, failed: b.failed })}</p>
            <input type="hidden" name="intent" value="method" />
            <input type="hidden" name="departmentId" value={b.departmentId} />
            <div className="field">
              <label htmlFor={id('method')}>{t('fields.method')}</label>
              <select id={id('method')} name="method" defaultValue={v.method ?? b.method}>
                {DELIVERY_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {t(`methods.${m}`)}
                  </option>
                ))}
              </select>
            </div>
            <label className="choice">
              <input type="checkbox" name="enabled" defaultChecked={mine ? v.enabled === 'on' : b.enabled} /> {t('fields.enabled')}
            </label>
            <Field name={id('email')} label={t('fields.email')} hint={t('hints.email')} error={e.email?.[0]}>
              <input
                id={`field-${id('email')}`}
                name="email"
                type="email"
                defaultValue={v.email ?? b.email ?? ''}
                autoComplete="off"
                aria-invalid={e.email ? true : undefined}
                aria-describedby={`field-${id('email')}-hint${e.email ? ` field-${id('email')}-error` : ''}`}
              />
            </Field>
            <Field name={id('endpoint')} label={t('fields.endpoint')} hint={t('hints.endpoint')} error={e.endpoint?.[0]}>
              <input
                id={`field-${id('endpoint')}`}
                name="endpoint"
                type="url"
                defaultValue={v.endpoint ?? b.endpoint ?? ''}
                aria-invalid={e.endpoint ? true : undefined}
                aria-describedby={`field-${id('endpoint')}-hint${e.endpoint ? ` field-${id('endpoint')}-error` : ''}`}
              />
            </Field>
            <Field name={id('apiKey')} label={t('fields.apiKey')} hint={b.hasApiKey ? t('admin.keySet') : undefined} error={e.apiKey?.[0]}>
              <input
                id={`field-${id('apiKey')}`}
                name="apiKey"
                type="password"
                autoComplete="off"
                aria-invalid={e.apiKey ? true : undefined}
                aria-describedby={[b.hasApiKey ? `field-${id('apiKey')}-hint` : '', e.apiKey ? `field-${id('apiKey')}-error` : ''].filter(Boolean).join(' ') || undefined}
              />
            </Field>
            <Field name={id('jurisdictionId')} label={t('fields.jurisdictionId')} error={e.jurisdictionId?.[0]}>
              <input id={`field-${id('jurisdictionId')}`} name="jurisdictionId" defaultValue={v.jurisdictionId ?? b.jurisdictionId ?? ''} aria-invalid={e.jurisdictionId ? true : undefined} />
            </Field>
            <Field name={id('serviceCodes')} label={t('fields.serviceCodes')} hint={t('hints.serviceCodes')} error={e.serviceCodes?.[0]}>
              <textarea
                id={`field-${id('serviceCodes')}`}
                name="serviceCodes"
                rows={3}
                defaultValue={
                  v.serviceCodes ??
                  Object.entries(b.serviceCodes)
                    .map(([k, c]) => `${k} = ${c}`)
                    .join('\n')
                }
                aria-invalid={e.serviceCodes ? true : undefined}
                aria-describedby={`field-${id('serviceCodes')}-hint${e.serviceCodes ? ` field-${id('serviceCodes')}-error` : ''}`}
              />
            </Field>
            <button type="submit">{t('admin.save', { name: b.name })}</button>
          </Form>
        )
      })}
    </section>
  )
}
