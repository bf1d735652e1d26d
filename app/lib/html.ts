/**
 * HTML written as text where React's server renderer would cost more than the page's data: a long
 * list's rows (the council list, ADR 154). The escaping is React's own (react-dom/server's
 * escapeTextForBrowser: & < > " ' become &amp; &lt; &gt; &quot; &#x27;), so a part written here reads
 * byte for byte as React would have written it (app/lib/html.test.ts compares them). Text and
 * attribute values alike; never a place for markup from people.
 */
const SPECIAL = /["&'<>]/
const ENTITIES: Record<string, string> = { '"': '&quot;', '&': '&amp;', "'": '&#x27;', '<': '&lt;', '>': '&gt;' }

export function escapeHtml(value: string | number): string {
  const text = String(value)
  // Most values (ids, dates, names) need nothing: test once instead of rewriting each.
  if (!SPECIAL.test(text)) return text
  return text.replace(/["&'<>]/g, (c) => ENTITIES[c]!)
}
