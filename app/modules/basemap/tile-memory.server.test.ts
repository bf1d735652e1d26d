import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RawAnswer } from '../../lib/early-routes'
import { database, migrateOrThrow } from '../../lib/db.server'
import { importBasemap } from './basemap.server'
import { smallTown } from './fixture'
import { tileAnswer, tileFromMemory } from './http.server'
import { writeOsmPbf } from './osm-pbf-writer'
import { hotAnswer, hotTiles, TileMemory, type HotTile } from './tile-memory.server'
import { tileRange } from './tiles.server'

const tile = (bytes: number, etag = '"e"', lastModified = 'Mon, 07 Dec 2026 12:00:00 GMT'): HotTile => {
  const headers = { ETag: etag, 'Last-Modified': lastModified }
  return {
    ok: { status: 200, headers, body: new Uint8Array(bytes) },
    notModified: { status: 304, headers, body: new Uint8Array(0) },
    etag,
    lastModifiedMs: Date.parse(lastModified),
    bytes,
  }
}

describe('the hot tiles memory', () => {
  it('keeps tiles up to its byte budget and lets the least recently used go first', () => {
    const memory = new TileMemory(800)
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) memory.set(`/${key}`, tile(100))
    expect(memory.bytes).toBe(800)
    // /a is asked for again: /b is now the least recently used and leaves for /i.
    expect(memory.get('/a')).toBeDefined()
    memory.set('/i', tile(100))
    expect(memory.get('/b')).toBeUndefined()
    expect(memory.get('/a')).toBeDefined()
    expect(memory.bytes).toBe(800)
    // A tile over an eighth of the budget is not kept; the same key again replaces, not adds.
    memory.set('/big', tile(101))
    expect(memory.get('/big')).toBeUndefined()
    memory.set('/i', tile(50))
    expect(memory.bytes).toBe(750)
    memory.forget()
    expect(memory.size).toBe(0)
    expect(memory.version).toBeNull()
    // A budget of 0 (TILE_CACHE_MB=0) keeps nothing.
    const none = new TileMemory(0)
    none.set('/a', tile(1))
    expect(none.size).toBe(0)
  })

  it('answers 304 to the ETag it sent (in a list, weak or strong) or a date not before Last-Modified', () => {
    const t = tile(10, '"abc"')
    expect(hotAnswer(t, {}).status).toBe(200)
    expect(hotAnswer(t, { 'if-none-match': '"abc"' }).status).toBe(304)
    expect(hotAnswer(t, { 'if-none-match': '"x", W/"abc"' }).status).toBe(304)
    expect(hotAnswer(t, { 'if-none-match': '"stale"' }).status).toBe(200)
    // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    expect(hotAnswer(t, { 'if-none-match': '"stale"', 'if-modified-since': 'Mon, 07 Dec 2026 13:00:00 GMT' }).status).toBe(200)
    expect(hotAnswer(t, { 'if-modified-since': 'Mon, 07 Dec 2026 12:00:00 GMT' }).status).toBe(304)
    expect(hotAnswer(t, { 'if-modified-since': 'Mon, 07 Dec 2026 11:59:59 GMT' }).status).toBe(200)
    expect(hotAnswer(t, { 'if-modified-since': 'not a date' }).status).toBe(200)
  })
})

describe('tiles answered ahead of Express', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-basemap-'))
  const town = smallTown()
  const pbfFile = path.join(dir, 'town.osm.pbf')
  writeOsmPbf(pbfFile, town.nodes, town.ways)
  const r = tileRange([-1.518, 41.35, -1.518, 41.35], 16)

  beforeAll(async () => {
    await migrateOrThrow(database())
  })

  it('reads a tile once, then answers it from memory without a promise, until an import replaces the map', async () => {
    const first = await importBasemap(pbfFile, { fileName: 'town.osm.pbf' })
    if (first.kind !== 'done') throw new Error(first.kind)
    const url = `/tiles/${first.version}/16/${r.minX}/${r.minY}.pbf`
    // The first answer comes from the database (a promise); the process then knows the current version.
    const read = tileFromMemory(url, {})
    expect(read).toBeInstanceOf(Promise)
    const stored = await read!
    expect(stored.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 10))
    // Read again, now kept: the same bytes, answered at once.
    await tileFromMemory(url, {})
    const hot = tileFromMemory(url, {}) as RawAnswer
    expect(hot).not.toBeInstanceOf(Promise)
    expect(hot.status).toBe(200)
    expect(Buffer.from(hot.body as Uint8Array).equals(Buffer.from(stored.body as Uint8Array))).toBe(true)
    expect(hot.headers['Last-Modified']).toBeTruthy()
    expect((tileFromMemory(url, { 'if-none-match': hot.headers.ETag! }) as RawAnswer).status).toBe(304)
    // The route through Express answers the same.
    const viaExpress = await tileAnswer({ version: String(first.version), z: '16', x: String(r.minX), y: `${r.minY}.pbf` })
    expect(viaExpress.headers.ETag).toBe(hot.headers.ETag)

    // Not a tile address, or not in the plain form: null, and the whole pipeline answers.
    expect(tileFromMemory(`${url}?v=2`, {})).toBeNull()
    expect(tileFromMemory(`/tiles/${first.version}/16/${2 ** 16}/0.pbf`, {})).toBeNull()
    expect(tileFromMemory(`/tiles/${first.version}/25/0/0.pbf`, {})).toBeNull()
    expect(tileFromMemory('/tiles/x/16/1/1.pbf', {})).toBeNull()
    // Outside the data: the empty tile, not kept.
    const empty = await tileFromMemory(`/tiles/${first.version}/16/${r.minX + 40}/${r.minY}.pbf`, {})!
    expect(empty).toMatchObject({ status: 200, body: new Uint8Array(0) })

    // A new import deletes the old version's tiles: this process stops answering them from memory.
    const second = await importBasemap(pbfFile, { fileName: 'town-again.osm.pbf' })
    if (second.kind !== 'done') throw new Error(second.kind)
    expect(hotTiles.size).toBe(0)
    const gone = tileFromMemory(url, {})
    expect(gone).toBeInstanceOf(Promise)
    expect(((await gone) as RawAnswer).body).toEqual(new Uint8Array(0))
    // The new version's tiles are kept once the process has read which version is current.
    const next = `/tiles/${second.version}/16/${r.minX}/${r.minY}.pbf`
    await tileFromMemory(next, {})
    await new Promise((resolve) => setTimeout(resolve, 10))
    await tileFromMemory(next, {})
    expect(tileFromMemory(next, {})).not.toBeInstanceOf(Promise)
    // Another process's import: this one notices within VERSION_CHECK_MS (here: told to read again).
    hotTiles.version = first.version
    hotTiles.checkedAt = -Infinity
    await tileFromMemory(next, {})
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(hotTiles.version).toBe(second.version)
    expect(hotTiles.size).toBe(0)
  })
})
