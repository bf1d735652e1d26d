import { database as defaultDatabase, type PlazaDatabase } from '../../lib/db.server'
import { statements, type Statements } from '../../lib/db/statements'
import { parseQuery, STREET_TYPE_TOKENS, withinEdits } from './normalize'

/**
 * Address search and reverse geocoding over the imported streets, places and address points.
 *
 * Search works as the geocoders do (Photon, Nominatim, Pelias): it matches the *names* (streets and
 * places: tens of thousands for a large city, not the million address points) word by word, then
 * resolves the house number with an indexed (street, number) look-up. The names of the current
 * import are held in memory per process (loaded on the first search, replaced when a newer import
 * is seen, a few MB for 50,000 streets), so several app servers on PostgreSQL each hold their own.
 *
 * A name's words are folded (normalize.ts: case, accents, street types in any language as one
 * token, joining words dropped) and form a vocabulary of a few thousand words, each with the list
 * of names that have it. A query's words are matched against that vocabulary — the same word, a
 * word it begins (typing), or a word one or two edits away (a typo) — and a name scores by how much
 * of the query it covers (every word matched is best; a typo or a prefix counts a little less; a
 * missing street type counts half), less a little for each of its words the query did not ask for
 * ("Carrer Major" before "Carrer Major Alt" for "carrer major"). Reverse geocoding reads a grid of
 * the address points around the point.
 */

export interface AddressResult {
  kind: 'address' | 'street' | 'place'
  label: string
  street: string
  housenumber: string | null
  lat: number
  lng: number
}

/** A query word's matches in the vocabulary: word ids with how well each matches (0…1). */
interface WordMatches {
  ids: Int32Array
  quality: Float32Array
  /** How many names the matched words have between them (to visit the rarest words first). */
  postings: number
}

interface StreetIndex {
  version: number
  names: string[]
  ids: Int32Array
  /** 0 street, 1 place. */
  kinds: Uint8Array
  lats: Float64Array
  lngs: Float64Array
  /** The names in alphabetical order, as a rank per name (ties break on it without comparing strings). */
  order: Int32Array
  /** Each name's word ids: words[wordStart[i] … wordStart[i + 1]). */
  wordStart: Int32Array
  words: Int32Array
  /** Words that are not street types, per name. */
  nameWords: Uint8Array
  /** The vocabulary, sorted (prefixes are a range), its ids, which are street types, and each word's names. */
  vocabulary: string[]
  wordId: Map<string, number>
  isType: Uint8Array
  postings: Int32Array[]
  /** Word ids by word length, for typos (a word one edit away is at most one letter longer or shorter). */
  byLength: number[][]
  /** Matches of recent query words (people type the same words again and again); cleared when full. */
  matchCache: Map<string, WordMatches>
  /** Scratch: how well each query word matches each vocabulary word (MAX_WORDS rows), zero between searches. */
  quality: Float32Array
  /** Scratch: a bit per query word that matches each vocabulary word, zero between searches. */
  wanted: Uint8Array
  /** Scratch: the search that last met each name (a name is scored once a search). */
  seen: Uint32Array
  generation: number
}

const MAX_WORDS = 8
const MATCH_CACHE_MAX = 20_000
const VERSION_RECHECK_MS = 2000
/** A name must cover at least this share of the query (weighted) to be a result. */
const MIN_COVERAGE = 0.5
/** Per word of a name that the query did not ask for. */
const EXTRA_WORD = 0.04
/** A street type the query leaves out (most people do) costs this much less than a name word. */
const TYPE_WEIGHT = 0.5

