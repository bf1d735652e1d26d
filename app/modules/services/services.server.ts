import type { Transaction } from 'kysely'
import type { Database, QuestionDatatype, ReportStateKind } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { type Locale } from '../../lib/i18n'
import { cityDefaultLocale } from '../../lib/localized.server'
import { localize, parseLocalized, serializeLocalized, type Localized } from '../../lib/localized'
import { areasContaining, type AreaHit } from '../geo/lookup.server'
import { recordAudit } from '../moderation/moderation.server'
import { forgetRoutingRules } from '../reports/department-routing.server'
import { forgetReportStates } from '../reports/reports.server'
import { forgetCouncilSetup } from '../reports/council.server'
import { forgetDepartment, renameReportState } from '../reports/states.server'
import { categorySchema, departmentSchema, questionSchema, routeSchema, simpleCategorySchema, stateLabelSchema, type QuestionOption } from './schema'

/**
 * A city's services (issue 16 part 3): departments, report categories with their questions (the
 * Open311 service definitions), routing rules, report state labels, proposal and petition
 * categories. This module alone writes those tables; every change writes an audit row. Names are
 * localized JSON (app/lib/localized.ts); readers show them with localize().
 */

export type Errors = Record<string, string[] | undefined>
export type Result<T = { id: number }> = ({ ok: true } & T) | { ok: false; status: 400 | 404 | 409; errors: Errors }

const now = () => new Date().toISOString()
const defaultLocale = () => cityDefaultLocale() as Locale

function fieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Errors {
  const out: Errors = {}
  for (const issue of issues) {
    const field = String(issue.path[0] ?? 'form')
    if (!out[field]) out[field] = [issue.message]
  }
  return out
}
const refused = (status: 400 | 404 | 409, field: string, key: string): { ok: false; status: 400 | 404 | 409; errors: Errors } => ({ ok: false, status, errors: { [field]: [key] } })

/** After a change: routing rules, states and service definitions are cached per process for a few seconds. */
let servicesChangedListeners: Array<() => void> = []
export function onServicesChanged(listener: () => void) {
  servicesChangedListeners.push(listener)
}
function changed() {
  forgetRoutingRules()
  forgetReportStates()
  forgetCouncilSetup()
  for (const l of servicesChangedListeners) l()
}
/** Drops this process's cached rules, states and definitions (after a configuration import). */
export const forgetServicesCaches = () => changed()
/**
 * Capabilities that keep a department id in their own tables (Open311's API keys) forget it here,
 * inside the write that deletes the department: services cannot write their tables, nor import
 * them (they import services).
 */
type DepartmentDeleted = (trx: Transaction<Database>, departmentId: number) => Promise<void>
const departmentDeletedListeners: DepartmentDeleted[] = []
export function onDepartmentDeleted(listener: DepartmentDeleted) {
  if (!departmentDeletedListeners.includes(listener)) departmentDeletedListeners.push(listener)
}
export function resetServicesListenersForTests() {
  servicesChangedListeners = []
}

function audit(trx: Transaction<Database>, actorId: number, action: string, targetKind: string, targetId: number, before: unknown, after: unknown) {
  return recordAudit(trx, { actorId, action, targetKind, targetId, before: before ?? undefined, after: after ?? undefined })
}

// ---------------------------------------------------------------- departments

export interface Department {
  id: number
  slug: string
  name: Localized
  email: string | null
  phone: string | null
  active: boolean
}

const toDepartment = (r: { id: number; slug: string; name: string; email: string | null; phone: string | null; active: number }): Department => ({
  id: r.id,
  slug: r.slug,
  name: parseLocalized(r.name),
  email: r.email,
  phone: r.phone,
  active: r.active === 1,
})

export async function listDepartments(): Promise<Department[]> {
  const rows = await database().db.selectFrom('departments').select(['id', 'slug', 'name', 'email', 'phone', 'active']).orderBy('slug').execute()
  return rows.map(toDepartment)
}

