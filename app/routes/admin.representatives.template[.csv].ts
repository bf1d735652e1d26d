import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../modules/accounts/auth.server'
import { representativesCsvTemplate } from '../modules/letters/representatives-csv.server'

/** GET /admin/representatives/template.csv — the CSV import's template (admin:settings). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  return new Response(representativesCsvTemplate(), {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="representatives.csv"', 'Cache-Control': 'no-store' },
  })
}
