import type { LoaderFunctionArgs } from '@remix-run/node'
import { siteAsset } from '../modules/city/identity.server'

/**
 * /site/logo and /site/favicon: the uploaded images, stored sanitised (SVG) or re-encoded (PNG).
 * Pages link them with ?v=<etag>, so a copy may be kept a year; the SVG gets a CSP of its own.
 */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const kind = params.asset
  if (kind !== 'logo' && kind !== 'favicon') throw new Response('Not Found', { status: 404 })
  const asset = await siteAsset(kind)
  if (!asset) throw new Response('Not Found', { status: 404 })
  const headers = {
    'Content-Type': asset.content_type,
    ETag: asset.etag,
    'Cache-Control': new URL(request.url).searchParams.has('v') ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    'X-Content-Type-Options': 'nosniff',
    // Even opened on its own, the image runs nothing and loads nothing.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  }
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers })
  return new Response(new Uint8Array(asset.body), { headers })
}
