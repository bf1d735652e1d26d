import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { applyConfiguration, stageConfiguration, stagedConfiguration, type ConfigurationProblem } from '../modules/configuration/configuration.server'
import { describeProblem } from '../modules/geo/import/messages'

/**
 * /admin/configuration: download the city's configuration, or upload one (from staging, or a
 * neighbouring town) — validated whole, its changes listed, then applied in one transaction.
 */

const MAX_BYTES = 20 * 1024 * 1024

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const token = new URL(request.url).searchParams.get('import')
  const found = token && /^[a-z0-9]{10,100}$/.test(token) ? await stagedConfiguration(token) : token ? ({ kind: 'notFound' } as const) : null
  // Problems as sentences (the geography's come from the geo module's messages).
  const staged = found?.kind === 'invalid' ? { kind: 'invalid' as const, problems: found.problems.map((p) => problemText(t, p)) } : found
  return { title: t('configuration:title'), token, staged }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

function problemText(t: Parameters<typeof describeProblem>[0], p: ConfigurationProblem) {
  if (p.area) return `${p.path}: ${describeProblem(t, p.area)}`
  const [key, value] = p.message.split('|')
  return `${p.path ? `${p.path}: ` : ''}${t(`configuration:problems.${key}`, { value, defaultValue: t('configuration:problems.invalidValue') })}`
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES) return fail(413, { file: [t('configuration:errors.tooLarge')] })
  const form = await readForm(request)
  const fields = formFields(form)
  if (fields.intent === 'apply') {
    const token = fields.token ?? ''
    const result = /^[a-z0-9]{10,100}$/.test(token) ? await applyConfiguration(admin.id, token) : ({ kind: 'notFound' } as const)
    if (result.kind === 'applied') return { applied: result.changes }
    if (result.kind === 'invalid') return fail(409, { form: result.problems.map((p) => problemText(t, p)) })
    return fail(result.kind === 'alreadyApplied' ? 409 : 404, { form: [t(`configuration:errors.${result.kind}`)] })
  }
  const file = form.get('file')
  if (!(file instanceof File) || file.size === 0) return fail(400, { file: [t('configuration:errors.fileRequired')] })
  if (file.size > MAX_BYTES) return fail(413, { file: [t('configuration:errors.tooLarge')] })
  const staged = await stageConfiguration(admin.id, await file.text(), file.name || 'configuration.json')
  if (staged.kind === 'invalid') return fail(400, { file: staged.problems.map((p) => problemText(t, p)) })
  throw redirect(`/admin/configuration?import=${staged.token}`)
}

export default function AdminConfiguration() {
  const { staged, token } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { applied?: undefined }) | { applied: number; errors?: undefined } | undefined
  const { t } = useTranslation('configuration')
  const errors = result?.errors ?? {}
  return (
    <section className="page narrow">
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {result?.applied !== undefined ? <FormMessage tone="success">{t('applied', { count: result.applied })}</FormMessage> : null}
      {errors.form ? (
        <FormMessage tone="error">
          <ul>
            {errors.form.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </FormMessage>
      ) : null}
      <h2>{t('exportTitle')}</h2>
      <p>{t('exportIntro')}</p>
      <p>
        <a href="/admin/configuration.json" download>
          {t('download')}
        </a>
      </p>
      {staged && result?.applied === undefined ? (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">{t('previewTitle')}</h2>
          {staged.kind === 'notFound' ? <FormMessage tone="error">{t('errors.notFound')}</FormMessage> : null}
          {staged.kind === 'invalid' ? (
            <FormMessage tone="error">
              <ul>
                {staged.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </FormMessage>
          ) : null}
          {staged.kind === 'ok' ? (
            <>
              <p>{t('previewIntro', { file: staged.fileName })}</p>
              {staged.changes.length === 0 ? (
                <p>{t('noChanges')}</p>
              ) : (
                <table className="data-table cards" data-testid="configuration-changes">
                  <caption>{t('changesCaption', { count: staged.changes.length })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('columns.kind')}</th>
                      <th scope="col">{t('columns.item')}</th>
                      <th scope="col">{t('columns.change')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {staged.changes.map((c) => (
                      <tr key={`${c.kind}:${c.key}`}>
                        <td data-label={t('columns.kind')}>{t(`kinds.${c.kind}`)}</td>
                        <td data-label={t('columns.item')}>{c.key}</td>
                        <td data-label={t('columns.change')}>{t(`changes.${c.change}`)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {staged.applied ? (
                <p>{t('errors.alreadyApplied')}</p>
              ) : (
                <Form method="post" reloadDocument>
                  <input type="hidden" name="intent" value="apply" />
                  <input type="hidden" name="token" value={token ?? ''} />
                  <button type="submit">{t('apply')}</button>
                </Form>
              )}
            </>
          ) : null}
        </section>
      ) : null}
      <h2>{t('importTitle')}</h2>
      <p>{t('importIntro')}</p>
      <Form method="post" encType="multipart/form-data" reloadDocument className="stack">
        <div className="field">
          <label htmlFor="configuration-file">{t('file')}</label>
          <input
            id="configuration-file"
            name="file"
            type="file"
            accept="application/json,.json"
            aria-describedby={errors.file ? 'configuration-file-error' : undefined}
            aria-invalid={errors.file ? true : undefined}
          />
          {errors.file ? (
            <ul id="configuration-file-error" className="field-error">
              {errors.file.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          ) : null}
        </div>
        <button type="submit">{t('preview')}</button>
      </Form>
    </section>
  )
}
