import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import type { VotingMethod, VotingProcessState } from '../../db/schema'
import chartStyles from '../components/charts/charts.css'
import { FormMessage } from '../components/forms'
import { requirePermission } from '../lib/auth.server'
import { formatters } from '../lib/format'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { formatPercent, formatWeight } from '../modules/voting/arithmetic'
import { methods } from '../modules/voting/methods'
import { DESCRIPTION_MAX, LABEL_MAX, OPTION_ROWS, RULE_ROWS, TITLE_MAX } from '../modules/voting/limits'
import { describePolicy } from '../modules/voting/weights'
import {
  cancelProcess,
  closeProcessNow,
  formChoices,
  formContext,
  inputOf,
  isEditable,
  newProcessValues,
  policyWarnings,
  previewResults,
  processRow,
  publishResults,
  readSpec,
  scheduleProcess,
  submitProcessForm,
  unscheduleProcess,
  valuesOf,
  verifyTally,
  type CommandResult,
  type FormValues,
} from '../modules/voting/processes.server'

/**
 * /admin/votes/new and /admin/votes/:id — one route for both, so the form lives in one place.
 *
 * New: choose a method (or come from a proposal: a yes/no vote filled from it), then the form.
 * A process is edited while it is a draft, or scheduled and not yet open; after that the page
 * shows its status: live ballot count, "Close now", the count before "Publish results", "Verify
 * the tally", links to the public page and the ballots export. Everything works without
 * JavaScript: repeated rows (options, projects, policy rules) grow with "Add more rows", and a bad
 * form comes back with a 400, every error next to its field and everything typed kept.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: chartStyles }]
// An admin page with live counts: never from a cache.
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' })

// What was typed comes back after an error; beyond this it is not a form but an attack.
const ECHO_MAX = 25_000
const MORE_ROWS = 10

function target(value: string | undefined): number | 'new' {
  if (value === 'new') return 'new'
  if (!value || !/^\d{1,12}$/.test(value)) throw new Response('Not Found', { status: 404 })
  return Number(value)
}
const isMethod = (value: string | null): value is VotingMethod => value !== null && (methods as readonly string[]).includes(value)

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const id = target(params.id)
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const f = formatters(locale)
  const utc = (iso: string | null) => (iso ? `${f.dateTime.format(new Date(iso))} UTC` : '–')
  const [choices, context] = await Promise.all([formChoices(locale), formContext()])
  const form = { areas: choices.areas, categories: choices.categories, districts: context.districts, cityName: context.cityName }
  const askedMethod = url.searchParams.get('method')

  if (id === 'new') {
    const proposal = url.searchParams.get('proposal')
    const proposalId = proposal && /^\d{1,12}$/.test(proposal) ? Number(proposal) : null
    const method = proposalId !== null ? 'yesno' : isMethod(askedMethod) ? askedMethod : null
    return {
      mode: 'new' as const,
      title: t('votesAdmin:new.title'),
      method,
      values: method ? await newProcessValues(method, proposalId) : null,
      form,
      status: null,
      saved: null,
    }
  }

  const row = await processRow(id)
  if (!row) throw new Response('Not Found', { status: 404 })
  const editable = isEditable(row)
  let values: FormValues | null = null
  if (editable) {
    values = valuesOf(inputOf(row))
    if (isMethod(askedMethod)) values.method = askedMethod
  }
  const stored = readSpec(row.spec)
  const policy = JSON.parse(row.weight_policy) as Parameters<typeof describePolicy>[0]
  const area = row.eligible_area_id === null ? null : (choices.areas.find((a) => a.id === row.eligible_area_id)?.name ?? choices.areas.flatMap((a) => a.neighbourhoods).find((n) => n.id === row.eligible_area_id)?.name ?? null)
  const warnings = policyWarnings(policy, row.required_level)
  let preview: unknown = null
  let previewError = false
  if (row.state === 'closed') {
    try {
      preview = await previewResults(id)
    } catch {
      previewError = true
    }
  }
  const published = row.results ? (JSON.parse(row.results) as { count?: unknown }) : null
  return {
    mode: 'edit' as const,
    title: row.title,
    method: (values?.method as VotingMethod | undefined) ?? row.method,
    values,
    form,
    saved: url.searchParams.get('done'),
    status: {
      id: row.id,
      state: row.state,
      editable,
      method: row.method,
      proposalId: row.proposal_id,
      ballots: f.integer.format(row.ballots),
      opensText: utc(row.opens_at),
      closesText: utc(row.closes_at),
      publishedText: utc(row.published_at),
      opensPassed: row.opens_at <= new Date().toISOString(),
      areaName: area,
      residentsOnly: Boolean(row.residents_only),
      requiredLevel: row.required_level,
      delegation: Boolean(row.delegation),
      descriptionHtml: row.description_html,
      policyLines: describePolicy(policy, (key, v) => t(key, v ?? {}) as string, { areaName: area ?? undefined, locale }),
      warnings: [...new Set([...warnings.unreachable, ...warnings.belowLevel])].map((i) => i + 1),
      labels: stored.labels,
      currency: stored.currency,
      preview,
      previewError,
      published: published?.count ?? null,
    },
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type ActionResult =
  | { kind: 'form'; errors: Record<string, string>; values: FormValues; message: string | null }
  | { kind: 'verify'; verification: unknown }
  | { kind: 'refused'; message: string }

/** One more batch of blank rows for each repeated field. */
function withMoreRows(values: FormValues): FormValues {
  const more = (name: string, fallback: number) => String(Math.min((Number(values[name]) || fallback) + MORE_ROWS, 10_000))
  return { ...values, optionRows: more('optionRows', OPTION_ROWS), projectRows: more('projectRows', OPTION_ROWS), ruleRows: more('ruleRows', RULE_ROWS) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const id = target(params.id)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const intent = fields.intent ?? 'save'
  const values: FormValues = {}
  let size = 0
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'intent' || size > ECHO_MAX * 40) continue
    values[key] = value.slice(0, ECHO_MAX)
    size += values[key]!.length
  }
  const refuse = (status: number, key: string) => data<ActionResult>({ kind: 'refused', message: t(key) }, { status })
  const outcome = (result: CommandResult, done: string) => {
    switch (result.kind) {
      case 'ok':
        return redirect(`/admin/votes/${id}?done=${done}`)
      case 'forbidden':
        throw new Response('Forbidden', { status: 403 })
      case 'notFound':
        throw new Response('Not Found', { status: 404 })
      case 'wrongState':
        return refuse(409, `votesAdmin:errors.wrongState.${result.state}`)
      case 'invalid':
        return data<ActionResult>({ kind: 'refused', message: Object.values(result.errors).map((key) => t(key)).join(' ') }, { status: 400 })
    }
  }

  if (intent === 'save' || intent === 'rows' || intent === 'method') {
    // "Add more rows" and "Show this method's fields" only redraw the form, keeping what was typed.
    if (intent === 'rows') return data<ActionResult>({ kind: 'form', errors: {}, values: withMoreRows(values), message: null })
    if (intent === 'method') return data<ActionResult>({ kind: 'form', errors: {}, values, message: null })
    const result = await submitProcessForm(admin, fields, id === 'new' ? null : id)
    if (result.kind === 'ok') return redirect(`/admin/votes/${result.id}?done=${id === 'new' ? 'created' : 'saved'}`)
    if (result.kind === 'forbidden') throw new Response('Forbidden', { status: 403 })
    if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
    if (result.kind === 'wrongState') return data<ActionResult>({ kind: 'form', errors: {}, values, message: t(`votesAdmin:errors.wrongState.${result.state}`) }, { status: 409 })
    const max = { max: TITLE_MAX, descriptionMax: DESCRIPTION_MAX, labelMax: LABEL_MAX }
    const errors = Object.fromEntries(Object.entries(result.errors).map(([field, key]) => [field, t(key, max)]))
    return data<ActionResult>({ kind: 'form', errors, values, message: t('votesAdmin:form.fixErrors') }, { status: 400 })
  }
  if (id === 'new') return refuse(400, 'votesAdmin:errors.unknownAction')
  switch (intent) {
    case 'schedule':
      return outcome(await scheduleProcess(admin, id), 'scheduled')
    case 'unschedule':
      return outcome(await unscheduleProcess(admin, id), 'unscheduled')
    case 'close':
      return outcome(await closeProcessNow(admin, id), 'closed')
    case 'publish':
      return outcome(await publishResults(admin, id), 'published')
    case 'cancel':
      return outcome(await cancelProcess(admin, id, fields.reason ?? null), 'cancelled')
    case 'verify': {
      const result = await verifyTally(admin, id)
      if (result.kind === 'forbidden') throw new Response('Forbidden', { status: 403 })
      if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
      return data<ActionResult>({ kind: 'verify', verification: result.verification })
    }
    default:
      return refuse(400, 'votesAdmin:errors.unknownAction')
  }
}

