import { sql } from 'kysely'
import { database as defaultDatabase, type PlazaDatabase } from '../../lib/db.server'
import { parseQuery, trigrams } from './normalize'

/**
 * Address search and reverse geocoding over the imported streets, places and address points.
 * Streets (thousands, even for a large city) are matched in memory by trigram similarity of their
 * folded names, which absorbs accents, case, street-type abbreviations and typos; the house number
 * is then an indexed look-up among that street's address points (a million of them cost nothing
 * here). Reverse geocoding reads the R*Tree of address points around the point.
 */

export interface AddressResult {
  kind: 'address' | 'street' | 'place'
  label: string
  street: string
  housenumber: string | null
  lat: number
  lng: number
}

interface StreetIndexEntry {
  id: number
  name: string
  kind: 'street' | 'place'
  grams: Set<string>
  /** The name without its street type ("major" for "c major"), for queries that leave it out. */
  bareGrams: Set<string>
  lat: number
  lng: number
}

const TYPE_TOKENS = new Set(['c', 'av', 'pl', 'pg', 'rbla', 'ctra', 'tr', 'cami', 'ptge', 'parc'])
/**
 * The streets with an inverted index of their trigrams: a query visits only the streets sharing a
 * trigram with it (a few hundred of tens of thousands), counting shared trigrams in scratch arrays.
 */
interface StreetIndex {
  streets: StreetIndexEntry[]
  postings: Map<string, Int32Array>
  barePostings: Map<string, Int32Array>
  /** Scratch counters, one per street (a search runs synchronously, so one set serves all). */
  common: Uint16Array
  bareCommon: Uint16Array
}
let cached: { version: number; index: StreetIndex; at: number } | null = null

function postingsOf(streets: StreetIndexEntry[], pick: (s: StreetIndexEntry) => Set<string>): Map<string, Int32Array> {
  const lists = new Map<string, number[]>()
  streets.forEach((s, i) => {
    for (const g of pick(s)) {
      let list = lists.get(g)
      if (!list) lists.set(g, (list = []))
      list.push(i)
    }
  })
  return new Map([...lists].map(([g, list]) => [g, Int32Array.from(list)]))
}

const EMPTY_INDEX: StreetIndex = { streets: [], postings: new Map(), barePostings: new Map(), common: new Uint16Array(0), bareCommon: new Uint16Array(0) }

/**
 * Streets scoring at least `min` against the query's trigrams: the Dice similarity of the full name,
 * or of the name without its street type (less 0.02), whichever is higher. Best first.
 */
function scoreStreets(index: StreetIndex, q: Set<string>, min: number): Array<{ s: StreetIndexEntry; score: number }> {
  const touched: number[] = []
  const count = (postings: Map<string, Int32Array>, common: Uint16Array) => {
    for (const g of q) {
      const list = postings.get(g)
      if (!list) continue
      for (let k = 0; k < list.length; k++) {
        const i = list[k]!
        if (index.common[i] === 0 && index.bareCommon[i] === 0) touched.push(i)
        common[i]!++
      }
    }
  }
  count(index.postings, index.common)
  count(index.barePostings, index.bareCommon)
  const scored: Array<{ s: StreetIndexEntry; score: number }> = []
  for (const i of touched) {
    const s = index.streets[i]!
    const full = (2 * index.common[i]!) / (q.size + s.grams.size)
    const bare = s.bareGrams.size ? (2 * index.bareCommon[i]!) / (q.size + s.bareGrams.size) - 0.02 : 0
    index.common[i] = 0
    index.bareCommon[i] = 0
    const score = Math.max(full, bare)
    if (score >= min) scored.push({ s, score })
  }
  return scored.sort((a, b) => b.score - a.score || a.s.name.localeCompare(b.s.name))
}
const VERSION_RECHECK_MS = 2000

async function currentVersion(db: PlazaDatabase): Promise<number | null> {
  // The latest import with an address index (a tile archive has none: the one before it answers).
  const r = await db.db.selectFrom('basemap_imports').select('id').where('status', '=', 'done').where('format', 'not in', ['pmtiles', 'mbtiles']).orderBy('id', 'desc').limit(1).executeTakeFirst()
  return r?.id ?? null
}

