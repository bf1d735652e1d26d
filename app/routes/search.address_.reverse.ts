import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { nearestAddress } from '../modules/basemap/search.server'

/** /search/address/reverse?lat=…&lng=… — the nearest address to a point (JSON), or `address: null`. */
const pointSchema = z.object({ lat: z.coerce.number().min(-90).max(90), lng: z.coerce.number().min(-180).max(180) })

export async function loader({ request }: LoaderFunctionArgs) {
  const parsed = pointSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!parsed.success) return Response.json({ error: 'lat and lng must be numbers (degrees)' }, { status: 400 })
  const address = await nearestAddress(parsed.data.lat, parsed.data.lng)
  return Response.json({ address }, { headers: { 'Cache-Control': 'public, max-age=300' } })
}
