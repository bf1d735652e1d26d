import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import votesStyles from '../modules/voting/components/votes.css'
import { requireUser } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { Field, FormMessage } from '../components/forms'
import { delegate, delegationScopeOptions, delegationsOf, revokeDelegation } from '../modules/voting/voting.server'
import { scopeLabel } from '../modules/voting/components/messages'

/**
 * /account/delegations — whom the person hands their vote to, on which scope (everything, an
 * area, a category of proposals), who hands theirs to them; add and revoke, without JavaScript.
 * A direct ballot always overrides a delegation.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: votesStyles }]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const [mine, options] = await Promise.all([delegationsOf(user), delegationScopeOptions(locale)])
  const names = { areas: Object.fromEntries(Object.entries(options.areaNames).map(([k, v]) => [k, v])), categories: Object.fromEntries(options.categories.map((c) => [c.code, c.name])) }
  const translate = (key: string, values?: Record<string, unknown>) => t(key, values ?? {}) as string
  const date = formatters(locale).date
  const entry = (d: (typeof mine.given)[number]) => ({ id: d.id, name: d.personName, scope: scopeLabel(translate, d.scope, names), since: date.format(new Date(d.createdAt)) })
  return {
    title: t('votes:delegations.title'),
    given: mine.given.map(entry),
    received: mine.received.map(entry),
    districts: options.districts,
    categories: options.categories,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Failure = { errors: { to?: string; scope?: string; form?: string }; values: { to: string; scope: string } }

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'revoke') {
    const id = Number(fields.id)
    if (!/^\d{1,12}$/.test(fields.id ?? '')) return data<Failure>({ errors: { form: t('votes:delegations.errors.notFound') }, values: { to: '', scope: 'all' } }, { status: 400 })
    const result = await revokeDelegation(user, id)
    if (result.kind === 'notFound') return data<Failure>({ errors: { form: t('votes:delegations.errors.notFound') }, values: { to: '', scope: 'all' } }, { status: 404 })
    return redirect('/account/delegations?done=revoked')
  }
  const to = (fields.to ?? '').trim().slice(0, 254)
  const scope = (fields.scope ?? '').slice(0, 80)
  const values = { to, scope }
  const fail = (status: number, errors: Failure['errors']) => data<Failure>({ errors, values }, { status })
  if (fields.intent !== 'add') return fail(400, { form: t('votes:delegations.errors.unknown') })
  if (!to) return fail(400, { to: t('votes:delegations.errors.toRequired') })
  const result = await delegate(user, { to, scope })
  if (result.kind === 'badScope') return fail(400, { scope: t('votes:delegations.errors.scope') })
  if (result.kind === 'unknownUser') return fail(400, { to: t('votes:delegations.errors.unknownUser') })
  if (result.kind === 'self') return fail(400, { to: t('votes:delegations.errors.self') })
  if (result.kind === 'cycle') return fail(409, { to: t('votes:delegations.errors.cycle') })
  return redirect(`/account/delegations?done=${result.replaced ? 'replaced' : 'added'}`)
}

export default function Delegations() {
  const { title, given, received, districts, categories } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>() as Failure | undefined
  const [search] = useSearchParams()
  const { t } = useTranslation('votes')
  const done = search.get('done')
  return (
    <section className="page narrow">
      <p>
        <Link to="/account">{t('delegations.back')}</Link> · <Link to="/votes">{t('delegations.votes')}</Link>
      </p>
      <h1>{title}</h1>
      <p>{t('delegations.intro')}</p>
      {done === 'added' ? <FormMessage tone="success">{t('delegations.done.added')}</FormMessage> : null}
      {done === 'replaced' ? <FormMessage tone="success">{t('delegations.done.replaced')}</FormMessage> : null}
      {done === 'revoked' ? <FormMessage tone="success">{t('delegations.done.revoked')}</FormMessage> : null}
      {failure?.errors.form ? <FormMessage tone="error">{failure.errors.form}</FormMessage> : null}

      <h2>{t('delegations.given')}</h2>
      {given.length === 0 ? (
        <p>{t('delegations.noneGiven')}</p>
      ) : (
        <ul className="delegation-list">
          {given.map((g) => (
            <li key={g.id}>
              <span>{t('delegations.givenItem', { name: g.name, scope: g.scope, date: g.since })}</span>
              <Form method="post">
                <input type="hidden" name="intent" value="revoke" />
                <input type="hidden" name="id" value={g.id} />
                <button type="submit" className="secondary" aria-label={t('delegations.revokeLabel', { name: g.name, scope: g.scope })}>
                  {t('delegations.revoke')}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}

      <h2>{t('delegations.add')}</h2>
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="add" />
        <Field name="to" label={t('delegations.to')} hint={t('delegations.toHint')} error={failure?.errors.to} defaultValue={failure?.values.to} autoComplete="off" />
        <div className={`field${failure?.errors.scope ? ' field--error' : ''}`}>
          <label htmlFor="field-scope">{t('delegations.scope')}</label>
          <p className="field__hint" id="field-scope-hint">
            {t('delegations.scopeHint')}
          </p>
          {failure?.errors.scope ? (
            <p className="field-error" id="field-scope-error">
              {failure.errors.scope}
            </p>
          ) : null}
          <select
            id="field-scope"
            name="scope"
            defaultValue={failure?.values.scope ?? 'all'}
            aria-invalid={failure?.errors.scope ? true : undefined}
            aria-describedby={failure?.errors.scope ? 'field-scope-hint field-scope-error' : 'field-scope-hint'}
          >
            <option value="all">{t('delegations.everything')}</option>
            {districts.map((d) => (
              <optgroup key={d.id} label={t('delegations.areaGroup', { district: d.name })}>
                <option value={`area:${d.id}`}>{t('delegations.wholeDistrict', { district: d.name })}</option>
                {d.neighbourhoods.map((n) => (
                  <option key={n.id} value={`area:${n.id}`}>
                    {n.name}
                  </option>
                ))}
              </optgroup>
            ))}
            {categories.length ? (
              <optgroup label={t('delegations.categoryGroup')}>
                {categories.map((c) => (
                  <option key={c.code} value={`category:${c.code}`}>
                    {c.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </div>
        <p className="field__hint">{t('delegations.rules')}</p>
        <button type="submit">{t('delegations.submit')}</button>
      </Form>

      <h2>{t('delegations.received')}</h2>
      {received.length === 0 ? (
        <p>{t('delegations.noneReceived')}</p>
      ) : (
        <ul className="delegation-list">
          {received.map((r) => (
            <li key={r.id}>{t('delegations.receivedItem', { name: r.name, scope: r.scope, date: r.since })}</li>
          ))}
        </ul>
      )}
    </section>
  )
}
