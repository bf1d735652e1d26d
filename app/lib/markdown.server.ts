import { Marked } from 'marked'
import sanitizeHtml from 'sanitize-html'

/**
 * The one way user-written Markdown becomes HTML: marked, then sanitize-html with an allow-list.
 * No raw HTML from users reaches a page: tags outside the list are dropped (their text kept),
 * only http(s) and mailto links survive, and every link gets rel="nofollow ugc noopener".
 * Images are not embedded (a tracking pixel is an image); they become links.
 */

const marked = new Marked({ gfm: true, breaks: true, async: false })
marked.use({
  renderer: {
    image({ href, text }) {
      return `<a href="${href}">${text || href}</a>`
    },
  },
})

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr', 'h3', 'h4', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], code: ['class'], th: ['align'], td: ['align'] },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Headings in a comment would compete with the page's: h1/h2 become h3, the rest h4.
  transformTags: {
    h1: 'h3',
    h2: 'h3',
    h5: 'h4',
    h6: 'h4',
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }),
  },
  // The text of dropped dangerous elements is dropped too, not shown as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'svg', 'math', 'template', 'object'],
}

export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown) as string
  return sanitizeHtml(html, OPTIONS).trim()
}

/** How many links a text holds (for the new-account link cap). */
export function countLinks(markdown: string): number {
  return (renderMarkdown(markdown).match(/<a /g) ?? []).length
}
