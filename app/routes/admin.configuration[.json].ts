import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../modules/accounts/auth.server'
import { exportConfiguration } from '../modules/configuration/configuration.server'

/** /admin/configuration.json: the city's whole configuration as one versioned JSON document (a download). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const document = await exportConfiguration()
  const day = document.exportedAt.slice(0, 10)
  return new Response(JSON.stringify(document, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="plaza-configuration-${day}.json"`,
      'Cache-Control': 'private, no-store',
    },
  })
}
