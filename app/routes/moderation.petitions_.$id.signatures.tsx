import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { getPetition } from '../modules/petitions/petitions.server'
import {
  checkCriteria,
  invalidateSignatures,
  previewInvalidation,
  reviewHeldSignatures,
  recentInvalidations,
  signatureOverview,
  type InvalidatableStatus,
  type InvalidationCriteria,
} from '../modules/petitions/signatures.server'

// The statuses bulk invalidation may take (the same as signatures.server's; a .server module's
// values do not reach the browser bundle).
const invalidatableStatuses = ['counted', 'pending', 'held'] as const

// Moderators' view of one petition's signatures: counts by status and reason, the held ones to
// count or invalidate, and the bulk invalidation tool (preview, then one write with a reason).

async function petitionOr404(id: string | undefined) {
  const petition = await getPetition(Number(id))
  if (!petition) throw new Response('Not found', { status: 404 })
  return petition
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'content:moderate')
  const petition = await petitionOr404(params.id)
  const [{ t, locale }, overview, invalidations] = await Promise.all([translatorFor(request), signatureOverview(petition.id), recentInvalidations(petition.id)])
  return { title: t('signatures:moderation.title', { title: petition.title }), locale, petition: { id: petition.id, title: petition.title }, overview, invalidations }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

const text = (form: FormData, name: string) => {
  const v = form.get(name)
  return typeof v === 'string' ? v.trim().slice(0, 1000) : ''
}
// A datetime-local value ("2026-11-22T10:00") is read as UTC, like every time Plaza stores.
const utc = (value: string) => (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value) ? `${value}${value.length === 16 ? ':00' : ''}Z` : value)

type CriteriaValues = { ip: string; domain: string; from: string; to: string; statuses: string[]; reason: string }

export async function action({ request, params }: ActionFunctionArgs) {
  const moderator = await requirePermission(request, 'content:moderate')
  const petition = await petitionOr404(params.id)
  const { t } = await translatorFor(request)
  const form = await readForm(request)
  const intent = text(form, 'intent')

  if (intent === 'accept' || intent === 'reject') {
    const ids = form
      .getAll('id')
      .map(Number)
      .filter((n) => Number.isSafeInteger(n) && n > 0)
    const reason = text(form, 'reviewReason')
    if (ids.length === 0) return data({ review: { error: t('signatures:moderation.errors.ids') } }, { status: 400 })
    if (intent === 'reject' && (reason.length < 3 || reason.length > 500)) return data({ review: { error: t('signatures:moderation.errors.reason') } }, { status: 400 })
    const n = await reviewHeldSignatures(moderator.id, petition.id, ids, intent === 'accept' ? 'accept' : 'invalidate', reason)
    return { review: { done: t('signatures:moderation.reviewed', { count: n }) } }
  }

  const values: CriteriaValues = {
    ip: text(form, 'ip'),
    domain: text(form, 'domain'),
    from: text(form, 'from'),
    to: text(form, 'to'),
    statuses: form.getAll('statuses').filter((s): s is string => typeof s === 'string' && (invalidatableStatuses as readonly string[]).includes(s)),
    reason: text(form, 'reason'),
  }
  const criteria: InvalidationCriteria = {
    ...(values.ip ? { ip: values.ip } : {}),
    ...(values.domain ? { domain: values.domain } : {}),
    ...(values.from ? { from: utc(values.from) } : {}),
    ...(values.to ? { to: utc(values.to) } : {}),
    ...(values.statuses.length ? { statuses: values.statuses as InvalidatableStatus[] } : {}),
  }
  const keys = checkCriteria(criteria)
  if (intent === 'invalidate' && (values.reason.length < 3 || values.reason.length > 500)) keys.reason = 'signatures:moderation.errors.reason'
  if (Object.keys(keys).length) {
    const errors = Object.fromEntries(Object.entries(keys).map(([field, key]) => [field, t(key)]))
    return data({ bulk: { errors, values } }, { status: 400 })
  }
  if (intent === 'invalidate') {
    const result = await invalidateSignatures(moderator.id, petition.id, criteria, values.reason)
    return { bulk: { values, done: t('signatures:moderation.done', { count: result.count }) } }
  }
  const preview = await previewInvalidation(petition.id, criteria)
  return { bulk: { values, preview: { ...preview, message: t('signatures:moderation.previewResult', { count: preview.count }) } } }
}

type ActionResult = {
  review?: { error?: string; done?: string }
  bulk?: {
    values: CriteriaValues
    errors?: Record<string, string>
    done?: string
    preview?: { count: number; message: string; sample: Array<{ id: number; name: string; email: string; ip: string | null; status: string; createdAt: string }> }
  }
}

