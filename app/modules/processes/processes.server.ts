import { renderMarkdown } from '../../lib/markdown.server'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { supportedLocales, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { localize, parseLocalized, readLocalizedField, serializeLocalized, type Localized } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { can, type Principal } from '../accounts/policy'
import { recordAudit } from '../moderation/moderation.server'
import { attachImage, deleteOwnerImages } from './images.server'
import { COMPONENT_RULES, IMAGE_ALT_MAX, MAX_PHASES, currentPhase, parseComponents, phaseTime, type PhaseComponents, type PhaseTime } from './phases'
import { SLUG_RE, parseCents } from './schema'

/**
 * Participatory processes (issue 21, ADR 124): a process with a title, description and image per
 * language, an area scope and phases with dates; each phase turns on components (phases.ts). The
 * current phase is computed from the dates and the clock every call takes (`at`), so tests and the
 * phase-change job pass their own. The only code that writes participatory_processes,
 * process_phases and process_follows.
 */

export const PROCESS_KIND = 'participatory_process'
export type Admin = Pick<Principal, 'id' | 'roles'>
export const mayAdminister = (admin: Admin | null) => (admin ? can({ ...admin, verificationLevel: 0 }, 'admin:settings') : false)

export interface PhaseView {
  id: number
  position: number
  title: Localized
  startsAt: string
  endsAt: string
  components: PhaseComponents
}

export interface ProcessRecord {
  id: number
  slug: string
  title: Localized
  description: Localized
  areaId: number | null
  imageId: number | null
  /** What the image shows, per language. */
  imageAlt: Localized
  published: boolean
  budgetVoteId: number | null
  cityBudget: number
  districtBudgets: Record<string, number>
  currency: string
  phases: PhaseView[]
}

const phaseView = (r: { id: number; position: number; title: string; starts_at: string; ends_at: string; components: string }): PhaseView => ({
  id: r.id,
  position: r.position,
  title: parseLocalized(r.title),
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  components: parseComponents(r.components),
})

function parseBudgets(stored: string): Record<string, number> {
  try {
    const raw = JSON.parse(stored) as Record<string, unknown>
    return Object.fromEntries(Object.entries(raw).filter(([k, v]) => /^\d+$/.test(k) && Number.isSafeInteger(v) && (v as number) > 0)) as Record<string, number>
  } catch {
    return {}
  }
}

type Reader = Pick<Transaction<Database>, 'selectFrom'>

/** A process with its phases (published or not: callers decide who may see it). */
// A process's description rendered from Markdown, kept per text (it changes only when edited):
// rendering it on every visit cost ~1 ms of a process page's ~8 (bench processes).
const descriptions = new Map<string, string>()
export function descriptionHtml(markdown: string): string {
  let html = descriptions.get(markdown)
  if (html === undefined) {
    html = renderMarkdown(markdown)
    if (descriptions.size >= 200) descriptions.clear()
    descriptions.set(markdown, html)
  }
  return html
}

export async function processRecord(where: { id: number } | { slug: string }, db: Reader = database().db): Promise<ProcessRecord | null> {
  let q = db.selectFrom('participatory_processes').selectAll()
  q = 'id' in where ? q.where('id', '=', where.id) : q.where('slug', '=', where.slug)
  const row = await q.executeTakeFirst()
  if (!row) return null
  const phases = await db.selectFrom('process_phases').select(['id', 'position', 'title', 'starts_at', 'ends_at', 'components']).where('process_id', '=', row.id).orderBy('position').execute()
  return {
    id: row.id,
    slug: row.slug,
    title: parseLocalized(row.title),
    description: parseLocalized(row.description),
    areaId: row.area_id,
    imageId: row.image_id,
    imageAlt: parseLocalized(row.image_alt),
    published: row.published === 1,
    budgetVoteId: row.budget_vote_id,
    cityBudget: row.city_budget,
    districtBudgets: parseBudgets(row.district_budgets),
    currency: row.currency,
    phases: phases.map(phaseView),
  }
}

// ------------------------------------------------------------------------------------ the form

export interface PhaseInput {
  title: Localized
  startsAt: string
  endsAt: string
  components: PhaseComponents
}
export interface ProcessInput {
  slug: string
  title: Localized
  description: Localized
  imageAlt: Localized
  areaId: number | null
  published: boolean
  cityBudget: number
  districtBudgets: Record<string, number>
  currency: string
  phases: PhaseInput[]
}
export type FormValues = Record<string, string>
/** Field → i18n key (processes namespace). */
export type FormErrors = Record<string, string>

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d{3})?Z?$/
/** A datetime-local value, read as UTC (as the voting admin does). */
export function readUtc(value: string | undefined): string | null {
  if (!value || !DATE_TIME.test(value.trim())) return null
  const text = value.trim()
  const ms = Date.parse(text.endsWith('Z') ? text : `${text}Z`)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

/** The flat admin form (works without JavaScript: repeated rows `phase.N.…`) → a ProcessInput or errors by field. */
export function processFromForm(fields: FormValues): { input: ProcessInput | null; errors: FormErrors } {
  const errors: FormErrors = {}
  const slug = (fields.slug ?? '').trim().toLowerCase()
  if (!SLUG_RE.test(slug)) errors.slug = 'errors.slug'
  // /processes/projects/:id is a project's page.
  else if (slug === 'projects') errors.slug = 'errors.slugTaken'
  const title = readLocalizedField(fields, 'title')
  const locale = cityDefaultLocale() as Locale
  if (!title[locale] && !Object.values(title).some(Boolean)) errors[`title_${locale}`] = 'errors.titleRequired'
  for (const l of supportedLocales) if ((title[l]?.length ?? 0) > 200) errors[`title_${l}`] = 'errors.titleLong'
  const description = readLocalizedField(fields, 'description')
  for (const l of supportedLocales) if ((description[l]?.length ?? 0) > 10_000) errors[`description_${l}`] = 'errors.descriptionLong'
  const imageAlt = readLocalizedField(fields, 'imageAlt')
  for (const l of supportedLocales) if ((imageAlt[l]?.length ?? 0) > IMAGE_ALT_MAX) errors[`imageAlt_${l}`] = 'errors.imageAltLong'
  const areaId = fields.areaId ? Number(fields.areaId) : null
  if (areaId !== null && !Number.isSafeInteger(areaId)) errors.areaId = 'errors.area'
  const currency = (fields.currency ?? 'EUR').trim().toUpperCase() || 'EUR'
  if (!/^[A-Z]{3}$/.test(currency)) errors.currency = 'errors.currency'
  const cityBudget = fields.cityBudget?.trim() ? parseCents(fields.cityBudget) : 0
  if (cityBudget === null) errors.cityBudget = 'errors.money'
  const districtBudgets: Record<string, number> = {}
  for (const [key, value] of Object.entries(fields)) {
    const m = /^budget\.(\d{1,9})$/.exec(key)
    if (!m || !value.trim()) continue
    const c = parseCents(value)
    if (c === null) errors[key] = 'errors.money'
    else if (c > 0) districtBudgets[m[1]!] = c
  }
  const phases: PhaseInput[] = []
  for (let i = 0; i < MAX_PHASES; i++) {
    const p = `phase.${i}.`
    const phaseTitle = readLocalizedField(fields, `${p}title`)
    const start = fields[`${p}startsAt`]?.trim() ?? ''
    const end = fields[`${p}endsAt`]?.trim() ?? ''
    const empty = !Object.values(phaseTitle).some(Boolean) && !start && !end
    if (empty) continue
    if (!Object.values(phaseTitle).some(Boolean)) errors[`${p}title_${locale}`] = 'errors.phaseTitle'
    const startsAt = readUtc(start)
    const endsAt = readUtc(end)
    if (!startsAt) errors[`${p}startsAt`] = 'errors.dateTime'
    if (!endsAt) errors[`${p}endsAt`] = 'errors.dateTime'
    else if (startsAt && endsAt <= startsAt) errors[`${p}endsAt`] = 'errors.endsBeforeStarts'
    const components = Object.fromEntries(COMPONENT_RULES.map((r) => [r, fields[`${p}${r}`] === 'on' || fields[`${p}${r}`] === '1'])) as PhaseComponents
    phases.push({ title: phaseTitle, startsAt: startsAt ?? '', endsAt: endsAt ?? '', components })
  }
  if (phases.length === 0) errors.form = 'errors.noPhases'
  if (Object.keys(errors).length) return { input: null, errors }
  return {
    input: { slug, title, description, imageAlt, areaId, published: fields.published === 'on' || fields.published === '1', cityBudget: cityBudget ?? 0, districtBudgets, currency, phases },
    errors,
  }
}

/** What the admin form shows for a stored process (or a blank one). */
export function processFormValues(p: ProcessRecord | null): FormValues {
  const values: FormValues = {}
  if (!p) return { currency: 'EUR', cityBudget: '', slug: '' }
  values.slug = p.slug
  for (const l of supportedLocales) {
    values[`title_${l}`] = p.title[l] ?? ''
    values[`description_${l}`] = p.description[l] ?? ''
    values[`imageAlt_${l}`] = p.imageAlt[l] ?? ''
  }
  values.areaId = p.areaId ? String(p.areaId) : ''
  values.published = p.published ? 'on' : ''
  values.cityBudget = p.cityBudget ? String(p.cityBudget / 100) : ''
  values.currency = p.currency
  for (const [area, amount] of Object.entries(p.districtBudgets)) values[`budget.${area}`] = String(amount / 100)
  p.phases.forEach((phase, i) => {
    for (const l of supportedLocales) values[`phase.${i}.title_${l}`] = phase.title[l] ?? ''
    values[`phase.${i}.startsAt`] = phase.startsAt.slice(0, 16)
    values[`phase.${i}.endsAt`] = phase.endsAt.slice(0, 16)
    for (const r of COMPONENT_RULES) values[`phase.${i}.${r}`] = phase.components[r] ? 'on' : ''
  })
  return values
}

export type SaveResult = { kind: 'ok'; id: number; slug: string } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'invalid'; errors: FormErrors }

