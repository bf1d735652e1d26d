import { parse } from 'csv-parse/sync'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { parseLocalized, serializeLocalized, localize, type Localized } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { recordAudit } from '../moderation/moderation.server'
import { defaultLaw, isLawId, type LawId } from './laws'
import { bodySchema } from './schema'

/**
 * The directory of public bodies (issue 22): name per language, the address requests go to, area,
 * category, parent body and the law requests are made under. The city's own departments are bodies
 * too (department_id). Edited and imported by administrators, every change audited.
 */

export interface Body {
  id: number
  slug: string
  name: string
  names: Localized
  email: string | null
  areaId: number | null
  areaName: string | null
  category: string | null
  parentId: number | null
  parentName: string | null
  departmentId: number | null
  law: LawId
  active: boolean
}

function bodyQuery() {
  return database()
    .db.selectFrom('foi_bodies as b')
    .leftJoin('areas as a', 'a.id', 'b.area_id')
    .leftJoin('foi_bodies as p', 'p.id', 'b.parent_id')
    .select([
      'b.id',
      'b.slug',
      'b.name',
      'b.email',
      'b.area_id as areaId',
      'a.name as areaName',
      'b.category',
      'b.parent_id as parentId',
      'p.name as parentName',
      'b.department_id as departmentId',
      'b.law',
      'b.active',
    ])
}

type BodyRow = Awaited<ReturnType<ReturnType<typeof bodyQuery>['executeTakeFirstOrThrow']>>

function toBody(row: BodyRow, locale: string): Body {
  const fallback = cityDefaultLocale()
  return {
    ...row,
    name: localize(row.name, locale, fallback),
    names: parseLocalized(row.name),
    areaName: row.areaName ? localize(row.areaName, locale, fallback) : null,
    parentName: row.parentName ? localize(row.parentName, locale, fallback) : null,
    law: isLawId(row.law) ? row.law : 'uk_foia',
    active: row.active === 1,
  }
}

/** Every body, by name in `locale`; only active ones unless asked. */
export async function listBodies(locale: string, options: { includeInactive?: boolean } = {}): Promise<Body[]> {
  let q = bodyQuery()
  if (!options.includeInactive) q = q.where('b.active', '=', 1)
  const rows = await q.execute()
  return rows.map((r) => toBody(r, locale)).sort((a, b) => a.name.localeCompare(b.name, locale))
}

export async function getBody(id: number, locale: string): Promise<Body | null> {
  const row = await bodyQuery().where('b.id', '=', id).executeTakeFirst()
  return row ? toBody(row, locale) : null
}

export interface AreaOption {
  id: number
  name: string
}
export async function areaOptions(locale: string): Promise<AreaOption[]> {
  const rows = await database().db.selectFrom('areas').select(['id', 'name']).orderBy('id').execute()
  return rows.map((r) => ({ id: r.id, name: localize(r.name, locale, cityDefaultLocale()) }))
}

export type SaveBodyResult = { kind: 'ok'; id: number } | { kind: 'invalid'; errors: Record<string, string[]> } | { kind: 'notFound' }

