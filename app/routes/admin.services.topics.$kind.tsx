import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { cityDefaultLocale } from '../lib/localized.server'
import { refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { LocalizedInputs, TextInput, localizedValues } from '../modules/services/components/ServicesForm'
import { deleteSimpleCategory, listSimpleCategories, saveSimpleCategory, type SimpleCategoryKind } from '../modules/services/services.server'

/** /admin/services/topics/proposal|petition — proposal and petition categories, named per language (admin:settings). */

const kindOf = (value: string | undefined): SimpleCategoryKind => {
  if (value === 'proposal' || value === 'petition') return value
  throw new Response('Not Found', { status: 404 })
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const kind = kindOf(params.kind)
  const { t } = await servicesAdmin(request)
  const done = new URL(request.url).searchParams.get('done')
  return { title: t(`services:topics.${kind}`), kind, categories: await listSimpleCategories(kind), defaultLocale: cityDefaultLocale(), done: done === 'saved' || done === 'deleted' ? done : null }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const kind = kindOf(params.kind)
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  const id = /^\d{1,12}$/.test(fields.id ?? '') ? Number(fields.id) : undefined
  if (fields.intent === 'delete' && id) {
    const result = await deleteSimpleCategory(user.id, kind, id)
    if (!result.ok) return refusal(t, result.status, result.errors, fields, String(id))
    return redirect(`/admin/services/topics/${kind}?done=deleted`)
  }
  const result = await saveSimpleCategory(user.id, kind, fields, id)
  if (!result.ok) return refusal(t, result.status, result.errors, fields, id ? String(id) : 'new')
  return redirect(`/admin/services/topics/${kind}?done=saved`)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

function TopicForm({ prefix, id, values, errors, defaultLocale }: { prefix: string; id?: number; values: Record<string, string>; errors: Record<string, string>; defaultLocale: string }) {
  const { t } = useTranslation('services')
  return (
    <Form method="post" className="stack">
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {id ? <input type="hidden" name="id" value={id} /> : null}
      <TextInput prefix={prefix} name="code" label={t('topics.code')} hint={t('topics.codeHint')} values={values} errors={errors} />
      <LocalizedInputs prefix={prefix} field="name" label={t('topics.name')} values={values} errors={errors} defaultLocale={defaultLocale} />
      <TextInput prefix={prefix} name="position" label={t('topics.position')} values={values} errors={errors} />
      <button type="submit">{id ? t('save') : t('add')}</button>
    </Form>
  )
}

export default function AdminTopics() {
  const { title, categories, defaultLocale, done } = useLoaderData<typeof loader>()
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
      {categories.length === 0 ? <p>{t('none')}</p> : null}
      {categories.map((c) => {
        const state = stateOf(String(c.id), { code: c.code, position: String(c.position), ...localizedValues('name', c.name) })
        return (
          <details key={c.id} open={result?.target === String(c.id)}>
            <summary>
              {n(c.name)} <code>{c.code}</code>
            </summary>
            <TopicForm prefix={`c${c.id}`} id={c.id} values={state.values} errors={state.errors} defaultLocale={defaultLocale} />
            <Form method="post">
              <input type="hidden" name="id" value={c.id} />
              <input type="hidden" name="intent" value="delete" />
              <p className="field__hint">{t('topics.deleteHint')}</p>
              <button type="submit">{t('delete')}</button>
            </Form>
          </details>
        )
      })}
      <section aria-labelledby="topic-new">
        <h2 id="topic-new">{t('topics.new')}</h2>
        <TopicForm prefix="new" {...stateOf('new', { position: String(categories.length) })} defaultLocale={defaultLocale} />
      </section>
    </section>
  )
}
