import { config } from '../../lib/config.server'
import type { Dataset } from './datasets.server'
import { pagedExport } from '../../lib/paged-export'
import { csvHeader, csvLines, geojsonFeature, jsonObject, type Format } from './format'
import { licences } from './licence'
import { citySettingsNow } from '../city/settings.server'

export const PAGE_ROWS = 1000

export interface StreamMeta {
  title: string
  description: string
  columns: Array<{ name: string; type: string; description: string }>
}

/**
 * A dataset as a stream of CSV, JSON or GeoJSON text, one keyset page per pull (the shared
 * exporter, app/lib/paged-export.ts): memory holds a page or two whatever the dataset's size.
 */
export function datasetStream(dataset: Dataset, format: Format, meta: StreamMeta, pageRows = PAGE_ROWS): ReadableStream<Uint8Array> {
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

  return pagedExport({
    name: `opendata:${dataset.name}.${format}`,
    start: -Infinity,
    head: opening,
    async page(after) {
      const rows = await dataset.page(after, pageRows)
      let out = ''
      if (format === 'csv')
        out = csvLines(
          cols,
          rows.map((r) => r.row),
        )
      else {
        for (const r of rows) {
          out += wrote ? ',\n' : '\n'
          wrote = true
          out += format === 'json' ? jsonObject(cols, r.row) : geojsonFeature(cols, r.row, { point: r.point, geometryJson: r.geometryJson })
        }
      }
      return { text: out, next: rows.length ? rows[rows.length - 1]!.key : after, last: rows.length < pageRows }
    },
    tail: () => (format === 'csv' ? '' : '\n]}\n'),
  })
}
