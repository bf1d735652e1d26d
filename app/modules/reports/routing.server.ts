import { database } from '../../lib/db.server'
import { areasContaining } from '../geo/lookup.server'

/**
 * Which categories serve a place, and which department a report goes to: decided by category and
 * area. A rule for a neighbourhood beats one for its district, which beats a city-wide rule.
 */

const SPECIFICITY = { neighbourhood: 3, district: 2, city: 1 } as const

async function rulesAt(lat: number, lng: number) {
  const areas = await areasContaining(lat, lng)
  if (areas.length === 0) return null // outside the city
  const rank = new Map(areas.map((a) => [a.id, SPECIFICITY[a.level]]))
  const rules = await database()
    .db.selectFrom('category_routes')
    .innerJoin('report_categories', 'report_categories.id', 'category_routes.category_id')
    .innerJoin('departments', 'departments.id', 'category_routes.department_id')
    .select([
      'report_categories.id as categoryId',
      'report_categories.code',
      'report_categories.name',
      'report_categories.group_name as group',
      'report_categories.position',
      'departments.id as departmentId',
      'departments.slug as department',
      'category_routes.area_id as areaId',
    ])
    .where('report_categories.active', '=', 1)
    .where((eb) => eb.or([eb('category_routes.area_id', 'is', null), eb('category_routes.area_id', 'in', [...rank.keys()])]))
    .execute()
  // For each category, the most specific rule that covers the point.
  const best = new Map<number, (typeof rules)[number] & { specificity: number }>()
  for (const rule of rules) {
    const specificity = rule.areaId === null ? 0 : (rank.get(rule.areaId) ?? 0)
    const current = best.get(rule.categoryId)
    if (!current || specificity > current.specificity) best.set(rule.categoryId, { ...rule, specificity })
  }
  return [...best.values()].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
}

/** The categories a person may choose at this point (empty outside the city). */
export async function categoriesServing(lat: number, lng: number) {
  const rules = await rulesAt(lat, lng)
  return (rules ?? []).map((r) => ({ code: r.code, name: r.name, group: r.group, department: r.department }))
}

export type Routing = { kind: 'routed'; departmentId: number; department: string; categoryId: number } | { kind: 'outsideCity' } | { kind: 'notServedHere' }

export async function routeReport(categoryCode: string, lat: number, lng: number): Promise<Routing> {
  const rules = await rulesAt(lat, lng)
  if (rules === null) return { kind: 'outsideCity' }
  const rule = rules.find((r) => r.code === categoryCode)
  return rule ? { kind: 'routed', departmentId: rule.departmentId, department: rule.department, categoryId: rule.categoryId } : { kind: 'notServedHere' }
}
