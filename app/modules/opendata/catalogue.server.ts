import type { TFunction } from 'i18next'
import { config } from '../../lib/config.server'
import { datasets, type Dataset } from './datasets.server'
import { licences } from './licence'
import type { StreamMeta } from './stream.server'
import { citySettingsNow } from '../city/settings.server'

/** A dataset's title, description and column meanings in the reader's language. */
export function describe(dataset: Dataset, t: TFunction): StreamMeta {
  const k = `opendata:datasets.${dataset.name}`
  return {
    title: t(`${k}.title`),
    description: t(`${k}.description`),
    columns: dataset.columns.map((c) => ({ name: c.name, type: c.type, description: t(`${k}.columns.${c.name}`) })),
  }
}

const frictionlessType = (type: string) => (type === 'url' ? { type: 'string', format: 'uri' } : { type })

/**
 * The Frictionless Data Package descriptor (https://specs.frictionlessdata.io/data-package/) of
 * every dataset: the CSV resource, its schema and the licence, so that tools can load the data
 * with the right types.
 */
export function dataPackage(t: TFunction) {
  const base = config().PUBLIC_URL
  const lic = licences[citySettingsNow().OPEN_DATA_LICENCE]
  return {
    profile: 'tabular-data-package',
    name: `plaza-${new URL(base).hostname.replace(/[^a-z0-9.-]/gi, '-').toLowerCase()}`,
    title: t('opendata:title'),
    homepage: `${base}/data`,
    licenses: [{ name: lic.id, path: lic.url, title: lic.title }],
    resources: datasets().map((d) => {
      const meta = describe(d, t)
      return {
        profile: 'tabular-data-resource',
        name: d.name,
        title: meta.title,
        description: meta.description,
        path: `${base}/data/${d.name}.csv`,
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        schema: { fields: meta.columns.map((c) => ({ name: c.name, ...frictionlessType(c.type), description: c.description })) },
      }
    }),
  }
}