function buildIndex(version: number, rows: Array<{ id: number; name: string; kind: string; search: string; lat: number; lng: number }>): StreetIndex {
  const n = rows.length
  const vocabularySet = new Set<string>()
  const tokens = rows.map((r) => {
    const words = [...new Set(r.search.split(' ').filter(Boolean))]
    for (const w of words) vocabularySet.add(w)
    return words
  })
  const vocabulary = [...vocabularySet].sort()
  const wordId = new Map(vocabulary.map((w, i) => [w, i]))
  const lists: number[][] = vocabulary.map(() => [])
  const wordStart = new Int32Array(n + 1)
  const words = new Int32Array(tokens.reduce((sum, t) => sum + t.length, 0))
  const nameWords = new Uint8Array(n)
  let at = 0
  tokens.forEach((t, i) => {
    wordStart[i] = at
    for (const w of t) {
      const id = wordId.get(w)!
      words[at++] = id
      lists[id]!.push(i)
      if (!STREET_TYPE_TOKENS.has(w)) nameWords[i]!++
    }
  })
  wordStart[n] = at
  const byLength: number[][] = []
  vocabulary.forEach((w, id) => (byLength[w.length] ??= []).push(id))
  const alphabetical = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows[a]!.name.localeCompare(rows[b]!.name))
  const order = new Int32Array(n)
  alphabetical.forEach((i, rank) => (order[i] = rank))
  return {
    version,
    names: rows.map((r) => r.name),
    ids: Int32Array.from(rows, (r) => r.id),
    kinds: Uint8Array.from(rows, (r) => (r.kind === 'place' ? 1 : 0)),
    lats: Float64Array.from(rows, (r) => r.lat),
    lngs: Float64Array.from(rows, (r) => r.lng),
    order,
    wordStart,
    words,
    nameWords,
    vocabulary,
    wordId,
    isType: Uint8Array.from(vocabulary, (w) => (STREET_TYPE_TOKENS.has(w) ? 1 : 0)),
    postings: lists.map((l) => Int32Array.from(l)),
    byLength,
    matchCache: new Map(),
    quality: new Float32Array(vocabulary.length * MAX_WORDS),
    wanted: new Uint8Array(vocabulary.length),
    seen: new Uint32Array(n),
    generation: 0,
  }
}

/**
 * The vocabulary's words that a query word may mean: itself (1); a longer word it begins, when it
 * has 2 letters or more (0.9 for the last word, which is being typed, else 0.75); a word one edit
 * away when it has 3 letters or more (0.8; 0.7 under 5 letters), two edits from 7 letters (0.6).
 * A street type matches only itself ("c" is not a typo of "av").
 */
function wordMatches(index: StreetIndex, word: string, last: boolean): WordMatches {
  const key = last ? `${word}\u0000` : word
  const cached = index.matchCache.get(key)
  if (cached) return cached
  const found = new Map<number, number>()
  const exact = index.wordId.get(word)
  if (exact !== undefined) found.set(exact, 1)
  if (!STREET_TYPE_TOKENS.has(word)) {
    if (word.length >= 2) {
      // The vocabulary is sorted: the words beginning with `word` follow its place.
      let lo = 0
      let hi = index.vocabulary.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (index.vocabulary[mid]! < word) lo = mid + 1
        else hi = mid
      }
      const q = last ? 0.9 : 0.75
      for (let i = lo; i < index.vocabulary.length && index.vocabulary[i]!.startsWith(word); i++) if (!found.has(i) && !index.isType[i]) found.set(i, q)
    }
    const max = word.length >= 7 ? 2 : word.length >= 3 ? 1 : 0
    for (let len = word.length - max; max > 0 && len <= word.length + max; len++) {
      for (const id of index.byLength[len] ?? []) {
        if (index.isType[id]) continue
        const d = withinEdits(word, index.vocabulary[id]!, max)
        if (d === null || d === 0) continue
        const q = d === 1 ? (word.length >= 5 ? 0.8 : 0.7) : 0.6
        if ((found.get(id) ?? 0) < q) found.set(id, q)
      }
    }
  }
  const ids = Int32Array.from(found.keys())
  let postings = 0
  for (const id of ids) postings += index.postings[id]!.length
  const matches: WordMatches = { ids, quality: Float32Array.from(found.values()), postings }
  if (index.matchCache.size >= MATCH_CACHE_MAX) index.matchCache.clear()
  index.matchCache.set(key, matches)
  return matches
}

