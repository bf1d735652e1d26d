import { isEmbedLang, type EmbedLang } from '../../modules/embed/widgets'

/**
 * The bare layout of widget pages (app/root.tsx): a route asks for it with
 * `export const handle = { layout: 'bare' }`.
 */
export const isBareLayout = (matches: ReadonlyArray<{ handle?: unknown }>) =>
  matches.some((m) => typeof m.handle === 'object' && m.handle !== null && (m.handle as { layout?: unknown }).layout === 'bare')

/** A widget page's language when the embedding page asks for one (?lang=en|es|fr). */
export function embedLocale(url: URL): EmbedLang | null {
  if (!url.pathname.startsWith('/embed/')) return null
  const lang = url.searchParams.get('lang')
  return isEmbedLang(lang) ? lang : null
}

/**
 * Runs in the widget's frame (inline, with the CSP nonce): tells the embedding page the height of
 * the content on load and whenever it changes, as { type: 'plaza:resize', widget, height }.
 * `widget` is the frame's id that widget.js puts in the URL's fragment (never sent to the server,
 * so every frame of one widget shares the page cache). The height is no secret: any parent may
 * read it, and widget.js only believes messages from Plaza's origin and its own frame.
 */
export const WIDGET_RESIZE_SCRIPT = `(function(){
if (window.parent === window) return;
var widget = decodeURIComponent(location.hash.slice(1)) || ((document.querySelector('[data-widget]') || document.body).getAttribute('data-widget') || '');
var last = -1;
var observed = null;
var resized = window.ResizeObserver ? new ResizeObserver(function () { send(); }) : null;
// React may replace <main> while hydrating: always measure (and observe) the one in the document.
function current() {
  var root = document.getElementById('main');
  if (root && root !== observed && resized) {
    if (observed) resized.unobserve(observed);
    resized.observe(root);
  }
  observed = root;
  return root;
}
function send() {
  var root = current();
  if (!root) return;
  var height = Math.ceil(root.getBoundingClientRect().height);
  if (!height || height === last) return;
  last = height;
  window.parent.postMessage({ type: 'plaza:resize', widget: widget, height: height }, '*');
}
send();
window.addEventListener('load', send);
if (window.MutationObserver) new MutationObserver(send).observe(document.documentElement, { childList: true, subtree: true });
})();`