export default function PetitionSignatures() {
  const page = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('signatures')
  const time = new Intl.DateTimeFormat(page.locale, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'UTC' })
  const bulk = result?.bulk
  const values = bulk?.values
  const statuses = ['pending', 'counted', 'held', 'blocked', 'invalidated'] as const
  return (
    <section className="page">
      <p>
        <Link to="/moderation/petitions">{t('moderation.back')}</Link> · <Link to="/moderation/petitions/lists">{t('moderation.listsLink')}</Link> ·{' '}
        <Link to={`/petitions/${page.petition.id}`}>{page.petition.title}</Link>
      </p>
      <h1>{t('moderation.title', { title: page.petition.title })}</h1>

      <h2>{t('moderation.byStatus')}</h2>
      <dl className="stats">
        {statuses.map((s) => (
          <div key={s}>
            <dt>{t(`moderation.statuses.${s}`)}</dt>
            <dd>{page.overview.byStatus[s]}</dd>
          </div>
        ))}
      </dl>
      <table>
        <caption>{t('moderation.byReason')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('moderation.status')}</th>
            <th scope="col">{t('moderation.reason')}</th>
            <th scope="col">{t('moderation.count')}</th>
          </tr>
        </thead>
        <tbody>
          {page.overview.byReason.map((r) => (
            <tr key={`${r.status}-${r.reason}`}>
              <td>{t(`moderation.statuses.${r.status}`)}</td>
              <td>
                <code>{r.reason}</code>
              </td>
              <td>{r.count}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t('moderation.held')}</h2>
      {result?.review?.error ? <FormMessage tone="error">{result.review.error}</FormMessage> : null}
      {result?.review?.done ? <FormMessage tone="success">{result.review.done}</FormMessage> : null}
      {page.overview.held.length === 0 ? (
        <p>{t('moderation.heldNone')}</p>
      ) : (
        <Form method="post">
          <p>{t('moderation.heldShown', { shown: page.overview.held.length, count: page.overview.heldTotal })}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('moderation.select')}</th>
                <th scope="col">{t('moderation.name')}</th>
                <th scope="col">{t('moderation.email')}</th>
                <th scope="col">{t('moderation.ip')}</th>
                <th scope="col">{t('moderation.reason')}</th>
                <th scope="col">{t('moderation.time')}</th>
              </tr>
            </thead>
            <tbody>
              {page.overview.held.map((h) => (
                <tr key={h.id}>
                  <td>
                    <input type="checkbox" name="id" value={h.id} id={`held-${h.id}`} aria-label={`${t('moderation.select')} ${h.name}`} />
                  </td>
                  <td>{h.name}</td>
                  <td>{h.email}</td>
                  <td>{h.ip ?? ''}</td>
                  <td>
                    <code>{h.reason}</code>
                  </td>
                  <td>{time.format(new Date(h.createdAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Field name="reviewReason" label={t('moderation.reviewReason')} />
          <button type="submit" name="intent" value="accept">
            {t('moderation.accept')}
          </button>{' '}
          <button type="submit" name="intent" value="reject" className="secondary">
            {t('moderation.reject')}
          </button>
        </Form>
      )}

      <h2>{t('moderation.bulk')}</h2>
      <p>{t('moderation.bulkIntro')}</p>
      {bulk?.errors?.form ? <FormMessage tone="error">{bulk.errors.form}</FormMessage> : null}
      {bulk?.done ? <FormMessage tone="success">{bulk.done}</FormMessage> : null}
      {bulk?.preview ? <FormMessage tone="info">{bulk.preview.message}</FormMessage> : null}
      <Form method="post" noValidate>
        <Field name="ip" label={t('moderation.ipField')} hint={t('moderation.ipHint')} defaultValue={values?.ip} error={bulk?.errors?.ip} />
        <Field name="domain" label={t('moderation.domainField')} hint={t('moderation.domainHint')} defaultValue={values?.domain} error={bulk?.errors?.domain} />
        <Field name="from" type="datetime-local" label={t('moderation.from')} hint={t('moderation.timeHint')} defaultValue={values?.from} error={bulk?.errors?.from} />
        <Field name="to" type="datetime-local" label={t('moderation.to')} hint={t('moderation.timeHint')} defaultValue={values?.to} error={bulk?.errors?.to} />
        <fieldset>
          <legend>{t('moderation.statusesField')}</legend>
          {invalidatableStatuses.map((s) => (
            <div className="field field--checkbox" key={s}>
              <input type="checkbox" id={`status-${s}`} name="statuses" value={s} defaultChecked={!values || values.statuses.length === 0 || values.statuses.includes(s)} />
              <label htmlFor={`status-${s}`}>{t(`moderation.statuses.${s}`)}</label>
            </div>
          ))}
        </fieldset>
        <Field name="reason" label={t('moderation.bulkReason')} defaultValue={values?.reason} error={bulk?.errors?.reason} />
        <button type="submit" name="intent" value="preview" className="secondary">
          {t('moderation.preview')}
        </button>{' '}
        <button type="submit" name="intent" value="invalidate">
          {t('moderation.invalidate')}
        </button>
      </Form>
      {bulk?.preview && bulk.preview.sample.length > 0 ? (
        <table>
          <caption>{t('moderation.sample')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('moderation.name')}</th>
              <th scope="col">{t('moderation.email')}</th>
              <th scope="col">{t('moderation.ip')}</th>
              <th scope="col">{t('moderation.status')}</th>
              <th scope="col">{t('moderation.time')}</th>
            </tr>
          </thead>
          <tbody>
            {bulk.preview.sample.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.email}</td>
                <td>{s.ip ?? ''}</td>
                <td>{t(`moderation.statuses.${s.status}`)}</td>
                <td>{time.format(new Date(s.createdAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <h2>{t('moderation.history')}</h2>
      {page.invalidations.length === 0 ? <p>{t('moderation.historyNone')}</p> : null}
      <ul>
        {page.invalidations.map((i) => (
          <li key={i.id}>
            {time.format(new Date(i.created_at))} · {t('moderation.done', { count: i.signatures })} · {i.reason} · <code>{i.criteria}</code>
          </li>
        ))}
      </ul>
    </section>
  )
}
