import fs from 'node:fs'
import { deflateSync } from 'node:zlib'
import Pbf from 'pbf'
import { escapeXml } from '../../lib/xml'

/**
 * Writes OpenStreetMap PBF files (https://wiki.openstreetmap.org/wiki/PBF_Format): the format
 * osmium and Geofabrik's extracts use — a header blob, then zlib-compressed blocks of DenseNodes
 * Ways and Relations. Used to make the tests' fixtures and the benchmark's synthetic extract from data they
 * generate; what it writes is read back by the import (osm-pbf-parser-node) and by `osmium`.
 */

export interface OsmNode {
  id: number
  lat: number
  lon: number
  tags?: Record<string, string>
}
export interface OsmWay {
  id: number
  refs: number[]
  tags?: Record<string, string>
}

export interface OsmRelation {
  id: number
  members: Array<{ type: 'node' | 'way' | 'relation'; ref: number; role: string }>
  tags?: Record<string, string>
}

const BLOCK = 8000
const MEMBER_TYPES = { node: 0, way: 1, relation: 2 } as const

function blob(type: 'OSMHeader' | 'OSMData', payload: Uint8Array): Buffer {
  const zipped = deflateSync(payload)
  const b = new Pbf()
  b.writeVarintField(2, payload.length) // raw_size
  b.writeBytesField(3, zipped) // zlib_data
  const blobBytes = b.finish()
  const h = new Pbf()
  h.writeStringField(1, type)
  h.writeVarintField(3, blobBytes.length) // datasize
  const header = h.finish()
  const length = Buffer.alloc(4)
  length.writeUInt32BE(header.length)
  return Buffer.concat([length, header, blobBytes])
}

function headerBlock(bbox: [number, number, number, number] | null): Uint8Array {
  const p = new Pbf()
  if (bbox) {
    p.writeMessage(
      1,
      (b: [number, number, number, number], pbf: Pbf) => {
        // left, right, top, bottom in nanodegrees
        pbf.writeSVarintField(1, Math.round(b[0] * 1e9))
        pbf.writeSVarintField(2, Math.round(b[2] * 1e9))
        pbf.writeSVarintField(3, Math.round(b[3] * 1e9))
        pbf.writeSVarintField(4, Math.round(b[1] * 1e9))
      },
      bbox,
    )
  }
  p.writeStringField(4, 'OsmSchema-V0.6')
  p.writeStringField(4, 'DenseNodes')
  p.writeStringField(16, 'plaza-basemap')
  return p.finish()
}

class Strings {
  private index = new Map<string, number>([['', 0]])
  list: string[] = ['']
  id(s: string): number {
    let i = this.index.get(s)
    if (i === undefined) {
      i = this.list.length
      this.index.set(s, i)
      this.list.push(s)
    }
    return i
  }
}

function primitiveBlock(strings: Strings, writeGroup: (pbf: Pbf) => void): Uint8Array {
  const group = new Pbf()
  writeGroup(group)
  const groupBytes = group.finish()
  const p = new Pbf()
  p.writeMessage(
    1,
    (list: string[], pbf: Pbf) => {
      const encoder = new TextEncoder()
      for (const s of list) pbf.writeBytesField(1, encoder.encode(s))
    },
    strings.list,
  )
  p.writeBytesField(2, groupBytes)
  return p.finish()
}

function denseBlock(nodes: OsmNode[]): Uint8Array {
  const strings = new Strings()
  const ids: number[] = []
  const lats: number[] = []
  const lons: number[] = []
  const kv: number[] = []
  let lastId = 0
  let lastLat = 0
  let lastLon = 0
  for (const n of nodes) {
    const lat = Math.round(n.lat * 1e7)
    const lon = Math.round(n.lon * 1e7)
    ids.push(n.id - lastId)
    lats.push(lat - lastLat)
    lons.push(lon - lastLon)
    lastId = n.id
    lastLat = lat
    lastLon = lon
    for (const [k, v] of Object.entries(n.tags ?? {})) kv.push(strings.id(k), strings.id(v))
    kv.push(0)
  }
  return primitiveBlock(strings, (group) => {
    group.writeMessage(
      2,
      (_: unknown, pbf: Pbf) => {
        pbf.writePackedSVarint(1, ids)
        pbf.writePackedSVarint(8, lats)
        pbf.writePackedSVarint(9, lons)
        pbf.writePackedVarint(10, kv)
      },
      null,
    )
  })
}

