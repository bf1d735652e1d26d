import type { LoaderFunctionArgs } from '@remix-run/node'
import { glyphResponse } from '../modules/basemap/http.server'

/** /fonts/:fontstack/:range.pbf — glyph ranges without a file in public/fonts (an empty range). */
export const loader = ({ params }: LoaderFunctionArgs) => glyphResponse(params)
