/** A piece of plain text: words, or an http(s) address to show as a link. */
export type TextPiece = { text: string } | { url: string }

// An address ends at white space or at characters that cannot be part of one in running text.
const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/g
// Punctuation that usually closes the sentence rather than the address.
const TRAILING = /[.,;:!?)\]}*_]+$/

/**
 * Split plain text into text and http(s) links, so that a page can render the links as <a> elements
 * (React escapes both). No other scheme becomes a link: `javascript:` stays text.
 */
export function linkify(text: string): TextPiece[] {
  const pieces: TextPiece[] = []
  let last = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0]
    const trailing = TRAILING.exec(url)?.[0] ?? ''
    // Keep a closing parenthesis that belongs to the address, as in Wikipedia links.
    const keep = trailing.startsWith(')') && (url.match(/\(/g)?.length ?? 0) > (url.slice(0, -trailing.length).match(/\)/g)?.length ?? 0) ? 1 : 0
    url = url.slice(0, url.length - trailing.length + keep)
    const start = match.index
    if (url.length <= 'https://'.length) continue
    if (start > last) pieces.push({ text: text.slice(last, start) })
    pieces.push({ url })
    last = start + url.length
  }
  if (last < text.length) pieces.push({ text: text.slice(last) })
  return pieces
}
