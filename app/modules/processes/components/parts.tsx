import { Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { formatters } from '../../../lib/format'
import { Field, fieldIds } from '../../../components/forms'
import { fitViewport } from '../../geo/svg'
import { COMPONENT_RULES, RESULT_STATUSES, IMAGE_ALT_MAX, MAX_PROCESS_IMAGES, type PathStep, type PhaseComponents, type PhaseTime } from '../phases'

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

const imageUrl = (id: number, size: 'full' | 'thumb') => `/processes/images/${id}/${size}.jpg`

/**
 * Images of a project or a milestone: thumbnails, each a link to its full size, with the alt text
 * given when it was uploaded, or `fallbackAlt` ("Image 1 of the project …") when none was.
 */
export function ImageGallery({ images, fallbackAlt }: { images: Array<{ id: number; alt: string }>; fallbackAlt: (n: number) => string }) {
  const { t } = useTranslation('processes')
  if (images.length === 0) return null
  return (
    <ul className="process-images" data-testid="images">
      {images.map((image, i) => (
        <li key={image.id}>
          <a href={imageUrl(image.id, 'full')} aria-label={t('images.open', { alt: image.alt || fallbackAlt(i + 1) })}>
            <img src={imageUrl(image.id, 'thumb')} alt={image.alt || fallbackAlt(i + 1)} width={320} height={240} loading="lazy" />
          </a>
        </li>
      ))}
    </ul>
  )
}

/**
 * The images part of a form (the form is multipart/form-data): a file input for up to
 * MAX_PROCESS_IMAGES images, the ones already uploaded by an earlier answer of this form (kept as
 * hidden refs, shown as thumbnails), and their alt text. Errors are shown next to the input.
 */
export function ImageFields({ pending, error, alt, altError }: { pending: Array<{ ref: string; thumbUrl: string }>; error?: string; alt?: string; altError?: string }) {
  const { t } = useTranslation('processes')
  const { described } = fieldIds('images', { hint: 'hint', error })
  return (
    <>
      {pending.length ? (
        <div className="process-images__pending" data-testid="pending-images">
          <p>{t('images.kept', { count: pending.length })}</p>
          <ul className="process-images">
            {pending.map((p, i) => (
              <li key={p.ref}>
                <input type="hidden" name="imageRef" value={p.ref} />
                <img src={p.thumbUrl} alt={t('images.chosen', { n: i + 1 })} width={160} height={120} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <Field name="images" label={t('images.label')} hint={t('images.hint', { max: MAX_PROCESS_IMAGES })} error={error}>
        <input
          id="field-images"
          name="images"
          type="file"
          multiple
          accept="image/jpeg,image/png,image/webp,image/avif,image/heic"
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
        />
      </Field>
      <Field name="imageAlt" label={t('images.alt')} hint={t('images.altHint')} error={altError}>
        <input
          id="field-imageAlt"
          name="imageAlt"
          type="text"
          maxLength={IMAGE_ALT_MAX}
          defaultValue={alt}
          aria-invalid={altError ? true : undefined}
          aria-describedby={fieldIds('imageAlt', { hint: 'hint', error: altError }).described}
        />
      </Field>
    </>
  )
}

/** A dot's colour per status (with the legend's words: colour is never the only sign). */
const STATUS_COLOURS: Record<(typeof RESULT_STATUSES)[number], string> = { planned: '#4a5a6a', in_progress: '#b35c00', done: '#1d7a3a', cancelled: '#a4161a' }

/**
 * /results?view=map: located results as dots on the static city map (/areas.svg), coloured by
 * status, each with its title, status and progress as a tooltip; the same results are listed below
 * (links, status, progress) for keyboards and screen readers. No JavaScript.
 */
export function ResultsMap({
  located,
  total,
  bounds,
}: {
  located: Array<{ id: number; title: string; status: (typeof RESULT_STATUSES)[number]; progress: number; lat: number; lng: number }>
  total: number
  bounds: [number, number, number, number] | null
}) {
  const { t } = useTranslation('processes')
  if (!bounds) return <p>{t('results.noCityMap')}</p>
  const [w, s, e, n] = bounds
  const { width, height } = fitViewport([w, s, e, n], 1000)
  const inside = located.filter((r) => r.lng >= w && r.lng <= e && r.lat >= s && r.lat <= n)
  const counts = RESULT_STATUSES.map((status) => ({ status, n: inside.filter((r) => r.status === status).length }))
  return (
    <section aria-labelledby="results-map-title" className="results-map">
      <h2 id="results-map-title">{t('results.mapTitle')}</h2>
      <p data-testid="results-map-count">{t('results.mapCount', { count: inside.length, total })}</p>
      <svg
        className="results-map__svg"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={t('results.mapLabel', { summary: counts.map((c) => `${t(`status.${c.status}`)}: ${c.n}`).join(', ') })}
        data-testid="results-map"
      >
        <image href="/areas.svg" width={width} height={height} />
        {inside.map((r) => (
          <circle
            key={r.id}
            cx={(((r.lng - w) / (e - w)) * width).toFixed(1)}
            cy={(((n - r.lat) / (n - s)) * height).toFixed(1)}
            r="11"
            fill={STATUS_COLOURS[r.status]}
            stroke="#fff"
            strokeWidth="3"
            data-result={r.id}
          >
            <title>{`${r.title} — ${t(`status.${r.status}`)}, ${r.progress}%`}</title>
          </circle>
        ))}
      </svg>
      <ul className="results-map__legend">
        {counts.map((c) => (
          <li key={c.status}>
            <svg width="14" height="14" aria-hidden="true">
              <circle cx="7" cy="7" r="6" fill={STATUS_COLOURS[c.status]} />
            </svg>{' '}
            {t(`status.${c.status}`)} ({c.n})
          </li>
        ))}
      </ul>
      <ul className="result-list" data-testid="results">
        {inside.map((r) => (
          <li key={r.id}>
            <Link to={`/results/${r.id}`}>{r.title}</Link>
            <br />
            {t(`status.${r.status}`)} · <Progress value={r.progress} label={t('results.progressOf', { title: r.title })} />
          </li>
        ))}
      </ul>
    </section>
  )
}