export async function getDepartment(id: number): Promise<Department | null> {
  const row = await database().db.selectFrom('departments').select(['id', 'slug', 'name', 'email', 'phone', 'active']).where('id', '=', id).executeTakeFirst()
  return row ? toDepartment(row) : null
}

/** Creates a department, or updates department `id`. Refuses a slug another department has. */
export async function saveDepartment(actorId: number, fields: Record<string, unknown>, id?: number): Promise<Result> {
  const parsed = departmentSchema(defaultLocale()).safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const input = parsed.data
  return database().write(async (trx) => {
    const clash = await trx.selectFrom('departments').select('id').where('slug', '=', input.slug).executeTakeFirst()
    if (clash && clash.id !== id) return refused(409, 'slug', 'services:errors.slugTaken')
    const values = { slug: input.slug, name: serializeLocalized(input.name), email: input.email, phone: input.phone }
    if (id === undefined) {
      const row = await trx
        .insertInto('departments')
        .values({ ...values, created_at: now() })
        .returning('id')
        .executeTakeFirstOrThrow()
      await audit(trx, actorId, 'department.create', 'department', row.id, null, values)
      changed()
      return { ok: true as const, id: row.id }
    }
    const before = await trx.selectFrom('departments').select(['slug', 'name', 'email', 'phone']).where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    await trx.updateTable('departments').set(values).where('id', '=', id).execute()
    await audit(trx, actorId, 'department.update', 'department', id, before, values)
    changed()
    return { ok: true as const, id }
  })
}

