import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../../../components/forms'
import { DATATYPES } from '../schema'
import { LocalizedInputs, TextInput } from './ServicesForm'

/** A report category's form: code, names per language, group, colour, order, offered or not. */
export function CategoryForm({ prefix, id, values, errors, defaultLocale }: { prefix: string; id?: number; values: Record<string, string>; errors: Record<string, string>; defaultLocale: string }) {
  const { t } = useTranslation('services')
  return (
    <Form method="post" className="stack">
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {id ? <input type="hidden" name="intent" value="category" /> : null}
      <TextInput prefix={prefix} name="code" label={t('categories.code')} hint={t('categories.codeHint')} values={values} errors={errors} />
      <LocalizedInputs prefix={prefix} field="name" label={t('categories.name')} values={values} errors={errors} defaultLocale={defaultLocale} />
      <LocalizedInputs prefix={prefix} field="group" label={t('categories.group')} values={values} errors={errors} defaultLocale="" />
      <LocalizedInputs prefix={prefix} field="description" label={t('categories.description')} values={values} errors={errors} defaultLocale="" multiline />
      <TextInput prefix={prefix} name="colour" label={t('categories.colour')} hint={t('categories.colourHint')} values={values} errors={errors} />
      <TextInput prefix={prefix} name="keywords" label={t('categories.keywords')} values={values} errors={errors} />
      <TextInput prefix={prefix} name="position" label={t('categories.position')} values={values} errors={errors} />
      <div className="field">
        <input type="checkbox" id={`field-${prefix}-active`} name="active" defaultChecked={values.active === 'on'} /> <label htmlFor={`field-${prefix}-active`}>{t('categories.active')}</label>
      </div>
      <button type="submit">{id ? t('save') : t('add')}</button>
    </Form>
  )
}

/** A question's form: code, type, required, the question and its hint per language, the choices. */
export function QuestionForm({
  prefix,
  questionId,
  values,
  errors,
  defaultLocale,
}: {
  prefix: string
  questionId?: number
  values: Record<string, string>
  errors: Record<string, string>
  defaultLocale: string
}) {
  const { t } = useTranslation('services')
  const datatype = `${prefix}-datatype`
  const options = `${prefix}-options`
  return (
    <Form method="post" className="stack">
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <input type="hidden" name="intent" value="question" />
      {questionId ? <input type="hidden" name="questionId" value={questionId} /> : null}
      <TextInput prefix={prefix} name="code" label={t('categories.questionCode')} hint={t('categories.questionCodeHint')} values={values} errors={errors} />
      <Field name={datatype} label={t('categories.datatype')} error={errors.datatype}>
        <select
          id={`field-${datatype}`}
          name="datatype"
          defaultValue={values.datatype ?? 'string'}
          aria-invalid={errors.datatype ? true : undefined}
          aria-describedby={errors.datatype ? `field-${datatype}-error` : undefined}
        >
          {DATATYPES.map((d) => (
            <option key={d} value={d}>
              {t(`categories.datatypes.${d}`)}
            </option>
          ))}
        </select>
      </Field>
      <div className="field">
        <input type="checkbox" id={`field-${prefix}-required`} name="required" defaultChecked={values.required === 'on'} />{' '}
        <label htmlFor={`field-${prefix}-required`}>{t('categories.required')}</label>
      </div>
      <LocalizedInputs prefix={prefix} field="description" label={t('categories.question')} values={values} errors={errors} defaultLocale={defaultLocale} />
      <LocalizedInputs prefix={prefix} field="hint" label={t('categories.hint')} values={values} errors={errors} defaultLocale="" />
      <Field name={options} label={t('categories.options')} hint={t('categories.optionsHint')} error={errors.options}>
        <textarea
          id={`field-${options}`}
          name="options"
          rows={4}
          defaultValue={values.options ?? ''}
          aria-invalid={errors.options ? true : undefined}
          aria-describedby={[`field-${options}-hint`, errors.options ? `field-${options}-error` : null].filter(Boolean).join(' ')}
        />
      </Field>
      <TextInput prefix={prefix} name="position" label={t('categories.position')} values={values} errors={errors} />
      <button type="submit">{questionId ? t('save') : t('add')}</button>
    </Form>
  )
}
