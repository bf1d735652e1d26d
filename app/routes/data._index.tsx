import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { Trans, useTranslation } from 'react-i18next'
import { withCodes } from '../components/forms'
import { config } from '../lib/config.server'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { datasets } from '../modules/opendata/datasets.server'
import { describe } from '../modules/opendata/catalogue.server'
import { formats } from '../modules/opendata/format'
import { licences } from '../modules/opendata/licence'
import { citySettings } from '../modules/city/settings.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

/** The Frictionless Data package descriptor: a file name, the same in every language. */
const PACKAGE_FILE = 'datapackage.json'

/** /data — the open data catalogue: every public dataset, its columns and the licence. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const list = await Promise.all(datasets().map(async (d) => ({ name: d.name, geometry: d.geometry, rows: await d.count(), ...describe(d, t) })))
  return { title: t('opendata:title'), locale, datasets: list, licence: licences[(await citySettings()).OPEN_DATA_LICENCE], site: new URL(config().PUBLIC_URL).host }
}

export const headers = () => ({ 'Plaza-Page-Cache': '30' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function OpenData() {
  const { title, locale, datasets, licence, site } = useLoaderData<typeof loader>()
  const { t } = useTranslation('opendata')
  const number = formatters(locale).integer
  return (
    <div className="page opendata-page">
      <h1>{title}</h1>
      <p>{t('intro')}</p>
      <p>{t('privacy')}</p>
      <h2>{t('licence')}</h2>
      <p>
        <a href={licence.url} rel="license">
          {t('licenceText', { title: licence.title })}
        </a>{' '}
        {t('attribution', { site })}
      </p>
      <p>
        <Trans
          t={t}
          i18nKey="package"
          components={[
            <a key="p" href={`/data/${PACKAGE_FILE}`}>
              {PACKAGE_FILE}
            </a>,
          ]}
        />
      </p>
      {datasets.map((d) => (
        <section key={d.name} aria-labelledby={`dataset-${d.name}`} id={d.name}>
          <h2 id={`dataset-${d.name}`}>{d.title}</h2>
          <p>{d.description}</p>
          <p>
            {t('rows', { count: d.rows, formatted: number.format(d.rows) })} · {t('download')}:{' '}
            {formats.map((f, i) => (
              <span key={f}>
                {i ? ' · ' : ''}
                <a href={`/data/${d.name}.${f}`} download={`${d.name}.${f}`}>
                  {f === 'geojson' ? 'GeoJSON' : f.toUpperCase()}
                </a>
              </span>
            ))}
          </p>
          <p>{t(`geometry.${d.geometry}`)}</p>
          <table className="cards">
            <caption>{t('columns', { dataset: d.title })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('column')}</th>
                <th scope="col">{t('type')}</th>
                <th scope="col">{t('meaning')}</th>
              </tr>
            </thead>
            <tbody>
              {d.columns.map((c) => (
                <tr key={c.name}>
                  <th scope="row">
                    <code>{c.name}</code>
                  </th>
                  <td>{t(`types.${c.type}`)}</td>
                  <td>{withCodes(c.description)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  )
}
