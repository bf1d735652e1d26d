import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../components/forms'
import { useNames } from '../components/useNames'
import { cityDefaultLocale } from '../lib/localized.server'
import { idParam, refusal, servicesAdmin, servicesForm } from '../modules/services/admin.server'
import { CategoryForm, QuestionForm } from '../modules/services/components/CategoryForm'
import { localizedValues } from '../modules/services/components/ServicesForm'
import { formatOptions } from '../modules/services/schema'
import { deleteCategory, deleteQuestion, getCategory, saveCategory, saveQuestion } from '../modules/services/services.server'

/** /admin/services/categories/:id — a report category and its questions (its Open311 service definition) (admin:settings). */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { t } = await servicesAdmin(request)
  const category = await getCategory(idParam(params.id))
  if (!category) throw new Response('Not Found', { status: 404 })
  const done = new URL(request.url).searchParams.get('done')
  return { title: t('services:categories.title'), category, defaultLocale: cityDefaultLocale(), done: done === 'saved' || done === 'deleted' ? done : null }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const id = idParam(params.id)
  const { user, t } = await servicesAdmin(request)
  const fields = await servicesForm(request)
  const here = `/admin/services/categories/${id}`
  const questionId = /^\d{1,12}$/.test(fields.questionId ?? '') ? Number(fields.questionId) : undefined
  switch (fields.intent) {
    case 'delete': {
      const result = await deleteCategory(user.id, id)
      if (!result.ok) return refusal(t, result.status, result.errors, fields, 'category')
      return redirect('/admin/services/categories?done=deleted')
    }
    case 'question': {
      const result = await saveQuestion(user.id, id, fields, questionId)
      if (!result.ok) return refusal(t, result.status, result.errors, fields, questionId ? `q${questionId}` : 'question')
      return redirect(`${here}?done=saved`)
    }
    case 'deleteQuestion': {
      if (!questionId) throw new Response('Bad Request', { status: 400 })
      const result = await deleteQuestion(user.id, id, questionId)
      if (!result.ok) return refusal(t, result.status, result.errors, fields, `q${questionId}`)
      return redirect(`${here}?done=deleted`)
    }
    default: {
      const result = await saveCategory(user.id, fields, id)
      if (!result.ok) return refusal(t, result.status, result.errors, fields, 'category')
      return redirect(`${here}?done=saved`)
    }
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function AdminCategory() {
  const { category: c, defaultLocale, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('services')
  const n = useNames()
  const stateOf = (target: string, values: Record<string, string>) =>
    result?.target === target ? { values: result.values as Record<string, string>, errors: result.errors as Record<string, string> } : { values, errors: {} as Record<string, string> }
  const category = stateOf('category', {
    code: c.code,
    colour: c.colour ?? '',
    keywords: c.keywords,
    position: String(c.position),
    active: c.active ? 'on' : '',
    ...localizedValues('name', c.name),
    ...localizedValues('group', c.group),
    ...localizedValues('description', c.description),
  })
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/services/categories">{t('categories.title')}</Link>
      </p>
      <h1>
        {n(c.name)} <code>{c.code}</code>
      </h1>
      {done ? <FormMessage tone="success">{t(done)}</FormMessage> : null}
      <CategoryForm prefix="category" id={c.id} values={category.values} errors={category.errors} defaultLocale={defaultLocale} />
      <Form method="post">
        <input type="hidden" name="intent" value="delete" />
        <p className="field__hint">{t('categories.deleteHint')}</p>
        <button type="submit">{t('delete')}</button>
      </Form>
      <section aria-labelledby="questions">
        <h2 id="questions">{t('categories.questions')}</h2>
        <p>{t('categories.questionsIntro')}</p>
        {c.questions.map((q) => {
          const state = stateOf(`q${q.id}`, {
            code: q.code,
            datatype: q.datatype,
            required: q.required ? 'on' : '',
            position: String(q.position),
            options: formatOptions(q.options),
            ...localizedValues('description', q.description),
            ...localizedValues('hint', q.hint),
          })
          return (
            <details key={q.id} open={result?.target === `q${q.id}`}>
              <summary>
                {n(q.description)} <code>{q.code}</code> · {t(`categories.datatypes.${q.datatype}`)}
              </summary>
              <QuestionForm prefix={`q${q.id}`} questionId={q.id} values={state.values} errors={state.errors} defaultLocale={defaultLocale} />
              <Form method="post">
                <input type="hidden" name="intent" value="deleteQuestion" />
                <input type="hidden" name="questionId" value={q.id} />
                <button type="submit">{t('delete')}</button>
              </Form>
            </details>
          )
        })}
        <h3>{t('categories.newQuestion')}</h3>
        <QuestionForm prefix="question" {...stateOf('question', { position: String(c.questions.length + 1) })} defaultLocale={defaultLocale} />
      </section>
    </section>
  )
}
