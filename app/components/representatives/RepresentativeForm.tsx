import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage, fieldIds } from '../forms'
import { AreaOptions } from '../AreaSelect'

/** The administrators' representative form (new and edit): every field with its error next to it. */

export interface FormOptions {
  levels: Array<{ code: string; name: string; areaLevel: string }>
  areas: Array<{ slug: string; name: string; level: string; parentSlug: string | null }>
}

export function RepresentativeForm({
  options,
  values,
  errors,
  submitLabel,
  photo,
}: {
  options: FormOptions
  values: Record<string, string>
  errors: Record<string, string>
  submitLabel: string
  photo?: { thumbUrl: string | null; name: string }
}) {
  const { t } = useTranslation('representatives')
  const level = fieldIds('level', { error: errors.level })
  const area = fieldIds('area', { hint: 'x', error: errors.area })
  const photoIds = fieldIds('photo', { hint: 'x', error: errors.photo })
  const city = options.areas.filter((a) => a.level === 'city')
  return (
    <Form method="post" encType="multipart/form-data" className="stack" noValidate>
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <input type="hidden" name="intent" value="save" />
      <Field name="name" label={t('fields.name')} error={errors.name} defaultValue={values.name} required autoComplete="off" />
      {/* The role per language (issue 16 part 7); one is enough, the others fall back to it. */}
      <Field name="role_en" label={t('fields.roleIn', { language: 'English' })} hint={t('fields.roleHint')} error={errors.role} defaultValue={values.role_en} />
      <Field name="role_es" label={t('fields.roleIn', { language: 'Español' })} defaultValue={values.role_es} />
      <Field name="role_fr" label={t('fields.roleIn', { language: 'Français' })} defaultValue={values.role_fr} />
      <Field name="level" label={t('fields.level')} error={errors.level}>
        <select id={level.id} name="level" defaultValue={values.level ?? ''} aria-describedby={level.described} aria-invalid={errors.level ? true : undefined}>
          <option value="">{t('fields.chooseLevel')}</option>
          {options.levels.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </Field>
      <Field name="area" label={t('fields.area')} hint={t('fields.areaHint')} error={errors.area}>
        <select id={area.id} name="area" defaultValue={values.area ?? ''} aria-describedby={area.described} aria-invalid={errors.area ? true : undefined}>
          <option value="">{t('fields.chooseArea')}</option>
          {city.map((c) => (
            <option key={c.slug} value={c.slug}>
              {t('fields.city', { name: c.name })}
            </option>
          ))}
          <AreaOptions areas={options.areas} wholeDistrict={(name) => t('admin.wholeDistrict', { name })} />
        </select>
      </Field>
      <Field name="party" label={t('fields.party')} error={errors.party} defaultValue={values.party} />
      <Field name="email" type="email" label={t('fields.email')} hint={t('fields.emailHint')} error={errors.email} defaultValue={values.email} required inputMode="email" autoComplete="off" />
      <Field name="activeFrom" label={t('fields.activeFrom')} hint={t('fields.dateHint')} error={errors.activeFrom} defaultValue={values.activeFrom} />
      <Field name="activeUntil" label={t('fields.activeUntil')} hint={t('fields.dateHint')} error={errors.activeUntil} defaultValue={values.activeUntil} />
      {photo?.thumbUrl ? (
        <figure>
          <img className="rep-admin-thumb" src={photo.thumbUrl} alt={t('member.photoAlt', { name: photo.name })} width={96} height={96} />
          <figcaption>{t('admin.photoCurrent')}</figcaption>
          <label>
            <input type="checkbox" name="removePhoto" /> {t('admin.removePhoto')}
          </label>
        </figure>
      ) : null}
      <Field name="photo" label={t('fields.photo')} hint={t('fields.photoHint')} error={errors.photo}>
        <input id={photoIds.id} name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/avif" aria-describedby={photoIds.described} aria-invalid={errors.photo ? true : undefined} />
      </Field>
      {Object.keys(errors).length > 0 ? <p className="field__hint">{t('admin.photoAgain')}</p> : null}
      <button type="submit">{submitLabel}</button>
    </Form>
  )
}