function wayBlock(ways: OsmWay[]): Uint8Array {
  const strings = new Strings()
  const encoded = ways.map((w) => {
    const tags = Object.entries(w.tags ?? {})
    return { id: w.id, keys: tags.map(([k]) => strings.id(k)), vals: tags.map(([, v]) => strings.id(v)), refs: w.refs }
  })
  return primitiveBlock(strings, (group) => {
    for (const w of encoded) {
      group.writeMessage(
        3,
        (way: typeof w, pbf: Pbf) => {
          pbf.writeVarintField(1, way.id)
          if (way.keys.length) pbf.writePackedVarint(2, way.keys)
          if (way.vals.length) pbf.writePackedVarint(3, way.vals)
          let last = 0
          pbf.writePackedSVarint(
            8,
            way.refs.map((r) => {
              const d = r - last
              last = r
              return d
            }),
          )
        },
        w,
      )
    }
  })
}

function relationBlock(relations: OsmRelation[]): Uint8Array {
  const strings = new Strings()
  const encoded = relations.map((r) => {
    const tags = Object.entries(r.tags ?? {})
    return { id: r.id, keys: tags.map(([k]) => strings.id(k)), vals: tags.map(([, v]) => strings.id(v)), roles: r.members.map((m) => strings.id(m.role)), members: r.members }
  })
  return primitiveBlock(strings, (group) => {
    for (const r of encoded) {
      group.writeMessage(
        4,
        (rel: typeof r, pbf: Pbf) => {
          pbf.writeVarintField(1, rel.id)
          if (rel.keys.length) pbf.writePackedVarint(2, rel.keys)
          if (rel.vals.length) pbf.writePackedVarint(3, rel.vals)
          pbf.writePackedVarint(8, rel.roles)
          let last = 0
          pbf.writePackedSVarint(
            9,
            rel.members.map((m) => {
              const d = m.ref - last
              last = m.ref
              return d
            }),
          )
          pbf.writePackedVarint(
            10,
            rel.members.map((m) => MEMBER_TYPES[m.type]),
          )
        },
        r,
      )
    }
  })
}

function* blocks<T>(items: Iterable<T>, encode: (batch: T[]) => Uint8Array): Generator<Buffer> {
  let batch: T[] = []
  for (const item of items) {
    batch.push(item)
    if (batch.length === BLOCK) {
      yield blob('OSMData', encode(batch))
      batch = []
    }
  }
  if (batch.length) yield blob('OSMData', encode(batch))
}

/** The bytes of an .osm.pbf holding these nodes, ways and relations (each sorted by id, in that order, as the format expects). */
export function* osmPbfChunks(nodes: Iterable<OsmNode>, ways: Iterable<OsmWay>, bbox: [number, number, number, number] | null = null, relations: Iterable<OsmRelation> = []): Generator<Buffer> {
  yield blob('OSMHeader', headerBlock(bbox))
  yield* blocks(nodes, denseBlock)
  yield* blocks(ways, wayBlock)
  yield* blocks(relations, relationBlock)
}

export function writeOsmPbf(file: string, nodes: Iterable<OsmNode>, ways: Iterable<OsmWay>, bbox: [number, number, number, number] | null = null, relations: Iterable<OsmRelation> = []): number {
  const fd = fs.openSync(file, 'w')
  let bytes = 0
  try {
    for (const chunk of osmPbfChunks(nodes, ways, bbox, relations)) {
      fs.writeSync(fd, chunk)
      bytes += chunk.length
    }
  } finally {
    fs.closeSync(fd)
  }
  return bytes
}

/** The same data as OSM XML (the format JOSM and the OSM API write). */
export function osmXml(nodes: Iterable<OsmNode>, ways: Iterable<OsmWay>, relations: Iterable<OsmRelation> = []): string {
  const tags = (t?: Record<string, string>) =>
    Object.entries(t ?? {})
      .map(([k, v]) => `    <tag k="${escapeXml(k)}" v="${escapeXml(v)}"/>\n`)
      .join('')
  const out = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="plaza-basemap">\n']
  for (const n of nodes) {
    const t = tags(n.tags)
    out.push(t ? `  <node id="${n.id}" lat="${n.lat.toFixed(7)}" lon="${n.lon.toFixed(7)}">\n${t}  </node>\n` : `  <node id="${n.id}" lat="${n.lat.toFixed(7)}" lon="${n.lon.toFixed(7)}"/>\n`)
  }
  for (const w of ways) out.push(`  <way id="${w.id}">\n${w.refs.map((r) => `    <nd ref="${r}"/>\n`).join('')}${tags(w.tags)}  </way>\n`)
  for (const r of relations)
    out.push(`  <relation id="${r.id}">\n${r.members.map((m) => `    <member type="${m.type}" ref="${m.ref}" role="${escapeXml(m.role)}"/>\n`).join('')}${tags(r.tags)}  </relation>\n`)
  out.push('</osm>\n')
  return out.join('')
}