// ---------------------------------------------------------------------------------------------

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>
type FormChoices = LoaderData['form']

export default function AdminVote() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('votesAdmin')
  const formResult = result?.kind === 'form' ? result : null
  // The form shows for a new process and while a process is editable (never for an open one).
  const values = d.values || d.mode === 'new' ? (formResult?.values ?? d.values) : null
  const method = (values?.method as VotingMethod | undefined) ?? d.method

  return (
    <section className="page votes-admin">
      <ul className="inline-links">
        <li>
          <Link to="/admin/votes">{t('backToList')}</Link>
        </li>
        {d.status ? (
          <li>
            <Link to={`/votes/${d.status.id}`}>{t('status.publicPage')}</Link>
          </li>
        ) : null}
      </ul>
      <h1>{d.mode === 'new' ? t('new.title') : d.title}</h1>
      {d.saved ? <FormMessage tone="success">{t(`done.${d.saved}`, { defaultValue: t('done.saved') })}</FormMessage> : null}
      {result?.kind === 'refused' ? <FormMessage tone="error">{result.message}</FormMessage> : null}
      {formResult?.message ? <FormMessage tone="error">{formResult.message}</FormMessage> : null}

      {d.status ? <Status status={d.status} verification={result?.kind === 'verify' ? result.verification : undefined} /> : null}

      {d.mode === 'new' && !method ? <MethodChooser /> : null}
      {values && method ? <ProcessForm key={`${method}-${values.optionRows}-${values.projectRows}-${values.ruleRows}`} values={values} errors={formResult?.errors ?? {}} form={d.form} isNew={d.mode === 'new'} /> : null}
    </section>
  )
}

