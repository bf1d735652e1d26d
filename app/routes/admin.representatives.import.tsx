import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { CsvImportForm, CsvImportResult } from '../components/CsvImport'
import { FormMessage } from '../components/forms'
import { CSV_COLUMNS, CSV_MAX_BYTES, CSV_MAX_ROWS, applyImport, planImport, type ImportPlan } from '../modules/letters/representatives-csv.server'
import { readBoundedForm } from '../modules/letters/representatives-form.server'

/**
 * /admin/representatives/import — CSV import (admin:settings): "check" is a dry run listing what
 * each row would do and each error with its line and column; "import" applies every valid row in
 * one write, or nothing when "only if every row is valid" is ticked and some row is not.
 * The template is at /admin/representatives/template.csv.
 */

const SHOWN_ROWS = 1000

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  return { title: t('representatives:import.title'), columns: CSV_COLUMNS.join(', '), maxRows: CSV_MAX_ROWS }
}

type Outcome = {
  errors?: Record<string, string>
  mode?: 'check' | 'apply'
  plan?: ImportPlan & { messages: Record<number, string[]> }
  fatal?: string
  applied?: boolean
  created?: number
  updated?: number
  onlyIfNoErrors?: boolean
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  // A little over the file's limit for the form around it; the file itself is checked again below.
  const read = await readBoundedForm(request, CSV_MAX_BYTES + 64 * 1024)
  if (read.kind === 'tooLarge') return data<Outcome>({ errors: { file: t('representatives:csv.tooLarge', { max: '2 MB' }) } }, { status: 413 })
  if (read.kind === 'malformed') return data<Outcome>({ errors: { file: t('representatives:errors.malformed') } }, { status: 400 })
  const file = read.form.get('file')
  if (!(file instanceof File) || file.size === 0) return data<Outcome>({ errors: { file: t('representatives:import.fileRequired') } }, { status: 400 })
  const bytes = Buffer.from(await file.arrayBuffer())
  const mode = read.form.get('intent') === 'apply' ? 'apply' : 'check'
  const onlyIfNoErrors = read.form.get('onlyIfNoErrors') === 'on'
  const result = mode === 'apply' ? await applyImport(admin.id, bytes, { onlyIfNoErrors, sourceName: file.name }) : { plan: await planImport(bytes), applied: false, created: 0, updated: 0 }
  const { plan } = result
  if (plan.fatal) return data<Outcome>({ errors: { file: t(`representatives:${plan.fatal.key}`, plan.fatal.values) } }, { status: 400 })
  const messages: Record<number, string[]> = {}
  for (const row of plan.rows.slice(0, SHOWN_ROWS)) {
    messages[row.line] = row.problems.map((p) => {
      const message = t(`representatives:${p.key}`, p.values)
      return p.column ? t('representatives:import.problem', { column: p.column, message }) : message
    })
  }
  return data<Outcome>({ mode, onlyIfNoErrors, plan: { ...plan, rows: plan.rows.slice(0, SHOWN_ROWS), messages }, applied: result.applied, created: result.created, updated: result.updated })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function ImportRepresentatives() {
  const { title, columns, maxRows } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as Outcome | undefined
  const { t } = useTranslation('representatives')
  const plan = result?.plan
  return (
    <section className="page">
      <p>
        <Link to="/admin/representatives">{t('admin.back')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('import.intro')}</p>
      <p>{t('import.format', { columns, rows: maxRows })}</p>
      <p>
        <a href="/admin/representatives/template.csv" download>
          {t('import.template')}
        </a>
      </p>
      {result?.errors?.file ? <FormMessage tone="error">{result.errors.file}</FormMessage> : null}
      {plan ? (
        <CsvImportResult
          ns="representatives"
          plan={plan}
          mode={result?.mode}
          applied={result?.applied}
          created={result?.created}
          updated={result?.updated}
          appliedKey="import.appliedSummary"
          columns={[
            { label: 'admin.name', value: (row) => row.name },
            { label: 'admin.email', value: (row) => row.email },
          ]}
        />
      ) : null}
      <CsvImportForm ns="representatives" error={result?.errors?.file} onlyIfNoErrors={result?.onlyIfNoErrors} />
    </section>
  )
}
