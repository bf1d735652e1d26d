import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { councilCsv, parseCouncilQuery } from '../modules/reports/council.server'

/**
 * /council/reports.csv — the council list's current filter (same query parameters) as CSV, every
 * matching report in the list's order, streamed in chunks (app/modules/reports/council.server.ts).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { query, filter, errors } = await parseCouncilQuery(new URL(request.url).searchParams, user)
  const problems = Object.values(errors)
  if (problems.length) {
    const { t } = await translatorFor(request)
    return new Response(problems.map((key) => t(key)).join('\n'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
  const stamp = new Date().toISOString().slice(0, 10)
  const name = `reports-${query.department || 'council'}-${query.status.replace(/[^a-z_]/g, '-')}-${stamp}.csv`
  return new Response(councilCsv(filter), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
