import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, isRouteErrorResponse, useActionData, useLoaderData, useRouteError } from '@remix-run/react'
import { useRef } from 'react'
import { useTranslation } from 'react-i18next'
import maplibreStyles from 'maplibre-gl/dist/maplibre-gl.css'
import mapStyles from '../styles/map.css'
import councilStyles from '../components/charts/charts.css'
import { requirePermission } from '../lib/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { LocationPicker } from '../components/map/LocationPicker'
import { areaOptions, cityBounds, cityProfile } from '../modules/geo/areas.server'
import { mapClientConfig } from '../modules/geo/config.server'
import { database } from '../lib/db.server'
import { TEXT_MAX, stateLabels, submitTriage, triagePage, type TriageErrors, type TriageForm } from '../modules/reports/council.server'
import { mayTriage, priorities } from '../modules/reports/reports.server'

/**
 * /council/reports/:id — triage one report: everything the public sees, the reporter's contact,
 * and one form that may change category, status, priority, assignee, location and duplicate, and
 * post a public update (typed or from a template) and a private note. Every field is checked
 * before anything is written; errors come back next to their field with what was typed. The full
 * timeline (private notes included) and the report's audit rows are on the page.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: maplibreStyles },
  { rel: 'stylesheet', href: mapStyles },
  { rel: 'stylesheet', href: councilStyles },
]

const FIELDS = ['category', 'state', 'priority', 'assignee', 'lat', 'lng', 'area', 'duplicateOf', 'update', 'templateId', 'note'] as const
// What was typed comes back after an error; beyond this it is not a report but an attack.
const ECHO_MAX = 20_000

const reportId = (value: string | undefined) => {
  if (!value || !/^\d{1,12}$/.test(value)) throw new Response('Not Found', { status: 404 })
  return Number(value)
}

/** The list's query string to go back to (only a query string: never another path). */
const backQuery = (value: string | null) => (value && value.length < 1000 && /^\?[\w.=&%+-]*$/.test(value) ? value : '')

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const id = reportId(params.id)
  const page = await triagePage(id, user)
  if (page.kind === 'notFound') throw new Response('Not Found', { status: 404 })
  if (page.kind === 'forbidden') throw data({ department: page.department }, { status: 403 })
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const [labels, areas, bounds] = await Promise.all([stateLabels(t), areaOptions(locale), cityBounds()])
  const { report, timeline, audit, templates } = page.data
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const at = (iso: string | null) => (iso ? `${when.format(new Date(iso))} UTC` : null)
  // Which template answers automatically on which state (a department's own before the shared one).
  const auto = new Map<string, { title: string; state: string }>()
  for (const tpl of [...templates].sort((a, b) => Number(a.departmentId === null) - Number(b.departmentId === null))) {
    if (tpl.autoState && !auto.has(tpl.autoState)) auto.set(tpl.autoState, { title: tpl.title, state: labels[tpl.autoState] ?? tpl.autoState })
  }
  const saved = (url.searchParams.get('saved') ?? '')
    .split(',')
    .filter((s) => /^(state|category|priority|assignee|location|duplicate|update|note)$/.test(s))
  return {
    title: t('council:report.title', { id }),
    report: {
      ...report,
      stateLabel: labels[report.state] ?? report.state,
      createdAtText: at(report.createdAt),
      confirmedAtText: at(report.confirmedAt),
      updatedAtText: at(report.updatedAt),
    },
    photos: page.data.photos,
    categories: page.data.categories,
    states: page.data.states.map((s) => ({ ...s, label: labels[s.code] ?? s.code })),
    assignees: page.data.assignees,
    templates: templates.map((tpl) => ({ id: tpl.id, title: tpl.title, text: tpl.text, department: tpl.departmentName })),
    auto: [...auto.values()],
    similar: page.data.similar.map((s) => ({ id: s.id, title: s.title, distanceM: s.distanceM, state: labels[s.state] ?? s.state })),
    timeline: timeline.map((u) => ({ ...u, at: at(u.createdAt), fromLabel: u.fromState ? (labels[u.fromState] ?? u.fromState) : null, toLabel: u.toState ? (labels[u.toState] ?? u.toState) : null })),
    audit: audit.map((a) => ({ id: a.id, action: a.action, actor: a.actor, reason: a.reason, at: at(a.created_at), changes: auditChanges(a.before, a.after) })),
    areas,
    bounds,
    mapConfig: mapClientConfig(),
    // The browser bundle has no *.server modules: the list of priorities travels with the data.
    priorities: [...priorities],
    back: backQuery(url.searchParams.get('back')),
    saved,
  }
}

