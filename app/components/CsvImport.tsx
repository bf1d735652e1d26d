import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from './forms'

/**
 * The two halves of an admin CSV import page (public bodies, representatives): the result of a
 * "check" or an "import" (counts, each row's action and problems by line), and the form that sends
 * the file. Texts come from the page's own namespace, which has the same `import.*` keys.
 */

export interface ImportRow {
  line: number
  action: string
}

export interface ImportPlanView<R extends ImportRow> {
  rows: R[]
  counts: { create: number; update: number; unchanged?: number; error: number }
  messages: Record<number, string[]>
}

export function CsvImportResult<R extends ImportRow>({
  ns,
  plan,
  mode,
  applied,
  created,
  updated,
  appliedKey,
  columns,
}: {
  ns: string
  plan: ImportPlanView<R>
  mode?: 'check' | 'apply'
  applied?: boolean
  created?: number
  updated?: number
  /** The catalog key of the "applied" message (it names created and updated). */
  appliedKey: string
  /** The row's own columns between the line number and the action: a catalog key and a value. */
  columns: Array<{ label: string; value: (row: R) => string }>
}) {
  const { t } = useTranslation(ns)
  const total = plan.counts.create + plan.counts.update + (plan.counts.unchanged ?? 0) + plan.counts.error
  return (
    <section aria-labelledby="import-result" data-testid="import-result">
      <h2 id="import-result">{t('import.rowsHeading')}</h2>
      <p data-testid="import-summary">{t('import.summary', plan.counts)}</p>
      {mode === 'apply' ? applied ? <FormMessage tone="success">{t(appliedKey, { created, updated })}</FormMessage> : <FormMessage tone="error">{t('import.notApplied')}</FormMessage> : null}
      {plan.rows.length < total ? <p>{t('import.shown', { shown: plan.rows.length, total })}</p> : null}
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('import.line')}</th>
              {columns.map((c) => (
                <th key={c.label} scope="col">
                  {t(c.label)}
                </th>
              ))}
              <th scope="col">{t('import.action')}</th>
              <th scope="col">{t('import.problems')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.rows.map((row) => (
              <tr key={row.line} data-testid={`line-${row.line}`}>
                <td>{row.line}</td>
                {columns.map((c) => (
                  <td key={c.label}>{c.value(row)}</td>
                ))}
                <td>{t(`import.actions.${row.action}`)}</td>
                <td>{(plan.messages[row.line] ?? []).join(' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export function CsvImportForm({ ns, error, onlyIfNoErrors }: { ns: string; error?: string; onlyIfNoErrors?: boolean }) {
  const { t } = useTranslation(ns)
  return (
    <Form method="post" encType="multipart/form-data" className="stack">
      <Field name="file" label={t('import.file')} error={error}>
        <input id="field-file" name="file" type="file" accept=".csv,text/csv" aria-describedby={error ? 'field-file-error' : undefined} />
      </Field>
      <label>
        <input type="checkbox" name="onlyIfNoErrors" defaultChecked={onlyIfNoErrors ?? true} /> {t('import.onlyIfNoErrors')}
      </label>
      <div>
        <button type="submit" name="intent" value="check">
          {t('import.check')}
        </button>{' '}
        <button type="submit" name="intent" value="apply">
          {t('import.apply')}
        </button>
      </div>
    </Form>
  )
}
