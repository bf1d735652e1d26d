import type { LoaderFunctionArgs } from '@remix-run/node'

// Any URL that no route claims: a 404 rendered by the root error boundary, inside the layout.
export async function loader(_args: LoaderFunctionArgs) {
  throw new Response('Not Found', { status: 404 })
}

export async function action(_args: LoaderFunctionArgs) {
  throw new Response('Not Found', { status: 404 })
}

export default function NotFound() {
  return null
}
