import { database } from '../../lib/db.server'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { areasContaining, type AreaHit } from '../geo/lookup.server'

/**
 * Which categories serve a place, and which department a report goes to: decided by category and
 * area. A rule for a neighbourhood beats one for its district, which beats a city-wide rule.
 */

const SPECIFICITY = { neighbourhood: 3, district: 2, city: 1 } as const

// Every routing rule (a few hundred rows at most), kept per process for a few seconds: filing a
// report then costs an area lookup and a scan of this list, not a query.
const RULES_TTL_MS = 10_000
let rulesCache: { at: number; rules: Promise<Rule[]> } | null = null
type Rule = { categoryId: number; code: string; name: string; group: string | null; position: number; departmentId: number; department: string; areaId: number | null }

function allRules(): Promise<Rule[]> {
  if (rulesCache && Date.now() - rulesCache.at < RULES_TTL_MS) return rulesCache.rules
  const rules = database()
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
    .execute()
  rulesCache = { at: Date.now(), rules }
  rules.catch(() => (rulesCache = null))
  return rules
}

/** Forget the cached rules (after an administrator changes categories or routes, and in tests). */
export function forgetRoutingRules() {
  rulesCache = null
}

async function rulesAt(lat: number, lng: number) {
  const areas = await areasContaining(lat, lng)
  if (areas.length === 0) return null // outside the city
  const rank = new Map(areas.map((a) => [a.id, SPECIFICITY[a.level]]))
  const rules = await allRules()
  // For each category, the most specific rule that covers the point.
  const best = new Map<number, Rule & { specificity: number }>()
  for (const rule of rules) {
    if (rule.areaId !== null && !rank.has(rule.areaId)) continue
    const specificity = rule.areaId === null ? 0 : rank.get(rule.areaId)!
    const current = best.get(rule.categoryId)
    if (!current || specificity > current.specificity) best.set(rule.categoryId, { ...rule, specificity })
  }
  return { areas, rules: [...best.values()].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name)) }
}

/** The categories a person may choose at this point (empty outside the city). */
export async function categoriesServing(lat: number, lng: number, locale: string = cityDefaultLocale()) {
  const found = await rulesAt(lat, lng)
  const name = namesIn(locale)
  return (found?.rules ?? []).map((r) => ({ code: r.code, name: name(r.name), group: r.group === null ? null : name(r.group) || null, department: r.department }))
}

/** Routed: with the areas containing the point (city first), so callers need not look them up again. */
export type Routing = { kind: 'routed'; departmentId: number; department: string; categoryId: number; areas: AreaHit[] } | { kind: 'outsideCity' } | { kind: 'notServedHere' }

export async function routeReport(categoryCode: string, lat: number, lng: number): Promise<Routing> {
  const found = await rulesAt(lat, lng)
  if (found === null) return { kind: 'outsideCity' }
  const rule = found.rules.find((r) => r.code === categoryCode)
  return rule ? { kind: 'routed', departmentId: rule.departmentId, department: rule.department, categoryId: rule.categoryId, areas: found.areas } : { kind: 'notServedHere' }
}
