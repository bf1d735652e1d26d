/**
 * The one XML escaper (feeds, Open311 XML, SVG maps and previews). Pure, so it runs on the server
 * and in the browser alike.
 *
 * XML 1.0 forbids most control characters even when escaped, and lone UTF-16 surrogates cannot be
 * written in UTF-8: text from people or clients may carry them (a pasted form feed), and one would
 * make the whole document unreadable, so they are dropped rather than escaped.
 */

const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const SPECIAL = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/**
 * Text safe inside an element or an attribute value (either quote): & < > " ' become entities,
 * characters XML cannot carry are dropped.
 */
export function escapeXml(text: string): string {
  // Most values (numbers, codes, dates) need nothing: test once instead of rewriting each.
  if (!SPECIAL.test(text)) return text
  return text.replace(INVALID_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

/**
 * Element content only (never an attribute): quotes stay as they are, which keeps documents that
 * clients compare byte for byte (Open311) as they were. Same dropping of forbidden characters.
 */
export function escapeXmlText(text: string): string {
  if (!SPECIAL.test(text)) return text
  return text.replace(INVALID_XML, '').replace(/[&<>]/g, (c) => ENTITIES[c]!)
}
