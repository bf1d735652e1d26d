import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { open311Response } from '../modules/open311/open311-http.server'

/**
 * Open311 GeoReport v2 at /open311/v2/: discovery, services, services/:code, requests (GET, POST),
 * requests/:id, tokens/:token and servicerequestupdates (GET, POST), each in .json and .xml.
 * One splat route because a dynamic segment cannot end in a format (".json"); the module routes.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return open311Response(request)
}

export async function action({ request }: ActionFunctionArgs) {
  return open311Response(request)
}