function MethodChooser() {
  const { t } = useTranslation('votesAdmin')
  return (
    <>
      <p>{t('new.chooseMethod')}</p>
      <ul className="link-list">
        {methods.map((m) => (
          <li key={m}>
            <Link to={`/admin/votes/new?method=${m}`}>{t(`voting:method.${m}`)}</Link> — {t(`methodHint.${m}`)}
          </li>
        ))}
      </ul>
    </>
  )
}

// ---------------------------------------------------------------------------------------------
// The form

/** An error paragraph for a field, and the attributes its input needs to point at it. */
function fieldErrors(errors: Record<string, string>) {
  const idOf = (name: string) => `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`
  return {
    idOf,
    error(name: string) {
      return errors[name] ? (
        <p className="field-error" id={`${idOf(name)}-error`}>
          {errors[name]}
        </p>
      ) : null
    },
    attrs(name: string, hint = false) {
      const described = [hint ? `${idOf(name)}-hint` : null, errors[name] ? `${idOf(name)}-error` : null].filter(Boolean).join(' ')
      return { id: idOf(name), name, 'aria-invalid': errors[name] ? true : undefined, 'aria-describedby': described || undefined }
    },
  }
}

function ProcessForm({ values, errors, form, isNew }: { values: FormValues; errors: Record<string, string>; form: FormChoices; isNew: boolean }) {
  const { t } = useTranslation('votesAdmin')
  const { error, attrs, idOf } = fieldErrors(errors)
  const v = (name: string) => values[name] ?? ''
  const method = v('method') as VotingMethod
  const rows = (name: string, fallback: number) => Math.max(fallback, Math.min(Number(v(name)) || fallback, 10_000))
  const optionRows = rows('optionRows', OPTION_ROWS)
  const projectRows = rows('projectRows', OPTION_ROWS)
  const ruleRows = rows('ruleRows', RULE_ROWS)
  const hint = (name: string, text: string) => (
    <p className="field__hint" id={`${idOf(name)}-hint`}>
      {text}
    </p>
  )
  const field = (name: string, label: string, input: ReactNode, hintText?: string) => (
    <div className={`field${errors[name] ? ' field--error' : ''}`}>
      <label htmlFor={idOf(name)}>{label}</label>
      {hintText ? hint(name, hintText) : null}
      {error(name)}
      {input}
    </div>
  )
  const pots = [{ key: 'city', name: t('form.cityPot', { city: form.cityName }) }, ...form.districts.map((d) => ({ key: d.slug, name: d.name }))]

  return (
    <Form method="post" noValidate className="stack council-form" aria-label={isNew ? t('new.title') : t('form.editLabel')}>
      {values.proposal ? <input type="hidden" name="proposal" value={values.proposal} /> : null}
      <input type="hidden" name="optionRows" value={optionRows} />
      <input type="hidden" name="projectRows" value={projectRows} />
      <input type="hidden" name="ruleRows" value={ruleRows} />
      {values.proposal ? <FormMessage tone="info">{t('new.forProposal', { id: values.proposal })}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}

      <fieldset>
        <legend>{t('form.about')}</legend>
        {field('title', t('form.title'), <input {...attrs('title')} type="text" defaultValue={v('title')} maxLength={TITLE_MAX + 50} size={60} />)}
        {field('description', t('form.description'), <textarea {...attrs('description', true)} rows={8} defaultValue={v('description')} />, t('form.descriptionHint'))}
        {field(
          'category',
          t('form.category'),
          <select {...attrs('category', true)} defaultValue={v('category')}>
            <option value="">{t('form.noCategory')}</option>
            {form.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>,
          t('form.categoryHint'),
        )}
      </fieldset>

      <fieldset>
        <legend>{t('form.who')}</legend>
        {field(
          'area',
          t('form.area'),
          <select {...attrs('area', true)} defaultValue={v('area')}>
            <option value="">{t('form.wholeCity', { city: form.cityName })}</option>
            {form.areas.map((d) => (
              <optgroup key={d.id} label={d.name}>
                <option value={d.id}>{t('form.district', { name: d.name })}</option>
                {d.neighbourhoods.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>,
          t('form.areaHint'),
        )}
        <label className="choice">
          <input type="checkbox" name="residentsOnly" defaultChecked={v('residentsOnly') === 'on'} aria-describedby="residents-only-hint" /> {t('form.residentsOnly')}
        </label>
        <p className="field__hint" id="residents-only-hint">
          {t('form.residentsOnlyHint')}
        </p>
        {field(
          'requiredLevel',
          t('form.requiredLevel'),
          <select {...attrs('requiredLevel', true)} defaultValue={v('requiredLevel')}>
            {[0, 1, 2, 3].map((level) => (
              <option key={level} value={level}>
                {t(`level.${level}`)}
              </option>
            ))}
          </select>,
          t('form.requiredLevelHint'),
        )}
        <label className="choice">
          <input type="checkbox" name="delegation" defaultChecked={v('delegation') === 'on'} aria-describedby="delegation-hint" /> {t('form.delegation')}
        </label>
        <p className="field__hint" id="delegation-hint">
          {t('form.delegationHint')}
        </p>
        <label className="choice">
          <input type="checkbox" name="liveResults" defaultChecked={v('liveResults') === 'on'} aria-describedby="live-results-hint" /> {t('form.liveResults')}
        </label>
        <p className="field__hint" id="live-results-hint">
          {t('form.liveResultsHint')}
        </p>
      </fieldset>

      <fieldset>
        <legend>{t('form.dates')}</legend>
        <p className="field__hint" id="dates-hint">
          {t('form.datesHint')}
        </p>
        {field('opensAt', t('form.opensAt'), <input {...attrs('opensAt')} type="datetime-local" defaultValue={v('opensAt')} aria-describedby={['dates-hint', errors.opensAt ? `${idOf('opensAt')}-error` : ''].join(' ').trim()} />)}
        {field('closesAt', t('form.closesAt'), <input {...attrs('closesAt')} type="datetime-local" defaultValue={v('closesAt')} aria-describedby={['dates-hint', errors.closesAt ? `${idOf('closesAt')}-error` : ''].join(' ').trim()} />)}
      </fieldset>

      <fieldset>
        <legend>{t('form.method')}</legend>
        {field(
          'method',
          t('form.methodLabel'),
          <select {...attrs('method', true)} defaultValue={method}>
            {methods.map((m) => (
              <option key={m} value={m}>
                {t(`voting:method.${m}`)}
              </option>
            ))}
          </select>,
          t(`methodHint.${method}`),
        )}
        <button type="submit" name="intent" value="method" className="secondary">
          {t('form.showMethod')}
        </button>

        {method === 'approval' || method === 'quadratic' || method === 'ranked' ? (
          <>
            <h3 id="options-heading">{t('form.options')}</h3>
            <p className="field__hint">{t('form.optionsHint')}</p>
            {error('options')}
            <ol>
              {Array.from({ length: optionRows }, (_, i) => (
                <li key={i}>
                  {error(`option.${i}`)}
                  <input {...attrs(`option.${i}`)} type="text" defaultValue={v(`option.${i}`)} size={50} aria-label={t('form.optionN', { n: i + 1 })} />
                </li>
              ))}
            </ol>
            {method === 'quadratic'
              ? field('credits', t('form.credits'), <input {...attrs('credits', true)} type="text" inputMode="numeric" defaultValue={v('credits')} size={8} />, t('form.creditsHint'))
              : null}
            {method === 'approval' || method === 'ranked' ? (
              <>
                {field('maxChoices', method === 'approval' ? t('form.maxApprovals') : t('form.maxRanked'), <input {...attrs('maxChoices', true)} type="text" inputMode="numeric" defaultValue={v('maxChoices')} size={5} />, t('form.maxChoicesHint'))}
                {field('minChoices', t('form.minChoices'), <input {...attrs('minChoices', true)} type="text" inputMode="numeric" defaultValue={v('minChoices')} size={5} />, t('form.minChoicesHint'))}
              </>
            ) : null}
          </>
        ) : null}

        {method === 'yesno' ? <p>{t('form.yesnoNote')}</p> : null}

        {method === 'budget' ? (
          <>
            {field('currency', t('form.currency'), <input {...attrs('currency', true)} type="text" defaultValue={v('currency') || 'EUR'} size={4} maxLength={3} />, t('form.currencyHint'))}
            <h3 id="pots-heading">{t('form.pots')}</h3>
            <p className="field__hint">{t('form.potsHint')}</p>
            {error('pots')}
            <table className="data-table" aria-labelledby="pots-heading">
              <thead>
                <tr>
                  <th scope="col">{t('form.pot')}</th>
                  <th scope="col">{t('form.potBudget')}</th>
                  <th scope="col">{t('form.potLimit')}</th>
                </tr>
              </thead>
              <tbody>
                {pots.map((pot) => (
                  <tr key={pot.key}>
                    <th scope="row">{pot.name}</th>
                    <td>
                      {error(`pot.${pot.key}.budget`)}
                      <input {...attrs(`pot.${pot.key}.budget`)} type="text" inputMode="numeric" defaultValue={v(`pot.${pot.key}.budget`)} size={12} aria-label={t('form.potBudgetOf', { pot: pot.name })} />
                    </td>
                    <td>
                      {error(`pot.${pot.key}.limit`)}
                      <input {...attrs(`pot.${pot.key}.limit`)} type="text" inputMode="numeric" defaultValue={v(`pot.${pot.key}.limit`)} size={12} aria-label={t('form.potLimitOf', { pot: pot.name })} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {field('maxDistricts', t('form.maxDistricts'), <input {...attrs('maxDistricts', true)} type="text" inputMode="numeric" defaultValue={v('maxDistricts') || '1'} size={4} />, t('form.maxDistrictsHint'))}
            <h3 id="projects-heading">{t('form.projects')}</h3>
            <p className="field__hint">{t('form.projectsHint')}</p>
            {error('projects')}
            <table className="data-table" aria-labelledby="projects-heading">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('form.projectTitle')}</th>
                  <th scope="col">{t('form.projectCost')}</th>
                  <th scope="col">{t('form.projectPot')}</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: projectRows }, (_, i) => (
                  <tr key={i}>
                    <td>{i + 1}</td>
                    <td>
                      {error(`project.${i}.title`)}
                      <input {...attrs(`project.${i}.title`)} type="text" defaultValue={v(`project.${i}.title`)} size={40} aria-label={t('form.projectTitleN', { n: i + 1 })} />
                    </td>
                    <td>
                      {error(`project.${i}.cost`)}
                      <input {...attrs(`project.${i}.cost`)} type="text" inputMode="numeric" defaultValue={v(`project.${i}.cost`)} size={12} aria-label={t('form.projectCostN', { n: i + 1 })} />
                    </td>
                    <td>
                      {error(`project.${i}.pot`)}
                      <select {...attrs(`project.${i}.pot`)} defaultValue={v(`project.${i}.pot`) || 'city'} aria-label={t('form.projectPotN', { n: i + 1 })}>
                        {pots.map((pot) => (
                          <option key={pot.key} value={pot.key}>
                            {pot.name}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>{t('form.policy')}</legend>
        <p className="field__hint">{t('form.policyHint')}</p>
        {error('policy')}
        {(['equal', 'brief', 'residents', 'custom'] as const).map((preset) => (
          <div key={preset}>
            <label className="choice">
              <input type="radio" name="policy" value={preset} defaultChecked={(v('policy') || 'equal') === preset} aria-describedby={`policy-${preset}-hint`} /> {t(`preset.${preset}`)}
            </label>
            <p className="field__hint" id={`policy-${preset}-hint`}>
              {t(`preset.${preset}Hint`)}
            </p>
          </div>
        ))}
        <details open={v('policy') === 'custom' || Object.keys(errors).some((k) => k.startsWith('rule.') || k === 'policyDefault')}>
          <summary>{t('form.rules')}</summary>
          <p className="field__hint">{t('form.rulesHint')}</p>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('form.ruleLevel')}</th>
                <th scope="col">{t('form.ruleResidence')}</th>
                <th scope="col">{t('form.ruleWeight')}</th>
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: ruleRows }, (_, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>
                    {error(`rule.${i}.minLevel`)}
                    <select {...attrs(`rule.${i}.minLevel`)} defaultValue={v(`rule.${i}.minLevel`) || '0'} aria-label={t('form.ruleLevelN', { n: i + 1 })}>
                      {[0, 1, 2, 3].map((level) => (
                        <option key={level} value={level}>
                          {t(`atLeast.${level}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {error(`rule.${i}.residence`)}
                    <select {...attrs(`rule.${i}.residence`)} defaultValue={v(`rule.${i}.residence`) || 'any'} aria-label={t('form.ruleResidenceN', { n: i + 1 })}>
                      <option value="any">{t('residence.any')}</option>
                      <option value="inside">{t('residence.inside')}</option>
                      <option value="outside">{t('residence.outside')}</option>
                    </select>
                  </td>
                  <td>
                    {error(`rule.${i}.weight`)}
                    <input {...attrs(`rule.${i}.weight`)} type="text" inputMode="text" defaultValue={v(`rule.${i}.weight`)} size={6} aria-label={t('form.ruleWeightN', { n: i + 1 })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {field('policyDefault', t('form.policyDefault'), <input {...attrs('policyDefault', true)} type="text" defaultValue={v('policyDefault') || '0'} size={6} />, t('form.policyDefaultHint'))}
        </details>
      </fieldset>

      <p className="inline-links">
        <button type="submit" name="intent" value="save">
          {isNew ? t('form.create') : t('form.save')}
        </button>
        <button type="submit" name="intent" value="rows" className="secondary">
          {t('form.moreRows')}
        </button>
      </p>
    </Form>
  )
}

// ---------------------------------------------------------------------------------------------
// Status and actions

type Status = NonNullable<LoaderData['status']>

function Status({ status: s, verification }: { status: Status; verification: unknown }) {
  const { t, i18n } = useTranslation('votesAdmin')
  const state = s.state as VotingProcessState
  const ended = state === 'closed' || state === 'published'
  return (
    <>
      <dl className="summary">
        <div>
          <dt>{t('status.state')}</dt>
          <dd>
            {t(`state.${state}`)}
            {state === 'scheduled' && s.opensPassed ? <span className="badge">{t('status.opening')}</span> : null}
          </dd>
        </div>
        <div>
          <dt>{t('status.method')}</dt>
          <dd>{t(`voting:method.${s.method}`)}</dd>
        </div>
        <div>
          <dt>{t('status.opens')}</dt>
          <dd>{s.opensText}</dd>
        </div>
        <div>
          <dt>{t('status.closes')}</dt>
          <dd>{s.closesText}</dd>
        </div>
        {state === 'published' ? (
          <div>
            <dt>{t('status.published')}</dt>
            <dd>{s.publishedText}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t('status.area')}</dt>
          <dd>
            {s.areaName ?? t('status.wholeCity')}
            {s.residentsOnly ? ` (${t('status.residentsOnly')})` : ''}
          </dd>
        </div>
        <div>
          <dt>{t('status.requiredLevel')}</dt>
          <dd>{t(`level.${s.requiredLevel}`)}</dd>
        </div>
        <div>
          <dt>{t('status.delegation')}</dt>
          <dd>{s.delegation ? t('status.yes') : t('status.no')}</dd>
        </div>
        <div>
          <dt>{t('status.ballots')}</dt>
          <dd>{s.ballots}</dd>
        </div>
        {s.proposalId ? (
          <div>
            <dt>{t('status.proposal')}</dt>
            <dd>
              <Link to={`/proposals/${s.proposalId}`}>{t('status.proposalLink', { id: s.proposalId })}</Link>
            </dd>
          </div>
        ) : null}
      </dl>

      <h2>{t('status.policy')}</h2>
      <ul>
        {s.policyLines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      {s.warnings.length ? <FormMessage tone="info">{t('status.policyWarning', { rules: s.warnings.join(', ') })}</FormMessage> : null}

      <h2>{t('status.actions')}</h2>
      <div className="stack">
        {state === 'draft' ? (
          <Form method="post">
            <p className="field__hint" id="schedule-hint">
              {t('actions.scheduleHint')}
            </p>
            <button type="submit" name="intent" value="schedule" aria-describedby="schedule-hint">
              {t('actions.schedule')}
            </button>
          </Form>
        ) : null}
        {state === 'scheduled' && !s.opensPassed ? (
          <Form method="post">
            <button type="submit" name="intent" value="unschedule" className="secondary">
              {t('actions.unschedule')}
            </button>
          </Form>
        ) : null}
        {state === 'open' || (state === 'scheduled' && s.opensPassed) ? (
          <Form method="post">
            <p className="field__hint" id="close-hint">
              {t('actions.closeHint')}
            </p>
            <button type="submit" name="intent" value="close" aria-describedby="close-hint">
              {t('actions.close')}
            </button>
          </Form>
        ) : null}
        {state === 'closed' ? (
          <section aria-labelledby="preview-heading">
            <h3 id="preview-heading">{t('results.preview')}</h3>
            {s.previewError ? <FormMessage tone="error">{t('results.previewFailed')}</FormMessage> : <CountView count={s.preview} labels={s.labels} currency={s.currency} locale={i18n.language} />}
            <Form method="post">
              <p className="field__hint" id="publish-hint">
                {t('actions.publishHint')}
              </p>
              <button type="submit" name="intent" value="publish" aria-describedby="publish-hint">
                {t('actions.publish')}
              </button>
            </Form>
          </section>
        ) : null}
        {state === 'published' ? (
          <section aria-labelledby="results-heading">
            <h3 id="results-heading">{t('results.published')}</h3>
            <CountView count={s.published} labels={s.labels} currency={s.currency} locale={i18n.language} />
          </section>
        ) : null}
        {state === 'open' || ended ? (
          <Form method="post">
            <button type="submit" name="intent" value="verify" className="secondary">
              {t('actions.verify')}
            </button>
          </Form>
        ) : null}
        {verification !== undefined ? <Verification verification={verification} /> : null}
        {ended ? (
          <ul className="inline-links">
            <li>
              <a href={`/votes/${s.id}/ballots.csv`}>{t('status.ballotsCsv')}</a>
            </li>
            <li>
              <a href={`/votes/${s.id}/ballots.json`}>{t('status.ballotsJson')}</a>
            </li>
          </ul>
        ) : null}
        {state !== 'published' && state !== 'cancelled' ? (
          <Form method="post" className="stack narrow">
            <div className="field">
              <label htmlFor="cancel-reason">{t('actions.cancelReason')}</label>
              <textarea id="cancel-reason" name="reason" rows={2} />
            </div>
            <button type="submit" name="intent" value="cancel" className="secondary">
              {t('actions.cancel')}
            </button>
          </Form>
        ) : null}
      </div>
      {s.editable ? <h2>{t('form.heading')}</h2> : null}
    </>
  )
}

function Verification({ verification }: { verification: unknown }) {
  const { t } = useTranslation('votesAdmin')
  const ok = Boolean(verification && typeof verification === 'object' && (verification as { ok?: unknown }).ok === true)
  return ok ? (
    <FormMessage tone="success">{t('verify.ok')}</FormMessage>
  ) : (
    <FormMessage tone="error">
      <p>{t('verify.failed')}</p>
      <pre>{JSON.stringify(verification, null, 2).slice(0, 5000)}</pre>
    </FormMessage>
  )
}

// ---------------------------------------------------------------------------------------------
// A count, as the administrator checks it before publishing

interface Tally {
  weight: number
  ballots: number
}
type AnyResult =
  | { method: 'yesno'; yes: Tally; no: Tally; abstain: Tally; turnout: Tally; yesShare: { numerator: number; denominator: number } }
  | { method: 'approval'; options: Array<Tally & { option: string; rank: number }>; turnout: Tally }
  | { method: 'quadratic'; options: Array<{ option: string; votes: number; rawVotes: number; ballots: number; rank: number }>; turnout: Tally; creditsSpent: number }
  | { method: 'budget'; turnout: Tally; pots: Array<{ pot: string; budget: number; spent: number; left: number; projects: Array<{ position: number; project: string; cost: number; votes: number; outcome: string }> }> }
  | { method: 'ranked'; options: string[]; winners: string[]; ranking: string[][]; d: number[][]; turnout: Tally }

/** The method's result inside countProcess's answer (itself, or under `result`). */
function methodResult(count: unknown): AnyResult | null {
  if (!count || typeof count !== 'object') return null
  // countProcess's answer names its method too: the result proper is under `result`.
  const c = count as { method?: unknown; result?: unknown }
  if (c.result) return methodResult(c.result)
  return typeof c.method === 'string' && (methods as readonly string[]).includes(c.method) ? (count as AnyResult) : null
}

function CountView({ count, labels, currency, locale }: { count: unknown; labels: Record<string, string>; currency: string; locale: string }) {
  const { t } = useTranslation('votesAdmin')
  const r = methodResult(count)
  if (!r) return count ? <pre>{JSON.stringify(count, null, 2).slice(0, 20_000)}</pre> : <p>{t('results.none')}</p>
  const w = (milli: number) => formatWeight(milli, locale)
  const label = (id: string) => labels[id] ?? id
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency })
  const turnout = <p>{t('results.turnout', { weight: w(r.turnout.weight), ballots: r.turnout.ballots })}</p>
  switch (r.method) {
    case 'yesno':
      return (
        <>
          {turnout}
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t('results.answer')}</th>
                <th scope="col">{t('results.weight')}</th>
                <th scope="col">{t('results.ballots')}</th>
              </tr>
            </thead>
            <tbody>
              {(['yes', 'no', 'abstain'] as const).map((a) => (
                <tr key={a}>
                  <th scope="row">{t(`voting:answer.${a}`)}</th>
                  <td>{w(r[a].weight)}</td>
                  <td>{r[a].ballots}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>{t('results.yesShare', { share: formatPercent(r.yesShare, locale) ?? '–' })}</p>
        </>
      )
    case 'approval':
    case 'quadratic':
      return (
        <>
          {turnout}
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t('results.rank')}</th>
                <th scope="col">{t('results.option')}</th>
                <th scope="col">{r.method === 'quadratic' ? t('results.votes') : t('results.weight')}</th>
                <th scope="col">{t('results.ballots')}</th>
              </tr>
            </thead>
            <tbody>
              {r.options.map((o) => (
                <tr key={o.option}>
                  <td>{o.rank}</td>
                  <th scope="row">{label(o.option)}</th>
                  <td>{'votes' in o ? w(o.votes) : w(o.weight)}</td>
                  <td>{o.ballots}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )
    case 'budget':
      return (
        <>
          {turnout}
          {r.pots.map((pot) => (
            <table className="data-table" key={pot.pot}>
              <caption>{t('results.pot', { pot: label(pot.pot), budget: money.format(pot.budget / 100), spent: money.format(pot.spent / 100) })}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('results.project')}</th>
                  <th scope="col">{t('results.cost')}</th>
                  <th scope="col">{t('results.weight')}</th>
                  <th scope="col">{t('results.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {pot.projects.map((p) => (
                  <tr key={p.project}>
                    <td>{p.position}</td>
                    <th scope="row">{label(p.project)}</th>
                    <td>{money.format(p.cost / 100)}</td>
                    <td>{w(p.votes)}</td>
                    <td>{t(`outcome.${p.outcome}`, { defaultValue: p.outcome })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </>
      )
    case 'ranked':
      return (
        <>
          {turnout}
          <p>{t('results.winners', { winners: r.winners.map(label).join(', ') })}</p>
          <ol>
            {r.ranking.map((level, i) => (
              <li key={i}>{level.map(label).join(' = ')}</li>
            ))}
          </ol>
        </>
      )
  }
}
