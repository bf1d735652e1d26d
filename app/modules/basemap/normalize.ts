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
  for (const t of tokens) {
    const m = /^(\d{1,5})[a-z]?$/.exec(t)
    if (m && number === null && words.length > 0) number = Number(m[1])
    else if (m && number === null && tokens.length > 1) number = Number(m[1])
    else words.push(t)
  }
  // "Major 10-14": the range gives its first number.
  return { words, number }
}

/** Trigrams of a folded text, padded so that short words and word starts count. */
export function trigrams(text: string): Set<string> {
  const grams = new Set<string>()
  for (const word of text.split(' ')) {
    if (!word) continue
    const padded = `  ${word} `
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3))
  }
  return grams
}

/** Dice similarity of two trigram sets, 0…1. */
export function similarity(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0
  let common = 0
  for (const g of a) if (b.has(g)) common++
  return (2 * common) / (a.size + b.size)
}

/** The leading integer of a house number ("12B" → 12), or null. */
export function houseNumberValue(housenumber: string): number | null {
  const m = /^\s*(\d{1,6})/.exec(housenumber)
  return m ? Number(m[1]) : null
}