async function streetIndex(db: PlazaDatabase): Promise<StreetIndex> {
  const fresh = cached && performance.now() - cached.at < VERSION_RECHECK_MS
  if (fresh) return cached!.index
  const version = await currentVersion(db)
  if (version === null) {
    cached = null
    return EMPTY_INDEX
  }
  if (cached?.version === version) {
    cached.at = performance.now()
    return cached.index
  }
  const rows = await db.db.selectFrom('basemap_streets').select(['id', 'name', 'kind', 'search', 'lat', 'lng']).where('version', '=', version).execute()
  const streets = rows.map((r) => {
    const words = r.search.split(' ')
    const bare = TYPE_TOKENS.has(words[0]!) && words.length > 1 ? words.slice(1).join(' ') : r.search
    return { id: r.id, name: r.name, kind: r.kind, grams: trigrams(r.search), bareGrams: trigrams(bare), lat: r.lat, lng: r.lng }
  })
  const index: StreetIndex = {
    streets,
    postings: postingsOf(streets, (s) => s.grams),
    barePostings: postingsOf(streets, (s) => s.bareGrams),
    common: new Uint16Array(streets.length),
    bareCommon: new Uint16Array(streets.length),
  }
  cached = { version, index, at: performance.now() }
  return index
}

/** Forget the cached street index (after an import in this process). */
export function forgetStreetIndex() {
  cached = null
  grid = null
}

const MIN_SIMILARITY = 0.35

export async function searchAddress(query: string, limit = 8, db: PlazaDatabase = defaultDatabase()): Promise<AddressResult[]> {
  const { words, number } = parseQuery(query.slice(0, 200))
  if (!words.length) return []
  const index = await streetIndex(db)
  if (!index.streets.length) return []
  const scored = scoreStreets(index, trigrams(words.join(' ')), MIN_SIMILARITY)
  const top = scored.slice(0, limit)
  const results: AddressResult[] = []
  if (number !== null) {
    // The house number on the best streets: the exact number, else the nearest on the same side.
    for (const { s } of top.slice(0, 3)) {
      if (s.kind !== 'street') continue
      const exact = await db.db
        .selectFrom('basemap_addresses')
        .select(['housenumber', 'lat', 'lng', 'number'])
        .where('street_id', '=', s.id)
        .where('number', '=', number)
        .orderBy('housenumber')
        .limit(1)
        .executeTakeFirst()
      const found =
        exact ??
        (await db.db
          .selectFrom('basemap_addresses')
          .select(['housenumber', 'lat', 'lng', 'number'])
          .where('street_id', '=', s.id)
          .where(sql<boolean>`number % 2 = ${number % 2}`)
          .orderBy(sql`abs(number - ${number})`)
          .limit(1)
          .executeTakeFirst())
      if (found) results.push({ kind: 'address', label: `${s.name} ${found.housenumber}`, street: s.name, housenumber: found.housenumber, lat: found.lat, lng: found.lng })
    }
  }
  for (const { s } of top) {
    if (results.length >= limit) break
    results.push({ kind: s.kind, label: s.name, street: s.name, housenumber: null, lat: s.lat, lng: s.lng })
  }
  return results
}

export interface NearestAddress {
  label: string
  street: string
  housenumber: string
  lat: number
  lng: number
  distanceM: number
}

const M_PER_DEG = 111_195

/**
 * Every address point of the current version in a grid of ~330 m cells, per process: a look-up scans
 * the few cells around the point in typed arrays, with the labels beside them: no SQL per look-up.
 * A million points take ~60 MB and a few seconds to load, once per import.
 */
const CELL_DEG = 0.003
interface AddressGrid {
  version: number
  at: number
  lats: Float64Array
  lngs: Float64Array
  numbers: string[]
  streets: Int32Array
  names: Map<number, string>
  cells: Map<number, [number, number]>
}
let grid: AddressGrid | null = null
const cellKey = (cy: number, cx: number) => cy * 1_000_003 + cx

async function addressGrid(db: Pick<PlazaDatabase, 'db'>): Promise<AddressGrid | null> {
  if (grid && performance.now() - grid.at < VERSION_RECHECK_MS) return grid
  const version = await currentVersion(db as PlazaDatabase)
  if (version === null) return (grid = null)
  if (grid?.version === version) {
    grid.at = performance.now()
    return grid
  }
  const rows = await db.db.selectFrom('basemap_addresses').select(['street_id', 'housenumber', 'lat', 'lng']).where('version', '=', version).execute()
  const names = new Map((await db.db.selectFrom('basemap_streets').select(['id', 'name']).where('version', '=', version).execute()).map((r) => [r.id, r.name]))
  const keys = rows.map((r) => cellKey(Math.floor(r.lat / CELL_DEG), Math.floor(r.lng / CELL_DEG)))
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]!)
  const streets = new Int32Array(rows.length)
  const numbers = new Array<string>(rows.length)
  const lats = new Float64Array(rows.length)
  const lngs = new Float64Array(rows.length)
  const cells = new Map<number, [number, number]>()
  order.forEach((from, to) => {
    streets[to] = rows[from]!.street_id
    numbers[to] = rows[from]!.housenumber
    lats[to] = rows[from]!.lat
    lngs[to] = rows[from]!.lng
    const key = keys[from]!
    const cell = cells.get(key)
    if (cell) cell[1] = to + 1
    else cells.set(key, [to, to + 1])
  })
  grid = { version, at: performance.now(), lats, lngs, numbers, streets, names, cells }
  return grid
}

