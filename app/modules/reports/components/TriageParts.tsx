import { Form, Link, useLoaderData } from '@remix-run/react'
import { useRef, type ReactNode, type Ref } from 'react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage, fieldIds } from '../../../components/forms'
import { LocationPicker } from '../../../components/map/LocationPicker'
// The page's data as its loader answers it (a type only: nothing of the route is bundled here).
import type { loader } from '../../../routes/council.reports.$id'
import type { TriageErrors } from '../council.server'

/**
 * The parts of /council/reports/:id (the triage page): the report's facts, the reporter's contact,
 * the triage form (one fieldset component per part), the timeline and the audit rows.
 */

export type TriageData = ReturnType<typeof useLoaderData<typeof loader>>
type Errors = Partial<Record<keyof TriageErrors, string>>
/** What was typed (after an error), else the stored value. */
type Typed = (name: string, fallback: string) => string
interface FormProps {
  d: TriageData
  e: Errors
  v: Typed
}

export function ReportFacts({ d }: { d: TriageData }) {
  const { t } = useTranslation('council')
  const r = d.report
  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">{t('report.about')}</h2>
      <p className="timeline__text">{r.description}</p>
      <dl className="summary">
        <div>
          <dt>{t('report.filed')}</dt>
          <dd>{r.createdAtText}</dd>
        </div>
        {r.confirmedAtText ? (
          <div>
            <dt>{t('report.confirmed')}</dt>
            <dd>{r.confirmedAtText}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t('report.place')}</dt>
          <dd>
            {[r.address, r.area?.name, r.districtName].filter(Boolean).join(', ') || '–'} ({r.lat}, {r.lng})
          </dd>
        </div>
        <div>
          <dt>{t('list.priority')}</dt>
          <dd>{t(`priorities.${r.priority}`)}</dd>
        </div>
        <div>
          <dt>{t('list.assignee')}</dt>
          <dd>{r.assignee?.name ?? t('list.unassigned')}</dd>
        </div>
        <div>
          <dt>{t('list.supports')}</dt>
          <dd>{r.supports}</dd>
        </div>
        {r.duplicateOf ? (
          <div>
            <dt>{t('report.duplicateOf')}</dt>
            <dd>
              <Link to={`/council/reports/${r.duplicateOf}`}>#{r.duplicateOf}</Link>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('report.source')}</dt>
          <dd>{t(`sources.${r.source === 'open311' ? 'open311' : 'web'}`)}</dd>
        </div>
      </dl>
      {d.photos.length ? (
        <ul className="council-photos">
          {d.photos.map((p, i) => (
            <li key={p.id}>
              <a href={p.fullUrl}>
                <img src={p.thumbUrl} width={p.width > p.height ? 192 : undefined} alt={t('report.photo', { n: i + 1 })} />
              </a>
              {p.hidden ? <span className="badge badge--flag">{t('report.photoHidden')}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('report.noPhotos')}</p>
      )}
    </section>
  )
}

export function ReporterContact({ d }: { d: TriageData }) {
  const { t } = useTranslation('council')
  const r = d.report
  return (
    <section aria-labelledby="reporter-heading">
      <h2 id="reporter-heading">{t('report.reporter')}</h2>
      {r.reporterContact ? (
        <dl className="summary">
          <div>
            <dt>{t('report.reporterName')}</dt>
            <dd>
              {r.reporterContact.name}
              {r.anonymous ? ` (${t('report.shownAnonymous')})` : ''}
            </dd>
          </div>
          <div>
            <dt>{t('report.reporterEmail')}</dt>
            <dd>{r.reporterContact.email ? <a href={`mailto:${r.reporterContact.email}`}>{r.reporterContact.email}</a> : t('report.accountEmail')}</dd>
          </div>
          {r.reporterContact.accountId ? (
            <div>
              <dt>{t('report.account')}</dt>
              <dd>#{r.reporterContact.accountId}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
    </section>
  )
}

/** One form that may change category, status, priority, assignee, location and duplicate, and post an update and a private note. */
export function TriageFormSection({ d, e, v }: FormProps) {
  const { t } = useTranslation('council')
  const r = d.report
  return (
    <Form method="post" className="council-form stack" noValidate>
      <h2>{t('report.triage')}</h2>
      {r.stateKind === 'unconfirmed' ? <FormMessage tone="info">{t('report.unconfirmedNote')}</FormMessage> : null}
      <HandlingFieldset d={d} e={e} v={v} />
      <PublicUpdateFieldset d={d} e={e} v={v} />
      <DuplicateFieldset d={d} e={e} v={v} />
      {d.bounds ? (
        <details open={Boolean(e.location || e.lat || e.lng || e.area)}>
          <summary>{t('report.correctLocation')}</summary>
          <p className="field__hint">{t('report.locationHint', { department: r.department.name })}</p>
          <LocationPicker
            config={d.mapConfig}
            bounds={d.bounds}
            areas={d.areas}
            defaults={{ lat: v('lat', String(r.lat)), lng: v('lng', String(r.lng)), area: v('area', '') }}
            errors={{ location: e.location, lat: e.lat, lng: e.lng, area: e.area }}
            legend={t('report.location')}
            id="triage-location"
          />
        </details>
      ) : null}

      <fieldset>
        <legend>{t('report.privateNote')}</legend>
        <TextArea name="note" label={t('report.noteText')} value={v('note', '')} error={e.note} hint={t('report.noteHint')} />
      </fieldset>
      <button type="submit">{t('report.submit')}</button>
    </Form>
  )
}

const STATE_GROUPS = ['open', 'fixed', 'closed', 'hidden', 'unconfirmed']

function HandlingFieldset({ d, e, v }: FormProps) {
  const { t } = useTranslation('council')
  const r = d.report
  const groups = STATE_GROUPS
  return (
    <fieldset>
      <legend>{t('report.handling')}</legend>
      <Select name="state" label={t('list.status')} value={v('state', r.state)} error={e.state}>
        {groups.map((kind) =>
          d.states.some((s) => s.kind === kind) ? (
            <optgroup key={kind} label={t(`kinds.${kind}`)}>
              {d.states
                .filter((s) => s.kind === kind)
                .map((s) => (
                  <option key={s.code} value={s.code} disabled={!s.allowed}>
                    {s.label}
                  </option>
                ))}
            </optgroup>
          ) : null,
        )}
      </Select>
      <Select name="priority" label={t('list.priority')} value={v('priority', r.priority)} error={e.priority}>
        {d.priorities.map((p) => (
          <option key={p} value={p}>
            {t(`priorities.${p}`)}
          </option>
        ))}
      </Select>
      <Select
        name="assignee"
        label={t('list.assignee')}
        value={v('assignee', r.assignee ? String(r.assignee.id) : '')}
        error={e.assignee}
        hint={t('report.assigneeHint', { department: r.department.name })}
      >
        <option value="">{t('list.unassigned')}</option>
        {d.assignees.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </Select>
      <Select name="category" label={t('list.category')} value={v('category', r.category.code)} error={e.category} hint={t('report.categoryHint')}>
        {d.categories.map((c) => (
          <option key={c.code} value={c.code}>
            {c.group ? `${c.group}: ${c.name}` : c.name}
          </option>
        ))}
      </Select>
    </fieldset>
  )
}

function PublicUpdateFieldset({ d, e, v }: FormProps) {
  const { t } = useTranslation('council')
  // With JavaScript, a chosen template fills the update while it is still empty.
  const update = useRef<HTMLTextAreaElement>(null)
  return (
    <fieldset>
      <legend>{t('report.publicUpdate')}</legend>
      <Select
        name="templateId"
        label={t('report.template')}
        value={v('templateId', '')}
        error={e.templateId}
        hint={t('report.templateHint')}
        onChange={(id) => {
          const chosen = d.templates.find((tpl) => String(tpl.id) === id)
          if (chosen && update.current && update.current.value.trim() === '') update.current.value = chosen.text
        }}
      >
        <option value="">{t('report.noTemplate')}</option>
        {d.templates.map((tpl) => (
          <option key={tpl.id} value={tpl.id}>
            {tpl.department ? `${tpl.title} (${tpl.department})` : tpl.title}
          </option>
        ))}
      </Select>
      {d.auto.length ? (
        <div className="field__hint">
          <p>{t('report.autoIntro')}</p>
          <ul>
            {d.auto.map((a) => (
              <li key={a.state}>{t('report.autoItem', { state: a.state, title: a.title })}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="field__hint">{t('report.autoNone')}</p>
      )}
      <TextArea name="update" label={t('report.updateText')} value={v('update', '')} error={e.update} hint={t('report.updateHint')} textRef={update} />
    </fieldset>
  )
}

function DuplicateFieldset({ d, e, v }: FormProps) {
  const { t } = useTranslation('council')
  const r = d.report
  return (
    <fieldset>
      <legend>{t('report.duplicate')}</legend>
      <div className={`field${e.duplicateOf ? ' field--error' : ''}`}>
        <label htmlFor="field-duplicateOf">{t('report.duplicateLabel')}</label>
        <p className="field__hint" id="field-duplicateOf-hint">
          {t('report.duplicateHint')}
        </p>
        {e.duplicateOf ? (
          <p className="field-error" id="field-duplicateOf-error">
            {e.duplicateOf}
          </p>
        ) : null}
        <input
          id="field-duplicateOf"
          name="duplicateOf"
          inputMode="numeric"
          autoComplete="off"
          list="similar-reports"
          defaultValue={v('duplicateOf', r.duplicateOf ? String(r.duplicateOf) : '')}
          aria-invalid={e.duplicateOf ? true : undefined}
          aria-describedby={`field-duplicateOf-hint${e.duplicateOf ? ' field-duplicateOf-error' : ''}`}
        />
        <datalist id="similar-reports">
          {d.similar.map((s) => (
            <option key={s.id} value={s.id}>
              {`#${s.id} ${s.title}`}
            </option>
          ))}
        </datalist>
      </div>
      {d.similar.length ? (
        <>
          <p>{t('report.similarIntro')}</p>
          <ul>
            {d.similar.map((s) => (
              <li key={s.id}>
                <Link to={`/council/reports/${s.id}`}>
                  #{s.id} {s.title}
                </Link>{' '}
                {t('report.similarItem', { metres: s.distanceM, state: s.state })}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="field__hint">{t('report.similarNone')}</p>
      )}
    </fieldset>
  )
}

export function ReportTimeline({ d }: { d: TriageData }) {
  const { t } = useTranslation('council')
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">{t('report.timeline')}</h2>
      <ol className="timeline">
        {d.timeline.map((u) => (
          <li key={u.id} className={u.public ? undefined : 'timeline--private'}>
            <p className="timeline__meta">
              {u.at} · {u.authorName ?? (u.byReporter ? t('timeline.reporter') : t('timeline.system'))}
              {u.public ? '' : ` · ${t('timeline.private')}`}
            </p>
            <p>
              <strong>{t(`timeline.kinds.${u.kind}`, { defaultValue: u.kind })}</strong>
              {u.kind === 'state' || u.kind === 'created' || u.kind === 'confirmed' ? ` ${[u.fromLabel, u.toLabel].filter(Boolean).join(' → ')}` : ''}
              {u.details ? ` ${timelineDetails(u.details)}` : ''}
            </p>
            {u.text ? <p className="timeline__text">{u.text}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  )
}

export function ReportAudit({ d }: { d: TriageData }) {
  const { t } = useTranslation('council')
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">{t('report.audit')}</h2>
      {d.audit.length ? (
        <ol className="timeline">
          {d.audit.map((a) => (
            <li key={a.id}>
              <p className="timeline__meta">
                {a.at} · {a.actor ?? t('timeline.system')}
              </p>
              <p>
                <strong>{t(`audit.${a.action.replace('.', '_')}`, { defaultValue: a.action })}</strong> {a.changes}
              </p>
              {a.reason ? <p className="timeline__text">{a.reason}</p> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p>{t('report.auditNone')}</p>
      )}
    </section>
  )
}

/** The facts a timeline row carries beside its text (category, priority, assignee, location). */
function timelineDetails(details: Record<string, unknown>): string {
  const show = (x: unknown) => (x === null || x === undefined ? '–' : typeof x === 'object' ? JSON.stringify(x) : String(x))
  if ('from' in details || 'to' in details) return `${show(details.from)} → ${show(details.to)}`
  if ('of' in details) return `#${show(details.of)}`
  return ''
}

function Select({
  name,
  label,
  value,
  error,
  hint,
  children,
  onChange,
}: {
  name: string
  label: string
  value: string
  error?: string
  hint?: string
  children: ReactNode
  onChange?: (value: string) => void
}) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      <select
        key={value}
        id={id}
        name={name}
        defaultValue={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onChange={onChange ? (ev) => onChange(ev.target.value) : undefined}
      >
        {children}
      </select>
    </Field>
  )
}

function TextArea({ name, label, value, error, hint, textRef }: { name: string; label: string; value: string; error?: string; hint?: string; textRef?: Ref<HTMLTextAreaElement> }) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      <textarea ref={textRef} id={id} name={name} rows={4} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={described} />
    </Field>
  )
}