const auditView = (input: ProcessInput) => ({
  slug: input.slug,
  title: input.title,
  imageAlt: input.imageAlt,
  areaId: input.areaId,
  published: input.published,
  cityBudget: input.cityBudget,
  districtBudgets: input.districtBudgets,
  currency: input.currency,
  phases: input.phases.map((p) => ({ title: p.title.en ?? Object.values(p.title)[0], startsAt: p.startsAt, endsAt: p.endsAt, components: COMPONENT_RULES.filter((r) => p.components[r]) })),
})

/** A change to the process's own image: a pending image's ref (from readImageForm) replaces it; `remove` drops it. */
export interface ProcessImageChange {
  ref: string | null
  remove: boolean
}

/**
 * Creates (id null) or changes a process and its phases (and its image), with its audit row, in
 * one transaction.
 */
export async function saveProcess(admin: Admin, id: number | null, input: ProcessInput, at: Date = new Date(), image: ProcessImageChange = { ref: null, remove: false }): Promise<SaveResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const now = at.toISOString()
  return database().write(async (trx): Promise<SaveResult> => {
    const clash = await trx.selectFrom('participatory_processes').select('id').where('slug', '=', input.slug).executeTakeFirst()
    if (clash && clash.id !== id) return { kind: 'invalid', errors: { slug: 'errors.slugTaken' } }
    if (input.areaId !== null && !(await trx.selectFrom('areas').select('id').where('id', '=', input.areaId).executeTakeFirst())) return { kind: 'invalid', errors: { areaId: 'errors.area' } }
    const values = {
      slug: input.slug,
      title: serializeLocalized(input.title),
      description: serializeLocalized(input.description),
      image_alt: serializeLocalized(input.imageAlt),
      area_id: input.areaId,
      published: input.published ? 1 : 0,
      city_budget: input.cityBudget,
      district_budgets: JSON.stringify(input.districtBudgets),
      currency: input.currency,
      updated_at: now,
    }
    let processId: number
    let before: ProcessRecord | null = null
    if (id === null) {
      const row = await trx
        .insertInto('participatory_processes')
        .values({ ...values, created_by: admin.id, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      processId = row.id
    } else {
      before = await processRecord({ id }, trx)
      if (!before) return { kind: 'notFound' }
      await trx.updateTable('participatory_processes').set(values).where('id', '=', id).execute()
      processId = id
    }
    // The process's image: a new one replaces the old (deleted: it is no longer served), or it is removed.
    const attached = image.ref ? await attachImage(trx, 'process', processId, image.ref, '') : null
    if (attached !== null || image.remove) {
      await trx.updateTable('participatory_processes').set({ image_id: attached }).where('id', '=', processId).execute()
      await deleteOwnerImages(trx, 'process', processId, attached)
    }
    // Phases keep their ids by position (the phase-change job remembers the phase it announced).
    const existing = await trx.selectFrom('process_phases').select(['id', 'position']).where('process_id', '=', processId).orderBy('position').execute()
    for (let i = 0; i < input.phases.length; i++) {
      const p = input.phases[i]!
      const row = { title: serializeLocalized(p.title), starts_at: p.startsAt, ends_at: p.endsAt, components: JSON.stringify(p.components), position: i }
      const old = existing[i]
      if (old) await trx.updateTable('process_phases').set(row).where('id', '=', old.id).execute()
      else
        await trx
          .insertInto('process_phases')
          .values({ ...row, process_id: processId })
          .execute()
    }
    const extra = existing.slice(input.phases.length).map((p) => p.id)
    if (extra.length) await trx.deleteFrom('process_phases').where('id', 'in', extra).execute()
    await recordAudit(trx, {
      actorId: admin.id,
      action: id === null ? 'process.create' : 'process.update',
      targetKind: PROCESS_KIND,
      targetId: processId,
      before: before ? { slug: before.slug, title: before.title, published: before.published, phases: before.phases.length } : undefined,
      after: { ...auditView(input), ...(attached !== null ? { imageId: attached } : image.remove ? { imageId: null } : {}) },
    })
    return { kind: 'ok', id: processId, slug: input.slug }
  })
}

// ------------------------------------------------------------------------------------ reading

export interface ProcessListItem {
  id: number
  slug: string
  title: string
  areaName: string | null
  image: { id: number; alt: string } | null
  current: { title: string; endsAt: string } | null
  next: { title: string; startsAt: string } | null
  finished: boolean
}

/** /processes: published processes (all, for an administrator's list), with the phase each is in. */
export async function listProcesses(locale: string, at: Date = new Date(), options: { all?: boolean } = {}): Promise<ProcessListItem[]> {
  const { db } = database()
  let q = db
    .selectFrom('participatory_processes as p')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .select(['p.id', 'p.slug', 'p.title', 'p.image_id', 'p.image_alt', 'a.name as area_name'])
    .orderBy('p.id', 'desc')
  if (!options.all) q = q.where('p.published', '=', 1)
  const rows = await q.execute()
  if (rows.length === 0) return []
  const phases = await db
    .selectFrom('process_phases')
    .select(['id', 'process_id', 'position', 'title', 'starts_at', 'ends_at', 'components'])
    .where(
      'process_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('position')
    .execute()
  const fallback = cityDefaultLocale()
  return rows.map((r) => {
    const own = phases.filter((p) => p.process_id === r.id).map(phaseView)
    const current = currentPhase(own, at)
    const next = own.find((p) => Date.parse(p.startsAt) > at.getTime()) ?? null
    return {
      id: r.id,
      slug: r.slug,
      title: localize(r.title, locale, fallback),
      areaName: r.area_name ? localize(r.area_name, locale, fallback) : null,
      image: r.image_id ? { id: r.image_id, alt: localize(r.image_alt, locale, fallback) } : null,
      current: current ? { title: localize(current.title, locale, fallback), endsAt: current.endsAt } : null,
      next: next ? { title: localize(next.title, locale, fallback), startsAt: next.startsAt } : null,
      finished: own.length > 0 && own.every((p) => Date.parse(p.endsAt) <= at.getTime()),
    }
  })
}

export interface TimelineEntry {
  id: number
  title: string
  startsAt: string
  endsAt: string
  time: PhaseTime
  components: PhaseComponents
}

/** The phases as a timeline at `at`, in a language. */
export function timeline(p: ProcessRecord, locale: string, at: Date): { entries: TimelineEntry[]; current: TimelineEntry | null } {
  const fallback = cityDefaultLocale()
  const current = currentPhase(p.phases, at)
  const entries = p.phases.map((phase) => ({
    id: phase.id,
    title: localize(phase.title, locale, fallback),
    startsAt: phase.startsAt,
    endsAt: phase.endsAt,
    time: phaseTime(phase, current, at),
    components: phase.components,
  }))
  return { entries, current: entries.find((e) => e.time === 'current') ?? null }
}

/**
 * How long an anonymous visitor's copy of a process page may be reused (the page cache,
 * app/lib/page-cache.server.ts): at most `max` seconds, and never past the next phase start or
 * end, so the timeline and what the phase turns on change on time. 0 (not cached) while the
 * processes' clock is injected (tests move it at will).
 */
export function pageCacheSeconds(p: Pick<ProcessRecord, 'phases'>, at: Date, max: number, injected: boolean): number {
  if (injected) return 0
  const now = at.getTime()
  let ms = max * 1000
  for (const phase of p.phases) for (const edge of [Date.parse(phase.startsAt), Date.parse(phase.endsAt)]) if (edge > now && edge - now < ms) ms = edge - now
  return Math.floor(ms / 1000)
}

/** The districts a process funds (its pots besides the city's), by name. */
export async function districtOptions(p: Pick<ProcessRecord, 'districtBudgets'>, locale: string): Promise<Array<{ id: number; name: string }>> {
  const ids = Object.keys(p.districtBudgets).map(Number)
  if (ids.length === 0) return []
  const rows = await database().db.selectFrom('areas').select(['id', 'name']).where('id', 'in', ids).execute()
  const fallback = cityDefaultLocale()
  return rows.map((r) => ({ id: r.id, name: localize(r.name, locale, fallback) })).sort((a, b) => a.name.localeCompare(b.name))
}

/** Every area (for the admin form's scope and pots). */
export async function areaChoices(locale: string): Promise<Array<{ id: number; name: string; level: string }>> {
  // No ORDER BY: SQLite then reads the names from the covering index areas_level (0.1 ms) instead of
  // every row with its geometry (3.5 ms for a city of 48 areas); the few rows are put in id order here.
  const rows = await database().db.selectFrom('areas').select(['id', 'name', 'level']).execute()
  const fallback = cityDefaultLocale()
  return rows.sort((a, b) => a.id - b.id).map((r) => ({ id: r.id, name: localize(r.name, locale, fallback), level: r.level }))
}

// ------------------------------------------------------------------------------------ following

export async function isFollowing(processId: number, userId: number): Promise<boolean> {
  const row = await database().db.selectFrom('process_follows').select('user_id').where('process_id', '=', processId).where('user_id', '=', userId).executeTakeFirst()
  return Boolean(row)
}

/** A signed-in person follows (or stops following) a published process: mail when its phase changes. */
export async function setFollowing(user: { id: number }, processId: number, follow: boolean, at: Date = new Date()): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  return database().write(async (trx) => {
    const p = await trx.selectFrom('participatory_processes').select('id').where('id', '=', processId).where('published', '=', 1).executeTakeFirst()
    if (!p) return { kind: 'notFound' }
    if (follow)
      await trx
        .insertInto('process_follows')
        .values({ process_id: processId, user_id: user.id, created_at: at.toISOString() })
        .onConflict((oc) => oc.columns(['process_id', 'user_id']).doNothing())
        .execute()
    else await trx.deleteFrom('process_follows').where('process_id', '=', processId).where('user_id', '=', user.id).execute()
    return { kind: 'ok' }
  })
}

// ------------------------------------------------------------------------------------ the phase-change job

/**
 * For every published process whose current phase is not the one last announced: remember it and
 * mail each follower (in their language) in the same transaction. A conditional update, so two
 * runs at once announce a phase once. Returns the processes announced.
 */
export async function announcePhaseChanges(at: Date = new Date()): Promise<number[]> {
  const { db } = database()
  const rows = await db.selectFrom('participatory_processes').select(['id', 'announced_phase_id']).where('published', '=', 1).execute()
  const announced: number[] = []
  for (const row of rows) {
    const p = await processRecord({ id: row.id })
    if (!p) continue
    const current = currentPhase(p.phases, at)
    if (!current || current.id === row.announced_phase_id) continue
    const done = await database().write(async (trx) => {
      const moved = await trx
        .updateTable('participatory_processes')
        .set({ announced_phase_id: current.id })
        .where('id', '=', p.id)
        .where((eb) => (row.announced_phase_id === null ? eb('announced_phase_id', 'is', null) : eb('announced_phase_id', '=', row.announced_phase_id)))
        .executeTakeFirst()
      if (Number(moved.numUpdatedRows) !== 1) return false
      const followers = await trx
        .selectFrom('process_follows as f')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .select(['u.email', 'u.locale'])
        .where('f.process_id', '=', p.id)
        .where('u.email', 'is not', null)
        .where('u.email_confirmed_at', 'is not', null)
        .where('u.deleted_at', 'is', null)
        .execute()
      const fallback = cityDefaultLocale()
      for (const f of followers) {
        const locale = (supportedLocales as readonly string[]).includes(f.locale ?? '') ? (f.locale as Locale) : (fallback as Locale)
        const t = translator(locale)
        const processTitle = localize(p.title, locale, fallback)
        const phaseTitle = localize(current.title, locale, fallback)
        const subject = t('processes:mail.phaseSubject', { process: processTitle, phase: phaseTitle })
        const mail = composeMail({
          locale,
          subject: subject.slice(0, 250),
          paragraphs: [subject, t('processes:mail.phaseText', { phase: phaseTitle, until: current.endsAt.slice(0, 10) })],
          action: { label: t('processes:mail.open'), url: `${config().PUBLIC_URL}/processes/${p.slug}` },
          footer: t('processes:mail.footer', { url: `${config().PUBLIC_URL}/processes/${p.slug}` }),
        })
        await queueMail(trx, { kind: 'processes.phase', to: f.email!, ...mail })
      }
      return true
    })
    if (done) announced.push(p.id)
  }
  return announced
}

/** The background job: every minute (started from app/modules/jobs.server.ts). */
export function startPhaseJob(): () => void {
  const run = () =>
    announcePhaseChanges()
      .then((ids) => (ids.length ? logger().info({ processes: ids }, 'process phases announced') : undefined))
      .catch((error) => logger().error({ err: error }, 'announcing process phases failed'))
  const timer = setInterval(run, 60_000)
  const soon = setTimeout(run, 7_000)
  timer.unref()
  soon.unref()
  return () => {
    clearInterval(timer)
    clearTimeout(soon)
  }
}
