/**
 * The widgets a city website can embed, shared by the server (pages, oEmbed, CSP) and the admin
 * builder: what each widget is, the /embed/… address that draws it, and the snippets that embed it.
 * Pure: no database, no browser.
 */

export const WIDGET_KINDS = ['map', 'petition', 'proposal', 'reports', 'report-form'] as const
export type WidgetKind = (typeof WIDGET_KINDS)[number]
export const isWidgetKind = (v: unknown): v is WidgetKind => typeof v === 'string' && (WIDGET_KINDS as readonly string[]).includes(v)

export const EMBED_LANGS = ['en', 'es', 'fr'] as const
export type EmbedLang = (typeof EMBED_LANGS)[number]
export const isEmbedLang = (v: unknown): v is EmbedLang => typeof v === 'string' && (EMBED_LANGS as readonly string[]).includes(v)

/** Layers the map widget may show (map kinds registered by capabilities). */
export const MAP_LAYERS = ['reports', 'proposals', 'petitions'] as const

export const REPORTS_LIMIT_DEFAULT = 5
export const REPORTS_LIMIT_MAX = 20

/** What one widget shows. `lang` absent: the visitor's own language (Accept-Language). */
export interface WidgetSpec {
  kind: WidgetKind
  /** petition or proposal number */
  id?: number
  /** area slug (map, reports, report-form) */
  area?: string
  /** report-form without an area: a point */
  lat?: number
  lng?: number
  layers?: string[]
  limit?: number
  lang?: EmbedLang
}

/**
 * The height each widget gets before it reports its own (and keeps when scripts do not run in the
 * frame): enough for its usual content at 600 px wide.
 */
export const DEFAULT_HEIGHTS: Record<WidgetKind, number> = {
  map: 460,
  // A plain iframe keeps this height: enough for the petition or proposal card at phone width
  // (at 300 / 280 px its button and count were cut off, issue 18).
  petition: 460,
  proposal: 440,
  reports: 420,
  'report-form': 760,
}
export const DEFAULT_WIDTH = 600

const SLUG = /^[a-z0-9-]{1,100}$/

/** The /embed/… path (with query) that draws this widget. */
export function widgetPath(spec: WidgetSpec): string {
  const q = new URLSearchParams()
  let path: string
  switch (spec.kind) {
    case 'petition':
      path = `/embed/petitions/${spec.id ?? 0}`
      break
    case 'proposal':
      path = `/embed/proposals/${spec.id ?? 0}`
      break
    case 'map':
      path = '/embed/map'
      if (spec.area) q.set('area', spec.area)
      if (spec.layers?.length) q.set('layers', spec.layers.join(','))
      break
    case 'reports':
      path = '/embed/reports'
      if (spec.area) q.set('area', spec.area)
      if (spec.limit) q.set('limit', String(spec.limit))
      break
    case 'report-form':
      path = '/embed/report-form'
      if (spec.area) q.set('area', spec.area)
      else if (spec.lat !== undefined && spec.lng !== undefined) {
        q.set('lat', String(spec.lat))
        q.set('lng', String(spec.lng))
      }
      break
  }
  if (spec.lang) q.set('lang', spec.lang)
  const query = q.toString()
  return query ? `${path}?${query}` : path
}

/** Reads a widget's options from query parameters (the builder's form, oEmbed, widget pages). */
export function parseWidgetOptions(kind: WidgetKind, params: URLSearchParams): WidgetSpec {
  const spec: WidgetSpec = { kind }
  const id = Number(params.get(kind === 'petition' ? 'petition' : kind === 'proposal' ? 'proposal' : 'id') ?? params.get('id'))
  if ((kind === 'petition' || kind === 'proposal') && Number.isInteger(id) && id > 0 && id < 1e12) spec.id = id
  const area = params.get('area')?.trim()
  if (area && SLUG.test(area)) spec.area = area
  if (kind === 'map') {
    const layers = params
      .getAll('layers')
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => (MAP_LAYERS as readonly string[]).includes(v))
    if (layers.length) spec.layers = [...new Set(layers)]
  }
  if (kind === 'reports') spec.limit = parseLimit(params.get('limit'))
  if (kind === 'report-form' && !spec.area) {
    const lat = Number(params.get('lat'))
    const lng = Number(params.get('lng'))
    if (params.get('lat') && params.get('lng') && Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
      spec.lat = lat
      spec.lng = lng
    }
  }
  const lang = params.get('lang')
  if (isEmbedLang(lang)) spec.lang = lang
  return spec
}

