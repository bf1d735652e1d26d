import { unzipSync, strFromU8 } from 'fflate'
import proj4 from 'proj4'
import * as shapefile from 'shapefile'
import { feature as topoFeature } from 'topojson-client'
import type { Topology } from 'topojson-specification'

/**
 * Reads an uploaded geography file into features in WGS84 (RFC 7946 [lng, lat]): a GeoJSON
 * FeatureCollection (optionally with a `crs` member), a TopoJSON topology (every object), or a
 * zipped ESRI Shapefile (.shp + .dbf, with its .prj and .cpg). Projected coordinates are reprojected
 * with proj4 from the .prj's WKT or the `crs` member's EPSG code. A file that is not what its
 * extension says is a problem, not an exception.
 */

export type ImportFormat = 'geojson' | 'topojson' | 'shapefile'

export interface RawFeature {
  properties: Record<string, unknown>
  /** Any GeoJSON geometry (or null): validation decides what is acceptable. */
  geometry: { type: string; coordinates?: unknown } | null
}

export type ReadProblem =
  | { kind: 'notWhatExtensionSays'; extension: string; found: string }
  | { kind: 'unsupportedExtension'; extension: string }
  | { kind: 'shapefileIncomplete'; missing: string }
  | { kind: 'unknownCrs'; crs: string }
  | { kind: 'noFeatures' }

export type ReadResult = { ok: true; format: ImportFormat; crs: string; features: RawFeature[]; properties: string[] } | { ok: false; problem: ReadProblem }

const WGS84 = 'EPSG:4326'

/** proj4 definitions for the codes a `crs` member can name (the .prj carries its own WKT). */
function definitionOf(code: number): string | null {
  if (code === 4326 || code === 4258 || code === 4269) return '+proj=longlat +datum=WGS84 +no_defs'
  if (code === 3857 || code === 900913) return proj4.defs('EPSG:3857') ? 'EPSG:3857' : null
  const utm = (zone: number, datum: string, south = false) => `+proj=utm +zone=${zone}${south ? ' +south' : ''} +${datum} +units=m +no_defs`
  if (code >= 32601 && code <= 32660) return utm(code - 32600, 'datum=WGS84')
  if (code >= 32701 && code <= 32760) return utm(code - 32700, 'datum=WGS84', true)
  if (code >= 25828 && code <= 25838) return utm(code - 25800, 'ellps=GRS80 +towgs84=0,0,0,0,0,0,0')
  if (code >= 26901 && code <= 26923) return utm(code - 26900, 'datum=NAD83')
  const others: Record<number, string> = {
    2154: '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
    3035: '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
    27700: '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
    28992:
      '+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.4171,50.3319,465.5524,1.9342,-1.6677,9.1019,4.0725 +units=m +no_defs',
    31370:
      '+proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 +lat_2=49.8333339 +x_0=150000.013 +y_0=5400088.438 +ellps=intl +towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747 +units=m +no_defs',
  }
  return others[code] ?? null
}

/** The EPSG code a GeoJSON `crs` member names ("EPSG:25831", "urn:ogc:def:crs:EPSG::25831", CRS84). */
function crsMemberCode(crs: unknown): { name: string; code: number | null } | null {
  const name = (crs as { properties?: { name?: unknown } } | null)?.properties?.name
  if (typeof name !== 'string') return null
  if (/CRS84$/i.test(name)) return { name, code: 4326 }
  const m = /EPSG:{1,2}(\d+)$/i.exec(name)
  return { name, code: m ? Number(m[1]) : null }
}

type Converter = (p: [number, number]) => [number, number]

function converterFrom(definition: string): Converter {
  const c = proj4(definition, WGS84)
  return (p) => c.forward(p) as [number, number]
}

