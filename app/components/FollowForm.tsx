import { Form, Link, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { FollowKind, FollowMode } from '../modules/notifications/follow'
import { Field, fieldIds } from './forms'
import { HoneypotField } from './HoneypotField'

/**
 * "Follow by e-mail" for a report, proposal, petition, vote or area page: e-mail (prefilled when
 * logged in), at once or a daily digest, one button. A plain POST to /follow (no JavaScript
 * needed), which comes back to `back` with ?followed=pending|active#follow, shown here as a notice;
 * errors come back on /follow's own page with the values kept.
 */
export function FollowForm({
  targetKind,
  targetId,
  back,
  email = '',
  mode = 'immediate',
  errors = {},
  showNotice = true,
}: {
  targetKind: FollowKind
  targetId: number
  /** The page to come back to (its path). */
  back: string
  email?: string
  mode?: FollowMode
  errors?: Record<string, string | undefined>
  showNotice?: boolean
}) {
  const { t } = useTranslation('notifications')
  const [params] = useSearchParams()
  const followed = showNotice ? params.get('followed') : null
  const what = t(`kinds.${targetKind}`)
  const modeIds = fieldIds('follow-mode', { error: errors.mode })
  return (
    <section id="follow" className="follow-form" aria-labelledby="follow-heading">
      <h2 id="follow-heading">{t('form.heading')}</h2>
      {followed === 'pending' ? (
        <p className="notice notice--success" role="status">
          {t('form.pending')}
        </p>
      ) : null}
      {followed === 'active' ? (
        <p className="notice notice--success" role="status">
          {t('form.active', { what })} <Link to="/account/subscriptions">{t('form.manage')}</Link>
        </p>
      ) : null}
      {errors.form ? (
        <p className="notice notice--error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <p>{t('form.intro', { what })}</p>
      <Form method="post" action="/follow" className="stack" noValidate>
        <input type="hidden" name="targetKind" value={targetKind} />
        <input type="hidden" name="targetId" value={targetId} />
        <input type="hidden" name="back" value={back} />
        <Field name="follow-email" label={t('form.email')} type="email" autoComplete="email" defaultValue={email} error={errors.email} required>
          <input
            id="field-follow-email"
            name="email"
            type="email"
            autoComplete="email"
            defaultValue={email}
            required
            maxLength={254}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={errors.email ? 'field-follow-email-error' : undefined}
          />
        </Field>
        <fieldset className={`field${errors.mode ? ' field--error' : ''}`} aria-describedby={modeIds.described}>
          <legend>{t('form.mode')}</legend>
          {errors.mode ? (
            <p className="field-error" id={`${modeIds.id}-error`}>
              {errors.mode}
            </p>
          ) : null}
          <label>
            <input type="radio" name="mode" value="immediate" defaultChecked={mode === 'immediate'} /> {t('form.immediate')}
          </label>
          <label>
            <input type="radio" name="mode" value="daily" defaultChecked={mode === 'daily'} /> {t('form.daily')}
          </label>
        </fieldset>
        <HoneypotField />
        <button type="submit">{t('form.submit')}</button>
      </Form>
    </section>
  )
}
