import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { requirePermission } from '../modules/accounts/auth.server'
import { processNow } from '../modules/processes/clock.server'
import { listProcesses } from '../modules/processes/processes.server'
import { createResultFrom } from '../modules/processes/results.server'
import styles from '../modules/processes/components/processes.css'

/**
 * /admin/processes — every participatory process (published or not) with its current phase, a
 * link to create one, and turning an answered proposal or a petition with a committed response
 * into a result to follow.
 */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  return { title: t('processes:admin.title'), processes: await listProcesses(locale, processNow(), { all: true }) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const kind = fields.sourceKind
  const id = Number(fields.sourceId)
  if ((kind !== 'proposal' && kind !== 'petition') || !/^\d{1,12}$/.test(fields.sourceId ?? '')) return data({ error: t('processes:errors.source'), values: fields }, { status: 400 })
  const r = await createResultFrom(staff, kind, id, processNow())
  if (r.kind === 'ok') return redirect(`/results/${r.id}`)
  if (r.kind === 'notEligible') return data({ error: t(kind === 'proposal' ? 'processes:errors.proposalNotAnswered' : 'processes:errors.petitionNoResponse'), values: fields }, { status: 409 })
  if (r.kind === 'notFound') return data({ error: t('processes:errors.source'), values: fields }, { status: 404 })
  throw new Response('Forbidden', { status: 403 })
}

export default function AdminProcesses() {
  const { processes } = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>()
  const { t } = useTranslation('processes')
  return (
    <section className="page">
      <h1>{t('admin.title')}</h1>
      <p>
        <Link to="/admin/processes/new">{t('admin.new')}</Link>
      </p>
      {processes.length === 0 ? (
        <p>{t('list.none')}</p>
      ) : (
        <div className="table-scroll">
          <table className="processes-table cards" data-testid="admin-processes">
            <thead>
              <tr>
                <th scope="col">{t('admin.process')}</th>
                <th scope="col">{t('admin.phase')}</th>
                <th scope="col">{t('admin.public')}</th>
              </tr>
            </thead>
            <tbody>
              {processes.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/admin/processes/${p.id}`}>{p.title}</Link>
                  </td>
                  <td data-label={t('admin.phase')}>{p.current?.title ?? (p.finished ? t('list.finished') : '—')}</td>
                  <td data-label={t('admin.public')}>
                    <Link to={`/processes/${p.slug}`}>{`/processes/${p.slug}`}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t('admin.resultFrom')}</h2>
      <p>{t('admin.resultFromIntro')}</p>
      {answer?.error ? <FormMessage tone="error">{answer.error}</FormMessage> : null}
      <Form method="post" className="stack">
        <Field name="sourceKind" label={t('admin.sourceKind')}>
          <select id="field-sourceKind" name="sourceKind" defaultValue={answer?.values.sourceKind ?? 'proposal'}>
            <option value="proposal">{t('sources.proposal')}</option>
            <option value="petition">{t('sources.petition')}</option>
          </select>
        </Field>
        <Field name="sourceId" label={t('admin.sourceId')} defaultValue={answer?.values.sourceId} inputMode="numeric" error={answer?.error} />
        <div className="actions">
          <button type="submit">{t('admin.createResult')}</button>
        </div>
      </Form>
    </section>
  )
}
