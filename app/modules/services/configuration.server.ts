import { z } from 'zod'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { supportedLocales } from '../../lib/i18n'
import { parseLocalized, serializeLocalized, type Localized } from '../../lib/localized'
import { recordAudit } from '../moderation/moderation.server'
import { forgetServicesCaches } from './services.server'
import { renameReportState } from '../reports/states.server'

/**
 * The services module's part of the configuration document (/admin/configuration): departments
 * (no staff: people are not configuration), report categories with their questions, the routing
 * rules (by category code, department slug and area code), state names, proposal and petition
 * categories. Items are matched by slug or code: new ones are added, existing ones updated; nothing
 * is deleted (a town copying a neighbour's categories keeps its own).
 */

const localized = z.object(Object.fromEntries(supportedLocales.map((l) => [l, z.string().max(5000).optional()]))).strict()
const code = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)

export const servicesSectionSchema = z.object({
  departments: z.array(z.object({ slug: code, name: localized, email: z.email().nullable(), phone: z.string().max(50).nullable() })),
  categories: z.array(
    z.object({
      code,
      name: localized,
      description: localized,
      group: localized,
      colour: z
        .string()
        .regex(/^#[0-9a-f]{6}$/i)
        .nullable(),
      keywords: z.string().max(2000),
      position: z.number().int(),
      active: z.boolean(),
      questions: z.array(
        z.object({
          code,
          datatype: z.enum(['string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist']),
          required: z.boolean(),
          description: localized,
          hint: localized,
          options: z.array(z.object({ key: z.string().min(1).max(100), name: localized })),
          position: z.number().int(),
        }),
      ),
    }),
  ),
  routes: z.array(z.object({ category: code, department: code, area: z.string().max(200).nullable() })),
  states: z.array(z.object({ code: z.string().max(64), label: localized.nullable() })),
  proposalCategories: z.array(z.object({ code, name: localized, position: z.number().int(), active: z.boolean() })),
  petitionCategories: z.array(z.object({ code, name: localized, position: z.number().int(), active: z.boolean() })),
})
export type ServicesSection = z.infer<typeof servicesSectionSchema>

const parseOptions = (text: string) => {
  try {
    const list = JSON.parse(text) as Array<{ key: string; name: unknown }>
    return Array.isArray(list) ? list.map((o) => ({ key: String(o.key), name: typeof o.name === 'string' ? parseLocalized(o.name) : ((o.name ?? {}) as Localized) })) : []
  } catch {
    return []
  }
}

export async function exportServicesSection(): Promise<ServicesSection> {
  const { db } = database()
  const [departments, categories, questions, routes, states, proposals, petitions] = await Promise.all([
    db.selectFrom('departments').select(['id', 'slug', 'name', 'email', 'phone']).orderBy('slug').execute(),
    db.selectFrom('report_categories').select(['id', 'code', 'name', 'description', 'group_name', 'colour', 'keywords', 'position', 'active']).orderBy('position').orderBy('code').execute(),
    db.selectFrom('category_questions').selectAll().orderBy('position').orderBy('code').execute(),
    db
      .selectFrom('category_routes as r')
      .innerJoin('report_categories as c', 'c.id', 'r.category_id')
      .innerJoin('departments as d', 'd.id', 'r.department_id')
      .leftJoin('areas as a', 'a.id', 'r.area_id')
      .select(['c.code as category', 'd.slug as department', 'a.code as area'])
      .orderBy('c.code')
      .orderBy('a.code')
      .execute(),
    db.selectFrom('report_states').select(['code', 'label']).orderBy('position').execute(),
    db.selectFrom('proposal_categories').select(['code', 'name', 'position', 'active']).orderBy('position').execute(),
    db.selectFrom('petition_categories').select(['code', 'name', 'position', 'active']).orderBy('position').execute(),
  ])
  return {
    departments: departments.map((d) => ({ slug: d.slug, name: parseLocalized(d.name), email: d.email, phone: d.phone })),
    categories: categories.map((c) => ({
      code: c.code,
      name: parseLocalized(c.name),
      description: parseLocalized(c.description),
      group: parseLocalized(c.group_name),
      colour: c.colour,
      keywords: c.keywords,
      position: c.position,
      active: c.active === 1,
      questions: questions
        .filter((q) => q.category_id === c.id)
        .map((q) => ({
          code: q.code,
          datatype: q.datatype,
          required: q.required === 1,
          description: parseLocalized(q.description),
          hint: parseLocalized(q.hint),
          options: parseOptions(q.options),
          position: q.position,
        })),
    })),
    routes: routes.map((r) => ({ category: r.category, department: r.department, area: r.area ?? null })),
    states: states.map((s) => ({ code: s.code, label: s.label ? parseLocalized(s.label) : null })),
    proposalCategories: proposals.map((p) => ({ code: p.code, name: parseLocalized(p.name), position: p.position, active: p.active === 1 })),
    petitionCategories: petitions.map((p) => ({ code: p.code, name: parseLocalized(p.name), position: p.position, active: p.active === 1 })),
  }
}

/** References the document cannot satisfy: a route's department, category or area, a state that does not exist. */
export async function checkServicesSection(section: ServicesSection, areaCodes: ReadonlySet<string>): Promise<Array<{ path: string; message: string }>> {
  const problems: Array<{ path: string; message: string }> = []
  const { db } = database()
  const departments = new Set([...section.departments.map((d) => d.slug), ...(await db.selectFrom('departments').select('slug').execute()).map((d) => d.slug)])
  const categories = new Set([...section.categories.map((c) => c.code), ...(await db.selectFrom('report_categories').select('code').execute()).map((c) => c.code)])
  const states = new Set((await db.selectFrom('report_states').select('code').execute()).map((s) => s.code))
  section.routes.forEach((r, i) => {
    if (!departments.has(r.department)) problems.push({ path: `services.routes.${i}.department`, message: `unknownDepartment|${r.department}` })
    if (!categories.has(r.category)) problems.push({ path: `services.routes.${i}.category`, message: `unknownCategory|${r.category}` })
    if (r.area !== null && !areaCodes.has(r.area)) problems.push({ path: `services.routes.${i}.area`, message: `unknownArea|${r.area}` })
  })
  section.states.forEach((s, i) => {
    if (!states.has(s.code)) problems.push({ path: `services.states.${i}.code`, message: `unknownState|${s.code}` })
  })
  const seen = new Set<string>()
  for (const c of section.categories) {
    if (seen.has(c.code)) problems.push({ path: `services.categories.${c.code}`, message: `duplicate|${c.code}` })
    seen.add(c.code)
  }
  return problems
}

type Change = { kind: string; key: string; change: 'added' | 'changed' }

export async function diffServicesSection(section: ServicesSection): Promise<Change[]> {
  const current = await exportServicesSection()
  const out: Change[] = []
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  const compare = <T extends Record<string, unknown>>(kind: string, next: T[], before: T[], key: keyof T) => {
    for (const item of next) {
      const old = before.find((b) => b[key] === item[key])
      if (!old) out.push({ kind, key: String(item[key]), change: 'added' })
      else if (!same(old, item)) out.push({ kind, key: String(item[key]), change: 'changed' })
    }
  }
  compare('department', section.departments, current.departments, 'slug')
  compare('category', section.categories, current.categories, 'code')
  compare('state', section.states, current.states, 'code')
  compare('proposalCategory', section.proposalCategories, current.proposalCategories, 'code')
  compare('petitionCategory', section.petitionCategories, current.petitionCategories, 'code')
  const routeKey = (r: ServicesSection['routes'][number]) => `${r.category} @ ${r.area ?? '*'}`
  for (const r of section.routes) {
    const old = current.routes.find((c) => routeKey(c) === routeKey(r))
    if (!old) out.push({ kind: 'route', key: `${routeKey(r)} → ${r.department}`, change: 'added' })
    else if (old.department !== r.department) out.push({ kind: 'route', key: `${routeKey(r)} → ${r.department}`, change: 'changed' })
  }
  return out
}

/** Writes the section inside the configuration import's transaction (checked first). */
export async function applyServicesSection(trx: Transaction<Database>, adminId: number, section: ServicesSection) {
  const at = new Date().toISOString()
  for (const d of section.departments) {
    const values = { name: serializeLocalized(d.name as Localized), email: d.email, phone: d.phone }
    await trx
      .insertInto('departments')
      .values({ slug: d.slug, ...values, created_at: at })
      .onConflict((oc) => oc.column('slug').doUpdateSet(values))
      .execute()
  }
  for (const c of section.categories) {
    const values = {
      name: serializeLocalized(c.name as Localized),
      description: serializeLocalized(c.description as Localized),
      group_name: Object.keys(c.group).length ? serializeLocalized(c.group as Localized) : null,
      colour: c.colour,
      keywords: c.keywords,
      position: c.position,
      active: c.active ? 1 : 0,
    }
    const row = await trx
      .insertInto('report_categories')
      .values({ code: c.code, ...values })
      .onConflict((oc) => oc.column('code').doUpdateSet(values))
      .returning('id')
      .executeTakeFirstOrThrow()
    // A category's questions are its Open311 service definition: replaced whole.
    await trx.deleteFrom('category_questions').where('category_id', '=', row.id).execute()
    for (const q of c.questions) {
      await trx
        .insertInto('category_questions')
        .values({
          category_id: row.id,
          code: q.code,
          datatype: q.datatype,
          required: q.required ? 1 : 0,
          description: serializeLocalized(q.description as Localized),
          hint: serializeLocalized(q.hint as Localized),
          options: JSON.stringify(q.options.map((o) => ({ key: o.key, name: o.name }))),
          position: q.position,
          updated_at: at,
        })
        .execute()
    }
  }
  const departmentId = new Map((await trx.selectFrom('departments').select(['id', 'slug']).execute()).map((d) => [d.slug, d.id]))
  const categoryId = new Map((await trx.selectFrom('report_categories').select(['id', 'code']).execute()).map((c) => [c.code, c.id]))
  const areaId = new Map((await trx.selectFrom('areas').select(['id', 'code']).execute()).map((a) => [a.code, a.id]))
  for (const r of section.routes) {
    const category = categoryId.get(r.category)!
    const area = r.area === null ? null : areaId.get(r.area)!
    let existing = trx.selectFrom('category_routes').select('id').where('category_id', '=', category)
    existing = area === null ? existing.where('area_id', 'is', null) : existing.where('area_id', '=', area)
    const found = await existing.executeTakeFirst()
    if (found)
      await trx
        .updateTable('category_routes')
        .set({ department_id: departmentId.get(r.department)! })
        .where('id', '=', found.id)
        .execute()
    else
      await trx
        .insertInto('category_routes')
        .values({ category_id: category, department_id: departmentId.get(r.department)!, area_id: area })
        .execute()
  }
  for (const s of section.states) {
    await renameReportState(trx, s.code, s.label ? serializeLocalized(s.label as Localized) : null)
  }
  for (const [table, items] of [
    ['proposal_categories', section.proposalCategories],
    ['petition_categories', section.petitionCategories],
  ] as const) {
    for (const p of items) {
      const values = { name: serializeLocalized(p.name as Localized), position: p.position, active: p.active ? 1 : 0 }
      // writes: proposal_categories, petition_categories
      await trx
        .insertInto(table)
        .values({ code: p.code, ...values })
        .onConflict((oc) => oc.column('code').doUpdateSet(values))
        .execute()
    }
  }
  await recordAudit(trx, {
    actorId: adminId,
    action: 'configuration.services',
    targetKind: 'settings',
    targetId: 0,
    before: null,
    after: { departments: section.departments.length, categories: section.categories.length, routes: section.routes.length },
  })
}

export const forgetServicesSection = () => forgetServicesCaches()
