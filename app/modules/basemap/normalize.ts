/**
 * Address text, folded for matching: lower case, no accents, street-type words of Catalan,
 * Spanish, French and English reduced to one token each (so "c/ major", "Carrer Major" and
 * "Calle Major" read alike), short joining words dropped. Pure: used when importing and searching.
 */

const STREET_TYPES: Record<string, string> = {}
const add = (canonical: string, words: string[]) => {
  for (const w of words) STREET_TYPES[w] = canonical
}
add('c', ['c', 'c/', 'cl', 'carrer', 'calle', 'rue', 'r', 'street', 'st', 'str', 'carre', 'cr', 'road', 'rd', 'strasse'])
add('av', ['av', 'avda', 'avd', 'avinguda', 'avenida', 'avenue', 'ave'])
add('pl', ['pl', 'pla', 'placa', 'plaza', 'pza', 'plz', 'place', 'square', 'sq'])
add('pg', ['pg', 'passeig', 'paseo', 'pso', 'po', 'promenade', 'prom'])
add('rbla', ['rbla', 'rambla', 'rb'])
add('ctra', ['ctra', 'carretera', 'cra', 'route', 'rte'])
add('tr', ['tr', 'travessera', 'travesia', 'trav', 'travessia'])
add('cami', ['cami', 'camino', 'chemin', 'ch'])
add('ptge', ['ptge', 'passatge', 'pasaje', 'passage', 'pje'])
add('parc', ['parc', 'parque', 'park', 'jardi', 'jardin', 'jardins', 'jardines', 'garden', 'gardens'])

const STOP = new Set(['de', 'del', 'dels', 'la', 'les', 'el', 'els', 'los', 'las', 'l', 'd', 'du', 'des', 'le', 'of', 'the', 'i', 'y', 'et', 'and'])

/** Lower case without diacritics ("Plaça de l'Església" → "placa de l'esglesia"). */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ŀ/g, 'l')
    .replace(/ß/g, 'ss')
    .toLowerCase()
}

/** Words of a street name or query, folded, with street types made canonical and joining words dropped. */
export function nameTokens(text: string): string[] {
  const words = fold(text)
    // "c/major" and "c/ major" are the same; a dot ends an abbreviation.
    .replace(/\b([a-z]{1,2})\//g, '$1 ')
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  const out: string[] = []
  for (const w of words) {
    if (STOP.has(w)) continue
    out.push(STREET_TYPES[w] ?? w)
  }
  return out
}

/** The folded name as stored and compared (the street type kept as its canonical token). */
export const searchKey = (name: string) => nameTokens(name).join(' ')

/** A query split into the words of the name and the house number (or range "10-14") it asks for. */
export function parseQuery(query: string): { words: string[]; number: number | null } {
  const tokens = nameTokens(query)
  let number: number | null = null
  const words: string[] = []
  let previousWasNumber = false
  for (const t of tokens) {
    const m = /^(\d{1,5})[a-z]?$/.exec(t)
    if (m && number === null && (words.length > 0 || tokens.length > 1)) {
      number = Number(m[1])
      previousWasNumber = true
      continue
    }
    // "Major 10-14": the range gives its first number; its second is not part of the name.
    if (!(m && previousWasNumber)) words.push(t)
    previousWasNumber = false
  }
  return { words, number }
}

/**
 * How many edits apart two words are (insertions, deletions, substitutions and swaps of two
 * neighbouring letters: "mayor"/"major" 1, "atl"/"alt" 1), or null when more than `max`. Banded,
 * so a far pair costs a few steps.
 */
export function withinEdits(a: string, b: string, max: number): number | null {
  const la = a.length
  const lb = b.length
  if (Math.abs(la - lb) > max) return null
  // Three rows of the optimal-string-alignment table; cells outside the band count as max + 1.
  const big = max + 1
  let prev2 = new Array<number>(lb + 1).fill(big)
  let prev = Array.from({ length: lb + 1 }, (_, j) => (j <= max ? j : big))
  let row = new Array<number>(lb + 1).fill(big)
  for (let i = 1; i <= la; i++) {
    row.fill(big)
    row[0] = i <= max ? i : big
    let least = row[0]
    const from = Math.max(1, i - max)
    const to = Math.min(lb, i + max)
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) d = Math.min(d, prev2[j - 2]! + 1)
      row[j] = d
      if (d < least) least = d
    }
    if (least > max) return null
    ;[prev2, prev, row] = [prev, row, prev2]
  }
  return prev[lb]! <= max ? prev[lb]! : null
}

/** The canonical street-type tokens ("c", "av", "pl"…): what a name's type reads as, whatever its language. */
export const STREET_TYPE_TOKENS: ReadonlySet<string> = new Set(Object.values(STREET_TYPES))

/** The leading integer of a house number ("12B" → 12), or null. */
export function houseNumberValue(housenumber: string): number | null {
  const m = /^\s*(\d{1,6})/.exec(housenumber)
  return m ? Number(m[1]) : null
}
