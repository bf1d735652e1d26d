import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { FieldErrors } from '../../../lib/forms'

export interface PdfRedactionValues {
  id: string
  pages: string
  words: string
  areas: string
}

type Stored = { pages: number[]; words: string[]; areas: Array<{ page: number; x: number; y: number; width: number; height: number }> } | null

/** What a stored redaction looks like in the form's fields. */
export function redactionValues(id: number, stored: Stored): PdfRedactionValues {
  return {
    id: String(id),
    pages: stored?.pages.join(', ') ?? '',
    words: stored?.words.join('\n') ?? '',
    areas: stored?.areas.map((a) => `${a.page} ${a.x} ${a.y} ${a.width} ${a.height}`).join('\n') ?? '',
  }
}

/**
 * Redacting a PDF's pages (the requester and administrators): pages withheld whole, words blacked
 * out wherever they appear, areas blacked out. A plain POST form; errors next to their field.
 */
export function PdfRedactionForm({ values, errors }: { values: PdfRedactionValues; errors?: FieldErrors }) {
  const { t } = useTranslation('foi')
  const field = (name: 'pages' | 'words' | 'areas') => `pdf-${name}-${values.id}`
  const error = (name: 'pages' | 'words' | 'areas') =>
    errors?.[name] ? (
      <p className="field-error" id={`${field(name)}-error`}>
        {errors[name]![0]}
      </p>
    ) : null
  const describedBy = (name: 'pages' | 'words' | 'areas') => [`${field(name)}-hint`, errors?.[name] ? `${field(name)}-error` : ''].filter(Boolean).join(' ')
  return (
    <details open={Boolean(errors)}>
      <summary>{t('redaction.summary')}</summary>
      <Form method="post" className="stack" data-testid={`foi-pdf-redaction-${values.id}`}>
        <input type="hidden" name="intent" value="redactPdf" />
        <input type="hidden" name="id" value={values.id} />
        <p>{t('redaction.intro')}</p>
        <div className="field">
          <label htmlFor={field('pages')}>{t('redaction.pages')}</label>
          <p className="field__hint" id={`${field('pages')}-hint`}>
            {t('redaction.pagesHint')}
          </p>
          {error('pages')}
          <input id={field('pages')} name="pages" defaultValue={values.pages} aria-describedby={describedBy('pages')} aria-invalid={errors?.pages ? true : undefined} />
        </div>
        <div className="field">
          <label htmlFor={field('words')}>{t('redaction.words')}</label>
          <p className="field__hint" id={`${field('words')}-hint`}>
            {t('redaction.wordsHint')}
          </p>
          {error('words')}
          <textarea id={field('words')} name="words" rows={3} defaultValue={values.words} aria-describedby={describedBy('words')} aria-invalid={errors?.words ? true : undefined} />
        </div>
        <div className="field">
          <label htmlFor={field('areas')}>{t('redaction.areas')}</label>
          <p className="field__hint" id={`${field('areas')}-hint`}>
            {t('redaction.areasHint')}
          </p>
          {error('areas')}
          <textarea id={field('areas')} name="areas" rows={2} defaultValue={values.areas} aria-describedby={describedBy('areas')} aria-invalid={errors?.areas ? true : undefined} />
        </div>
        <div>
          <button type="submit">{t('redaction.save')}</button>
        </div>
      </Form>
    </details>
  )
}