/** The address point nearest to a point, within `maxMetres` (default 250 m), or null. */
export async function nearestAddress(lat: number, lng: number, maxMetres = 250, db: Pick<PlazaDatabase, 'db'> = defaultDatabase()): Promise<NearestAddress | null> {
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return null
  const g = await addressGrid(db)
  if (!g) return null
  const cos = Math.max(Math.cos((lat * Math.PI) / 180), 0.01)
  const cy = Math.floor(lat / CELL_DEG)
  const cx = Math.floor(lng / CELL_DEG)
  const ry = Math.ceil(maxMetres / M_PER_DEG / CELL_DEG)
  const rx = Math.ceil(maxMetres / (M_PER_DEG * cos) / CELL_DEG)
  let best = -1
  let bestD = maxMetres
  for (let y = cy - ry; y <= cy + ry; y++) {
    for (let x = cx - rx; x <= cx + rx; x++) {
      const cell = g.cells.get(cellKey(y, x))
      if (!cell) continue
      for (let i = cell[0]; i < cell[1]; i++) {
        const d = Math.hypot((g.lats[i]! - lat) * M_PER_DEG, (g.lngs[i]! - lng) * M_PER_DEG * cos)
        if (d <= bestD) {
          bestD = d
          best = i
        }
      }
    }
  }
  if (best < 0) return null
  const street = g.names.get(g.streets[best]!) ?? ''
  const housenumber = g.numbers[best]!
  return { label: `${street} ${housenumber}`, street, housenumber, lat: g.lats[best]!, lng: g.lngs[best]!, distanceM: Math.round(bestD) }
}

/**
 * "Near Carrer Major 12": the address a located item shows on its page, in lists, feeds, e-mails and
 * Open311. The address a person gave wins; else the nearest address point (null without a base map).
 */
export async function nearLabel(lat: number | null | undefined, lng: number | null | undefined, given?: string | null, db: Pick<PlazaDatabase, 'db'> = defaultDatabase()): Promise<string | null> {
  if (given?.trim()) return given.trim()
  if (lat === null || lat === undefined || lng === null || lng === undefined) return null
  return (await nearestAddress(lat, lng, 250, db))?.label ?? null
}

/** nearLabel for many items at once (a feed, an Open311 list), keyed by their position in `points`. */
export async function nearLabels(points: Array<{ lat: number | null; lng: number | null; address?: string | null }>, db: PlazaDatabase = defaultDatabase()): Promise<Array<string | null>> {
  if (!(await currentVersion(db))) return points.map((p) => p.address?.trim() || null)
  const out: Array<string | null> = []
  for (const p of points) out.push(await nearLabel(p.lat, p.lng, p.address, db))
  return out
}

export type GeocodeOutcome = { kind: 'one'; result: AddressResult } | { kind: 'none' } | { kind: 'many'; labels: string[] }

/**
 * One address for a free-text address (Open311 `address_string` without lat/long): the streets
 * that match about as well as the best one must give exactly one address with that house number.
 * A street or place without a number is not one address.
 */
export async function geocodeOne(query: string, db: PlazaDatabase = defaultDatabase()): Promise<GeocodeOutcome> {
  const { words, number } = parseQuery(query.slice(0, 200))
  if (!words.length || number === null) return { kind: 'none' }
  const scored = scoreStreets(await streetIndex(db), trigrams(words.join(' ')), 0.5).filter((x) => x.s.kind === 'street')
  if (!scored.length) return { kind: 'none' }
  const close = scored.filter((x) => x.score >= scored[0]!.score - 0.05)
  const found: AddressResult[] = []
  for (const { s } of close.slice(0, 5)) {
    const rows = await db.db.selectFrom('basemap_addresses').select(['housenumber', 'lat', 'lng']).where('street_id', '=', s.id).where('number', '=', number).limit(2).execute()
    for (const r of rows) found.push({ kind: 'address', label: `${s.name} ${r.housenumber}`, street: s.name, housenumber: r.housenumber, lat: r.lat, lng: r.lng })
  }
  const plain = found.filter((f) => f.housenumber === String(number))
  if (found.length === 1 || plain.length === 1) return { kind: 'one', result: found.length === 1 ? found[0]! : plain[0]! }
  return found.length ? { kind: 'many', labels: found.map((f) => f.label) } : { kind: 'none' }
}
