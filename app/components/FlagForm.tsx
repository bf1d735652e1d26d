import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'

/**
 * "Report this to a moderator" under any content item (reports, proposals, …): a reason and an
 * optional note, posted with intent=flag to the item's own page, which calls flagContent.
 */
export function FlagForm({ action, reasons, labels }: { action: string; reasons: readonly string[]; labels: { summary: string; reason: string; note: string; submit: string } }) {
  const { t } = useTranslation('deliberation')
  return (
    <details className="flag-form">
      <summary>{labels.summary}</summary>
      <Form method="post" action={action} className="stack">
        <input type="hidden" name="intent" value="flag" />
        <label htmlFor="flag-reason">{labels.reason}</label>
        <select id="flag-reason" name="reason" defaultValue="spam">
          {reasons.map((r) => (
            <option key={r} value={r}>
              {t(`reasons.${r}`)}
            </option>
          ))}
        </select>
        <label htmlFor="flag-note">{labels.note}</label>
        <textarea id="flag-note" name="note" rows={2} maxLength={1000} />
        <button type="submit" className="secondary">
          {labels.submit}
        </button>
      </Form>
    </details>
  )
}
