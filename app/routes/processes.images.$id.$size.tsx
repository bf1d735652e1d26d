import type { LoaderFunctionArgs } from '@remix-run/node'
import { imageResponse } from '../lib/images.server'
import { processImageVariant } from '../modules/processes/images.server'

/**
 * GET /processes/images/:id/(full|medium|thumb).jpg[?key=KEY] — an image of a project or a
 * milestone, re-encoded without metadata (app/modules/processes/images.server.ts). Attached images
 * of public projects and of results are public; a pending one (its form not saved yet) needs its key.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN
  const size = /^(full|medium|thumb)\.jpg$/.exec(params.size ?? '')?.[1]
  if (!size || !Number.isSafeInteger(id)) return imageResponse(null)
  return imageResponse(await processImageVariant(id, size, new URL(request.url).searchParams.get('key')))
}
