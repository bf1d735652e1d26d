import { useTranslation } from 'react-i18next'
import { Field } from '../../../components/forms'

/**
 * Form pieces of the services admin: one input per language for a name (`<field>_en/_es/_fr`),
 * the default language marked required. Plain inputs: the forms work without JavaScript.
 */
export const LOCALES = ['en', 'es', 'fr'] as const

export function LocalizedInputs({
  prefix,
  field,
  label,
  values,
  errors,
  defaultLocale,
  multiline = false,
}: {
  prefix: string
  field: string
  label: string
  values: Record<string, string>
  errors: Record<string, string>
  defaultLocale: string
  multiline?: boolean
}) {
  const { t } = useTranslation('services')
  return (
    <fieldset className="stack">
      <legend>{label}</legend>
      {LOCALES.map((locale) => {
        const name = `${field}_${locale}`
        const id = `${prefix}-${name}`
        const error = errors[name]
        const described = [locale === defaultLocale ? `field-${id}-hint` : null, error ? `field-${id}-error` : null].filter(Boolean).join(' ') || undefined
        return (
          <Field
            key={locale}
            name={id}
            label={t('inLanguage', { field: label, language: t(`languages.${locale}`) })}
            error={error}
            hint={locale === defaultLocale ? t('defaultRequired', { language: t(`languages.${locale}`) }) : undefined}
          >
            {multiline ? (
              <textarea
                id={`field-${id}`}
                name={name}
                rows={2}
                defaultValue={values[name] ?? ''}
                aria-invalid={error ? true : undefined}
                aria-describedby={described}
                required={locale === defaultLocale}
              />
            ) : (
              <input
                id={`field-${id}`}
                name={name}
                defaultValue={values[name] ?? ''}
                aria-invalid={error ? true : undefined}
                aria-describedby={described}
                required={locale === defaultLocale && field === 'name'}
                lang={locale}
              />
            )}
          </Field>
        )
      })}
    </fieldset>
  )
}

/** A text input with its label, hint and error. */
export function TextInput({
  prefix,
  name,
  label,
  hint,
  values,
  errors,
  type = 'text',
}: {
  prefix: string
  name: string
  label: string
  hint?: string
  values: Record<string, string>
  errors: Record<string, string>
  type?: string
}) {
  const id = `${prefix}-${name}`
  const error = errors[name]
  const described = [hint ? `field-${id}-hint` : null, error ? `field-${id}-error` : null].filter(Boolean).join(' ') || undefined
  return (
    <Field name={id} label={label} hint={hint} error={error}>
      <input id={`field-${id}`} name={name} type={type} defaultValue={values[name] ?? ''} aria-invalid={error ? true : undefined} aria-describedby={described} />
    </Field>
  )
}

/** The values of a localized field for a form: `<field>_<lng>`. */
export function localizedValues(field: string, value: Partial<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(LOCALES.map((l) => [`${field}_${l}`, value[l] ?? '']))
}
