import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { citySettings, saveCitySettings, savedSettingKeys } from '../modules/city/settings.server'
import { civicActions, levelField, licences, settingDefinitions, settingGroups, settingsFormSchema, settingsFromForm, settingsToForm } from '../modules/city/settings-definitions'
import { cityErrors } from '../modules/city/form.server'

/**
 * /admin/settings: what the council decides (thresholds, durations, verification levels, letter
 * retention, moderation), each explained in plain words; saved values win over the environment.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const [settings, saved] = await Promise.all([citySettings(), savedSettingKeys()])
  return { title: t('city:settings.title'), values: settingsToForm(settings), saved: [...saved] }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const parsed = settingsFormSchema.safeParse(fields)
  if (!parsed.success) return fail(400, { ...cityErrors(parsed.error, t), form: [t('city:errors.fixBelow')] }, fields)
  const changed = await saveCitySettings(admin.id, settingsFromForm(parsed.data))
  return { done: true as const, changed }
}

export default function AdminSettings() {
  const { values, saved } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { done?: undefined }) | { done: true; changed: string[]; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('city')
  const e = result?.errors ?? {}
  const v = result?.values ?? values
  const fromEnv = (key: string) => ((saved as string[]).includes(key) ? undefined : t('settings.fromEnvironment', { name: key }))
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin">{t('accounts:hub.back')}</Link>
      </p>
      <h1>{t('settings.title')}</h1>
      <p>{t('settings.intro')}</p>
      {result?.done ? <FormMessage tone="success">{result.changed.length ? t('settings.saved', { count: result.changed.length }) : t('settings.unchanged')}</FormMessage> : null}
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        {settingGroups.map((group) => (
          <fieldset key={group}>
            <legend>{t(`settings.groups.${group}`)}</legend>
            {settingDefinitions
              .filter((d) => d.group === group)
              .map(({ key, spec }) => {
                const label = t(`settings.${key}.label`)
                const hint = [t(`settings.${key}.help`), fromEnv(key)].filter(Boolean).join(' ')
                if (spec.kind === 'levels') {
                  return (
                    <div key={key} className="stack">
                      <p className="field__hint">{hint}</p>
                      {civicActions.map((a) => {
                        const name = levelField(a)
                        const { id, described } = fieldIds(name, { error: e[name]?.[0] })
                        return (
                          <Field key={a} name={name} label={t(`settings.actions.${a}`)} error={e[name]?.[0]}>
                            <select id={id} name={name} defaultValue={v[name]} aria-describedby={described} aria-invalid={e[name] ? true : undefined}>
                              {[0, 1, 2, 3].map((l) => (
                                <option key={l} value={l}>
                                  {t(`accounts:account.levels.${l}`)}
                                </option>
                              ))}
                            </select>
                          </Field>
                        )
                      })}
                    </div>
                  )
                }
                if (spec.kind === 'bool' || spec.kind === 'licence') {
                  const { id, described } = fieldIds(key, { hint, error: e[key]?.[0] })
                  const options = spec.kind === 'bool' ? ['true', 'false'] : licences
                  return (
                    <Field key={key} name={key} label={label} hint={hint} error={e[key]?.[0]}>
                      <select id={id} name={key} defaultValue={v[key]} aria-describedby={described} aria-invalid={e[key] ? true : undefined}>
                        {options.map((o) => (
                          <option key={o} value={o}>
                            {spec.kind === 'bool' ? t(`settings.${o === 'true' ? 'yes' : 'no'}`) : o}
                          </option>
                        ))}
                      </select>
                    </Field>
                  )
                }
                return <Field key={key} name={key} label={label} hint={hint} defaultValue={v[key]} error={e[key]?.[0]} inputMode={spec.kind === 'int' ? 'numeric' : 'text'} />
              })}
          </fieldset>
        ))}
        <button type="submit">{t('settings.submit')}</button>
      </Form>
    </section>
  )
}
