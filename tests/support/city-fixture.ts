import shpwrite from '@mapbox/shp-write'
import proj4 from 'proj4'

/**
 * Riberia, a small city that is not Valmera, as the files a council's GIS office would hand over:
 * its 3 districts and 8 neighbourhoods as zipped ESRI Shapefiles in ETRS89 / UTM zone 31N
 * (EPSG:25831, with the real .prj WKT) and the same as GeoJSON in WGS84. Built here, by the
 * maintained writer @mapbox/shp-write, so the tests read real files. Coordinates are metres in
 * UTM: the city spans 6 × 4 km around longitude 2.13, latitude 41.40.
 */

/** The .prj ESRI writes for EPSG:25831. */
export const ETRS89_UTM31N_PRJ =
  'PROJCS["ETRS_1989_UTM_Zone_31N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'

type XY = [number, number]
export interface RiberiaArea {
  code: string
  name: string
  names: { en: string; es: string; fr: string }
  parentCode: string | null
  /** Outer ring in UTM metres, counter-clockwise, closed. */
  ring: XY[]
}

const X0 = 424_000
const Y0 = 4_582_000

/** A closed counter-clockwise ring through the given corners (metres from the city's south-west corner). */
const ring = (...corners: XY[]): XY[] => [...corners, corners[0]!].map(([x, y]) => [X0 + x, Y0 + y] as XY)

// Districts are vertical strips; each lists every vertex its neighbourhoods put on its border,
// so shared borders are identical vertex by vertex (as a topologically clean export is).
export const riberiaDistricts: RiberiaArea[] = [
  { code: 'D1', name: 'Port', names: { en: 'Port', es: 'Puerto', fr: 'Port' }, parentCode: null, ring: ring([0, 0], [2000, 0], [2000, 2000], [2000, 4000], [0, 4000], [0, 2000]) },
  {
    code: 'D2',
    name: 'Centre',
    names: { en: 'Centre', es: 'Centro', fr: 'Centre' },
    parentCode: null,
    ring: ring([2000, 0], [4000, 0], [4000, 1000], [4000, 1300], [4000, 2500], [4000, 2700], [4000, 4000], [2000, 4000], [2000, 2000]),
  },
  {
    code: 'D3',
    name: 'Turó',
    names: { en: 'Turó', es: 'Colina', fr: 'Colline' },
    parentCode: null,
    ring: ring([4000, 0], [6000, 0], [6000, 1000], [6000, 2500], [6000, 4000], [4000, 4000], [4000, 2700], [4000, 2500], [4000, 1300], [4000, 1000]),
  },
]

export const riberiaNeighbourhoods: RiberiaArea[] = [
  { code: 'D1-1', name: 'La Marina', names: { en: 'La Marina', es: 'La Marina', fr: 'La Marina' }, parentCode: 'D1', ring: ring([0, 0], [2000, 0], [2000, 2000], [0, 2000]) },
  { code: 'D1-2', name: 'Les Drassanes', names: { en: 'The Shipyards', es: 'Las Atarazanas', fr: 'Les Chantiers' }, parentCode: 'D1', ring: ring([0, 2000], [2000, 2000], [2000, 4000], [0, 4000]) },
  { code: 'D2-1', name: 'Sant Pere', names: { en: 'Sant Pere', es: 'San Pedro', fr: 'Saint-Pierre' }, parentCode: 'D2', ring: ring([2000, 0], [4000, 0], [4000, 1000], [4000, 1300], [2000, 1300]) },
  {
    code: 'D2-2',
    name: 'Plaça Major',
    names: { en: 'Main Square', es: 'Plaza Mayor', fr: 'Grand-Place' },
    parentCode: 'D2',
    ring: ring([2000, 1300], [4000, 1300], [4000, 2500], [4000, 2700], [2000, 2700], [2000, 2000]),
  },
  { code: 'D2-3', name: 'El Call', names: { en: 'El Call', es: 'El Call', fr: 'El Call' }, parentCode: 'D2', ring: ring([2000, 2700], [4000, 2700], [4000, 4000], [2000, 4000]) },
  { code: 'D3-1', name: 'Les Vinyes', names: { en: 'The Vineyards', es: 'Las Viñas', fr: 'Les Vignes' }, parentCode: 'D3', ring: ring([4000, 0], [6000, 0], [6000, 1000], [4000, 1000]) },
  {
    code: 'D3-2',
    name: 'Font del Turó',
    names: { en: 'Hill Spring', es: 'Fuente de la Colina', fr: 'Source de la Colline' },
    parentCode: 'D3',
    ring: ring([4000, 1000], [6000, 1000], [6000, 2500], [4000, 2500], [4000, 1300]),
  },
  { code: 'D3-3', name: 'Mirador', names: { en: 'Lookout', es: 'Mirador', fr: 'Belvédère' }, parentCode: 'D3', ring: ring([4000, 2500], [6000, 2500], [6000, 4000], [4000, 4000], [4000, 2700]) },
]

