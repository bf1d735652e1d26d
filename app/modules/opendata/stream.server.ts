import { config } from '../../lib/config.server'
import type { Dataset } from './datasets.server'
import { csvHeader, csvLine, geojsonFeature, jsonObject, type Format } from './format'
import { licences } from './licence'
import { citySettingsNow } from '../city/settings.server'

export const PAGE_ROWS = 1000

export interface StreamMeta {
  title: string
  description: string
  columns: Array<{ name: string; type: string; description: string }>
}

/**
 * A dataset as a stream of CSV, JSON or GeoJSON text, one keyset page per pull: the consumer's
 * pace decides how fast pages are read (the HTTP layer pipes with backpressure), so memory holds
 * at most a page or two whatever the size of the dataset.
 */
export function datasetStream(dataset: Dataset, format: Format, meta: StreamMeta, pageRows = PAGE_ROWS): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after = -Infinity
  let started = false
  let done = false
  let wrote = false
  const cols = dataset.columns
  const lic = licences[citySettingsNow().OPEN_DATA_LICENCE]
  const generatedAt = new Date().toISOString()
  const source = `${config().PUBLIC_URL}/data/${dataset.name}.${format}`

  const opening = (): string => {
    if (format === 'csv') return csvHeader(cols)
    const common =
      `"dataset":${JSON.stringify(dataset.name)},"title":${JSON.stringify(meta.title)},"description":${JSON.stringify(meta.description)},` +
      `"licence":${JSON.stringify(lic)},"source":${JSON.stringify(source)},"generated_at":${JSON.stringify(generatedAt)},` +
      `"columns":${JSON.stringify(meta.columns)}`
    return format === 'json' ? `{${common},"rows":[` : `{"type":"FeatureCollection",${common},"features":[`
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!started) {
            started = true
            controller.enqueue(encoder.encode(opening()))
            return
          }
          if (done) return controller.close()
          const rows = await dataset.page(after, pageRows)
          let out = ''
          for (const r of rows) {
            if (format === 'csv') out += csvLine(cols, r.row)
            else {
              out += wrote ? ',\n' : '\n'
              wrote = true
              out += format === 'json' ? jsonObject(cols, r.row) : geojsonFeature(cols, r.row, { point: r.point, geometryJson: r.geometryJson })
            }
          }
          if (rows.length) after = rows[rows.length - 1]!.key
          if (rows.length < pageRows) {
            done = true
            if (format !== 'csv') out += '\n]}\n'
          }
          if (out) controller.enqueue(encoder.encode(out))
          if (done) controller.close()
        } catch (error) {
          controller.error(error)
        }
      },
    },
    // Nothing is read ahead: a page is fetched only when the previous one has been taken.
    { highWaterMark: 0 },
  )
}
