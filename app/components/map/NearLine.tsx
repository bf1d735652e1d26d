import { useTranslation } from 'react-i18next'

/** "Near Carrer Major 12" under a located item (issue 17); nothing when no address is known. */
export function NearLine({ address, className }: { address: string | null | undefined; className?: string }) {
  const { t } = useTranslation('basemap')
  if (!address) return null
  return (
    <p className={`near-line ${className ?? ''}`} data-testid="near-line">
      {t('search.near', { address })}
    </p>
  )
}