const toWgs84 = proj4('+proj=utm +zone=31 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs', 'EPSG:4326')
const round7 = (v: number) => Math.round(v * 1e7) / 1e7

/** A point inside an area in WGS84 [lng, lat] (metres from the city's south-west corner). */
export function riberiaPoint(x: number, y: number): { lat: number; lng: number } {
  const [lng, lat] = toWgs84.forward([X0 + x, Y0 + y])
  return { lat: lat!, lng: lng! }
}

function properties(a: RiberiaArea) {
  return { CODI: a.code, NOM: a.name, NOM_ES: a.names.es, NOM_FR: a.names.fr, ...(a.parentCode ? { DISTRICTE: a.parentCode } : {}) }
}

/** GeoJSON in WGS84 (RFC 7946: counter-clockwise outer rings). */
export function riberiaGeoJson(areas: RiberiaArea[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: areas.map((a) => ({
      type: 'Feature',
      properties: properties(a),
      geometry: { type: 'Polygon', coordinates: [a.ring.map((p) => toWgs84.forward(p).map(round7))] },
    })),
  })
}

/** GeoJSON in UTM metres, naming its CRS in a `crs` member (as QGIS and ogr2ogr write it). */
export function riberiaGeoJsonProjected(areas: RiberiaArea[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25831' } },
    features: areas.map((a) => ({ type: 'Feature', properties: properties(a), geometry: { type: 'Polygon', coordinates: [a.ring] } })),
  })
}

/** A zipped Shapefile (.shp, .shx, .dbf, .prj) in EPSG:25831; outer rings clockwise, as the format wants. */
export async function riberiaShapefileZip(areas: RiberiaArea[], layer: string): Promise<Uint8Array> {
  const collection = {
    type: 'FeatureCollection' as const,
    features: areas.map((a) => ({
      type: 'Feature' as const,
      properties: properties(a),
      geometry: { type: 'Polygon' as const, coordinates: [[...a.ring].reverse()] },
    })),
  }
  const zipped = await shpwrite.zip<'uint8array'>(collection, { prj: ETRS89_UTM31N_PRJ, types: { polygon: layer }, outputType: 'uint8array', compression: 'DEFLATE' })
  return zipped
}

export interface RiberiaFiles {
  districtsZip: Uint8Array
  neighbourhoodsZip: Uint8Array
  districtsGeoJson: string
  neighbourhoodsGeoJson: string
}

/**
 * Every file of Riberia. Import order: districts (the boundary is their union; name NOM, code
 * CODI), then neighbourhoods (parent's code DISTRICTE). Spanish and French names: NOM_ES, NOM_FR.
 */
export async function riberiaFiles(): Promise<RiberiaFiles> {
  return {
    districtsZip: await riberiaShapefileZip(riberiaDistricts, 'districtes'),
    neighbourhoodsZip: await riberiaShapefileZip(riberiaNeighbourhoods, 'barris'),
    districtsGeoJson: riberiaGeoJson(riberiaDistricts),
    neighbourhoodsGeoJson: riberiaGeoJson(riberiaNeighbourhoods),
  }
}