/** Reprojects every position of a geometry in place (Polygon and MultiPolygon; others are left to validation). */
function reproject(geometry: RawFeature['geometry'], convert: Converter) {
  if (!geometry || !Array.isArray(geometry.coordinates)) return
  const ring = (r: unknown) => {
    if (!Array.isArray(r)) return
    for (let i = 0; i < r.length; i++) {
      const p = r[i] as unknown
      if (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number') r[i] = convert([p[0], p[1]])
    }
  }
  if (geometry.type === 'Polygon') for (const r of geometry.coordinates as unknown[]) ring(r)
  else if (geometry.type === 'MultiPolygon') for (const poly of geometry.coordinates as unknown[]) if (Array.isArray(poly)) for (const r of poly) ring(r)
}

/** Only the first two numbers of a position (heights and measures are dropped). */
function flatten2d(geometry: RawFeature['geometry']) {
  if (!geometry || !Array.isArray(geometry.coordinates)) return
  const ring = (r: unknown) => {
    if (!Array.isArray(r)) return
    for (let i = 0; i < r.length; i++) {
      const p = r[i] as unknown
      if (Array.isArray(p) && p.length > 2) r[i] = [p[0], p[1]]
    }
  }
  if (geometry.type === 'Polygon') for (const r of geometry.coordinates as unknown[]) ring(r)
  else if (geometry.type === 'MultiPolygon') for (const poly of geometry.coordinates as unknown[]) if (Array.isArray(poly)) for (const r of poly) ring(r)
}

const looksLikeZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04
const looksLikeJson = (text: string) => /^\s*[{[]/.test(text)

function describe(bytes: Uint8Array): string {
  if (looksLikeZip(bytes)) return 'zip'
  if (bytes.length >= 4 && bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46) return 'pdf'
  if (bytes.length >= 4 && bytes[0] === 0x00 && bytes[1] === 0x00 && bytes[2] === 0x27 && bytes[3] === 0x0a) return 'shp'
  const head = strFromU8(bytes.subarray(0, 512), true)
  if (looksLikeJson(head)) {
    if (/"type"\s*:\s*"Topology"/.test(head)) return 'topojson'
    return 'json'
  }
  if (/^\s*</.test(head)) return 'xml/html'
  return /[\x00-\x08\x0e-\x1f]/.test(head) ? 'binary' : 'text'
}

function propertyNames(features: RawFeature[]): string[] {
  const names = new Set<string>()
  for (const f of features) for (const k of Object.keys(f.properties)) names.add(k)
  return [...names]
}

function done(format: ImportFormat, crs: string, features: RawFeature[]): ReadResult {
  if (features.length === 0) return { ok: false, problem: { kind: 'noFeatures' } }
  for (const f of features) flatten2d(f.geometry)
  return { ok: true, format, crs, features, properties: propertyNames(features) }
}

function readGeoJson(text: string, extension: string, bytes: Uint8Array): ReadResult {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: describe(bytes) === 'json' ? 'broken JSON' : describe(bytes) } }
  }
  const d = doc as { type?: unknown; features?: unknown; crs?: unknown }
  if (d?.type === 'Topology') return readTopoJson(doc, extension)
  if (d?.type !== 'FeatureCollection' || !Array.isArray(d.features)) {
    return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: typeof d?.type === 'string' ? `GeoJSON ${d.type}` : 'JSON without a FeatureCollection' } }
  }
  const features: RawFeature[] = (d.features as Array<{ properties?: unknown; geometry?: unknown }>).map((f) => ({
    properties: f && typeof f.properties === 'object' && f.properties !== null ? (f.properties as Record<string, unknown>) : {},
    geometry: f && typeof f.geometry === 'object' ? (f.geometry as RawFeature['geometry']) : null,
  }))
  let crs = WGS84
  const named = crsMemberCode(d.crs)
  if (named && named.code !== 4326) {
    const definition = named.code === null ? null : definitionOf(named.code)
    if (!definition) return { ok: false, problem: { kind: 'unknownCrs', crs: named.name } }
    const convert = converterFrom(definition)
    for (const f of features) reproject(f.geometry, convert)
    crs = `EPSG:${named.code}`
  }
  return done('geojson', crs, features)
}

