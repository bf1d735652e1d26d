import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'

/**
 * The requester's or an administrator's text redaction of an answer or of a document (a plain POST
 * form, intent `redact`): the public text, starting from the original. A document's form can also
 * withhold the file itself (`hideFile`).
 */
export function RedactTextForm({ target, id, original, hideFile }: { target: 'message' | 'attachment'; id: number; original: string; hideFile?: boolean }) {
  const { t } = useTranslation('foi')
  const field = `redact-${target === 'message' ? 'm' : 'a'}-${id}`
  return (
    <details>
      <summary>{t('request.redact')}</summary>
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="redact" />
        <input type="hidden" name="target" value={target} />
        <input type="hidden" name="id" value={id} />
        <label htmlFor={field}>{t('request.redactText')}</label>
        <textarea id={field} name="text" rows={6} defaultValue={original} />
        {hideFile !== undefined ? (
          <label>
            <input type="checkbox" name="hideFile" defaultChecked={hideFile} /> {t('request.hideFile')}
          </label>
        ) : null}
        <div>
          <button type="submit">{t('request.redactSave')}</button>
        </div>
      </Form>
    </details>
  )
}