/** Creates (id null) or updates a body; audited. */
export async function saveBody(actorId: number, id: number | null, input: Record<string, unknown>, names: Localized): Promise<SaveBodyResult> {
  const parsed = bodySchema.safeParse(input)
  const errors: Record<string, string[]> = {}
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= [issue.message]
  if (!Object.values(names).some((v) => v?.trim())) errors.name = ['foi:errors.nameRequired']
  if (!parsed.success || Object.keys(errors).length) return { kind: 'invalid', errors }
  const v = parsed.data
  return database().write(async (trx): Promise<SaveBodyResult> => {
    const clash = await trx.selectFrom('foi_bodies').select('id').where('slug', '=', v.slug).executeTakeFirst()
    if (clash && clash.id !== id) return { kind: 'invalid', errors: { slug: ['foi:errors.slugTaken'] } }
    if (v.parentId !== '' && v.parentId === id) return { kind: 'invalid', errors: { parentId: ['foi:errors.parentSelf'] } }
    if (v.parentId !== '' && !(await trx.selectFrom('foi_bodies').select('id').where('id', '=', v.parentId).executeTakeFirst())) {
      return { kind: 'invalid', errors: { parentId: ['foi:errors.parentUnknown'] } }
    }
    if (v.areaId !== '' && !(await trx.selectFrom('areas').select('id').where('id', '=', v.areaId).executeTakeFirst())) {
      return { kind: 'invalid', errors: { areaId: ['foi:errors.areaUnknown'] } }
    }
    const values = {
      slug: v.slug,
      name: serializeLocalized(names),
      email: v.email || null,
      category: v.category || null,
      area_id: v.areaId === '' ? null : v.areaId,
      parent_id: v.parentId === '' ? null : v.parentId,
      law: v.law,
      active: v.active ? 1 : 0,
      updated_at: nowIso(),
    }
    if (id === null) {
      const row = await trx
        .insertInto('foi_bodies')
        .values({ ...values, created_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow()
      await recordAudit(trx, { actorId, action: 'foi.body.create', targetKind: 'foi_body', targetId: row.id, after: values })
      return { kind: 'ok', id: row.id }
    }
    const before = await trx.selectFrom('foi_bodies').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) return { kind: 'notFound' }
    await trx.updateTable('foi_bodies').set(values).where('id', '=', id).execute()
    await recordAudit(trx, { actorId, action: 'foi.body.update', targetKind: 'foi_body', targetId: id, before, after: values })
    return { kind: 'ok', id }
  })
}

/**
 * The city's own departments become bodies (issue 22: "the city's departments are bodies too"):
 * each active department without one gets a body with its name and e-mail. Returns how many.
 */
export async function addDepartmentBodies(actorId: number | null): Promise<number> {
  const law = defaultLaw(cityDefaultLocale())
  return database().write(async (trx) => {
    const departments = await trx
      .selectFrom('departments as d')
      .leftJoin('foi_bodies as b', 'b.department_id', 'd.id')
      .select(['d.id', 'd.slug', 'd.name', 'd.email'])
      .where('d.active', '=', 1)
      .where('b.id', 'is', null)
      .execute()
    let added = 0
    for (const d of departments) {
      let slug = `city-${d.slug}`.slice(0, 80)
      if (await trx.selectFrom('foi_bodies').select('id').where('slug', '=', slug).executeTakeFirst()) slug = `${slug.slice(0, 70)}-${d.id}`
      const row = await trx
        .insertInto('foi_bodies')
        .values({ slug, name: d.name, email: d.email, category: 'city', department_id: d.id, law, created_at: nowIso(), updated_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow()
      await recordAudit(trx, { actorId, action: 'foi.body.fromDepartment', targetKind: 'foi_body', targetId: row.id, after: { departmentId: d.id, slug } })
      added++
    }
    return added
  })
}

// ---------------------------------------------------------------- CSV import

export const BODY_CSV_COLUMNS = ['slug', 'name_en', 'name_es', 'name_fr', 'email', 'area', 'category', 'parent', 'law'] as const
export const BODY_CSV_MAX_BYTES = 2 * 1024 * 1024
export const BODY_CSV_MAX_ROWS = 5000

export interface BodyRowProblem {
  column: string | null
  /** i18n key of the foi namespace. */
  key: string
}
export interface PlannedBody {
  line: number
  action: 'create' | 'update' | 'error'
  slug: string
  name: string
  problems: BodyRowProblem[]
}
export interface BodyImportPlan {
  fatal?: { key: string; values?: Record<string, string> }
  rows: PlannedBody[]
  counts: { create: number; update: number; error: number }
}

interface ValidRow {
  slug: string
  names: Localized
  email: string | null
  areaId: number | null
  category: string | null
  parentSlug: string | null
  law: LawId
}

async function plan(trx: Pick<Transaction<Database>, 'selectFrom'>, bytes: Buffer): Promise<{ plan: BodyImportPlan; valid: Array<{ line: number; row: ValidRow }> }> {
  const empty = { rows: [], counts: { create: 0, update: 0, error: 0 } }
  if (bytes.length > BODY_CSV_MAX_BYTES) return { plan: { ...empty, fatal: { key: 'import.tooLarge' } }, valid: [] }
  const text = bytes.toString('utf8').replace(/^\ufeff/, '')
  const firstLine = text.split(/\r?\n/, 1)[0] ?? ''
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, to: BODY_CSV_MAX_ROWS + 2 }) as unknown as typeof records
  } catch {
    return { plan: { ...empty, fatal: { key: 'import.unreadable' } }, valid: [] }
  }
  const header = records.shift()
  if (!header) return { plan: { ...empty, fatal: { key: 'import.empty' } }, valid: [] }
  const columns = header.record.map((h) => h.trim().toLowerCase())
  const unknown = columns.filter((c) => !(BODY_CSV_COLUMNS as readonly string[]).includes(c))
  if (unknown.length) return { plan: { ...empty, fatal: { key: 'import.unknownColumns', values: { columns: unknown.join(', ').slice(0, 200) } } }, valid: [] }
  if (!columns.includes('slug') || !columns.some((c) => c.startsWith('name_'))) return { plan: { ...empty, fatal: { key: 'import.missingColumns' } }, valid: [] }
  if (records.length > BODY_CSV_MAX_ROWS) return { plan: { ...empty, fatal: { key: 'import.tooManyRows', values: { max: String(BODY_CSV_MAX_ROWS) } } }, valid: [] }

  const areas = new Map((await trx.selectFrom('areas').select(['id', 'slug']).execute()).map((a) => [a.slug, a.id]))
  const existing = new Set((await trx.selectFrom('foi_bodies').select('slug').execute()).map((b) => b.slug))
  const inFile = new Set<string>()
  const rows: PlannedBody[] = []
  const valid: Array<{ line: number; row: ValidRow }> = []
  const locale = cityDefaultLocale()
  // info.lines is the line where the record ends; records are one line each unless quoted.
  for (const { record, info } of records) {
    const line = info.lines
    const get = (c: string) => (record[columns.indexOf(c)] ?? '').trim()
    const problems: BodyRowProblem[] = []
    const slug = get('slug').toLowerCase()
    const names: Localized = {}
    for (const l of ['en', 'es', 'fr'] as const) if (get(`name_${l}`)) names[l] = get(`name_${l}`)
    const parsed = bodySchema.safeParse({ slug, email: get('email'), category: get('category'), areaId: '', parentId: '', law: get('law') || defaultLaw(locale), active: true })
    if (!parsed.success) for (const issue of parsed.error.issues) problems.push({ column: String(issue.path[0]) === 'law' ? 'law' : String(issue.path[0]), key: issue.message.replace(/^foi:/, '') })
    if (!Object.keys(names).length) problems.push({ column: 'name_en', key: 'errors.nameRequired' })
    if (slug && inFile.has(slug)) problems.push({ column: 'slug', key: 'import.repeated' })
    inFile.add(slug)
    const areaSlug = get('area')
    const areaId = areaSlug ? (areas.get(areaSlug) ?? null) : null
    if (areaSlug && areaId === null) problems.push({ column: 'area', key: 'errors.areaUnknown' })
    const parentSlug = get('parent') || null
    if (parentSlug && parentSlug === slug) problems.push({ column: 'parent', key: 'errors.parentSelf' })
    else if (parentSlug && !existing.has(parentSlug) && !inFile.has(parentSlug) && !records.some((r) => (r.record[columns.indexOf('slug')] ?? '').trim().toLowerCase() === parentSlug)) {
      problems.push({ column: 'parent', key: 'errors.parentUnknown' })
    }
    const name = localize(names, locale, locale)
    if (problems.length || !parsed.success) {
      rows.push({ line, action: 'error', slug, name, problems })
      continue
    }
    rows.push({ line, action: existing.has(slug) ? 'update' : 'create', slug, name, problems })
    valid.push({ line, row: { slug, names, email: parsed.data.email || null, areaId, category: parsed.data.category || null, parentSlug, law: parsed.data.law } })
  }
  const counts = { create: 0, update: 0, error: 0 }
  for (const r of rows) counts[r.action]++
  return { plan: { rows, counts }, valid }
}

