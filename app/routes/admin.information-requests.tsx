import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { addHoliday, heldInboundMail, listHolidays, removeHoliday, resolveHeld } from '../modules/foi/foi.server'
import { holidaySchema } from '../modules/foi/schema'

/**
 * /admin/information-requests — the holding pen of the inbound mail endpoint (mail to an unknown or
 * closed address: reports' and requests' alike) and the public holidays statutory deadlines skip.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  return { title: t('foi:admin.mailTitle'), locale, held: await heldInboundMail(), holidays: await listHolidays() }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Result = { done?: string; errors?: FieldErrors; values?: Record<string, string> }

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'resolve') {
    const ok = await resolveHeld(admin.id, Number(fields.id))
    return data<Result>(ok ? { done: 'resolved' } : { errors: { form: [t('foi:errors.notFound')] } }, { status: ok ? 200 : 404 })
  }
  if (fields.intent === 'removeHoliday') {
    const ok = await removeHoliday(admin.id, fields.date ?? '')
    return data<Result>(ok ? { done: 'holidayRemoved' } : { errors: { form: [t('foi:errors.notFound')] } }, { status: ok ? 200 : 404 })
  }
  const parsed = holidaySchema.safeParse(fields)
  if (!parsed.success) return data<Result>({ errors: translatedErrors(parsed.error, t), values: fields }, { status: 400 })
  await addHoliday(admin.id, parsed.data.date, parsed.data.name)
  return data<Result>({ done: 'holidayAdded' })
}

export default function AdminInformationRequests() {
  const { held, holidays, locale } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as Result | undefined
  const { t } = useTranslation('foi')
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const errors = result?.errors ?? {}
  return (
    <section className="page">
      <p>
        <Link to="/admin/bodies">{t('admin.backToBodies')}</Link>
      </p>
      <h1>{t('admin.mailTitle')}</h1>
      {result?.done ? <FormMessage tone="success">{t(`admin.done.${result.done}`)}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form[0]}</FormMessage> : null}
      <h2>{t('admin.held')}</h2>
      <p>{t('admin.heldIntro')}</p>
      {held.length === 0 ? (
        <p>{t('admin.noneHeld')}</p>
      ) : (
        <ul className="card-list" data-testid="held-mail">
          {held.map((m) => (
            <li key={m.id} className="card">
              <h3>{m.subject || '—'}</h3>
              <p>
                {t('admin.heldTo', { to: m.recipient, from: m.from ?? '—' })} · {when.format(new Date(m.receivedAt))} · {t(`admin.reason.${m.reason}`, { defaultValue: m.reason })} ·{' '}
                {t('admin.attachments', { count: m.attachments })}
              </p>
              <details>
                <summary>{t('admin.showText')}</summary>
                <pre className="foi-letter">{m.text}</pre>
              </details>
              <Form method="post">
                <input type="hidden" name="intent" value="resolve" />
                <input type="hidden" name="id" value={m.id} />
                <button type="submit">{t('admin.resolve')}</button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <h2>{t('admin.holidays')}</h2>
      <p>{t('admin.holidaysIntro')}</p>
      <ul>
        {holidays.map((h) => (
          <li key={h.date}>
            <Form method="post" className="inline-form">
              {h.date} — {h.name} <input type="hidden" name="intent" value="removeHoliday" />
              <input type="hidden" name="date" value={h.date} />
              <button type="submit" aria-label={t('admin.removeHoliday', { date: h.date })}>
                {t('admin.remove')}
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="addHoliday" />
        <Field name="date" type="date" label={t('admin.holidayDate')} error={errors.date?.[0]} defaultValue={result?.values?.date ?? ''} />
        <Field name="name" label={t('admin.holidayName')} error={errors.name?.[0]} defaultValue={result?.values?.name ?? ''} />
        <div>
          <button type="submit">{t('admin.addHoliday')}</button>
        </div>
      </Form>
    </section>
  )
}
