import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import { categoriesServing, routeReport } from './department-routing.server'

const point = async (slug: string) => {
  const p = await areaPoint(slug)
  if (!p) throw new Error(`no point in ${slug}`)
  return p
}

beforeAll(async () => {
  await seededDatabase()
})

describe('routing a report by category and area', () => {
  it('sends a category to its department city-wide', async () => {
    const p = await point('sant-roc')
    expect(await routeReport('pothole', p.lat, p.lng)).toMatchObject({ kind: 'routed', department: 'roads' })
    expect(await routeReport('street-light', p.lat, p.lng)).toMatchObject({ kind: 'routed', department: 'street-lighting' })
  })

  it('lets a more specific area rule win (street lights in Ribera Sud are the roads department’s)', async () => {
    const district = await database().db.selectFrom('areas').select('id').where('slug', '=', 'ribera-sud').executeTakeFirstOrThrow()
    const neighbourhood = await database().db.selectFrom('areas').select('slug').where('parent_id', '=', district.id).executeTakeFirstOrThrow()
    const p = await point(neighbourhood.slug)
    expect(await routeReport('street-light', p.lat, p.lng)).toMatchObject({ kind: 'routed', department: 'roads' })
  })

  it('offers a category only where it is served', async () => {
    const river = await point('ribera-nord')
    const inland = await point('sant-roc')
    expect((await categoriesServing(river.lat, river.lng)).map((c) => c.code)).toContain('river-bank-litter')
    expect((await categoriesServing(inland.lat, inland.lng)).map((c) => c.code)).not.toContain('river-bank-litter')
    expect(await routeReport('river-bank-litter', inland.lat, inland.lng)).toEqual({ kind: 'notServedHere' })
  })

  it('says so for a point outside the city and an unknown category', async () => {
    expect(await routeReport('pothole', 0, 0)).toEqual({ kind: 'outsideCity' })
    expect(await categoriesServing(0, 0)).toEqual([])
    const p = await point('sant-roc')
    expect(await routeReport('no-such-category', p.lat, p.lng)).toEqual({ kind: 'notServedHere' })
  })
})
