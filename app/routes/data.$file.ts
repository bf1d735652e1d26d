import type { LoaderFunctionArgs } from '@remix-run/node'
import { translatorFor } from '../lib/i18n.server'
import { getDataset } from '../modules/opendata/datasets.server'
import { dataPackage, describe } from '../modules/opendata/catalogue.server'
import { contentTypes, isFormat } from '../modules/opendata/format'
import { datasetStream } from '../modules/opendata/stream.server'
import { citySettings } from '../modules/city/settings.server'

/**
 * /data/<dataset>.<csv|json|geojson> — a public dataset, streamed (app/modules/opendata);
 * /data/datapackage.json — the Frictionless descriptor of them all. Open to any site (CORS).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  // The licence (a council setting) is read fresh here; the catalogue and streams take it from citySettingsNow().
  const [{ t }] = await Promise.all([translatorFor(request), citySettings()])
  const file = params.file ?? ''
  const common = { 'Access-Control-Allow-Origin': '*', 'X-Content-Type-Options': 'nosniff' }
  if (file === 'datapackage.json') {
    return new Response(JSON.stringify(dataPackage(t), null, 2), {
      headers: { ...common, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
    })
  }
  const match = /^([a-z][a-z0-9-]{0,60})\.([a-z]{3,7})$/.exec(file)
  const dataset = match ? getDataset(match[1]!) : undefined
  const format = match?.[2]
  if (!dataset || !isFormat(format)) {
    return new Response(t('opendata:notFound'), { status: 404, headers: { ...common, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
  }
  return new Response(datasetStream(dataset, format, describe(dataset, t)), {
    headers: {
      ...common,
      'Content-Type': contentTypes[format],
      'Content-Disposition': `${format === 'csv' ? 'attachment' : 'inline'}; filename="${dataset.name}.${format}"`,
      'Cache-Control': 'public, max-age=60',
    },
  })
}
