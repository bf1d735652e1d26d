import type { LoaderFunctionArgs } from '@remix-run/node'
import { CSV_CONTENT_TYPE } from '../lib/csv'
import { translatorFor } from '../lib/i18n.server'
import { requirePermission } from '../modules/accounts/auth.server'
import { publishedSurvey } from '../modules/processes/survey-page.server'
import { surveyCsv } from '../modules/processes/surveys.server'

/**
 * GET /processes/:slug/surveys/:id/results.csv — a survey's answers, anonymised (no person, no
 * time, rows not in the order given). Written answers appear once published; `?text=all` (for
 * administrators only, admin:settings) includes those not yet or never published.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { survey } = await publishedSurvey(params.slug, params.id)
  const allText = new URL(request.url).searchParams.get('text') === 'all'
  if (allText) await requirePermission(request, 'admin:settings')
  const { locale } = await translatorFor(request)
  return new Response(await surveyCsv(survey, locale, { allText }), {
    headers: {
      'Content-Type': CSV_CONTENT_TYPE,
      'Content-Disposition': `attachment; filename="survey-${survey.id}${allText ? '-all' : ''}.csv"`,
      'Cache-Control': 'no-store',
    },
  })
}