export function parseLimit(value: string | null): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 ? Math.min(n, REPORTS_LIMIT_MAX) : REPORTS_LIMIT_DEFAULT
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The placeholder's data attributes for widget.js (docs/embed.md lists them). */
export function placeholderAttributes(spec: WidgetSpec): Array<[string, string]> {
  const attrs: Array<[string, string]> = [['data-plaza-widget', spec.kind]]
  if (spec.kind === 'petition' || spec.kind === 'proposal') attrs.push([`data-${spec.kind}`, String(spec.id ?? '')])
  if (spec.area) attrs.push(['data-area', spec.area])
  if (spec.kind === 'report-form' && !spec.area && spec.lat !== undefined && spec.lng !== undefined) {
    attrs.push(['data-lat', String(spec.lat)], ['data-lng', String(spec.lng)])
  }
  if (spec.kind === 'map' && spec.layers?.length) attrs.push(['data-layers', spec.layers.join(',')])
  if (spec.kind === 'reports' && spec.limit) attrs.push(['data-limit', String(spec.limit)])
  attrs.push(['data-lang', spec.lang ?? 'auto'])
  return attrs
}

/** The two-line snippet: the script, then the placeholder it replaces with the widget's frame. */
export function scriptSnippet(spec: WidgetSpec, origin: string, title?: string): string {
  const attrs = [...placeholderAttributes(spec), ...(title ? [['data-title', title] as [string, string]] : [])].map(([k, v]) => `${k}="${escapeAttr(v)}"`).join(' ')
  return `<script src="${origin}/widget.js" async></script>\n<div ${attrs}></div>`
}

/** A plain frame, for sites that allow no scripts (and the oEmbed answer). */
export function iframeSnippet(spec: WidgetSpec, origin: string, title: string, size: { width?: number; height?: number } = {}): string {
  const width = size.width ?? DEFAULT_WIDTH
  const height = size.height ?? DEFAULT_HEIGHTS[spec.kind]
  return (
    `<iframe src="${escapeAttr(origin + widgetPath(spec))}" title="${escapeAttr(title)}" width="${width}" height="${height}" ` +
    `scrolling="no" loading="lazy" style="border:0;width:100%;max-width:${width}px;height:${height}px"></iframe>`
  )
}

/**
 * The widget that shows a Plaza page: a petition or proposal page, an area's page or the reports
 * list of an area (its latest reports), the map of an area (/map?area=…), the report form of an
 * area (/reports/new?area=…), or a widget page itself. null: that page has no widget.
 */
export function widgetForPath(pathname: string, params: URLSearchParams): WidgetSpec | null {
  const path = pathname.replace(/\/+$/, '') || '/'
  let m: RegExpExecArray | null
  const carryLang = (spec: WidgetSpec): WidgetSpec => {
    const lang = params.get('lang') ?? params.get('lng')
    return isEmbedLang(lang) ? { ...spec, lang } : spec
  }
  if ((m = /^(?:\/embed)?\/petitions\/([1-9]\d{0,11})$/.exec(path))) return carryLang({ kind: 'petition', id: Number(m[1]) })
  if ((m = /^(?:\/embed)?\/proposals\/([1-9]\d{0,11})$/.exec(path))) return carryLang({ kind: 'proposal', id: Number(m[1]) })
  if ((m = /^\/areas\/([a-z0-9-]{1,100})$/.exec(path))) return carryLang({ kind: 'reports', area: m[1], limit: REPORTS_LIMIT_DEFAULT })
  if (path === '/reports' || path === '/embed/reports') return carryLang(parseWidgetOptions('reports', params))
  if (path === '/map' || path === '/embed/map') {
    const spec = parseWidgetOptions('map', params)
    return spec.area ? carryLang(spec) : null
  }
  if (path === '/reports/new' || path === '/embed/report-form') {
    const spec = parseWidgetOptions('report-form', params)
    return spec.area || spec.lat !== undefined ? carryLang(spec) : null
  }
  return null
}
