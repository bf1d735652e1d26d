/**
 * Turns what a person types into a safe SQLite FTS5 query. Pure.
 *
 * Only runs of letters, digits and combining marks survive, each quoted ("…"), so nothing a person
 * types is FTS5 syntax: no operators (AND, OR, NOT, NEAR), no column filters, no stray quotes or
 * parentheses — a hostile query is just words, never an error. Terms are ANDed (FTS5's implicit
 * operator); the last one also matches as a prefix (`"arbo"*` finds "árboles") while people are
 * still typing it. Accents need nothing here: the index's tokenizer (unicode61 remove_diacritics 2)
 * folds them on both sides, so "arboles" finds "árboles".
 */

export const MAX_QUERY_LENGTH = 200
export const MAX_TERMS = 8
const MAX_TERM_LENGTH = 40
// A one-letter prefix expands to most of the vocabulary and finds nothing useful.
const MIN_PREFIX_LENGTH = 2

/** The words of a query as the index will see them (lower-case, at most MAX_TERMS). */
export function searchTerms(input: string): string[] {
  const text = input.slice(0, MAX_QUERY_LENGTH).normalize('NFKC').toLowerCase()
  const words = text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  return words.map((w) => w.slice(0, MAX_TERM_LENGTH)).slice(0, MAX_TERMS)
}

/** The FTS5 MATCH expression, or null when the input holds no searchable word. */
export function ftsQuery(input: string): string | null {
  const terms = searchTerms(input)
  if (terms.length === 0) return null
  return terms
    .map((term, i) => {
      const quoted = `"${term.replace(/"/g, '""')}"`
      return i === terms.length - 1 && [...term].length >= MIN_PREFIX_LENGTH ? `${quoted}*` : quoted
    })
    .join(' ')
}
