import type { LoaderFunctionArgs } from '@remix-run/node'
import { getUser } from '../modules/accounts/auth.server'
import { can } from '../modules/accounts/policy'
import { imageVariant } from '../modules/proposals/images.server'
import { imageResponse } from '../lib/images.server'

/**
 * GET /proposals/images/:id/(full|medium|thumb).jpg[?key=KEY] — a proposal's image, re-encoded
 * without metadata (app/modules/proposals/images.server.ts). Images of public proposals are the
 * same bytes forever and may be cached; an uploader's preview (with its key), a draft's image (its
 * author) and a hidden proposal's (its author, moderators) are never stored by a cache.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN
  const size = /^(full|medium|thumb)\.jpg$/.exec(params.size ?? '')?.[1]
  if (!size || !Number.isSafeInteger(id)) return notFound()
  const key = new URL(request.url).searchParams.get('key')
  let variant = await imageVariant(id, size, { key })
  if (!variant) {
    // Only now look at who asks: public images need no session lookup.
    const user = await getUser(request)
    if (user) variant = await imageVariant(id, size, { key, viewerId: user.id, moderator: can(user, 'content:moderate') })
  }
  return imageResponse(variant)
}

const notFound = () => imageResponse(null)