function readTopoJson(doc: unknown, extension: string): ReadResult {
  const topology = doc as Topology
  if (topology?.type !== 'Topology' || typeof topology.objects !== 'object' || topology.objects === null) {
    return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: 'JSON without a Topology' } }
  }
  const features: RawFeature[] = []
  for (const object of Object.values(topology.objects)) {
    const fc = topoFeature(topology, object) as unknown as { type: string; features?: Array<{ properties?: unknown; geometry?: unknown }>; properties?: unknown; geometry?: unknown }
    const list = fc.type === 'FeatureCollection' ? (fc.features ?? []) : [fc]
    for (const f of list) {
      features.push({ properties: (f.properties as Record<string, unknown>) ?? {}, geometry: (f.geometry as RawFeature['geometry']) ?? null })
    }
  }
  return done('topojson', WGS84, features)
}

async function readShapefileZip(bytes: Uint8Array, extension: string): Promise<ReadResult> {
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(bytes)
  } catch {
    return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: 'a damaged zip' } }
  }
  const entries = Object.keys(files).filter((n) => !n.startsWith('__MACOSX/'))
  const find = (ext: string, base?: string) => entries.find((n) => n.toLowerCase().endsWith(ext) && (base === undefined || n.slice(0, -ext.length).toLowerCase() === base))
  const shp = find('.shp')
  if (!shp) return { ok: false, problem: { kind: 'shapefileIncomplete', missing: '.shp' } }
  const base = shp.slice(0, -4).toLowerCase()
  const dbf = find('.dbf', base)
  if (!dbf) return { ok: false, problem: { kind: 'shapefileIncomplete', missing: '.dbf' } }
  const prj = find('.prj', base)
  const cpg = find('.cpg', base)
  const shpBytes = files[shp]!
  if (describe(shpBytes) !== 'shp') return { ok: false, problem: { kind: 'notWhatExtensionSays', extension: '.shp', found: describe(shpBytes) } }
  const encoding = cpg && /utf-?8/i.test(strFromU8(files[cpg]!)) ? 'utf-8' : cpg ? strFromU8(files[cpg]!).trim().toLowerCase() || 'windows-1252' : 'windows-1252'
  let collection: { features: Array<{ properties: unknown; geometry: unknown }> }
  try {
    collection = await shapefile.read(files[shp]!.slice(), files[dbf]!.slice(), { encoding })
  } catch {
    return { ok: false, problem: { kind: 'notWhatExtensionSays', extension: '.shp', found: 'a damaged shapefile' } }
  }
  const features: RawFeature[] = collection.features.map((f) => ({
    properties: (f.properties as Record<string, unknown>) ?? {},
    geometry: (f.geometry as RawFeature['geometry']) ?? null,
  }))
  let crs = WGS84
  if (prj) {
    const wkt = strFromU8(files[prj]!).trim()
    let convert: Converter | null = null
    if (!/^GEOGCS\[/i.test(wkt)) {
      try {
        convert = converterFrom(wkt)
      } catch {
        return { ok: false, problem: { kind: 'unknownCrs', crs: wkt.slice(0, 80) } }
      }
    }
    const name = /^[A-Z_]+\["([^"]+)"/i.exec(wkt)?.[1] ?? 'WKT'
    if (convert) {
      for (const f of features) reproject(f.geometry, convert)
      crs = name
    }
  }
  return done('shapefile', crs, features)
}

/** Reads `bytes` according to the file name's extension. */
export async function readGeographyFile(bytes: Uint8Array, fileName: string): Promise<ReadResult> {
  const extension = (/\.[^.]+$/.exec(fileName.toLowerCase())?.[0] ?? '').replace('.geo.json', '.geojson')
  if (extension === '.zip' || extension === '.shz') {
    if (!looksLikeZip(bytes)) return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: describe(bytes) } }
    return readShapefileZip(bytes, extension)
  }
  if (extension === '.geojson' || extension === '.json' || extension === '.topojson') {
    const found = describe(bytes)
    if (found !== 'json' && found !== 'topojson') return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found } }
    const text = strFromU8(bytes)
    if (extension === '.topojson') {
      try {
        return readTopoJson(JSON.parse(text), extension)
      } catch {
        return { ok: false, problem: { kind: 'notWhatExtensionSays', extension, found: 'broken JSON' } }
      }
    }
    return readGeoJson(text, extension, bytes)
  }
  return { ok: false, problem: { kind: 'unsupportedExtension', extension: extension || fileName } }
}
