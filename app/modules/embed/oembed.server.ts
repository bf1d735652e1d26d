import { config } from '../../lib/config.server'
import { translatorFor } from '../../lib/i18n.server'
import { cityProfile } from '../geo/areas.server'
import { DEFAULT_HEIGHTS, DEFAULT_WIDTH, iframeSnippet, widgetForPath } from './widgets'
import { widgetTitle } from './widgets.server'

/**
 * oEmbed (https://oembed.com) for Plaza's pages: GET /oembed?url=<a Plaza URL>&format=json answers
 * a "rich" type whose html is the widget's frame (the builder's iframe snippet). The spec allows
 * XML too; Plaza answers JSON only (501 for format=xml, as the spec says for an unsupported format).
 */

export const OEMBED_CACHE_AGE = 3600
const MIN_WIDTH = 200
const MIN_HEIGHT = 120

const publicOrigin = () => new URL(config().PUBLIC_URL).origin

function json(status: number, body: unknown, cacheSeconds = 60): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      // Any page (a CMS editor in the browser) may ask.
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': status === 200 ? `public, max-age=${cacheSeconds}` : 'public, max-age=60',
      Vary: 'Accept-Language',
    },
  })
}

const dimension = (value: string | null, fallback: number, min: number) => {
  if (value === null || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) return fallback
  return Math.max(min, Math.min(fallback, Math.floor(n)))
}

/** A Plaza page URL given to oEmbed or the builder: a URL of this site, or null. */
export function plazaUrl(value: string | null): URL | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.origin === publicOrigin() ? url : null
  } catch {
    return null
  }
}

export async function oembedResponse(request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams
  const { t } = await translatorFor(request)
  const format = params.get('format')
  if (format !== null && format !== 'json') return json(501, { error: t('embed:oembed.formatNotImplemented') })
  const raw = params.get('url')
  if (!raw) return json(400, { error: t('embed:oembed.urlMissing') })
  const url = plazaUrl(raw)
  if (!url) return json(400, { error: t('embed:oembed.urlForeign') })
  const spec = widgetForPath(url.pathname, url.searchParams)
  const title = spec ? await widgetTitle(spec, t) : null
  if (!spec || !title) return json(404, { error: t('embed:oembed.noWidget') })
  const width = dimension(params.get('maxwidth'), DEFAULT_WIDTH, MIN_WIDTH)
  const height = dimension(params.get('maxheight'), DEFAULT_HEIGHTS[spec.kind], MIN_HEIGHT)
  const city = await cityProfile()
  return json(
    200,
    {
      version: '1.0',
      type: 'rich',
      title,
      provider_name: city ? `Plaza ${city.name}` : 'Plaza',
      provider_url: `${publicOrigin()}/`,
      cache_age: OEMBED_CACHE_AGE,
      html: iframeSnippet(spec, publicOrigin(), title, { width, height }),
      width,
      height,
    },
    300,
  )
}

/** The discovery link for a page that has a widget (and can be seen by anyone), or null. */
export async function oembedDiscovery(request: Request): Promise<{ href: string; title: string } | null> {
  const url = new URL(request.url)
  if (url.pathname.startsWith('/embed')) return null
  const spec = widgetForPath(url.pathname, url.searchParams)
  if (!spec) return null
  const { t } = await translatorFor(request)
  const title = await widgetTitle(spec, t)
  if (!title) return null
  const page = `${publicOrigin()}${url.pathname}${url.search}`
  return { href: `${publicOrigin()}/oembed?url=${encodeURIComponent(page)}&format=json`, title }
}