/** What still refers to a department: a department in use cannot be deleted. */
async function departmentUses(trx: Transaction<Database>, id: number) {
  const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0)
  return {
    routes: await count(
      trx
        .selectFrom('category_routes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('department_id', '=', id)
        .executeTakeFirst() as never,
    ),
    reports: await count(
      trx
        .selectFrom('reports')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('department_id', '=', id)
        .executeTakeFirst() as never,
    ),
    staff: await count(
      trx
        .selectFrom('user_roles')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('department_id', '=', id)
        .executeTakeFirst() as never,
    ),
    petitions: await count(
      trx
        .selectFrom('petitions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('target_department_id', '=', id)
        .executeTakeFirst() as never,
    ),
  }
}

/** Deletes an unused department; one in use (routing rules, reports, staff, petitions) is refused. */
export async function deleteDepartment(actorId: number, id: number): Promise<Result<{ id: number }> | { ok: false; status: 409; errors: Errors; uses: Record<string, number> }> {
  return database().write(async (trx) => {
    const before = await trx.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    const uses = await departmentUses(trx, id)
    if (Object.values(uses).some((n) => n > 0)) return { ok: false as const, status: 409 as const, errors: { form: ['services:errors.departmentInUse'] }, uses }
    await forgetDepartment(trx, id)
    for (const listener of departmentDeletedListeners) await listener(trx, id)
    await trx.deleteFrom('departments').where('id', '=', id).execute()
    await audit(trx, actorId, 'department.delete', 'department', id, before, null)
    changed()
    return { ok: true as const, id }
  })
}

// ---------------------------------------------------------------- report categories and their questions

export interface Question {
  id: number
  code: string
  datatype: QuestionDatatype
  required: boolean
  description: Localized
  hint: Localized
  options: QuestionOption[]
  position: number
}

export interface Category {
  id: number
  code: string
  name: Localized
  description: Localized
  group: Localized
  colour: string | null
  keywords: string
  position: number
  active: boolean
}

type CategoryRow = { id: number; code: string; name: string; description: string; group_name: string | null; colour: string | null; keywords: string; position: number; active: number }
const toCategory = (r: CategoryRow): Category => ({
  id: r.id,
  code: r.code,
  name: parseLocalized(r.name),
  description: parseLocalized(r.description),
  group: parseLocalized(r.group_name),
  colour: r.colour,
  keywords: r.keywords,
  position: r.position,
  active: r.active === 1,
})
const categoryColumns = ['id', 'code', 'name', 'description', 'group_name', 'colour', 'keywords', 'position', 'active'] as const

export async function listCategories(): Promise<Category[]> {
  const rows = await database().db.selectFrom('report_categories').select(categoryColumns).orderBy('position').orderBy('code').execute()
  return rows.map(toCategory)
}

export async function getCategory(id: number): Promise<(Category & { questions: Question[] }) | null> {
  const row = await database().db.selectFrom('report_categories').select(categoryColumns).where('id', '=', id).executeTakeFirst()
  if (!row) return null
  return { ...toCategory(row), questions: await questionsOf(id) }
}

function parseOptions(stored: string): QuestionOption[] {
  try {
    const list = JSON.parse(stored) as unknown
    if (!Array.isArray(list)) return []
    return list.flatMap((o: { key?: unknown; name?: unknown }) =>
      typeof o?.key === 'string' ? [{ key: o.key, name: typeof o.name === 'string' ? parseLocalized(o.name) : parseLocalized(JSON.stringify(o.name ?? {})) }] : [],
    )
  } catch {
    return []
  }
}

type QuestionRow = { id: number; code: string; datatype: QuestionDatatype; required: number; description: string; hint: string; options: string; position: number }
const toQuestion = (r: QuestionRow): Question => ({
  id: r.id,
  code: r.code,
  datatype: r.datatype,
  required: r.required === 1,
  description: parseLocalized(r.description),
  hint: parseLocalized(r.hint),
  options: parseOptions(r.options),
  position: r.position,
})
const questionColumns = ['id', 'code', 'datatype', 'required', 'description', 'hint', 'options', 'position'] as const

export async function questionsOf(categoryId: number): Promise<Question[]> {
  const rows = await database().db.selectFrom('category_questions').select(questionColumns).where('category_id', '=', categoryId).orderBy('position').orderBy('id').execute()
  return rows.map(toQuestion)
}

/**
 * Every active category's questions by service_code, and when they last changed (the Open311
 * discovery's changeset). Read by the open311 module and the report forms.
 */
export async function serviceQuestions(): Promise<{ byCode: Map<string, Question[]>; updatedAt: string | null }> {
  const rows = await database()
    .db.selectFrom('category_questions as q')
    .innerJoin('report_categories as c', 'c.id', 'q.category_id')
    .select(['c.code as categoryCode', 'q.id', 'q.code', 'q.datatype', 'q.required', 'q.description', 'q.hint', 'q.options', 'q.position', 'q.updated_at'])
    .where('c.active', '=', 1)
    .orderBy('q.position')
    .orderBy('q.id')
    .execute()
  const byCode = new Map<string, Question[]>()
  let updatedAt: string | null = null
  for (const r of rows) {
    const list = byCode.get(r.categoryCode) ?? []
    list.push(toQuestion(r))
    byCode.set(r.categoryCode, list)
    if (!updatedAt || r.updated_at > updatedAt) updatedAt = r.updated_at
  }
  return { byCode, updatedAt }
}

export async function saveCategory(actorId: number, fields: Record<string, unknown>, id?: number): Promise<Result> {
  const parsed = categorySchema(defaultLocale()).safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const input = parsed.data
  return database().write(async (trx) => {
    const clash = await trx.selectFrom('report_categories').select('id').where('code', '=', input.code).executeTakeFirst()
    if (clash && clash.id !== id) return refused(409, 'code', 'services:errors.codeTaken')
    const values = {
      code: input.code,
      name: serializeLocalized(input.name),
      description: Object.keys(input.description).length ? serializeLocalized(input.description) : '',
      group_name: Object.keys(input.group).length ? serializeLocalized(input.group) : null,
      colour: input.colour,
      keywords: input.keywords,
      position: input.position,
      active: input.active ? 1 : 0,
    }
    if (id === undefined) {
      const row = await trx.insertInto('report_categories').values(values).returning('id').executeTakeFirstOrThrow()
      await audit(trx, actorId, 'category.create', 'report_category', row.id, null, values)
      changed()
      return { ok: true as const, id: row.id }
    }
    const before = await trx.selectFrom('report_categories').select(categoryColumns).where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    if (before.code !== input.code) {
      // The service_code is what Open311 clients and saved links know: it changes only while no report uses it.
      const used = await trx.selectFrom('reports').select('id').where('category_id', '=', id).limit(1).executeTakeFirst()
      if (used) return refused(409, 'code', 'services:errors.codeInUse')
    }
    await trx.updateTable('report_categories').set(values).where('id', '=', id).execute()
    await audit(trx, actorId, 'category.update', 'report_category', id, before, values)
    changed()
    return { ok: true as const, id }
  })
}

/** Deletes a category no report uses (with its questions and rules); one in use is refused: deactivate it instead. */
export async function deleteCategory(actorId: number, id: number): Promise<Result> {
  return database().write(async (trx) => {
    const before = await trx.selectFrom('report_categories').select(categoryColumns).where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    const used = await trx.selectFrom('reports').select('id').where('category_id', '=', id).limit(1).executeTakeFirst()
    if (used) return refused(409, 'form', 'services:errors.categoryInUse')
    await trx.deleteFrom('category_questions').where('category_id', '=', id).execute()
    await trx.deleteFrom('category_routes').where('category_id', '=', id).execute()
    await trx.deleteFrom('report_categories').where('id', '=', id).execute()
    await audit(trx, actorId, 'category.delete', 'report_category', id, before, null)
    changed()
    return { ok: true as const, id }
  })
}

export async function saveQuestion(actorId: number, categoryId: number, fields: Record<string, unknown>, questionId?: number): Promise<Result> {
  const parsed = questionSchema(defaultLocale()).safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const input = parsed.data
  return database().write(async (trx) => {
    const category = await trx.selectFrom('report_categories').select('id').where('id', '=', categoryId).executeTakeFirst()
    if (!category) return refused(404, 'form', 'services:errors.notFound')
    const clash = await trx.selectFrom('category_questions').select('id').where('category_id', '=', categoryId).where('code', '=', input.code).executeTakeFirst()
    if (clash && clash.id !== questionId) return refused(409, 'code', 'services:errors.questionCodeTaken')
    const values = {
      code: input.code,
      datatype: input.datatype,
      required: input.required ? 1 : 0,
      description: serializeLocalized(input.description),
      hint: serializeLocalized(input.hint),
      options: JSON.stringify(input.options.map((o) => ({ key: o.key, name: JSON.parse(serializeLocalized(o.name)) as Localized }))),
      position: input.position,
      updated_at: now(),
    }
    if (questionId === undefined) {
      const row = await trx
        .insertInto('category_questions')
        .values({ ...values, category_id: categoryId })
        .returning('id')
        .executeTakeFirstOrThrow()
      await audit(trx, actorId, 'category.question.create', 'report_category', categoryId, null, values)
      changed()
      return { ok: true as const, id: row.id }
    }
    const before = await trx.selectFrom('category_questions').select(questionColumns).where('id', '=', questionId).where('category_id', '=', categoryId).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    await trx.updateTable('category_questions').set(values).where('id', '=', questionId).execute()
    await audit(trx, actorId, 'category.question.update', 'report_category', categoryId, before, values)
    changed()
    return { ok: true as const, id: questionId }
  })
}

export async function deleteQuestion(actorId: number, categoryId: number, questionId: number): Promise<Result> {
  return database().write(async (trx) => {
    const before = await trx.selectFrom('category_questions').select(questionColumns).where('id', '=', questionId).where('category_id', '=', categoryId).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    await trx.deleteFrom('category_questions').where('id', '=', questionId).execute()
    // Removing a question also changes the service definition: bump the changeset of the others.
    await trx.updateTable('category_questions').set({ updated_at: now() }).where('category_id', '=', categoryId).execute()
    await audit(trx, actorId, 'category.question.delete', 'report_category', categoryId, before, null)
    changed()
    return { ok: true as const, id: questionId }
  })
}

// ---------------------------------------------------------------- routing rules

export interface RoutingArea {
  id: number
  name: string
  level: AreaHit['level']
  parentId: number | null
}

/**
 * The routing matrix: every category (rows) against the city and its areas (columns). `rules`
 * holds the explicit rules `categoryId:areaId` (areaId 0: the whole city) → department id.
 */
export async function routingMatrix() {
  const db = database().db
  const [categories, departments, areas, rules] = await Promise.all([
    listCategories(),
    listDepartments(),
    db.selectFrom('areas').select(['id', 'name', 'level', 'parent_id']).orderBy('level').orderBy('name').execute(),
    db.selectFrom('category_routes').select(['category_id', 'area_id', 'department_id']).execute(),
  ])
  const order = { city: 0, district: 1, neighbourhood: 2 } as const
  // Districts each followed by their neighbourhoods, as a reader expects the columns.
  const districts = areas.filter((a) => a.level === 'district')
  const ordered = [
    ...areas.filter((a) => a.level === 'city'),
    ...districts.flatMap((d) => [d, ...areas.filter((a) => a.level === 'neighbourhood' && a.parent_id === d.id)]),
    ...areas.filter((a) => a.level === 'neighbourhood' && !districts.some((d) => d.id === a.parent_id)),
  ].sort((a, b) => (a.level === 'city' ? -1 : b.level === 'city' ? 1 : 0) || 0)
  void order
  return {
    categories,
    departments,
    areas: ordered.map((a) => ({ id: a.id, name: a.name, level: a.level, parentId: a.parent_id })),
    rules: Object.fromEntries(rules.map((r) => [`${r.category_id}:${r.area_id ?? 0}`, r.department_id])) as Record<string, number>,
  }
}

/** Sets (or with departmentId null, removes) the rule for a category in an area (null: the whole city). */
export async function setRoute(actorId: number, fields: Record<string, unknown>): Promise<Result<{ id: number }>> {
  const parsed = routeSchema.safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const { categoryId, areaId, departmentId } = parsed.data
  return database().write(async (trx) => {
    if (!(await trx.selectFrom('report_categories').select('id').where('id', '=', categoryId).executeTakeFirst())) return refused(400, 'categoryId', 'services:errors.categoryRequired')
    if (areaId !== null && !(await trx.selectFrom('areas').select('id').where('id', '=', areaId).executeTakeFirst())) return refused(400, 'areaId', 'services:errors.areaUnknown')
    if (departmentId !== null && !(await trx.selectFrom('departments').select('id').where('id', '=', departmentId).executeTakeFirst()))
      return refused(400, 'departmentId', 'services:errors.departmentUnknown')
    let existing = trx.selectFrom('category_routes').select(['id', 'department_id']).where('category_id', '=', categoryId)
    existing = areaId === null ? existing.where('area_id', 'is', null) : existing.where('area_id', '=', areaId)
    const before = await existing.executeTakeFirst()
    const target = { categoryId, areaId, departmentId }
    if (departmentId === null) {
      if (before) await trx.deleteFrom('category_routes').where('id', '=', before.id).execute()
    } else if (before) {
      await trx.updateTable('category_routes').set({ department_id: departmentId }).where('id', '=', before.id).execute()
    } else {
      await trx.insertInto('category_routes').values({ category_id: categoryId, area_id: areaId, department_id: departmentId }).execute()
    }
    await audit(trx, actorId, departmentId === null ? 'route.delete' : 'route.set', 'report_category', categoryId, before ? { categoryId, areaId, departmentId: before.department_id } : null, target)
    changed()
    return { ok: true as const, id: categoryId }
  })
}

const SPECIFICITY = { neighbourhood: 3, district: 2, city: 1 } as const

export type RouteTest =
  | { kind: 'routed'; department: Department; rule: { areaId: number | null; areaName: string | null; level: AreaHit['level'] | 'everywhere' }; areas: AreaHit[] }
  | { kind: 'outsideCity' }
  | { kind: 'notServedHere'; areas: AreaHit[] }
  | { kind: 'unknownCategory' }
  | { kind: 'unknownArea' }

/**
 * "Who gets a pothole at this point?": the department and the rule that decided, read fresh from
 * the database (not the filing path's cache), by the same most-specific-wins order.
 */
export async function testRoute(input: { category: string; point: { lat: number; lng: number } | null; areaId: number | null }): Promise<RouteTest> {
  const db = database().db
  const category = await db.selectFrom('report_categories').select(['id']).where('code', '=', input.category).executeTakeFirst()
  if (!category) return { kind: 'unknownCategory' }
  let areas: AreaHit[]
  if (input.point) {
    areas = await areasContaining(input.point.lat, input.point.lng)
  } else {
    // An area chosen from the list: it and the areas above it.
    const all = await db.selectFrom('areas').select(['id', 'slug', 'name', 'level', 'parent_id']).execute()
    const byId = new Map(all.map((a) => [a.id, a]))
    let at = byId.get(input.areaId!)
    if (!at) return { kind: 'unknownArea' }
    areas = []
    while (at) {
      areas.unshift({ id: at.id, slug: at.slug, name: at.name, level: at.level, parentId: at.parent_id })
      at = at.parent_id ? byId.get(at.parent_id) : undefined
    }
    const city = all.find((a) => a.level === 'city')
    if (city && !areas.some((a) => a.id === city.id)) areas.unshift({ id: city.id, slug: city.slug, name: city.name, level: city.level, parentId: null })
  }
  if (areas.length === 0) return { kind: 'outsideCity' }
  const rank = new Map(areas.map((a) => [a.id, SPECIFICITY[a.level]]))
  const rules = await db.selectFrom('category_routes').select(['area_id', 'department_id']).where('category_id', '=', category.id).execute()
  let best: { areaId: number | null; departmentId: number; specificity: number } | null = null
  for (const r of rules) {
    if (r.area_id !== null && !rank.has(r.area_id)) continue
    const specificity = r.area_id === null ? 0 : rank.get(r.area_id)!
    if (!best || specificity > best.specificity) best = { areaId: r.area_id, departmentId: r.department_id, specificity }
  }
  if (!best) return { kind: 'notServedHere', areas }
  const department = (await getDepartment(best.departmentId))!
  const area = best.areaId === null ? null : areas.find((a) => a.id === best.areaId)!
  return { kind: 'routed', department, rule: { areaId: best.areaId, areaName: area?.name ?? null, level: area?.level ?? 'everywhere' }, areas }
}

// ---------------------------------------------------------------- report state labels

export async function listStates(): Promise<Array<{ code: string; kind: ReportStateKind; label: Localized; position: number }>> {
  const rows = await database().db.selectFrom('report_states').selectAll().orderBy('position').execute()
  return rows.map((r) => ({ code: r.code, kind: r.kind, label: parseLocalized(r.label), position: r.position }))
}

/** Renames a state in each language (every language empty: back to the translated default). Its kind stays. */
export async function saveStateLabel(actorId: number, fields: Record<string, unknown>): Promise<Result<{ code: string }>> {
  const parsed = stateLabelSchema(defaultLocale()).safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const { code, label } = parsed.data
  return database().write(async (trx) => {
    const before = await trx.selectFrom('report_states').selectAll().where('code', '=', code).executeTakeFirst()
    if (!before) return refused(404, 'code', 'services:errors.stateUnknown')
    const value = Object.keys(label).length ? serializeLocalized(label) : null
    await renameReportState(trx, code, value)
    await audit(trx, actorId, 'state.label', 'report_state', before.position, before, { ...before, label: value })
    changed()
    return { ok: true as const, code }
  })
}

// ---------------------------------------------------------------- proposal and petition categories

export type SimpleCategoryKind = 'proposal' | 'petition'
const simpleTable = (kind: SimpleCategoryKind) => (kind === 'proposal' ? 'proposal_categories' : 'petition_categories') as 'proposal_categories'
const usersTable = (kind: SimpleCategoryKind) => (kind === 'proposal' ? 'proposals' : 'petitions') as 'proposals'

export async function listSimpleCategories(kind: SimpleCategoryKind) {
  const rows = await database().db.selectFrom(simpleTable(kind)).select(['id', 'code', 'name', 'position', 'active']).orderBy('position').orderBy('code').execute()
  return rows.map((r) => ({ id: r.id, code: r.code, name: parseLocalized(r.name), position: r.position, active: r.active === 1 }))
}

/** Active petition categories with their names in `locale` (for the petition form and lists). */
export async function petitionCategories(locale: string) {
  const rows = await listSimpleCategories('petition')
  const fallback = cityDefaultLocale()
  return rows.filter((r) => r.active).map((r) => ({ id: r.id, code: r.code, name: localize(r.name, locale, fallback) }))
}

export async function saveSimpleCategory(actorId: number, kind: SimpleCategoryKind, fields: Record<string, unknown>, id?: number): Promise<Result> {
  const parsed = simpleCategorySchema(defaultLocale()).safeParse(fields)
  if (!parsed.success) return { ok: false, status: 400, errors: fieldErrors(parsed.error.issues) }
  const input = parsed.data
  const table = simpleTable(kind)
  return database().write(async (trx) => {
    const clash = await trx.selectFrom(table).select('id').where('code', '=', input.code).executeTakeFirst()
    if (clash && clash.id !== id) return refused(409, 'code', 'services:errors.codeTaken')
    const values = { code: input.code, name: serializeLocalized(input.name), position: input.position }
    if (id === undefined) {
      // writes: proposal_categories, petition_categories
      const row = await trx.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow()
      await audit(trx, actorId, `${kind}_category.create`, `${kind}_category`, row.id, null, values)
      return { ok: true as const, id: row.id }
    }
    const before = await trx.selectFrom(table).select(['code', 'name', 'position']).where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    // writes: proposal_categories, petition_categories
    await trx.updateTable(table).set(values).where('id', '=', id).execute()
    await audit(trx, actorId, `${kind}_category.update`, `${kind}_category`, id, before, values)
    return { ok: true as const, id }
  })
}

/** Deletes a category nothing uses; one in use is refused (its items keep their category). */
export async function deleteSimpleCategory(actorId: number, kind: SimpleCategoryKind, id: number): Promise<Result> {
  const table = simpleTable(kind)
  return database().write(async (trx) => {
    const before = await trx.selectFrom(table).select(['code', 'name', 'position']).where('id', '=', id).executeTakeFirst()
    if (!before) return refused(404, 'form', 'services:errors.notFound')
    const used = await trx.selectFrom(usersTable(kind)).select('id').where('category_id', '=', id).limit(1).executeTakeFirst()
    if (used) return refused(409, 'form', 'services:errors.categoryInUse')
    // writes: proposal_categories, petition_categories
    await trx.deleteFrom(table).where('id', '=', id).execute()
    await audit(trx, actorId, `${kind}_category.delete`, `${kind}_category`, id, before, null)
    return { ok: true as const, id }
  })
}

/** Counts for the overview page. */
export async function servicesOverview() {
  const db = database().db
  const count = async (
    table: 'departments' | 'report_categories' | 'category_routes' | 'report_states' | 'response_templates' | 'proposal_categories' | 'petition_categories' | 'representative_levels',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    )
  return {
    departments: await count('departments'),
    categories: await count('report_categories'),
    routes: await count('category_routes'),
    states: await count('report_states'),
    templates: await count('response_templates'),
    proposalCategories: await count('proposal_categories'),
    petitionCategories: await count('petition_categories'),
    levels: await count('representative_levels'),
  }
}
