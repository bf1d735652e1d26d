import { Form } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../../../components/useNames'
import type { ProposalState } from '../../../../db/schema'
import { Field, FormMessage } from '../../../components/forms'
import { HoneypotField } from '../../../components/HoneypotField'
import { LocationPicker, type PickerArea } from '../../../components/map/LocationPicker'
import type { BBox, MapClientConfig } from '../../../components/map/types'
import { formatters } from '../../../lib/format'
import { escapeHtml } from '../../../lib/html'

/** UI pieces of the proposals capability: state badge, support progress, list card, the form. */

export function StateBadge({ state }: { state: ProposalState }) {
  const { t } = useTranslation('proposals')
  return <span className={`badge proposal-state proposal-state--${state}`}>{t(`states.${state}`)}</span>
}

/**
 * Supports against the threshold: a native <progress> (announced by screen readers with its
 * label) and the same numbers in words beside it.
 */
export function SupportProgress({ id, supports, threshold, locale }: { id: number; supports: number; threshold: number; locale: string }) {
  const { t } = useTranslation('proposals')
  const f = formatters(locale)
  const percent = threshold > 0 ? Math.min(100, (supports / threshold) * 100) : 100
  const labelId = `support-progress-${id}`
  return (
    <div className="support-progress" data-testid="support-progress">
      <p id={labelId} className="support-progress__label">
        {t('progress.label', { supports: f.integer.format(supports), threshold: f.integer.format(threshold), count: supports })}
      </p>
      <progress aria-labelledby={labelId} max={threshold} value={Math.min(supports, threshold)} aria-valuetext={t('progress.percent', { percent: f.decimal.format(percent) })} />
      <p className="support-progress__percent">{t('progress.percent', { percent: f.decimal.format(percent) })}</p>
    </div>
  )
}

export interface CardData {
  id: number
  title: string
  summary: string
  state: ProposalState
  supports: number
  categoryName: string | null
  areaName: string | null
  districtName: string | null
  authorName: string | null
  tags: string[]
  imageId: number | null
  publishedAt: string | null
}

/** What a card needs besides its proposal: the page's words and formats (one set per page). */
export interface CardWords {
  /** The proposals namespace's translator. */
  t: (key: string, options?: Record<string, unknown>) => string
  /** Administrators' names in the page's language (useNames). */
  n: (value: string | null | undefined) => string
  locale: string
  threshold: number
}

/**
 * A proposal's card in the list, written as text (ADR 159): the bytes React wrote for the card
 * component this replaced (ProposalParts.test.tsx renders that component and compares), every value
 * through escapeHtml, React's own escaping. The list page is not hydrated (handle.hydrate = false), so
 * no React in the browser ever owns these elements. React separates adjacent text nodes with
 * `<!-- -->`; they are kept so the page reads the same.
 */
export function proposalCardHtml(p: CardData, { t, n, locale, threshold }: CardWords): string {
  const f = formatters(locale)
  const areaName = p.areaName && n(p.areaName)
  const districtName = p.districtName && n(p.districtName)
  const place = areaName && districtName && areaName !== districtName ? `${areaName}, ${districtName}` : (areaName ?? districtName)
  let html = '<li class="proposal-card">'
  if (p.imageId) html += `<img class="proposal-card__image" src="/proposals/images/${escapeHtml(p.imageId)}/thumb.jpg" alt="" width="160" height="90" loading="lazy"/>`
  html += `<div><h3 class="proposal-card__title"><a data-discover="true" href="/proposals/${escapeHtml(p.id)}">${escapeHtml(p.title)}</a></h3>`
  html += `<p class="proposal-card__summary">${escapeHtml(p.summary)}</p>`
  html += `<p class="proposal-card__meta"><span class="badge proposal-state proposal-state--${escapeHtml(p.state)}">${escapeHtml(t(`states.${p.state}`))}</span> · `
  html += textAfterText(t('supportsOf', { count: p.supports, supports: f.integer.format(p.supports), threshold: f.integer.format(threshold) }))
  if (p.categoryName) html += textAfterText(` · ${n(p.categoryName)}`)
  if (place) html += textAfterText(` · ${place}`)
  html += textAfterText(' · ') + textAfterText(p.authorName ?? t('deletedUser'))
  if (p.publishedAt) html += `${textAfterText(' · ')}<time dateTime="${escapeHtml(p.publishedAt)}">${escapeHtml(f.date.format(new Date(p.publishedAt)))}</time>`
  html += '</p>'
  if (p.tags.length) {
    html += '<p class="proposal-card__tags">'
    for (const tag of p.tags) html += `<a class="pill" data-discover="true" href="/proposals?tag=${escapeHtml(encodeURIComponent(tag))}">${escapeHtml(`#${tag}`)}</a>`
    html += '</p>'
  }
  return `${html}</div></li>`
}

/** A text node right after another (React writes `<!-- -->` between them; nothing for an empty one). */
function textAfterText(text: string): string {
  return text === '' ? '' : `<!-- -->${escapeHtml(text)}`
}

