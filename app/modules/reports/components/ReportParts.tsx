import { useTranslation } from 'react-i18next'

/** Pieces of report pages shared by the public and council views. */

export function StateBadge({ kind, label }: { kind: string; label: string }) {
  return <span className={`badge state-badge state-badge--${kind}`}>{label}</span>
}

export interface TimelineEntry {
  id: number
  kind: string
  public: boolean
  text: string
  fromState: string | null
  toState: string | null
  details: Record<string, unknown> | null
  source: string
  createdAt: string
  byReporter: boolean
  authorName: string | null
}

/** The history of a report, oldest first: what changed, who said what. */
export function Timeline({ entries, labels, locale }: { entries: TimelineEntry[]; labels: Record<string, string>; locale: string }) {
  const { t } = useTranslation('reports')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const label = (code: string | null) => (code ? (labels[code] ?? code) : '')
  const what = (e: TimelineEntry) => {
    switch (e.kind) {
      case 'created':
        return t('timeline.created')
      case 'confirmed':
        return t('timeline.confirmed')
      case 'state':
      case 'questionnaire':
        if (e.fromState === e.toState) return t('timeline.reporterSaid')
        return t(e.byReporter ? 'timeline.stateByReporter' : 'timeline.state', { state: label(e.toState) })
      case 'category':
        return t('timeline.category', { from: String(e.details?.from ?? ''), to: String(e.details?.to ?? '') })
      case 'location':
        return t('timeline.location')
      case 'duplicate':
        return t('timeline.duplicate', { id: String(e.details?.of ?? '') })
      case 'priority':
        return t('timeline.priority', { from: t(`priority.${String(e.details?.from ?? 'normal')}`), to: t(`priority.${String(e.details?.to ?? 'normal')}`) })
      case 'assign':
        return t('timeline.assign')
      case 'note':
        return t('timeline.note')
      default:
        return t('timeline.update')
    }
  }
  return (
    <ol className="timeline" data-testid="report-timeline">
      {entries.map((e) => (
        <li key={e.id} className={`timeline__entry timeline__entry--${e.kind}${e.public ? '' : ' timeline__entry--private'}`}>
          <p className="timeline__what">
            <strong>{what(e)}</strong>
            {e.public ? null : <span className="timeline__private"> · {t('timeline.private')}</span>}
          </p>
          <p className="timeline__meta">
            <time dateTime={e.createdAt}>{date.format(new Date(e.createdAt))}</time>
            {e.authorName
              ? ` · ${e.authorName}`
              : e.byReporter
                ? ` · ${t('anonymous')}`
                : e.source === 'open311'
                  ? ` · ${t('timeline.backOffice')}`
                  : e.source === 'email'
                    ? ` · ${t('timeline.byEmail')}`
                    : ''}
          </p>
          {e.text
            ? e.text.split(/\n{2,}/).map((p, i) => (
                <p key={i} className="timeline__text">
                  {p}
                </p>
              ))
            : null}
          {typeof e.details?.mediaUrl === 'string' && /^https?:\/\//.test(e.details.mediaUrl) ? (
            <p className="timeline__media">
              <a href={e.details.mediaUrl} rel="nofollow noopener noreferrer ugc">
                {t('timeline.photoLink')}
              </a>
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  )
}
