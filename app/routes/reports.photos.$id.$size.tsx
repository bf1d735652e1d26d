import type { LoaderFunctionArgs } from '@remix-run/node'
import { getUser } from '../modules/accounts/auth.server'
import { can } from '../modules/accounts/policy'
import { imageResponse } from '../lib/images.server'
import { photoVariant } from '../modules/reports/photos.server'

/**
 * GET /reports/photos/:id/(full|medium|thumb).jpg[?key=KEY] — a report photo, re-encoded without
 * metadata (app/modules/reports/photos.server.ts). Attached photos of public reports are the same
 * bytes for good and cached for an hour (a hidden photo stops being served soon); an uploader's pending preview (with its key) and what only
 * staff may see (a hidden photo, an unconfirmed or hidden report) are never stored by a cache.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN
  const size = /^(full|medium|thumb)\.jpg$/.exec(params.size ?? '')?.[1]
  if (!size || !Number.isSafeInteger(id)) return notFound()
  const key = new URL(request.url).searchParams.get('key')
  let variant = await photoVariant(id, size, { key })
  if (!variant) {
    // Only now look at who asks: public photos need no session lookup.
    const user = await getUser(request)
    if (can(user, 'report:triage') || can(user, 'content:moderate')) variant = await photoVariant(id, size, { key, staff: true })
  }
  return imageResponse(variant)
}

const notFound = () => imageResponse(null)
