import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { database, migrateOrThrow } from '../../lib/db.server'
import { importBasemap } from '../basemap/basemap.server'
import { smallTown } from '../basemap/fixture'
import { writeOsmPbf } from '../basemap/osm-pbf-writer'
import { PICTURE_HEIGHT, PICTURE_WIDTH, placePicture, placeSvg } from './map-picture.server'

/** The map picture in a body's e-mail (issue 19): drawn from the city's own base map, offline. */

beforeAll(async () => {
  await migrateOrThrow(database())
})

describe('the picture of a report’s place', () => {
  it('is null while no base map is imported', async () => {
    expect(await placePicture(41.35, -1.516)).toBeNull()
  })

  it('draws the base map’s roads, park and water around the point, with a pin at its centre, as a PNG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-picture-'))
    const town = smallTown()
    const file = path.join(dir, 'town.osm.pbf')
    writeOsmPbf(file, town.nodes, town.ways)
    expect((await importBasemap(file, { fileName: 'town.osm.pbf' })).kind).toBe('done')
    // On Carrer Major (a road along lat 41.35 from lng -1.52 to -1.512).
    const svg = (await placeSvg(41.35, -1.516))!
    expect(svg).toContain('stroke="#ffffff"') // a road
    expect(svg).toContain('stroke="#a99f93"') // its casing
    expect(svg).toContain('fill="#c0392b"') // the pin
    const png = (await placePicture(41.35, -1.516))!
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect(png.length).toBeLessThan(150_000)
    const meta = await sharp(png).metadata()
    expect([meta.width, meta.height]).toEqual([PICTURE_WIDTH, PICTURE_HEIGHT])
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const at = (x: number, y: number) => {
      const i = (y * info.width + x) * info.channels
      return [data[i]!, data[i + 1]!, data[i + 2]!]
    }
    // The pin's red just above the point; the road's white at the point's height, left of the pin.
    expect(at(PICTURE_WIDTH / 2, PICTURE_HEIGHT / 2 - 12)).toEqual([0xc0, 0x39, 0x2b])
    expect(at(PICTURE_WIDTH / 2 - 100, PICTURE_HEIGHT / 2)).toEqual([0xff, 0xff, 0xff])
    // Far from any road, the background (or a park or water), never the road's white.
    expect(at(5, 5)).not.toEqual([0xff, 0xff, 0xff])
  })

  it('is null where the base map has nothing', async () => {
    expect(await placePicture(48.85, 2.35)).toBeNull()
  })
})
