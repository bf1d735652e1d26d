import type { Locale } from './i18n'

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * A small self-contained HTML page for answers given before Remix runs (refused cross-site
 * requests, rate limits). Texts arrive already translated.
 */
export function plainPage(o: { locale: Locale; title: string; body: string; homeLabel: string; nonce: string; note?: string }) {
  return `<!doctype html>
<html lang="${o.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(o.title)} · Plaza</title>
<style nonce="${o.nonce}">body{font:1.05rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}a{color:#0b57d0}</style>
</head><body><main><h1>${escape(o.title)}</h1><p>${escape(o.body)}</p>${o.note ? `<p>${escape(o.note)}</p>` : ''}
<p><a href="/">${escape(o.homeLabel)}</a></p></main></body></html>`
}
