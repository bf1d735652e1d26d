import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { cityDefaultLocale } from '../lib/localized.server'
import { refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { LocalizedInputs, localizedValues } from '../modules/services/components/ServicesForm'
import { listStates, saveStateLabel } from '../modules/services/services.server'

/** /admin/services/states — report states renamed per language; their kinds stay fixed (admin:settings). */

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const done = new URL(request.url).searchParams.get('done')
  return { title: t('services:states.title'), states: await listStates(), defaultLocale: cityDefaultLocale(), done: done === 'saved' ? done : null }
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  const result = await saveStateLabel(user.id, fields)
  if (!result.ok) return refusal(t, result.status, result.errors, fields, fields.code ?? 'state')
  return redirect('/admin/services/states?done=saved')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function AdminStates() {
  const { title, states, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('services')
  const n = useNames()
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/services">{t('back')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('states.intro')}</p>
      {done ? <FormMessage tone="success">{t('saved')}</FormMessage> : null}
      {states.map((s) => {
        const mine = result?.target === s.code
        const values = mine ? (result.values as Record<string, string>) : localizedValues('label', s.label)
        const errors = mine ? (result.errors as Record<string, string>) : {}
        const plazaName = t(`reports:states.${s.code}`, { defaultValue: s.code })
        return (
          <section key={s.code} aria-labelledby={`state-${s.code}`}>
            <h2 id={`state-${s.code}`}>
              {Object.keys(s.label).length ? n(s.label) : plazaName} <code>{s.code}</code>
            </h2>
            <p>
              {t('states.kind', { kind: s.kind })} · {t('states.defaultName', { name: plazaName })}
            </p>
            <Form method="post" className="stack">
              {errors.code ? <FormMessage tone="error">{errors.code}</FormMessage> : null}
              <input type="hidden" name="code" value={s.code} />
              <LocalizedInputs prefix={s.code} field="label" label={t('states.label')} values={values} errors={errors} defaultLocale="" />
              <button type="submit">{t('save')}</button>
            </Form>
          </section>
        )
      })}
    </section>
  )
}
