import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { CsvImportForm, CsvImportResult } from '../components/CsvImport'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { BODY_CSV_COLUMNS, BODY_CSV_MAX_BYTES, BODY_CSV_MAX_ROWS, applyBodyImport, planBodyImport, type BodyImportPlan } from '../modules/foi/bodies.server'
import { readBoundedForm } from '../modules/letters/representatives-form.server'

/**
 * /admin/bodies/import — public bodies from CSV (admin:settings): "check" is a dry run listing each
 * row's action and each problem with its line and column; "import" applies the valid rows in one
 * write (or nothing when asked "only if every row is valid"). Audited.
 */
const SHOWN_ROWS = 1000

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  return { title: t('foi:import.title'), columns: BODY_CSV_COLUMNS.join(', '), maxRows: BODY_CSV_MAX_ROWS }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Outcome = {
  error?: string
  mode?: 'check' | 'apply'
  plan?: BodyImportPlan & { messages: Record<number, string[]> }
  applied?: boolean
  created?: number
  updated?: number
  onlyIfNoErrors?: boolean
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const read = await readBoundedForm(request, BODY_CSV_MAX_BYTES + 64 * 1024)
  if (read.kind === 'tooLarge') return data<Outcome>({ error: t('foi:import.tooLarge') }, { status: 413 })
  if (read.kind === 'malformed') return data<Outcome>({ error: t('foi:import.unreadable') }, { status: 400 })
  const file = read.form.get('file')
  if (!(file instanceof File) || file.size === 0) return data<Outcome>({ error: t('foi:import.fileRequired') }, { status: 400 })
  const bytes = Buffer.from(await file.arrayBuffer())
  const mode = read.form.get('intent') === 'apply' ? 'apply' : 'check'
  const onlyIfNoErrors = read.form.get('onlyIfNoErrors') === 'on'
  const result = mode === 'apply' ? await applyBodyImport(admin.id, bytes, { onlyIfNoErrors, sourceName: file.name }) : { plan: await planBodyImport(bytes), applied: false, created: 0, updated: 0 }
  const { plan } = result
  if (plan.fatal) return data<Outcome>({ error: t(`foi:${plan.fatal.key}`, { columns: BODY_CSV_COLUMNS.join(', '), ...plan.fatal.values }) }, { status: 400 })
  const messages: Record<number, string[]> = {}
  for (const row of plan.rows.slice(0, SHOWN_ROWS)) messages[row.line] = row.problems.map((p) => t('foi:import.problem', { column: p.column ?? '—', message: t(`foi:${p.key}`) }))
  return data<Outcome>({ mode, onlyIfNoErrors, plan: { ...plan, rows: plan.rows.slice(0, SHOWN_ROWS), messages }, applied: result.applied, created: result.created, updated: result.updated })
}

export default function ImportBodies() {
  const { title, columns, maxRows } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as Outcome | undefined
  const { t } = useTranslation('foi')
  const plan = result?.plan
  return (
    <section className="page">
      <p>
        <Link to="/admin/bodies">{t('admin.backToBodies')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('import.format', { columns, rows: maxRows })}</p>
      {plan ? (
        <CsvImportResult
          ns="foi"
          plan={plan}
          mode={result?.mode}
          applied={result?.applied}
          created={result?.created}
          updated={result?.updated}
          appliedKey="import.applied"
          columns={[
            { label: 'admin.slug', value: (row) => row.slug },
            { label: 'admin.name', value: (row) => row.name },
          ]}
        />
      ) : null}
      <CsvImportForm ns="foi" error={result?.error} onlyIfNoErrors={result?.onlyIfNoErrors} />
    </section>
  )
}