/** The dry run: what each row would do, each problem with its line and column. */
export async function planBodyImport(bytes: Buffer): Promise<BodyImportPlan> {
  return (await plan(database().db, bytes)).plan
}

/** Plans again inside one write and applies every valid row (or nothing when some row is wrong and `onlyIfNoErrors`). Audited once. */
export async function applyBodyImport(actorId: number, bytes: Buffer, options: { onlyIfNoErrors: boolean; sourceName: string }) {
  return database().write(async (trx) => {
    const { plan: p, valid } = await plan(trx, bytes)
    if (p.fatal || (options.onlyIfNoErrors && p.counts.error > 0) || valid.length === 0) return { plan: p, applied: false, created: 0, updated: 0 }
    const now = nowIso()
    let created = 0
    let updated = 0
    for (const { row } of valid) {
      const values = { name: serializeLocalized(row.names), email: row.email, area_id: row.areaId, category: row.category, law: row.law, updated_at: now }
      const found = await trx.selectFrom('foi_bodies').select('id').where('slug', '=', row.slug).executeTakeFirst()
      if (found) {
        await trx.updateTable('foi_bodies').set(values).where('id', '=', found.id).execute()
        updated++
      } else {
        await trx
          .insertInto('foi_bodies')
          .values({ ...values, slug: row.slug, created_at: now })
          .execute()
        created++
      }
    }
    // Parents once every body of the file exists.
    for (const { row } of valid) {
      if (!row.parentSlug) continue
      const parent = await trx.selectFrom('foi_bodies').select('id').where('slug', '=', row.parentSlug).executeTakeFirst()
      if (parent) await trx.updateTable('foi_bodies').set({ parent_id: parent.id }).where('slug', '=', row.slug).execute()
    }
    await recordAudit(trx, { actorId, action: 'foi.body.import', targetKind: 'foi_body', targetId: 0, after: { source: options.sourceName.slice(0, 200), created, updated, errors: p.counts.error } })
    return { plan: p, applied: true, created, updated }
  })
}
