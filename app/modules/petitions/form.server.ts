import type { TFunction } from 'i18next'
import { requireUser } from '../accounts/auth.server'
import { formFields, readForm } from '../../lib/forms.server'
import { translatorFor } from '../../lib/i18n.server'
import { requiredLevel } from '../accounts/policy'
import { areaOptions, cityBounds } from '../geo/areas.server'
import { mapClientConfig } from '../geo/config.server'
import { isHoneypotFilled } from '../../lib/honeypot'
import { renderMarkdown } from '../../lib/markdown.server'
import { cityProfile } from '../geo/areas.server'
import { readOptionalPlace } from '../geo/location.server'
import { petitionTargets, type PetitionInput, type SaveResult } from './petitions.server'
import { ACTION_MAX, BACKGROUND_MAX, TITLE_MAX } from './states'
import { citySettings } from '../city/settings.server'
import { petitionCategories } from '../services/services.server'

/**
 * The petition form's server side, shared by /petitions/new and /petitions/:id/edit: reads the
 * fields, checks what the module cannot (the place), renders the preview, and says either what to
 * show again (errors next to their fields, nothing typed lost) or what to save.
 */

export interface PetitionFormValues {
  title: string
  action: string
  background: string
  target: string
  department: string
  representative: string
  /** The area signers must live in (a slug), or '' for anyone. */
  restriction: string
  /** A petition category's code, or '' for none. */
  category: string
  lat: string
  lng: string
  /** The location picker's no-JS area choice for the place. */
  area: string
  /** The new form's "follow" box: 'on' unless the person unticked it (issue 18). */
  follow?: string
}

export const emptyPetitionValues: PetitionFormValues = {
  title: '',
  action: '',
  background: '',
  target: 'council',
  department: '',
  representative: '',
  restriction: '',
  category: '',
  lat: '',
  lng: '',
  area: '',
  follow: 'on',
}

export type PetitionSubmission =
  | { kind: 'render'; status: number; values: PetitionFormValues; errors: Record<string, string>; previewHtml: string | null }
  | { kind: 'save'; intent: 'draft' | 'gather'; input: PetitionInput; values: PetitionFormValues }
  | { kind: 'delete' }

const id = (value: string) => (/^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : null)

export async function readPetitionSubmission(request: Request, t: TFunction): Promise<PetitionSubmission> {
  const fields = formFields(await readForm(request))
  if (fields.intent === 'delete') return { kind: 'delete' }
  const pick = (name: keyof PetitionFormValues, max: number) => (fields[name] ?? '').slice(0, max)
  const values: PetitionFormValues = {
    title: pick('title', 1000),
    action: pick('action', 3000),
    background: pick('background', 20_000),
    target: pick('target', 40) || 'council',
    department: pick('department', 20),
    representative: pick('representative', 20),
    restriction: pick('restriction', 100),
    category: pick('category', 64),
    lat: pick('lat', 40),
    lng: pick('lng', 40),
    area: pick('area', 100),
    // An unticked box sends nothing.
    follow: fields.follow === 'on' ? 'on' : 'off',
  }
  const errors: Record<string, string> = {}
  const location = await readOptionalPlace(fields, values, errors, t)
  if (isHoneypotFilled(fields)) errors.form = t('petitions:errors.spam')
  const intent = fields.intent === 'preview' ? 'preview' : fields.intent === 'gather' ? 'gather' : 'draft'
  if (intent === 'preview') {
    const text = values.background.replace(/\r\n?/g, '\n').trim()
    return { kind: 'render', status: 200, values, errors, previewHtml: text ? renderMarkdown(text.slice(0, BACKGROUND_MAX)) : null }
  }
  // Lengths are checked by the module too; here they get their words before anything is saved.
  if (!values.title.trim()) errors.title = t('petitions:errors.titleRequired')
  else if (values.title.trim().length > TITLE_MAX) errors.title = t('petitions:errors.titleTooLong', { max: TITLE_MAX })
  if (!values.action.trim()) errors.action = t('petitions:errors.actionRequired')
  else if (values.action.trim().length > ACTION_MAX) errors.action = t('petitions:errors.actionTooLong', { max: ACTION_MAX })
  if (values.background.replace(/\r\n?/g, '\n').trim().length > BACKGROUND_MAX) errors.background = t('petitions:errors.backgroundTooLong', { max: BACKGROUND_MAX })
  if (!['council', 'department', 'representative'].includes(values.target)) errors.target = t('petitions:errors.targetRequired')
  if (Object.keys(errors).length) return { kind: 'render', status: 400, values, errors, previewHtml: null }
  return {
    kind: 'save',
    intent,
    values,
    input: {
      title: values.title,
      action: values.action,
      background: values.background,
      target: values.target as PetitionInput['target'],
      departmentId: values.target === 'department' ? id(values.department) : null,
      representativeId: values.target === 'representative' ? id(values.representative) : null,
      areaSlug: values.restriction.trim() || null,
      categoryCode: values.category.trim() || null,
      location,
    },
  }
}

/** The module's refusal of a save, as errors next to the fields (i18n keys translated). */
export function petitionSaveErrors(result: Exclude<SaveResult, { kind: 'saved' }>, t: TFunction): { status: number; errors: Record<string, string> } {
  switch (result.kind) {
    case 'invalid': {
      const errors: Record<string, string> = {}
      for (const [field, key] of Object.entries(result.errors)) errors[field] = t(key, { max: field === 'title' ? TITLE_MAX : field === 'action' ? ACTION_MAX : BACKGROUND_MAX })
      return { status: 400, errors }
    }
    case 'outsideCity':
      return { status: 400, errors: { location: t('petitions:errors.outsideCity') } }
    case 'blocked':
      return { status: 403, errors: { form: t('petitions:errors.blocked', { reason: result.reason }) } }
    case 'needsLevel':
      return { status: 403, errors: { form: t('petitions:errors.needsLevel', { level: result.level }) } }
    case 'notDraft':
      return { status: 409, errors: { form: t('petitions:errors.notDraft') } }
    case 'notFound':
      throw new Response('Not Found', { status: 404 })
  }
}

/** What the form's page shows (new and edit): the form, whom it may ask, areas, the map, the level needed. */
export async function petitionFormPage(request: Request, form: { values: PetitionFormValues; errors: Record<string, string>; previewHtml: string | null }) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const [targets, areas, bounds, city, categories] = await Promise.all([petitionTargets(), areaOptions(locale), cityBounds(), cityProfile(), petitionCategories(locale)])
  const settings = await citySettings()
  const level = requiredLevel('propose', settings.VERIFICATION_LEVELS)
  return {
    title: t('petitions:new.title'),
    allowed: user.verificationLevel >= level,
    canFollow: Boolean(user.email && user.emailConfirmed),
    level,
    targets,
    categories,
    areas,
    map: bounds ? { config: mapClientConfig(), bounds, areas } : null,
    city: city?.name ?? 'Plaza',
    sponsors: settings.PETITION_SPONSORS,
    ...form,
  }
}
