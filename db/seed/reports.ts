import type { SeedStep } from './index'
import { defaultStates } from '../../app/modules/reports/states'

/**
 * Demo report categories, where each is served and by whom, and the states. Two rules show
 * routing by area: street lights in Ribera Sud are the roads department's (a maintenance
 * contract), and river-bank litter exists only in the two river districts.
 */
const categories: Array<{ code: string; name: string; group: string; department: string; areas?: string[]; exceptions?: Array<{ area: string; department: string }> }> = [
  { code: 'pothole', name: 'Pothole', group: 'Roads', department: 'roads' },
  { code: 'damaged-pavement', name: 'Damaged pavement', group: 'Roads', department: 'roads' },
  { code: 'street-light', name: 'Street light not working', group: 'Lighting', department: 'street-lighting', exceptions: [{ area: 'ribera-sud', department: 'roads' }] },
  { code: 'overflowing-bin', name: 'Overflowing bin', group: 'Cleaning', department: 'waste' },
  { code: 'fly-tipping', name: 'Fly-tipping', group: 'Cleaning', department: 'waste' },
  { code: 'river-bank-litter', name: 'Litter on the river bank', group: 'Cleaning', department: 'waste', areas: ['ribera-nord', 'ribera-sud'] },
  { code: 'fallen-tree', name: 'Fallen or dangerous tree', group: 'Parks', department: 'parks' },
  { code: 'blocked-drain', name: 'Blocked drain', group: 'Water', department: 'water' },
]

export const reportsStep: SeedStep = {
  name: 'report categories',
  size: () => 1,
  async run(database, _options, progress) {
    const { db, write } = database
    if (await db.selectFrom('report_categories').select('id').limit(1).executeTakeFirst()) {
      progress(1)
      return { created: 0 }
    }
    const departments = new Map((await db.selectFrom('departments').select(['id', 'slug']).execute()).map((d) => [d.slug, d.id]))
    const areas = new Map((await db.selectFrom('areas').select(['id', 'slug']).execute()).map((a) => [a.slug, a.id]))
    const created = await write(async (trx) => {
      let count = 0
      for (const [position, state] of defaultStates.entries()) {
        await trx.insertInto('report_states').values({ code: state.code, kind: state.kind, label: null, position }).execute()
      }
      for (const [position, c] of categories.entries()) {
        const row = await trx
          .insertInto('report_categories')
          .values({ code: c.code, name: c.name, group_name: c.group, position })
          .returning('id')
          .executeTakeFirstOrThrow()
        const departmentId = departments.get(c.department)!
        for (const area of c.areas ?? [null]) {
          await trx.insertInto('category_routes').values({ category_id: row.id, department_id: departmentId, area_id: area ? areas.get(area)! : null }).execute()
        }
        for (const e of c.exceptions ?? []) {
          await trx.insertInto('category_routes').values({ category_id: row.id, department_id: departments.get(e.department)!, area_id: areas.get(e.area)! }).execute()
        }
        count++
      }
      return count
    })
    progress(1)
    return { created }
  },
}
