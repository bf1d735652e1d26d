import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { Field, FormMessage } from '../components/forms'
import { censusSize, importCensus, type CensusReport } from '../modules/accounts/census.server'
import { fail, type FormFailure } from '../modules/accounts/form.server'

const MAX_BYTES = 50 * 1024 * 1024

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:census')
  const { t } = await translatorFor(request)
  return { title: t('accounts:admin.censusTitle'), size: await censusSize() }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:census')
  const { t } = await translatorFor(request)
  // Refused before reading a byte when the declared size is over the limit.
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES) return fail(413, { file: [t('accounts:errors.fileTooLarge')] })
  const file = (await readForm(request)).get('file')
  if (!(file instanceof File) || file.size === 0) return fail(400, { file: [t('accounts:errors.fileRequired')] })
  if (file.size > MAX_BYTES) return fail(413, { file: [t('accounts:errors.fileTooLarge')] })
  const report = await importCensus(await file.text(), { importedBy: admin.id, sourceName: file.name || 'upload.csv' })
  return { report, size: await censusSize() }
}

export default function AdminCensus() {
  const { size } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { report?: undefined }) | { report: CensusReport; size: number; errors?: undefined } | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <h1>{t('admin.censusTitle')}</h1>
      <p>{t('admin.censusSize', { count: result?.report ? result.size : size })}</p>
      {result?.report ? (
        <section aria-labelledby="census-result">
          <h2 id="census-result">{t('admin.resultTitle')}</h2>
          <dl className="facts">
            <div>
              <dt>{t('admin.added')}</dt>
              <dd data-testid="census-added">{result.report.added}</dd>
            </div>
            <div>
              <dt>{t('admin.updated')}</dt>
              <dd data-testid="census-updated">{result.report.updated}</dd>
            </div>
            <div>
              <dt>{t('admin.rejected')}</dt>
              <dd data-testid="census-rejected">{result.report.rejected.length}</dd>
            </div>
          </dl>
          {result.report.rejected.length ? (
            <table className="data-table cards">
              <thead>
                <tr>
                  <th scope="col">{t('admin.row')}</th>
                  <th scope="col">{t('admin.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {result.report.rejected.slice(0, 500).map((r) => (
                  <tr key={`${r.row}-${r.reason}`}>
                    <td data-label={t('admin.row')}>{r.row}</td>
                    <td data-label={t('admin.reason')}>{t(`admin.reasons.${r.reason}`, { detail: r.detail ?? '' })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
      {result?.errors?.file ? <FormMessage tone="error">{result.errors.file[0]}</FormMessage> : null}
      <Form method="post" encType="multipart/form-data" className="stack">
        <Field name="file" label={t('fields.file')} hint={t('hints.census')} error={result?.errors?.file?.[0]}>
          <input id="field-file" name="file" type="file" accept=".csv,text/csv" aria-describedby="field-file-hint" />
        </Field>
        <button type="submit">{t('admin.upload')}</button>
      </Form>
    </section>
  )
}
