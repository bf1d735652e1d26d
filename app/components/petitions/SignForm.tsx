import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../forms'
import { HoneypotField } from '../HoneypotField'
import { LocationPicker, type PickerArea } from '../map/LocationPicker'
import type { BBox, MapClientConfig } from '../map/types'
import { AreaOptions } from '../AreaSelect'

/**
 * The petition's sign form (no JavaScript needed): name, e-mail, where the signer lives (the
 * location picker, or the district/neighbourhood list), "e-mail me the council's response". After
 * an error the fields keep what was typed and each error sits next to its field; after signing,
 * the notice that matches `signed` (from `?signed=` on the page) replaces the form.
 *
 * `areas` and `map` come from signFormData() (signatures.server.ts) in the page's loader; without
 * them the form falls back to typed coordinates.
 */

export type SignFormErrors = Record<string, string | string[] | undefined>

export interface SignFormProps {
  petition: { id: number; state: string; area_id?: number | null; closes_at?: string | null }
  user: { displayName?: string | null; email?: string | null } | null
  errors?: SignFormErrors
  values?: Partial<Record<'name' | 'email' | 'lat' | 'lng' | 'area' | 'updates', string>>
  signed?: string | null
  sponsorToken?: string
  areas?: PickerArea[]
  map?: { config: MapClientConfig; bounds: BBox } | null
  /** the area signers must live in, by name (restricted petitions) */
  areaName?: string | null
}

const SIGNED_NOTICES = ['pending', 'counted', 'thanks', 'blocked', 'confirmed'] as const

export function SignForm({ petition, user, errors = {}, values, signed, sponsorToken, areas = [], map, areaName }: SignFormProps) {
  const { t } = useTranslation('signatures')
  const error = (name: string): string | undefined => {
    const value = errors[name]
    const key = Array.isArray(value) ? value[0] : value
    return key ? t(key) : undefined
  }

  if (signed && (SIGNED_NOTICES as readonly string[]).includes(signed)) {
    const notice = signed as (typeof SIGNED_NOTICES)[number]
    return (
      <section className="sign-form" aria-labelledby="sign-form-title">
        <h2 id="sign-form-title">{t(sponsorToken ? 'form.sponsorTitle' : 'form.title')}</h2>
        <FormMessage tone={notice === 'blocked' ? 'error' : 'success'}>{t(`signed.${notice}`)}</FormMessage>
      </section>
    )
  }

  const open = petition.state === 'open' || (Boolean(sponsorToken) && petition.state === 'sponsoring')
  if (!open) {
    return (
      <section className="sign-form" aria-labelledby="sign-form-title">
        <h2 id="sign-form-title">{t('form.title')}</h2>
        <p>{t(petition.state === 'closed' ? 'errors.closed' : 'errors.notOpen')}</p>
      </section>
    )
  }

  const v = values ?? { name: user?.displayName ?? '', email: user?.email ?? '', updates: 'on' }
  const locationErrors = { lat: error('lat'), lng: error('lng'), area: error('area'), location: error('location') }
  const action = sponsorToken ? `/petitions/${petition.id}/sponsor/${sponsorToken}` : `/petitions/${petition.id}`
  return (
    <section className="sign-form" aria-labelledby="sign-form-title">
      <h2 id="sign-form-title">{t(sponsorToken ? 'form.sponsorTitle' : 'form.title')}</h2>
      {error('form') ? <FormMessage tone="error">{error('form')}</FormMessage> : null}
      {areaName ? <p>{t('form.restricted', { area: areaName })}</p> : null}
      <Form method="post" action={action} noValidate>
        <input type="hidden" name="intent" value="sign" />
        {sponsorToken ? <input type="hidden" name="sponsor" value={sponsorToken} /> : null}
        <HoneypotField />
        <Field name="name" label={t('form.name')} autoComplete="name" required defaultValue={v.name ?? ''} error={error('name')} />
        {user ? (
          // Logged in: the signature uses the account's own address (not editable; see signPetition).
          <div className="field">
            <p>{t('form.email')}</p>
            <p data-testid="sign-account-email">
              <strong>{user.email}</strong>
            </p>
            <p className="field__hint">{t('form.accountEmailHint')}</p>
            {error('email') ? <p className="field-error">{error('email')}</p> : null}
          </div>
        ) : (
          <Field name="email" type="email" inputMode="email" label={t('form.email')} hint={t('form.emailHint')} autoComplete="email" required defaultValue={v.email ?? ''} error={error('email')} />
        )}
        {map ? (
          <LocationPicker
            config={map.config}
            bounds={map.bounds}
            areas={areas}
            defaults={{ lat: v.lat, lng: v.lng, area: v.area }}
            errors={locationErrors}
            legend={t('form.where')}
            id="sign-location"
          />
        ) : (
          <fieldset className="sign-form__where">
            <legend>{t('form.where')}</legend>
            {locationErrors.location ? (
              <p className="field-error" id="sign-location-error">
                {locationErrors.location}
              </p>
            ) : null}
            {areas.length > 0 ? (
              <div className={`field${locationErrors.area ? ' field--error' : ''}`}>
                <label htmlFor="sign-area">{t('form.area')}</label>
                {locationErrors.area ? (
                  <p className="field-error" id="sign-area-error">
                    {locationErrors.area}
                  </p>
                ) : null}
                <select
                  id="sign-area"
                  name="area"
                  defaultValue={v.area ?? ''}
                  aria-invalid={locationErrors.area ? true : undefined}
                  aria-describedby={locationErrors.area ? 'sign-area-error' : undefined}
                >
                  <option value="">{t('form.areaChoose')}</option>
                  <AreaOptions areas={areas} wholeDistrict={(name) => t('form.wholeDistrict', { name })} />
                </select>
              </div>
            ) : (
              <>
                <Field name="lat" label={t('form.lat')} inputMode="text" defaultValue={v.lat ?? ''} error={locationErrors.lat} />
                <Field name="lng" label={t('form.lng')} inputMode="text" defaultValue={v.lng ?? ''} error={locationErrors.lng} />
              </>
            )}
          </fieldset>
        )}
        <div className="field field--checkbox">
          <input id="field-updates" name="updates" type="checkbox" defaultChecked={Boolean(v.updates)} />
          <label htmlFor="field-updates">{t('form.updates')}</label>
        </div>
        <p className="field__hint">{t('form.privacy')}</p>
        <button type="submit">{t(sponsorToken ? 'form.sponsorSubmit' : 'form.submit')}</button>
      </Form>
    </section>
  )
}
