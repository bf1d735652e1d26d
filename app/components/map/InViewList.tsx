import type { MutableRefObject } from 'react'
import { useTranslation } from 'react-i18next'
import { formatters } from '../../lib/format'
import type { MapHandle } from './PlazaMap'
import type { FeatureCollectionAnswer } from './types'

/**
 * What the map shows, as a list that keyboards and screen readers can use: each cluster is a
 * button that zooms the map to it, each item a link to its page.
 */
export function InViewList({ answer, labels, mapRef, locale }: { answer: FeatureCollectionAnswer | null; labels: Map<string, string>; mapRef: MutableRefObject<MapHandle | null>; locale: string }) {
  const { t } = useTranslation('geo')
  const { integer } = formatters(locale)
  const features = answer?.features ?? []
  const total = answer?.plaza.total ?? 0
  return (
    <section aria-labelledby="in-view-heading" className="in-view">
      <h2 id="in-view-heading">{t('list.inView')}</h2>
      <p aria-live="polite" className="in-view__summary" data-testid="in-view-summary">
        {t('list.summary', { count: total, total: integer.format(total) })}
      </p>
      {features.length ? (
        <ul className="map-list">
          {features.map((f) => {
            const [lng, lat] = f.geometry.coordinates
            if (f.properties.cluster) {
              const { count, counts, expansionZoom } = f.properties
              const parts = Object.entries(counts)
                .map(([kind, n]) => `${labels.get(kind) ?? kind}: ${integer.format(n)}`)
                .join(', ')
              return (
                <li key={f.id}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => {
                      const map = mapRef.current
                      map?.easeTo({ center: [lng, lat], zoom: Math.max(expansionZoom, (map.getZoom() ?? 0) + 1) })
                    }}
                  >
                    {t('list.cluster', { count, total: integer.format(count) })}
                  </button>
                  <span className="map-list__meta">{parts}</span>
                </li>
              )
            }
            const p = f.properties
            return (
              <li key={f.id}>
                {p.url ? <a href={p.url}>{p.title}</a> : <span>{p.title}</span>}
                <span className="map-list__meta">
                  {labels.get(p.kind) ?? p.kind} · {t(`status.${p.status}`, { defaultValue: p.status })}
                </span>
              </li>
            )
          })}
        </ul>
      ) : null}
      {answer?.plaza.truncated ? <p>{t('list.truncated')}</p> : null}
    </section>
  )
}
