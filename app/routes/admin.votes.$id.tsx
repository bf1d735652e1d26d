import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { VotingMethod } from '../../db/schema'
import chartStyles from '../components/charts/charts.css'
import { MethodChooser, ProcessForm } from '../modules/voting/components/admin/ProcessForm'
import { ProcessStatus } from '../modules/voting/components/admin/ProcessStatus'
import { FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { methods } from '../modules/voting/methods'
import { DESCRIPTION_MAX, LABEL_MAX, OPTION_ROWS, RULE_ROWS, TITLE_MAX } from '../modules/voting/limits'
import { adminProcessView } from '../modules/voting/admin-view.server'
import {
  cancelProcess,
  closeProcessNow,
  formChoices,
  formContext,
  newProcessValues,
  publishResults,
  scheduleProcess,
  submitProcessForm,
  unscheduleProcess,
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

  const view = await adminProcessView(id, { method: isMethod(askedMethod) ? askedMethod : null, done: url.searchParams.get('done') }, form, choices, t, locale)
  if (!view) throw new Response('Not Found', { status: 404 })
  return view
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type ActionResult = { kind: 'form'; errors: Record<string, string>; values: FormValues; message: string | null } | { kind: 'verify'; verification: unknown } | { kind: 'refused'; message: string }

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
        return data<ActionResult>(
          {
            kind: 'refused',
            message: Object.values(result.errors)
              .map((key) => t(key))
              .join(' '),
          },
          { status: 400 },
        )
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

      {d.status ? <ProcessStatus status={d.status} verification={result?.kind === 'verify' ? result.verification : undefined} /> : null}

      {d.mode === 'new' && !method ? <MethodChooser /> : null}
      {values && method ? (
        <ProcessForm key={`${method}-${values.optionRows}-${values.projectRows}-${values.ruleRows}`} values={values} errors={formResult?.errors ?? {}} form={d.form} isNew={d.mode === 'new'} />
      ) : null}
    </section>
  )
}
