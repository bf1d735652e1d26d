import { useTranslation } from 'react-i18next'
import { supportedLocales } from '../../../lib/i18n'
import { Field, fieldIds } from '../../../components/forms'

/**
 * One field per language for a name an administrator enters (`<name>_en`, `<name>_es`, …),
 * grouped under the name's label; the default language first.
 */
export function LocalizedFields({
  name,
  label,
  hint,
  values,
  errors,
  languages,
  multiline = false,
  rows = 6,
}: {
  name: string
  label: string
  hint?: string
  values: Record<string, string | undefined>
  errors?: Record<string, string[] | undefined>
  languages: readonly string[]
  multiline?: boolean
  rows?: number
}) {
  const { t } = useTranslation('city')
  const shown = supportedLocales.filter((l) => languages.includes(l))
  return (
    <fieldset className="localized">
      <legend>{label}</legend>
      {hint ? <p className="field__hint">{hint}</p> : null}
      {shown.map((l) => {
        const field = `${name}_${l}`
        const error = errors?.[field]?.[0]
        const fieldLabel = t('fields.inLanguage', { language: t(`common:language.${l}`) })
        if (!multiline) return <Field key={l} name={field} label={fieldLabel} defaultValue={values[field] ?? ''} error={error} />
        const { id, described } = fieldIds(field, { error })
        return (
          <Field key={l} name={field} label={fieldLabel} error={error}>
            <textarea id={id} name={field} rows={rows} defaultValue={values[field] ?? ''} lang={l} aria-invalid={error ? true : undefined} aria-describedby={described} />
          </Field>
        )
      })}
    </fieldset>
  )
}

/** Checkboxes for the enabled languages and a select for the default one. */
export function LanguageChoice({ enabled, defaultLocale, error }: { enabled: readonly string[]; defaultLocale: string; error?: string }) {
  const { t } = useTranslation('city')
  return (
    <>
      <fieldset aria-describedby={error ? 'languages-error' : undefined}>
        <legend>{t('fields.languages')}</legend>
        <p className="field__hint">{t('hints.languages')}</p>
        {error ? (
          <p className="field-error" id="languages-error">
            {error}
          </p>
        ) : null}
        {supportedLocales.map((l) => (
          <label key={l} className="choice" lang={l}>
            <input type="checkbox" name={`language_${l}`} defaultChecked={enabled.includes(l)} />
            {t(`common:language.${l}`)}
          </label>
        ))}
      </fieldset>
      <Field name="defaultLocale" label={t('fields.defaultLocale')}>
        <select id="field-defaultLocale" name="defaultLocale" defaultValue={defaultLocale}>
          {supportedLocales.map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`common:language.${l}`)}
            </option>
          ))}
        </select>
      </Field>
    </>
  )
}
