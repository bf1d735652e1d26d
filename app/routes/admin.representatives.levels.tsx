import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm, formFields } from '../lib/forms.server'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { deleteLevel, listLevels, saveLevel } from '../modules/letters/representatives.server'
import { AREA_LEVELS } from '../modules/letters/representatives-schema'

/** /admin/representatives/levels — the levels of representation: add, rename, reorder, delete unused (admin:settings). */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const done = new URL(request.url).searchParams.get('done')
  return { title: t('representatives:levels.title'), levels: await listLevels(), done: done === 'saved' || done === 'deleted' ? done : null }
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const existing = typeof fields.existing === 'string' && fields.existing ? fields.existing.slice(0, 40) : undefined
  if (fields.intent === 'delete' && existing) {
    const result = await deleteLevel(admin.id, existing)
    if (!result.ok)
      return data({ target: existing, values: fields, errors: { form: t(`representatives:levels.${result.reason}`) } as Record<string, string> }, { status: result.reason === 'inUse' ? 409 : 404 })
    return redirect('/admin/representatives/levels?done=deleted')
  }
  const result = await saveLevel(admin.id, fields, existing)
  if (!result.ok) {
    const errors: Record<string, string> = {}
    for (const [field, keys] of Object.entries(result.errors)) if (keys?.[0]) errors[field] = t(keys[0])
    return data({ target: existing ?? 'new', values: fields, errors }, { status: 400 })
  }
  return redirect('/admin/representatives/levels?done=saved')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

function LevelForm({ prefix, values, errors, existing }: { prefix: string; values: Record<string, string>; errors: Record<string, string>; existing?: string }) {
  const { t } = useTranslation('representatives')
  const areaLevel = fieldIds(`${prefix}-areaLevel`, { error: errors.areaLevel })
  const field = (name: string) => `${prefix}-${name}`
  return (
    <Form method="post" className="stack">
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {existing ? <input type="hidden" name="existing" value={existing} /> : null}
      {existing ? null : (
        <Field name={field('code')} label={t('levels.code')} hint={t('levels.codeHint')} error={errors.code}>
          <input
            id={`field-${field('code')}`}
            name="code"
            defaultValue={values.code ?? ''}
            aria-describedby={fieldIds(field('code'), { hint: 'x', error: errors.code }).described}
            aria-invalid={errors.code ? true : undefined}
          />
        </Field>
      )}
      {(['nameEn', 'nameEs', 'nameFr'] as const).map((n) => (
        <Field key={n} name={field(n)} label={t(`levels.${n}`)} error={errors[n]}>
          <input id={`field-${field(n)}`} name={n} defaultValue={values[n] ?? ''} aria-describedby={fieldIds(field(n), { error: errors[n] }).described} aria-invalid={errors[n] ? true : undefined} />
        </Field>
      ))}
      <Field name={`${prefix}-areaLevel`} label={t('levels.areaLevel')} error={errors.areaLevel}>
        <select id={areaLevel.id} name="areaLevel" defaultValue={values.areaLevel ?? ''} aria-describedby={areaLevel.described}>
          <option value="" />
          {AREA_LEVELS.map((l) => (
            <option key={l} value={l}>
              {t(`levels.areaLevels.${l}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field name={field('position')} label={t('levels.position')} error={errors.position}>
        <input
          id={`field-${field('position')}`}
          name="position"
          inputMode="numeric"
          defaultValue={values.position ?? '0'}
          aria-describedby={fieldIds(field('position'), { error: errors.position }).described}
        />
      </Field>
      <button type="submit">{existing ? t('levels.save') : t('levels.add')}</button>
    </Form>
  )
}

export default function AdminLevels() {
  const { title, levels, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('representatives')
  const stateOf = (target: string, values: Record<string, string>) =>
    result?.target === target ? { values: result.values as Record<string, string>, errors: result.errors as Record<string, string> } : { values, errors: {} }
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/representatives">{t('levels.back')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('levels.intro')}</p>
      {done ? <FormMessage tone="success">{t(`levels.${done}`)}</FormMessage> : null}
      {levels.map((l) => {
        const state = stateOf(l.code, { nameEn: l.names.en ?? '', nameEs: l.names.es ?? '', nameFr: l.names.fr ?? '', areaLevel: l.areaLevel, position: String(l.position) })
        return (
          <section key={l.code} aria-labelledby={`level-${l.code}`}>
            <h2 id={`level-${l.code}`}>
              {l.name} <code>{l.code}</code>
            </h2>
            <LevelForm prefix={l.code} existing={l.code} values={state.values} errors={state.errors} />
            <Form method="post">
              <input type="hidden" name="existing" value={l.code} />
              <input type="hidden" name="intent" value="delete" />
              <p className="field__hint">{t('levels.deleteHint')}</p>
              <button type="submit">{t('levels.delete')}</button>
            </Form>
          </section>
        )
      })}
      <section aria-labelledby="level-new">
        <h2 id="level-new">{t('levels.add')}</h2>
        <LevelForm prefix="new" {...stateOf('new', {})} />
      </section>
    </section>
  )
}
