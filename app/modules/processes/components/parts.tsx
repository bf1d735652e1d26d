import { Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { formatters } from '../../../lib/format'
import { COMPONENT_RULES, type PathStep, type PhaseComponents, type PhaseTime } from '../phases'

/** The phases as an ordered list, the current one marked (aria-current). */
export function Timeline({ entries }: { entries: Array<{ id: number; title: string; startsAt: string; endsAt: string; time: PhaseTime; components: PhaseComponents }> }) {
  const { t, i18n } = useTranslation('processes')
  const f = formatters(i18n.language)
  return (
    <ol className="process-timeline" data-testid="timeline">
      {entries.map((e) => (
        <li key={e.id} className={`process-phase process-phase--${e.time}`} aria-current={e.time === 'current' ? 'step' : undefined}>
          <strong>{e.title}</strong> <span className="process-phase__when">{t(`time.${e.time}`)}</span>
          <br />
          <span>
            {f.dateTime.format(new Date(e.startsAt))} – {f.dateTime.format(new Date(e.endsAt))}
          </span>
          {COMPONENT_RULES.some((r) => e.components[r]) ? (
            <ul className="process-phase__rules">
              {COMPONENT_RULES.filter((r) => e.components[r]).map((r) => (
                <li key={r}>{t(`rules.${r}`)}</li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <span className="result-progress">
      <progress max={100} value={value} aria-label={label} /> {value}%
    </span>
  )
}

/** "What happened to my idea": each step reached or not, and the result it became. */
export function IdeaPathView({
  path,
}: {
  path: { steps: Array<{ step: PathStep; reached: boolean; note?: string | null }>; result: { id: number; status: string; progress: number } | null; voteId: number | null }
}) {
  const { t } = useTranslation('processes')
  return (
    <section className="idea-path" aria-labelledby="idea-path-title" data-testid="idea-path">
      <h2 id="idea-path-title">{t('path.title')}</h2>
      <ol>
        {path.steps.map((s) => (
          <li key={s.step} className={s.reached ? 'idea-path__step idea-path__step--reached' : 'idea-path__step'}>
            <span>{s.reached ? '✓ ' : '○ '}</span>
            {t(`path.steps.${s.step}`)}
            <span className="visually-hidden">{s.reached ? ` (${t('path.reached')})` : ` (${t('path.notYet')})`}</span>
            {s.note ? <p className="idea-path__note">{s.note}</p> : null}
          </li>
        ))}
      </ol>
      {path.voteId ? (
        <p>
          <Link to={`/votes/${path.voteId}`}>{t('path.vote')}</Link>
        </p>
      ) : null}
      {path.result ? (
        <p>
          <Link to={`/results/${path.result.id}`} data-testid="path-result">
            {t('path.result', { status: t(`status.${path.result.status}`), progress: path.result.progress })}
          </Link>
        </p>
      ) : null}
    </section>
  )
}
