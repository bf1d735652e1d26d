import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import petitionStyles from '../components/petitions/petitions.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { moderationPetitions, publishPetition, rejectPetition } from '../modules/petitions/petitions.server'
import { isRejectionReason, REJECTION_DETAILS_MAX, rejectionReasons } from '../modules/petitions/states'

/**
 * /moderation/petitions — moderators (permission 'content:moderate' to act): the queue of petitions
 * whose sponsors are in, oldest first, to publish (open for PETITION_MONTHS months) or reject with a
 * standard reason and optional words the creator sees on the page and by e-mail; and the open
 * petitions with links to the signature tools (held signatures, bulk invalidation, allow/block lists).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: petitionStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'moderation:access')
  const [{ t, locale }, lists] = await Promise.all([translatorFor(request), moderationPetitions()])
  return { title: t('petitions:moderation.title'), locale, ...lists }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'moderation:access')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const id = /^\d{1,12}$/.test(fields.id ?? '') ? Number(fields.id) : 0
  const values = { id, reason: (fields.reason ?? '').slice(0, 60), details: (fields.details ?? '').slice(0, REJECTION_DETAILS_MAX + 500) }
  const fail = (status: number, field: string, message: string) => data({ id, values, errors: { [field]: message } as Record<string, string> }, { status })
  let result
  if (fields.intent === 'publish') result = await publishPetition(user, id)
  else if (fields.intent === 'reject') {
    if (!isRejectionReason(values.reason)) return fail(400, 'reason', t('petitions:errors.reasonRequired'))
    result = await rejectPetition(user, id, values.reason, values.details)
  } else return fail(400, 'form', t('petitions:errors.badRequest'))
  switch (result.kind) {
    case 'ok':
      return redirect(`/moderation/petitions?done=${fields.intent === 'publish' ? 'published' : 'rejected'}`)
    case 'forbidden':
      return fail(403, 'form', t('petitions:errors.mayNotModerate'))
    case 'notFound':
      return fail(404, 'form', t('petitions:errors.notFound'))
    case 'badState':
      return fail(409, 'form', t('petitions:errors.notPending'))
    case 'invalid':
      return fail(400, 'details', t('petitions:errors.detailsTooLong', { max: REJECTION_DETAILS_MAX }))
  }
}

export default function ModerationPetitions() {
  const { title, pending, open, locale } = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const [search] = useSearchParams()
  const { t } = useTranslation('petitions')
  const f = formatters(locale)
  const done = search.get('done')
  return (
    <div className="page">
      <p>
        <Link to="/moderation">{t('moderation.back')}</Link>
      </p>
      <h1>{title}</h1>
      {done === 'published' || done === 'rejected' ? <FormMessage tone="success">{t(`moderation.done.${done}`)}</FormMessage> : null}
      {acted?.errors.form ? <FormMessage tone="error">{acted.errors.form}</FormMessage> : null}
      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">{t('moderation.pending', { count: pending.length })}</h2>
        {pending.length === 0 ? <p>{t('moderation.none')}</p> : null}
        <ul className="petition-queue" data-testid="petition-queue">
          {pending.map((p) => {
            const mine = acted && acted.id === p.id ? acted : null
            return (
              <li key={p.id}>
                <h3>
                  <Link to={`/petitions/${p.id}`}>{p.title}</Link>
                </h3>
                <p>{p.action}</p>
                {p.backgroundHtml ? (
                  <details>
                    <summary>{t('page.background')}</summary>
                    <div className="markdown" dangerouslySetInnerHTML={{ __html: p.backgroundHtml }} />
                  </details>
                ) : null}
                <p className="petition-card__meta">
                  {t('page.by', { name: p.authorName ?? t('deletedUser') })} · {t('moderation.sponsors', { count: p.sponsors })}
                  {p.submittedAt ? (
                    <>
                      {' · '}
                      <time dateTime={p.submittedAt}>{f.dateTime.format(new Date(p.submittedAt))}</time>
                    </>
                  ) : null}
                </p>
                <div className="button-row">
                  <Form method="post">
                    <input type="hidden" name="id" value={p.id} />
                    <button type="submit" name="intent" value="publish">
                      {t('moderation.publish')}
                    </button>
                  </Form>
                </div>
                <Form method="post" className="stack">
                  <input type="hidden" name="id" value={p.id} />
                  <div className={`field${mine?.errors.reason ? ' field--error' : ''}`}>
                    <label htmlFor={`reason-${p.id}`}>{t('moderation.reason')}</label>
                    {mine?.errors.reason ? (
                      <p className="field-error" id={`reason-${p.id}-error`}>
                        {mine.errors.reason}
                      </p>
                    ) : null}
                    <select
                      id={`reason-${p.id}`}
                      name="reason"
                      defaultValue={mine?.values.reason ?? ''}
                      aria-invalid={mine?.errors.reason ? true : undefined}
                      aria-describedby={mine?.errors.reason ? `reason-${p.id}-error` : undefined}
                    >
                      <option value="">{t('form.choose')}</option>
                      {rejectionReasons.map((r) => (
                        <option key={r} value={r}>
                          {t(`reasons.${r}`)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div className={`field${mine?.errors.details ? ' field--error' : ''}`}>
                    <label htmlFor={`details-${p.id}`}>{t('moderation.details')}</label>
                    {mine?.errors.details ? (
                      <p className="field-error" id={`details-${p.id}-error`}>
                        {mine.errors.details}
                      </p>
                    ) : null}
                    <textarea
                      id={`details-${p.id}`}
                      name="details"
                      rows={3}
                      defaultValue={mine?.values.details ?? ''}
                      aria-invalid={mine?.errors.details ? true : undefined}
                      aria-describedby={mine?.errors.details ? `details-${p.id}-error` : undefined}
                    />
                  </div>
                  <button type="submit" name="intent" value="reject" className="danger">
                    {t('moderation.reject')}
                  </button>
                </Form>
              </li>
            )
          })}
        </ul>
      </section>
      <section aria-labelledby="open-heading">
        <h2 id="open-heading">{t('moderation.open')}</h2>
        <p>
          <Link to="/moderation/petitions/lists">{t('moderation.lists')}</Link>
        </p>
        {open.length === 0 ? (
          <p>{t('moderation.noneOpen')}</p>
        ) : (
          <table className="data-table cards" aria-label={t('moderation.open')}>
            <thead>
              <tr>
                <th scope="col">{t('moderation.petition')}</th>
                <th scope="col">{t('map.signatures')}</th>
                <th scope="col">{t('moderation.unconfirmed')}</th>
                <th scope="col">{t('moderation.held')}</th>
                <th scope="col">{t('moderation.tools')}</th>
              </tr>
            </thead>
            <tbody>
              {open.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/petitions/${p.id}`}>{p.title}</Link>
                  </td>
                  <td data-label={t('map.signatures')}>{f.integer.format(p.signatures)}</td>
                  <td data-label={t('moderation.unconfirmed')}>{f.integer.format(p.pending)}</td>
                  <td data-label={t('moderation.held')}>{f.integer.format(p.held)}</td>
                  <td data-label={t('moderation.tools')}>
                    <Link to={`/moderation/petitions/${p.id}/signatures`}>{t('moderation.signatures')}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
