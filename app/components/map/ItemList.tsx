import { useTranslation } from 'react-i18next'

/** A list of located items with their layer and status (the map page and area pages). */
export function ItemList({ items, labels }: { items: Array<{ kind: string; itemId: number; title: string; status: string; url: string | null }>; labels: Map<string, string> }) {
  const { t } = useTranslation('geo')
  return (
    <ul className="map-list">
      {items.map((item) => (
        <li key={`${item.kind}:${item.itemId}`}>
          {item.url ? <a href={item.url}>{item.title}</a> : <span>{item.title}</span>}
          <span className="map-list__meta">
            {labels.get(item.kind) ?? item.kind} · {t(`status.${item.status}`, { defaultValue: item.status })}
          </span>
        </li>
      ))}
    </ul>
  )
}
