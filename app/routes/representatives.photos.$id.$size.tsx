import type { LoaderFunctionArgs } from '@remix-run/node'
import { representativePhoto } from '../modules/letters/representatives.server'
import { imageResponse } from '../lib/images.server'

/**
 * GET /representatives/photos/:id/(photo|thumb).jpg — a representative's portrait, re-encoded
 * without metadata when it was uploaded. Public and cacheable (the URL carries ?v= of the upload
 * time, so a new photo gets a new URL).
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN
  const size = /^(photo|thumb)\.jpg$/.exec(params.size ?? '')?.[1] as 'photo' | 'thumb' | undefined
  if (!size || !Number.isSafeInteger(id)) return imageResponse(null)
  return imageResponse(await representativePhoto(id, size))
}
