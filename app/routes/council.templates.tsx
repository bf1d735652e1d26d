import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import councilStyles from '../components/charts/charts.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatedErrors } from '../lib/forms'
import { Field, FormMessage } from '../components/forms'
import { TEXT_MAX, councilScope, createTemplate, deleteTemplate, mayManageTemplate, stateLabels, templatesFor, updateTemplate, type TemplateInput } from '../modules/reports/council.server'
import { actorFromUser, reportStates } from '../modules/reports/reports.server'

/**
 * /council/templates — response templates: texts staff post as public updates, chosen in the
 * triage form or posted automatically when a report moves to a state. Staff manage their own
 * departments' templates; administrators any department's, and those shared by every department.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: councilStyles }]

const templateSchema = z.object({
  title: z.string().trim().min(1, 'council:templates.errors.title').max(120, 'council:templates.errors.titleLong'),
  text: z.string().trim().min(1, 'council:templates.errors.text').max(TEXT_MAX, 'council:templates.errors.textLong'),
  // 'all': every department; otherwise a department's id.
  department: z.string().regex(/^(all|\d{1,12})$/, 'council:templates.errors.department'),
  autoState: z
    .string()
    .max(64, 'council:templates.errors.autoState')
    .regex(/^[a-z0-9_-]*$/, 'council:templates.errors.autoState'),
})

const idOf = (value: string | null | undefined) => (value && /^\d{1,12}$/.test(value) ? Number(value) : null)

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { t } = await translatorFor(request)
  const url = new URL(request.url)
  const scope = await councilScope(user)
  const [templates, states, labels] = await Promise.all([templatesFor(scope.all ? 'all' : scope.departments.map((d) => d.id)), reportStates(), stateLabels(t)])
  const rows = templates.map((tpl) => ({ ...tpl, autoLabel: tpl.autoState ? (labels[tpl.autoState] ?? tpl.autoState) : null, mayEdit: mayManageTemplate(user, tpl.departmentId) }))
  const editId = idOf(url.searchParams.get('edit'))
  const editing = rows.find((r) => r.id === editId && r.mayEdit) ?? null
  const saved = url.searchParams.get('saved')
  return {
    title: t('council:templates.title'),
    templates: rows,
    editing,
    departments: scope.departments,
    all: scope.all,
    states: [...states.entries()].filter(([, s]) => s.kind === 'open' || s.kind === 'fixed' || s.kind === 'closed').map(([code]) => ({ code, label: labels[code] ?? code })),
    saved: saved === 'created' || saved === 'updated' || saved === 'deleted' ? saved : null,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const actor = actorFromUser(user)
  const intent = fields.intent
  const id = idOf(fields.id)
  const values = {
    title: (fields.title ?? '').slice(0, 10_000),
    text: (fields.text ?? '').slice(0, 20_000),
    department: fields.department ?? '',
    autoState: fields.autoState ?? '',
    id: fields.id ?? '',
  }
  const fail = (status: number, errors: Record<string, string[] | undefined>) => data({ errors, values }, { status })

  if (intent === 'delete') {
    if (id === null) return fail(400, { form: [t('council:templates.errors.notFound')] })
    const result = await deleteTemplate(actor, id)
    if (result.kind === 'notFound') return fail(404, { form: [t('council:templates.errors.notFound')] })
    if (result.kind === 'forbidden') return fail(403, { form: [t('council:templates.errors.forbidden')] })
    return redirect('/council/templates?saved=deleted')
  }
  if (intent !== 'create' && intent !== 'update') return fail(400, { form: [t('council:templates.errors.intent')] })
  if (intent === 'update' && id === null) return fail(400, { form: [t('council:templates.errors.notFound')] })
  const parsed = templateSchema.safeParse(fields)
  if (!parsed.success) return fail(400, translatedErrors(parsed.error, t))
  const input: TemplateInput = {
    title: parsed.data.title,
    text: parsed.data.text,
    departmentId: parsed.data.department === 'all' ? null : Number(parsed.data.department),
    autoState: parsed.data.autoState || null,
  }
  const result = intent === 'create' ? await createTemplate(actor, input) : await updateTemplate(actor, id!, input)
  switch (result.kind) {
    case 'ok':
      return redirect(`/council/templates?saved=${intent === 'create' ? 'created' : 'updated'}`)
    case 'notFound':
      return fail(404, { form: [t('council:templates.errors.notFound')] })
    case 'forbidden':
      return fail(403, { department: [t('council:templates.errors.forbidden')] })
    case 'unknownState':
    case 'badState':
      return fail(400, { autoState: [t('council:templates.errors.autoState')] })
    case 'autoTaken':
      return fail(409, { autoState: [t('council:templates.errors.autoTaken', { title: result.title })] })
  }
}

type ActionResult = { errors: Record<string, string[] | undefined>; values: Record<string, string> } | undefined

export default function CouncilTemplates() {
  const d = useLoaderData<typeof loader>()
  const failed = useActionData<typeof action>() as ActionResult
  const { t } = useTranslation('council')
  const e = failed?.errors ?? {}
  const editing = d.editing
  const fromFailure = failed && (failed.values.id ? Number(failed.values.id) === editing?.id : !editing)
  const value = (name: 'title' | 'text' | 'department' | 'autoState', fallback: string) => (fromFailure ? (failed.values[name] ?? fallback) : fallback)
  const ownDepartment = d.departments.length === 1 ? String(d.departments[0]!.id) : ''

  return (
    <section className="page council">
      <p>
        <Link to="/council/reports">{t('report.back')}</Link>
      </p>
      <h1>{t('templates.title')}</h1>
      <p>{t('templates.intro')}</p>
      {d.saved ? <FormMessage tone="success">{t(`templates.saved.${d.saved}`)}</FormMessage> : null}
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}

      {d.templates.length === 0 ? (
        <p>{t('templates.none')}</p>
      ) : (
        <ul className="template-list">
          {d.templates.map((tpl) => (
            <li key={tpl.id}>
              <h2>{tpl.title}</h2>
              <p>
                {tpl.departmentName ?? t('templates.everyDepartment')}
                {tpl.autoLabel ? ` · ${t('templates.autoOn', { state: tpl.autoLabel })}` : ''}
              </p>
              <p className="template-list__text">{tpl.text}</p>
              {tpl.mayEdit ? (
                <div className="inline-form">
                  <Link to={`/council/templates?edit=${tpl.id}#template-form`}>{t('templates.edit', { title: tpl.title })}</Link>
                  <Form method="post">
                    <input type="hidden" name="intent" value="delete" />
                    <input type="hidden" name="id" value={tpl.id} />
                    <button type="submit" className="secondary">
                      {t('templates.delete')}
                    </button>
                  </Form>
                </div>
              ) : (
                <p className="field__hint">{t('templates.readOnly')}</p>
              )}
            </li>
          ))}
        </ul>
      )}

      <Form method="post" className="stack council-form" id="template-form" noValidate key={editing?.id ?? 'new'}>
        <h2>{editing ? t('templates.editing', { title: editing.title }) : t('templates.new')}</h2>
        <input type="hidden" name="intent" value={editing ? 'update' : 'create'} />
        {editing ? <input type="hidden" name="id" value={editing.id} /> : null}
        <Field name="title" label={t('templates.fields.title')} defaultValue={value('title', editing?.title ?? '')} error={e.title?.[0]} />
        <div className={`field${e.text ? ' field--error' : ''}`}>
          <label htmlFor="field-text">{t('templates.fields.text')}</label>
          <p className="field__hint" id="field-text-hint">
            {t('templates.hints.text')}
          </p>
          {e.text ? (
            <p className="field-error" id="field-text-error">
              {e.text[0]}
            </p>
          ) : null}
          <textarea
            id="field-text"
            name="text"
            rows={5}
            defaultValue={value('text', editing?.text ?? '')}
            aria-invalid={e.text ? true : undefined}
            aria-describedby={`field-text-hint${e.text ? ' field-text-error' : ''}`}
          />
        </div>
        <Field name="department" label={t('templates.fields.department')} error={e.department?.[0]}>
          <select
            id="field-department"
            name="department"
            defaultValue={value('department', editing ? (editing.departmentId === null ? 'all' : String(editing.departmentId)) : ownDepartment)}
            aria-invalid={e.department ? true : undefined}
            aria-describedby={e.department ? 'field-department-error' : undefined}
          >
            {d.all ? <option value="all">{t('templates.everyDepartment')}</option> : null}
            {d.departments.map((dep) => (
              <option key={dep.id} value={dep.id}>
                {dep.name}
              </option>
            ))}
          </select>
        </Field>
        <Field name="autoState" label={t('templates.fields.autoState')} hint={t('templates.hints.autoState')} error={e.autoState?.[0]}>
          <select
            id="field-autoState"
            name="autoState"
            defaultValue={value('autoState', editing?.autoState ?? '')}
            aria-invalid={e.autoState ? true : undefined}
            aria-describedby={`field-autoState-hint${e.autoState ? ' field-autoState-error' : ''}`}
          >
            <option value="">{t('templates.never')}</option>
            {d.states.map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
        <p className="inline-form">
          <button type="submit">{editing ? t('templates.save') : t('templates.create')}</button>
          {editing ? <Link to="/council/templates">{t('templates.cancel')}</Link> : null}
        </p>
      </Form>
    </section>
  )
}