interface Scored {
  i: number
  score: number
}

/**
 * The `limit` best names for the query's words (covering at least MIN_COVERAGE), best first.
 *
 * Names are visited through the lists of the query's rarest words first (street types aside: each is
 * shared by thousands), and each name met is scored in full from its own words. A name not yet met
 * lacks every word visited so far, so it can cover at most what is left of the query: once that is
 * below MIN_COVERAGE, or below the `limit`-th best score found, no name left can enter the results
 * and the search stops (the threshold algorithm). For "carrer major alt 12" that is the names with
 * "major", then those with "alt" — not the thousands of streets called "Carrer …".
 */
function scoreNames(index: StreetIndex, queryWords: string[], limit: number): Scored[] {
  const words = [...new Set(queryWords)].slice(0, MAX_WORDS)
  if (!words.length || !index.names.length) return []
  const matches = words.map((w, k) => wordMatches(index, w, k === words.length - 1))
  const types = words.map((w) => STREET_TYPE_TOKENS.has(w))
  const weights = types.map((t) => (t ? TYPE_WEIGHT : 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const nameWordCount = types.filter((t) => !t).length
  // Only street types ("parc", "carrer"): their names are the candidates.
  const visit = words.map((_, k) => k).filter((k) => !types[k] || nameWordCount === 0)
  visit.sort((a, b) => matches[a]!.postings - matches[b]!.postings)
  // How well each query word matches each vocabulary word: quality[k * V + word].
  const V = index.vocabulary.length
  const { quality, wanted, seen } = index
  setMatches(index, matches, true)
  if (index.generation === 0xffffffff) {
    index.seen.fill(0)
    index.generation = 0
  }
  const generation = ++index.generation
  const best: Scored[] = []
  const got = new Float64Array(words.length)
  const { maskWeight, maskNameWords } = maskTables(types, weights, total)
  let left = 1
  try {
    for (const k of visit) {
      const m = matches[k]!
      for (let j = 0; j < m.ids.length; j++) {
        const list = index.postings[m.ids[j]!]!
        for (let p = 0; p < list.length; p++) {
          const i = list[p]!
          if (seen[i] === generation) continue
          seen[i] = generation
          // The best this name could score (every word it matches matching exactly): most names
          // with the rarest word lack the others, and are dropped here without scoring.
          const from = index.wordStart[i]!
          const to = index.wordStart[i + 1]!
          let mask = 0
          for (let x = from; x < to; x++) mask |= wanted[index.words[x]!]!
          const bound = maskWeight[mask]!
          if (bound < MIN_COVERAGE - 1e-9) continue
          if (best.length === limit && bound - EXTRA_WORD * Math.max(0, index.nameWords[i]! - maskNameWords[mask]!) < best[limit - 1]!.score - 1e-9) continue
          for (let w = 0; w < words.length; w++) got[w] = 0
          for (let x = from; x < to; x++) {
            const id = index.words[x]!
            const bits = wanted[id]!
            if (bits === 0) continue
            for (let w = 0; w < words.length; w++) {
              if ((bits & (1 << w)) === 0) continue
              const q = quality[w * V + id]!
              if (q > got[w]!) got[w] = q
            }
          }
          let covered = 0
          let matchedNameWords = 0
          for (let w = 0; w < words.length; w++) {
            covered += weights[w]! * got[w]!
            if (got[w]! > 0 && !types[w]) matchedNameWords++
          }
          const coverage = covered / total
          if (coverage < MIN_COVERAGE) continue
          const score = coverage - EXTRA_WORD * Math.max(0, index.nameWords[i]! - matchedNameWords)
          insertBest(index, best, limit, i, score)
        }
      }
      left -= weights[k]! / total
      if (left < MIN_COVERAGE || (best.length === limit && best[limit - 1]!.score > left)) break
    }
  } finally {
    setMatches(index, matches, false)
  }
  return best
}

/** Fills (or clears) the search's scratch: each match's quality, and wanted[word], a bit per query word it matches. */
function setMatches(index: StreetIndex, matches: WordMatches[], on: boolean) {
  const V = index.vocabulary.length
  matches.forEach((m, k) =>
    m.ids.forEach((id, j) => {
      index.quality[k * V + id] = on ? m.quality[j]! : 0
      index.wanted[id] = on ? index.wanted[id]! | (1 << k) : 0
    }),
  )
}

/** For each set of query words (a bit each): their share of the query, and how many are not street types. */
function maskTables(types: boolean[], weights: number[], total: number) {
  const maskWeight = new Float64Array(1 << types.length)
  const maskNameWords = new Uint8Array(1 << types.length)
  for (let mask = 1; mask < maskWeight.length; mask++) {
    for (let w = 0; w < types.length; w++) {
      if ((mask & (1 << w)) === 0) continue
      maskWeight[mask]! += weights[w]! / total
      if (!types[w]) maskNameWords[mask]!++
    }
  }
  return { maskWeight, maskNameWords }
}

/** Puts a name in its place among the `limit` best so far (best first), if it is one of them. */
function insertBest(index: StreetIndex, best: Scored[], limit: number, i: number, score: number) {
  if (best.length === limit && !better(index, score, i, best[limit - 1]!)) return
  let at = best.length === limit ? limit - 1 : best.length
  while (at > 0 && better(index, score, i, best[at - 1]!)) {
    best[at] = best[at - 1]!
    at--
  }
  best[at] = { i, score }
}

/** Higher score first; then streets before places, fewer words, then alphabetical. */
function better(index: StreetIndex, score: number, i: number, than: Scored): boolean {
  if (score !== than.score) return score > than.score
  if (index.kinds[i] !== index.kinds[than.i]) return index.kinds[i]! < index.kinds[than.i]!
  const words = index.wordStart[i + 1]! - index.wordStart[i]!
  const thanWords = index.wordStart[than.i + 1]! - index.wordStart[than.i]!
  if (words !== thanWords) return words < thanWords
  return index.order[i]! < index.order[than.i]!
}

async function currentVersion(db: Pick<PlazaDatabase, 'db'>): Promise<number | null> {
  // The latest import with an address index (a tile archive has none: the one before it answers).
  const r = await db.db.selectFrom('basemap_imports').select('id').where('status', '=', 'done').where('format', 'not in', ['pmtiles', 'mbtiles']).orderBy('id', 'desc').limit(1).executeTakeFirst()
  return r?.id ?? null
}

/** Per database (the tests open several): the index, when its version was last checked, a load in flight. */
interface IndexState {
  index: StreetIndex | null
  at: number
  pending: Promise<StreetIndex | null> | null
}
let indexes = new WeakMap<object, IndexState>()

async function loadIndex(db: PlazaDatabase, state: IndexState): Promise<StreetIndex | null> {
  const version = await currentVersion(db)
  if (version === null) return null
  if (state.index?.version === version) return state.index
  const rows = await db.db.selectFrom('basemap_streets').select(['id', 'name', 'kind', 'search', 'lat', 'lng']).where('version', '=', version).orderBy('id').execute()
  return buildIndex(version, rows)
}

/** The street index of the current import, checking for a newer import every 2 s; one load at a time. */
async function streetIndex(db: PlazaDatabase): Promise<StreetIndex | null> {
  let state = indexes.get(db.db)
  if (!state) indexes.set(db.db, (state = { index: null, at: -Infinity, pending: null }))
  if (performance.now() - state.at < VERSION_RECHECK_MS) return state.index
  const s = state
  s.pending ??= loadIndex(db, s)
    .then((index) => {
      s.index = index
      s.at = performance.now()
      return index
    })
    .finally(() => (s.pending = null))
  return s.pending
}

/** Forget the cached street index and address grid (after an import in this process). */
export function forgetStreetIndex() {
  indexes = new WeakMap()
  grid = null
}

/**
 * The address on a street with the house number asked for, else the nearest on the same side (same
 * parity; the lower of two as near): the first at or above it, else also the first below it, each a
 * seek on the (street_id, number) index that reads one row (a street's hundreds of points stay unread).
 */
const NUMBER_UP_SQL = 'select housenumber, lat, lng, number from basemap_addresses where street_id = ? and number >= ? and (number - ?) % 2 = 0 order by number, housenumber limit 1'
const NUMBER_DOWN_SQL = 'select housenumber, lat, lng, number from basemap_addresses where street_id = ? and number < ? and (number - ?) % 2 = 0 order by number desc, housenumber limit 1'
const EXACT_SQL = 'select housenumber, lat, lng from basemap_addresses where street_id = ? and number = ? order by housenumber limit 2'
const searchStatements = new WeakMap<PlazaDatabase, Statements>()
function run(db: PlazaDatabase): Statements {
  let s = searchStatements.get(db)
  if (!s) searchStatements.set(db, (s = statements(db, db.db)))
  return s
}

type NumberRow = { housenumber: string; lat: number; lng: number; number: number }
async function houseNumber(db: PlazaDatabase, street: number, number: number): Promise<NumberRow | undefined> {
  const up = await run(db).get<NumberRow>(NUMBER_UP_SQL, street, number, number)
  if (up?.number === number) return up
  const down = await run(db).get<NumberRow>(NUMBER_DOWN_SQL, street, number, number)
  if (!up) return down
  return down && number - down.number <= up.number - number ? down : up
}

export async function searchAddress(query: string, limit = 8, db: PlazaDatabase = defaultDatabase()): Promise<AddressResult[]> {
  const { words, number } = parseQuery(query.slice(0, 200))
  if (!words.length) return []
  const index = await streetIndex(db)
  if (!index) return []
  const top = scoreNames(index, words, limit)
  const results: AddressResult[] = []
  if (number !== null && top.length) {
    // The house number on the best streets (up to 3, about as good as the best).
    for (const { i, score } of top.slice(0, 3)) {
      if (index.kinds[i] !== 0 || score < top[0]!.score - 0.15) continue
      const found = await houseNumber(db, index.ids[i]!, number)
      const name = index.names[i]!
      if (found) results.push({ kind: 'address', label: `${name} ${found.housenumber}`, street: name, housenumber: found.housenumber, lat: found.lat, lng: found.lng })
    }
  }
  for (const { i } of top) {
    if (results.length >= limit) break
    const name = index.names[i]!
    results.push({ kind: index.kinds[i] ? 'place' : 'street', label: name, street: name, housenumber: null, lat: index.lats[i]!, lng: index.lngs[i]! })
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
  const index = await streetIndex(db)
  if (!index) return { kind: 'none' }
  const scored = scoreNames(index, words, 8).filter((x) => index.kinds[x.i] === 0)
  if (!scored.length) return { kind: 'none' }
  const close = scored.filter((x) => x.score >= scored[0]!.score - 0.05)
  const found: AddressResult[] = []
  for (const { i } of close.slice(0, 5)) {
    const name = index.names[i]!
    const rows = await run(db).all<{ housenumber: string; lat: number; lng: number }>(EXACT_SQL, index.ids[i], number)
    for (const r of rows) found.push({ kind: 'address', label: `${name} ${r.housenumber}`, street: name, housenumber: r.housenumber, lat: r.lat, lng: r.lng })
  }
  const plain = found.filter((f) => f.housenumber === String(number))
  if (found.length === 1 || plain.length === 1) return { kind: 'one', result: found.length === 1 ? found[0]! : plain[0]! }
  return found.length ? { kind: 'many', labels: found.map((f) => f.label) } : { kind: 'none' }
}
