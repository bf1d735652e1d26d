import type { LoaderFunctionArgs } from '@remix-run/node'
import { glyphResponse } from '../modules/basemap/http.server'

/** /fonts/:version/:fontstack/:range.pbf — the style's versioned glyph URL (the early route answers first). */
export const loader = ({ params }: LoaderFunctionArgs) => glyphResponse(params)
