import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { readLocalizedField } from '../lib/localized'
import { supportedLocales } from '../lib/i18n'
import { areaOptions, getBody, listBodies, saveBody } from '../modules/foi/bodies.server'
import { LAW_IDS } from '../modules/foi/laws'

/** /admin/bodies/:id (or /admin/bodies/new) — one public body, edited by an administrator; audited. */
function idOf(params: { id?: string }): number | null {
  if (params.id === 'new') return null
  const id = Number(params.id)
  if (!Number.isInteger(id) || id <= 0) throw new Response('Not found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const id = idOf(params)
  const { t, locale } = await translatorFor(request)
  const body = id === null ? null : await getBody(id, locale)
  if (id !== null && !body) throw new Response('Not found', { status: 404 })
  const values: Record<string, string> = body
    ? {
        slug: body.slug,
        email: body.email ?? '',
        category: body.category ?? '',
        areaId: body.areaId ? String(body.areaId) : '',
        parentId: body.parentId ? String(body.parentId) : '',
        law: body.law,
        active: body.active ? 'on' : '',
        ...Object.fromEntries(supportedLocales.map((l) => [`name_${l}`, body.names[l] ?? ''])),
      }
    : { active: 'on', law: LAW_IDS[0] }
  const parents = (await listBodies(locale, { includeInactive: true })).filter((b) => b.id !== id).map((b) => ({ id: b.id, name: b.name }))
  return { title: body ? body.name : t('foi:admin.newBody'), id, values, areas: await areaOptions(locale), parents }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const id = idOf(params)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const names = readLocalizedField(fields, 'name')
  const result = await saveBody(
    admin.id,
    id,
    { ...fields, active: fields.active === 'on', slug: fields.slug ?? '', email: fields.email ?? '', category: fields.category ?? '', areaId: fields.areaId ?? '', parentId: fields.parentId ?? '' },
    names,
  )
  if (result.kind === 'notFound') throw new Response('Not found', { status: 404 })
  if (result.kind === 'invalid') {
    const errors = Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k, v.map((m) => (m.includes(':') ? t(m) : m))]))
    return data({ errors, values: fields }, { status: 400 })
  }
  return redirect(`/admin/bodies/${result.id}?saved=1`)
}

export default function AdminBody() {
  const loaded = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('foi')
  const values = result?.values ?? loaded.values
  const errors: Record<string, string[]> = result?.errors ?? {}
  const err = (name: string) => errors[name]?.[0]
  return (
    <section className="page">
      <p>
        <Link to="/admin/bodies">{t('admin.backToBodies')}</Link>
      </p>
      <h1>{loaded.title}</h1>
      {errors.form ? <FormMessage tone="error">{errors.form[0]}</FormMessage> : null}
      <Form method="post" className="stack">
        <fieldset>
          <legend>{t('admin.name')}</legend>
          {err('name') ? <p className="field-error">{err('name')}</p> : null}
          {supportedLocales.map((l) => (
            <Field key={l} name={`name_${l}`} label={t('admin.nameIn', { language: l.toUpperCase() })} defaultValue={values[`name_${l}`] ?? ''} />
          ))}
        </fieldset>
        <Field name="slug" label={t('admin.slug')} hint={t('admin.slugHint')} error={err('slug')} defaultValue={values.slug ?? ''} />
        <Field name="email" type="email" label={t('admin.email')} hint={t('admin.emailHint')} error={err('email')} defaultValue={values.email ?? ''} />
        <Field name="category" label={t('admin.category')} error={err('category')} defaultValue={values.category ?? ''} />
        <Field name="areaId" label={t('admin.area')} error={err('areaId')}>
          <select id="field-areaId" name="areaId" defaultValue={values.areaId ?? ''}>
            <option value="">{t('admin.noArea')}</option>
            {loaded.areas.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
        <Field name="parentId" label={t('admin.parent')} error={err('parentId')}>
          <select id="field-parentId" name="parentId" defaultValue={values.parentId ?? ''}>
            <option value="">{t('admin.noParent')}</option>
            {loaded.parents.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <Field name="law" label={t('admin.law')} error={err('law')}>
          <select id="field-law" name="law" defaultValue={values.law ?? ''}>
            {LAW_IDS.map((l) => (
              <option key={l} value={l}>
                {t(`laws.${l}.name`)}
              </option>
            ))}
          </select>
        </Field>
        <label>
          <input type="checkbox" name="active" defaultChecked={values.active === 'on'} /> {t('admin.active')}
        </label>
        <div>
          <button type="submit">{t('admin.save')}</button>
        </div>
      </Form>
    </section>
  )
}
