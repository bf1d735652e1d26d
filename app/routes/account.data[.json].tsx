import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '../modules/accounts/auth.server'
import { exportUserData } from '../modules/accounts/accounts.server'

/** GET /account/data.json — everything Plaza holds about the person, as a download. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const body = JSON.stringify(await exportUserData(user.id), null, 2)
  return new Response(body, {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="plaza-account-${user.id}.json"`,
      'Cache-Control': 'private, no-store',
    },
  })
}