export interface ProposalFormProps {
  values: { title: string; summary: string; body: string; category: string; tags: string; lat: string; lng: string; area: string; follow?: string }
  /** A box, ticked unless unticked, to follow the new proposal by e-mail (new form, confirmed address). */
  offerFollow?: boolean
  errors: Record<string, string>
  categories: Array<{ code: string; name: string }>
  map: { config: MapClientConfig; bounds: BBox; areas: PickerArea[] } | null
  previewHtml: string | null
  /** An image uploaded with an earlier submission of this form, waiting for the save. */
  pendingImage: { ref: string; thumbUrl: string } | null
  /** The image the draft has (edit form). */
  currentImage: { url: string } | null
  /** Whether the draft has a place (edit form): offers to remove it. */
  editing: boolean
  city: string
}

/**
 * The proposal form (new and edit): every field keeps what was typed after an error, errors sit
 * next to their fields; "Preview" renders the Markdown on the server (no JavaScript needed),
 * "Save as draft" keeps it private, "Publish" makes it public.
 */
export function ProposalForm({ values, errors, categories, map, previewHtml, pendingImage, currentImage, editing, city, offerFollow }: ProposalFormProps) {
  const { t: tf } = useTranslation('notifications')
  const { t } = useTranslation('proposals')
  const n = useNames()
  const described = (name: string, hint = true) => [hint ? `field-${name}-hint` : null, errors[name] ? `field-${name}-error` : null].filter(Boolean).join(' ') || undefined
  return (
    <Form method="post" encType="multipart/form-data" className="stack proposal-form" noValidate>
      <HoneypotField />
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      <Field name="title" label={t('fields.title')} hint={t('hints.title')} error={errors.title}>
        <input id="field-title" name="title" type="text" defaultValue={values.title} maxLength={200} required aria-invalid={errors.title ? true : undefined} aria-describedby={described('title')} />
      </Field>
      <Field name="summary" label={t('fields.summary')} hint={t('hints.summary')} error={errors.summary}>
        <textarea id="field-summary" name="summary" rows={3} defaultValue={values.summary} required aria-invalid={errors.summary ? true : undefined} aria-describedby={described('summary')} />
      </Field>
      <Field name="body" label={t('fields.body')} hint={t('hints.body')} error={errors.body}>
        <textarea id="field-body" name="body" rows={14} defaultValue={values.body} required aria-invalid={errors.body ? true : undefined} aria-describedby={described('body')} />
      </Field>
      {previewHtml ? (
        <section className="proposal-preview" aria-labelledby="preview-heading" data-testid="proposal-preview">
          <h2 id="preview-heading">{t('form.previewHeading')}</h2>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: previewHtml }} />
        </section>
      ) : null}
      <Field name="category" label={t('fields.category')} error={errors.category}>
        <select id="field-category" name="category" defaultValue={values.category} required aria-invalid={errors.category ? true : undefined} aria-describedby={described('category', false)}>
          <option value="">{t('form.chooseCategory')}</option>
          {categories.map((c) => (
            <option key={c.code} value={c.code}>
              {n(c.name)}
            </option>
          ))}
        </select>
      </Field>
      <Field name="tags" label={t('fields.tags')} hint={t('hints.tags')} error={errors.tags}>
        <input id="field-tags" name="tags" type="text" defaultValue={values.tags} aria-invalid={errors.tags ? true : undefined} aria-describedby={described('tags')} />
      </Field>
      {map ? (
        <>
          <LocationPicker config={map.config} bounds={map.bounds} areas={map.areas} defaults={values} errors={errors} legend={t('form.placeLegend', { city })} />
          <label className="choice">
            <input type="checkbox" name="noPlace" /> {editing && values.lat ? t('form.removePlace') : t('form.noPlace')}
          </label>
        </>
      ) : null}
      {pendingImage ? (
        <div className="proposal-form__image">
          <input type="hidden" name="imageRef" value={pendingImage.ref} />
          <img src={pendingImage.thumbUrl} alt={t('form.imageChosen')} width={160} height={90} />
          <p>{t('form.imageKept')}</p>
        </div>
      ) : currentImage ? (
        <div className="proposal-form__image">
          <img src={currentImage.url} alt={t('form.imageCurrent')} width={160} height={90} />
          <label className="choice">
            <input type="checkbox" name="removeImage" /> {t('form.removeImage')}
          </label>
        </div>
      ) : null}
      <Field name="image" label={pendingImage || currentImage ? t('fields.imageReplace') : t('fields.image')} hint={t('hints.image')} error={errors.image}>
        <input id="field-image" name="image" type="file" accept="image/jpeg,image/png,image/webp,image/avif" aria-invalid={errors.image ? true : undefined} aria-describedby={described('image')} />
      </Field>
      {offerFollow ? (
        <label className="choice">
          <input type="checkbox" name="follow" defaultChecked={values.follow !== 'off'} /> {tf('author.follow')}
        </label>
      ) : null}
      <div className="proposal-form__buttons">
        <button type="submit" name="intent" value="preview" className="secondary">
          {t('form.preview')}
        </button>
        <button type="submit" name="intent" value="draft" className="secondary">
          {t('form.saveDraft')}
        </button>
        <button type="submit" name="intent" value="publish">
          {t('form.publish')}
        </button>
      </div>
      <p className="field__hint">{t('form.publishHint')}</p>
    </Form>
  )
}
