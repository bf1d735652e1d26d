import type { TFunction } from 'i18next'
import { translatedErrors } from '../../lib/forms'
import { isHoneypotFilled } from '../../lib/honeypot'
import { renderMarkdown } from '../../lib/markdown.server'
import { readOptionalPlace } from '../geo/location.server'
import { photoErrorMessage } from '../reports/photos.server'
import { IMAGE_REF_FIELD, imageFailure, isImageRef, pendingImage, readProposalForm } from './images.server'
import { proposalCategories, type ProposalInput, type SaveResult } from './proposals.server'
import { formIntent, proposalFormSchema, type FormIntent } from './schema'

/**
 * The proposal form's server side, shared by /proposals/new and /proposals/:id/edit: reads the
 * body (with its image, streamed and judged by content), checks every field, resolves the optional
 * place, renders the preview, and says either what to show again (with the errors next to their
 * fields and nothing typed lost) or what to save.
 */

export interface FormValues {
  title: string
  summary: string
  body: string
  category: string
  tags: string
  lat: string
  lng: string
  area: string
  /** The new form's "follow" box: 'on' unless the person unticked it (issue 18). */
  follow?: string
}

export const emptyValues: FormValues = { title: '', summary: '', body: '', category: '', tags: '', lat: '', lng: '', area: '', follow: 'on' }

export interface PendingImageView {
  ref: string
  thumbUrl: string
}

export type Submission =
  | {
      kind: 'render'
      status: number
      intent: FormIntent
      values: FormValues
      errors: Record<string, string>
      previewHtml: string | null
      image: PendingImageView | null
      headers?: Record<string, string>
    }
  | { kind: 'save'; intent: 'draft' | 'publish'; input: ProposalInput; values: FormValues; image: PendingImageView | null }
  | { kind: 'delete' }

const pick = (fields: Record<string, string>, name: keyof FormValues, max: number) => (fields[name] ?? '').slice(0, max)

export async function readSubmission(request: Request, t: TFunction): Promise<Submission> {
  const form = await readProposalForm(request)
  if (form.kind === 'malformed') throw new Response(t('common:errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...form.headers } })
  const fields = form.fields
  const intent = formIntent(fields.intent)
  if (fields.intent === 'delete') return { kind: 'delete' }
  const values: FormValues = {
    title: pick(fields, 'title', 1000),
    summary: pick(fields, 'summary', 2000),
    body: pick(fields, 'body', 40_000),
    category: pick(fields, 'category', 100),
    tags: pick(fields, 'tags', 1000),
    lat: pick(fields, 'lat', 40),
    lng: pick(fields, 'lng', 40),
    area: pick(fields, 'area', 100),
    // An unticked box sends nothing.
    follow: fields.follow === 'on' ? 'on' : 'off',
  }
  const errors: Record<string, string> = {}

  // The image: a new upload replaces the one carried from an earlier submission of this form.
  let image: PendingImageView | null = null
  if (form.kind === 'tooLarge') errors.image = photoErrorMessage(t, { kind: 'tooLarge' })
  else if (form.image?.kind === 'stored') image = await pendingImage(form.image.ref)
  else if (form.image) {
    const message = photoErrorMessage(t, imageFailure(form.image))
    errors.image = form.image.name ? t('proposals:errors.imageNamed', { name: form.image.name, message }) : message
  }
  if (!image && isImageRef(fields[IMAGE_REF_FIELD])) image = await pendingImage(fields[IMAGE_REF_FIELD])

  const parsed = proposalFormSchema.safeParse(fields)
  if (!parsed.success) for (const [field, messages] of Object.entries(translatedErrors(parsed.error, t))) if (messages?.[0]) errors[field] ??= messages[0]
  if (!(await proposalCategories()).some((c) => c.code === values.category.trim())) errors.category ??= t('proposals:errors.categoryRequired')

  // The place is optional: no coordinates and no area means none.
  const location = await readOptionalPlace(fields, values, errors, t)
  if (isHoneypotFilled(fields)) errors.form = t('proposals:errors.spam')

  const previewHtml = intent === 'preview' && values.body.trim() ? renderMarkdown(values.body.replace(/\r\n?/g, '\n')) : null
  const status = form.kind === 'tooLarge' ? 413 : 400
  const headers = form.kind === 'tooLarge' ? form.headers : undefined
  if (intent === 'preview') return { kind: 'render', status: form.kind === 'tooLarge' ? 413 : 200, intent, values, errors: onlyUploadErrors(errors), previewHtml, image, headers }
  if (Object.keys(errors).length || !parsed.success) return { kind: 'render', status, intent, values, errors, previewHtml: null, image, headers }
  return {
    kind: 'save',
    intent,
    values,
    image,
    input: {
      title: parsed.data.title,
      summary: parsed.data.summary,
      body: parsed.data.body,
      categoryCode: parsed.data.category,
      tags: parsed.data.tags,
      location,
      imageRef: image?.ref ?? null,
      removeImage: fields.removeImage === 'on',
    },
  }
}

// A preview is not a save: only say what went wrong with the upload and the place (the person
// is still writing; empty fields are not mistakes yet).
function onlyUploadErrors(errors: Record<string, string>) {
  const out: Record<string, string> = {}
  for (const key of ['image', 'location', 'lat', 'lng', 'area', 'form']) if (errors[key]) out[key] = errors[key]!
  return out
}

/** The module's refusal of a save, as errors next to the fields. */
export function saveErrors(result: Exclude<SaveResult, { kind: 'saved' }>, t: TFunction): { status: number; errors: Record<string, string> } {
  switch (result.kind) {
    case 'unknownCategory':
      return { status: 400, errors: { category: t('proposals:errors.categoryRequired') } }
    case 'outsideCity':
      return { status: 400, errors: { location: t('proposals:errors.outsideCity') } }
    case 'blocked':
      return { status: 403, errors: { form: t('proposals:errors.blocked', { reason: result.reason }) } }
    case 'needsLevel':
      return { status: 403, errors: { form: t('proposals:errors.needsLevel', { level: result.level }) } }
    case 'notDraft':
      return { status: 409, errors: { form: t('proposals:errors.notDraft') } }
    case 'notFound':
      throw new Response('Not Found', { status: 404 })
  }
}
