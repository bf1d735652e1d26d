import type { LoaderFunctionArgs } from '@remix-run/node'
import { config } from '../lib/config.server'

/**
 * Outside production, /dev/error fails on purpose so that the 500 page and its logged request id
 * can be checked by hand and by the tests. In production it does not exist.
 */
export async function loader(_args: LoaderFunctionArgs) {
  if (config().NODE_ENV === 'production') throw new Response('Not Found', { status: 404 })
  throw new Error('Deliberate failure from /dev/error')
}

export default function DevError() {
  return null
}
