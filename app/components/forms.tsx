import { Form } from '@remix-run/react'
import type { ReactNode } from 'react'

/**
 * Form pieces shared by every capability: a labelled field with its hint and its error next to it
 * (aria-describedby, aria-invalid), and a form-level message. Values come back after an error, so
 * nothing a person typed is lost.
 */
/** The id a field's control takes and the ids that describe it (for a control passed as children). */
export function fieldIds(name: string, { hint, error }: { hint?: string; error?: string }) {
  const id = `field-${name}`
  return { id, described: [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined }
}

export function Field({
  name,
  label,
  type = 'text',
  error,
  hint,
  defaultValue,
  autoComplete,
  required,
  children,
  inputMode,
}: {
  name: string
  label: string
  type?: string
  error?: string
  hint?: string
  defaultValue?: string
  autoComplete?: string
  required?: boolean
  inputMode?: 'email' | 'numeric' | 'text'
  children?: ReactNode
}) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {withCodes(hint)}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      {children ?? (
        <input
          id={id}
          name={name}
          type={type}
          defaultValue={defaultValue}
          autoComplete={autoComplete}
          required={required}
          inputMode={inputMode}
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
        />
      )}
    </div>
  )
}

export function FormMessage({ tone, children }: { tone: 'error' | 'success' | 'info'; children: ReactNode }) {
  return (
    <div className={`notice notice--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}

/** Text that names codes as written in a file (`document_number`, `threshold_reached`): each shown as code, not as words (issue 18). */
export function withCodes(text: string): ReactNode {
  const parts = text.split(/\b([a-z]+(?:_[a-z]+)+)\b/)
  return parts.length === 1 ? text : parts.map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))
}

/**
 * A one-button POST form acting on one row of a list (revoke a key, resend a delivery, remove a
 * site): the intent and the row's id as hidden fields, and a secondary button whose accessible
 * name says which row. Works without JavaScript.
 */
export function RowActionForm({ intent, field, value, label, accessibleName }: { intent: string; field: string; value: string | number; label: string; accessibleName: string }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name={field} value={value} />
      <button type="submit" className="secondary" aria-label={accessibleName}>
        {label}
      </button>
    </Form>
  )
}
