import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../useNames'
import { Field, FormMessage } from '../forms'
import { HoneypotField } from '../HoneypotField'
import { LocationPicker, type PickerArea } from '../map/LocationPicker'
import type { BBox, MapClientConfig } from '../map/types'
import { AreaOptions } from '../AreaSelect'

export interface PetitionFormProps {
  /** A box, ticked unless unticked, to follow the new petition by e-mail (new form, confirmed address). */
  offerFollow?: boolean
  values: {
    title: string
    action: string
    background: string
    target: string
    department: string
    representative: string
    restriction: string
    category: string
    lat: string
    lng: string
    area: string
    follow?: string
  }
  errors: Record<string, string>
  targets: { departments: Array<{ id: number; name: string }>; representatives: Array<{ id: number; name: string; role: string }> }
  /** The administrator's petition categories (names already in the reader's language); none: no field. */
  categories?: Array<{ code: string; name: string }>
  areas: Array<{ slug: string; name: string; level: string; parentSlug: string | null }>
  map: { config: MapClientConfig; bounds: BBox; areas: PickerArea[] } | null
  previewHtml: string | null
  sponsors: number
  city: string
}

/**
 * The petition form (new and edit): every field keeps what was typed after an error, errors sit
 * next to their fields; "Preview" renders the background's Markdown on the server (no JavaScript
 * needed); "Save as draft" keeps it private; "Gather sponsors" sends it on.
 */
export function PetitionForm({ values, errors, targets, categories = [], areas, map, previewHtml, sponsors, city, offerFollow }: PetitionFormProps) {
  const { t: tf } = useTranslation('notifications')
  const { t } = useTranslation('petitions')
  const n = useNames()
  const described = (name: string, hint = true) => [hint ? `field-${name}-hint` : null, errors[name] ? `field-${name}-error` : null].filter(Boolean).join(' ') || undefined
  return (
    <Form method="post" className="stack petition-form" noValidate>
      <HoneypotField />
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <Field name="title" label={t('fields.title')} hint={t('hints.title')} error={errors.title}>
        <input id="field-title" name="title" type="text" defaultValue={values.title} maxLength={200} required aria-invalid={errors.title ? true : undefined} aria-describedby={described('title')} />
      </Field>
      <Field name="action" label={t('fields.action')} hint={t('hints.action')} error={errors.action}>
        <textarea id="field-action" name="action" rows={3} defaultValue={values.action} required aria-invalid={errors.action ? true : undefined} aria-describedby={described('action')} />
      </Field>
      <Field name="background" label={t('fields.background')} hint={t('hints.background')} error={errors.background}>
        <textarea id="field-background" name="background" rows={10} defaultValue={values.background} aria-invalid={errors.background ? true : undefined} aria-describedby={described('background')} />
      </Field>
      {previewHtml ? (
        <section className="petition-preview" aria-labelledby="preview-heading" data-testid="petition-preview">
          <h2 id="preview-heading">{t('form.previewHeading')}</h2>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: previewHtml }} />
        </section>
      ) : null}
      <fieldset className="stack">
        <legend>{t('fields.target')}</legend>
        {errors.target ? (
          <p className="field-error" id="field-target-error">
            {errors.target}
          </p>
        ) : null}
        <div className="field">
          <input type="radio" id="target-council" name="target" value="council" defaultChecked={values.target === 'council'} /> <label htmlFor="target-council">{t('targets.council')}</label>
        </div>
        {targets.departments.length ? (
          <div className="field">
            <input type="radio" id="target-department" name="target" value="department" defaultChecked={values.target === 'department'} />{' '}
            <label htmlFor="target-department">{t('targets.department')}</label>
            <Field name="department" label={t('fields.department')} error={errors.department}>
              <select
                id="field-department"
                name="department"
                defaultValue={values.department}
                aria-invalid={errors.department ? true : undefined}
                aria-describedby={errors.department ? 'field-department-error' : undefined}
              >
                <option value="">{t('form.choose')}</option>
                {targets.departments.map((d) => (
                  <option key={d.id} value={d.id}>
                    {n(d.name)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        ) : null}
        {targets.representatives.length ? (
          <div className="field">
            <input type="radio" id="target-representative" name="target" value="representative" defaultChecked={values.target === 'representative'} />{' '}
            <label htmlFor="target-representative">{t('targets.representative')}</label>
            <Field name="representative" label={t('fields.representative')} error={errors.representative}>
              <select
                id="field-representative"
                name="representative"
                defaultValue={values.representative}
                aria-invalid={errors.representative ? true : undefined}
                aria-describedby={errors.representative ? 'field-representative-error' : undefined}
              >
                <option value="">{t('form.choose')}</option>
                {targets.representatives.map((r) => (
                  <option key={r.id} value={r.id}>
                    {`${r.name} (${n(r.role)})`}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        ) : null}
      </fieldset>
      {categories.length ? (
        <Field name="category" label={t('fields.category')} hint={t('hints.category')} error={errors.category}>
          <select id="field-category" name="category" defaultValue={values.category} aria-invalid={errors.category ? true : undefined} aria-describedby={described('category')}>
            <option value="">{t('form.noCategory')}</option>
            {categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field name="restriction" label={t('fields.restriction')} hint={t('hints.restriction')} error={errors.restriction}>
        {/* AreaSelect's control is named "area" (the location picker's field): this one is "restriction". */}
        <select id="field-restriction" name="restriction" defaultValue={values.restriction} aria-invalid={errors.restriction ? true : undefined} aria-describedby={described('restriction')}>
          <option value="">{t('form.anyone')}</option>
          <AreaOptions areas={areas} wholeDistrict={(name) => t('form.wholeDistrict', { name })} />
        </select>
      </Field>
      {map ? (
        <>
          <LocationPicker config={map.config} bounds={map.bounds} areas={map.areas} defaults={values} errors={errors} legend={t('form.placeLegend', { city })} />
          {values.lat || values.lng ? (
            <div className="field">
              <input type="checkbox" id="field-noPlace" name="noPlace" /> <label htmlFor="field-noPlace">{t('form.noPlace')}</label>
            </div>
          ) : null}
        </>
      ) : null}
      {errors.location ? <p className="field-error">{errors.location}</p> : null}
      {offerFollow ? (
        <label className="choice">
          <input type="checkbox" name="follow" defaultChecked={values.follow !== 'off'} /> {tf('author.follow')}
        </label>
      ) : null}
      <div className="button-row">
        <button type="submit" name="intent" value="preview" className="secondary">
          {t('form.preview')}
        </button>
        <button type="submit" name="intent" value="draft" className="secondary">
          {t('form.saveDraft')}
        </button>
        <button type="submit" name="intent" value="gather">
          {sponsors > 0 ? t('form.gather', { count: sponsors }) : t('form.submit')}
        </button>
      </div>
    </Form>
  )
}
