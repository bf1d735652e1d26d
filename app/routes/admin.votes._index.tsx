import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import chartStyles from '../components/charts/charts.css'
import { FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { formatters } from '../lib/format'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { listProcesses, proposalsWaitingForVote, setThresholdBehaviour, thresholdBehaviour } from '../modules/voting/processes.server'

/**
 * /admin/votes — every voting process with its state, dates and ballots; the proposals that reached
 * their threshold and wait for a vote ("Create the vote" opens the form filled from the proposal);
 * and whether such a vote is created automatically (settings key voting.onThreshold).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: chartStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const [processes, waiting, onThreshold] = await Promise.all([listProcesses(), proposalsWaitingForVote(), thresholdBehaviour()])
  const f = formatters(locale)
  const utc = (iso: string | null) => (iso ? `${f.dateTime.format(new Date(iso))} UTC` : '–')
  return {
    title: t('votesAdmin:title'),
    processes: processes.map((p) => ({ ...p, opensText: utc(p.opensAt), closesText: utc(p.closesAt), ballotsText: f.integer.format(p.ballots) })),
    waiting: waiting.map((w) => ({ id: w.id, title: w.title, supports: f.integer.format(w.supports), reachedText: utc(w.threshold_reached_at) })),
    onThreshold,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent !== 'onThreshold') return data({ saved: false, error: t('votesAdmin:errors.unknownAction') }, { status: 400 })
  const result = await setThresholdBehaviour(admin, fields.onThreshold ?? '')
  if (result.kind === 'forbidden') throw new Response('Forbidden', { status: 403 })
  if (result.kind !== 'ok') return data({ saved: false, error: t('votesAdmin:errors.onThreshold') }, { status: 400 })
  return data({ saved: true, error: null })
}

export default function AdminVotes() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('votesAdmin')
  return (
    <section className="page">
      <p>
        <Link to="/admin">{t('back')}</Link>
      </p>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <p>
        <Link to="/admin/votes/new" className="pill">
          {t('newProcess')}
        </Link>
      </p>

      <h2 id="processes-heading">{t('list.heading')}</h2>
      {d.processes.length === 0 ? (
        <p>{t('list.empty')}</p>
      ) : (
        <table className="data-table cards" aria-labelledby="processes-heading">
          <thead>
            <tr>
              <th scope="col">{t('list.process')}</th>
              <th scope="col">{t('list.method')}</th>
              <th scope="col">{t('list.state')}</th>
              <th scope="col">{t('list.opens')}</th>
              <th scope="col">{t('list.closes')}</th>
              <th scope="col">{t('list.ballots')}</th>
            </tr>
          </thead>
          <tbody>
            {d.processes.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/admin/votes/${p.id}`}>{p.title}</Link>
                  {p.proposalId ? <span className="badge badge--flag">{t('list.onProposal')}</span> : null}
                </td>
                <td data-label={t('list.method')}>{t(`voting:method.${p.method}`)}</td>
                <td data-label={t('list.state')}>{t(`state.${p.state}`)}</td>
                <td data-label={t('list.opens')}>{p.opensText}</td>
                <td data-label={t('list.closes')}>{p.closesText}</td>
                <td data-label={t('list.ballots')}>{p.ballotsText}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 id="waiting-heading">{t('waiting.heading')}</h2>
      <p>{t('waiting.intro')}</p>
      {d.waiting.length === 0 ? (
        <p>{t('waiting.none')}</p>
      ) : (
        <table className="data-table cards" aria-labelledby="waiting-heading">
          <thead>
            <tr>
              <th scope="col">{t('waiting.proposal')}</th>
              <th scope="col">{t('waiting.supports')}</th>
              <th scope="col">{t('waiting.reached')}</th>
              <th scope="col">{t('waiting.action')}</th>
            </tr>
          </thead>
          <tbody>
            {d.waiting.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/proposals/${w.id}`}>{w.title}</Link>
                </td>
                <td data-label={t('waiting.supports')}>{w.supports}</td>
                <td data-label={t('waiting.reached')}>{w.reachedText}</td>
                <td data-label={t('waiting.action')}>
                  <Form method="get" action="/admin/votes/new">
                    <input type="hidden" name="proposal" value={w.id} />
                    <button type="submit" aria-label={t('waiting.createFor', { title: w.title })}>
                      {t('waiting.create')}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('onThreshold.heading')}</h2>
      {result?.saved ? <FormMessage tone="success">{t('onThreshold.saved')}</FormMessage> : null}
      {result?.error ? <FormMessage tone="error">{result.error}</FormMessage> : null}
      <Form method="post" className="stack narrow">
        <input type="hidden" name="intent" value="onThreshold" />
        <fieldset>
          <legend>{t('onThreshold.legend')}</legend>
          <label className="choice">
            <input type="radio" name="onThreshold" value="manual" defaultChecked={d.onThreshold === 'manual'} aria-describedby="on-threshold-manual" /> {t('onThreshold.manual')}
          </label>
          <p className="field__hint" id="on-threshold-manual">
            {t('onThreshold.manualHint')}
          </p>
          <label className="choice">
            <input type="radio" name="onThreshold" value="auto" defaultChecked={d.onThreshold === 'auto'} aria-describedby="on-threshold-auto" /> {t('onThreshold.auto')}
          </label>
          <p className="field__hint" id="on-threshold-auto">
            {t('onThreshold.autoHint', { days: 14 })}
          </p>
        </fieldset>
        <button type="submit">{t('onThreshold.save')}</button>
      </Form>
    </section>
  )
}
