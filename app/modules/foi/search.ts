/**
 * Words for the requests' search index (foi_search_terms). Pure. Text is folded the same way on
 * both sides: NFKC, lower case, accents removed ("Árboles" → "arboles"), runs of letters and digits
 * of 2 to 40 characters. A request's terms are capped so one huge document cannot swamp the index.
 */

export const MAX_QUERY_TERMS = 6
export const MAX_TERMS_PER_REQUEST = 20_000

export function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
}

/** The distinct terms of some texts (at most `max`). */
export function termsOf(texts: Iterable<string>, max = MAX_TERMS_PER_REQUEST): string[] {
  const out = new Set<string>()
  for (const text of texts) {
    for (const word of fold(text).match(/[\p{L}\p{N}]{2,40}/gu) ?? []) {
      out.add(word)
      if (out.size >= max) return [...out]
    }
  }
  return [...out]
}

/** The terms of what a person typed: every one must match; the last also as a prefix. */
export function queryTerms(input: string): string[] {
  return (fold(input.slice(0, 200)).match(/[\p{L}\p{N}]{1,40}/gu) ?? []).slice(0, MAX_QUERY_TERMS)
}