/** "state: confirmed → fixed; priority: normal → high" from an audit row's JSON. */
function auditChanges(before: string | null, after: string | null): string {
  const parse = (s: string | null): Record<string, unknown> => {
    try {
      const v = s ? (JSON.parse(s) as unknown) : {}
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  const b = parse(before)
  const a = parse(after)
  const show = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].map((k) => `${k}: ${show(b[k])} → ${show(a[k])}`).join('; ')
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const id = reportId(params.id)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const form: TriageForm = {}
  const values: Record<string, string> = {}
  for (const name of FIELDS) {
    if (typeof fields[name] === 'string') {
      form[name] = fields[name]
      values[name] = fields[name]!.slice(0, ECHO_MAX)
    }
  }
  const outcome = await submitTriage(user, id, form)
  if (outcome.kind === 'invalid') {
    if (outcome.status === 404) throw new Response('Not Found', { status: 404 })
    if (outcome.status === 403) throw new Response('Forbidden', { status: 403 })
    const city = (await cityProfile())?.name ?? ''
    const errors = Object.fromEntries(Object.entries(outcome.errors).map(([field, key]) => [field, t(key!, { max: TEXT_MAX, city })]))
    return data({ errors: errors as Partial<Record<keyof TriageErrors, string>>, values, nothing: false }, { status: outcome.status })
  }
  if (outcome.kind === 'nothing') return data({ errors: {}, values, nothing: true })
  const back = backQuery(new URL(request.url).searchParams.get('back'))
  const now = await database().db.selectFrom('reports').select('department_id').where('id', '=', id).executeTakeFirstOrThrow()
  // Re-routed to a department this person does not work for: the report has left their list.
  if (!mayTriage(user, now.department_id)) return redirect(`/council/reports${back || '?'}${back ? '&' : ''}moved=${id}`)
  return redirect(`/council/reports/${id}?saved=${outcome.changed.join(',')}${back ? `&back=${encodeURIComponent(back)}` : ''}`)
}

type ActionResult = { errors: Partial<Record<keyof TriageErrors, string>>; values: Record<string, string>; nothing: boolean } | undefined

export default function TriageReport() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult
  const { t } = useTranslation('council')
  const update = useRef<HTMLTextAreaElement>(null)
  const r = d.report
  const e = result?.errors ?? {}
  const v = (name: string, fallback: string) => result?.values[name] ?? fallback
  const groups = ['open', 'fixed', 'closed', 'hidden', 'unconfirmed']
  const hasErrors = Object.keys(e).length > 0

  return (
    <section className="page council council-report">
      <p className="inline-links">
        <Link to={`/council/reports${d.back}`}>{t('report.back')}</Link>
        {r.stateKind !== 'unconfirmed' && r.stateKind !== 'hidden' ? <Link to={`/reports/${r.id}`}>{t('report.publicPage')}</Link> : null}
      </p>
      <h1>
        #{r.id} {r.title}
      </h1>
      <p>
        {t('report.summary', { state: r.stateLabel, category: r.category.name, department: r.department.name })}
        {r.stateKind === 'unconfirmed' || r.stateKind === 'hidden' ? <span className={`badge badge--${r.stateKind}`}>{t(`kinds.${r.stateKind}`)}</span> : null}
      </p>
      {d.saved.length && !result ? (
        <FormMessage tone="success">{t('report.saved', { what: d.saved.map((s) => t(`report.changed.${s}`)).join(', ') })}</FormMessage>
      ) : null}
      {result?.nothing ? <FormMessage tone="info">{t('report.nothing')}</FormMessage> : null}
      {hasErrors ? (
        <FormMessage tone="error">
          <p>{e.form ?? t('report.fixErrors')}</p>
        </FormMessage>
      ) : null}

      <div className="council-report__grid">
        <div>
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
                    {p.hidden ? <span className="badge">{t('report.photoHidden')}</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p>{t('report.noPhotos')}</p>
            )}
          </section>

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

          <Form method="post" className="council-form stack" noValidate>
            <h2>{t('report.triage')}</h2>
            {r.stateKind === 'unconfirmed' ? <FormMessage tone="info">{t('report.unconfirmedNote')}</FormMessage> : null}
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
              <Select name="assignee" label={t('list.assignee')} value={v('assignee', r.assignee ? String(r.assignee.id) : '')} error={e.assignee} hint={t('report.assigneeHint', { department: r.department.name })}>
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
        </div>

        <aside>
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
        </aside>
      </div>
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
  children: React.ReactNode
  onChange?: (value: string) => void
}) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      <select key={value} id={id} name={name} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={described} onChange={onChange ? (ev) => onChange(ev.target.value) : undefined}>
        {children}
      </select>
    </Field>
  )
}

function TextArea({ name, label, value, error, hint, textRef }: { name: string; label: string; value: string; error?: string; hint?: string; textRef?: React.Ref<HTMLTextAreaElement> }) {
  const { id, described } = fieldIds(name, { hint, error })
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      <textarea ref={textRef} id={id} name={name} rows={4} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={described} />
    </Field>
  )
}

export function ErrorBoundary() {
  const error = useRouteError()
  const { t } = useTranslation('council')
  // Anything but a refusal or a missing report is the root's to show (with its request id).
  if (!isRouteErrorResponse(error) || (error.status !== 403 && error.status !== 404)) throw error
  const department = error.status === 403 && error.data && typeof error.data === 'object' ? (error.data as { department?: string }).department : undefined
  const status = error.status
  return (
    <section className="error-page">
      <h1>{status === 404 ? t('common:errors.notFoundTitle') : t('common:errors.forbiddenTitle')}</h1>
      <p>{department ? t('report.otherDepartment', { department }) : status === 404 ? t('report.notFound') : t('common:errors.forbiddenBody')}</p>
      <p>
        <Link to="/council/reports">{t('report.back')}</Link>
      </p>
    </section>
  )
}
