import { useTranslation } from 'react-i18next'

/** A request's status as a labelled badge. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation('foi')
  return (
    <span className={`badge foi-status foi-status--${status}`} data-testid="foi-status">
      {t(`status.${status}`)}
    </span>
  )
}
