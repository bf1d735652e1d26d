import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { getUser, requestMeta } from '../modules/accounts/auth.server'
import { safeRedirectPath } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { isHoneypotFilled } from '../lib/honeypot'
import { translatorFor } from '../lib/i18n.server'
import { FollowForm } from '../components/FollowForm'
import { isFollowKind, isFollowMode, type FollowKind, type FollowMode } from '../modules/notifications/follow'
import { follow, followTarget, MAX_FOLLOWS_PER_EMAIL } from '../modules/notifications/follow.server'

/**
 * /follow — where every FollowForm posts. Success goes back to the followed page with
 * ?followed=pending|active#follow; errors are shown here, next to the fields, with what was typed.
 * GET /follow?kind=…&id=… shows the same form on its own (for links from mail or elsewhere).
 */

type Values = { targetKind: FollowKind; targetId: number; back: string; email: string; mode: FollowMode }

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const params = new URL(request.url).searchParams
  const kind = params.get('kind')
  const id = Number(params.get('id'))
  const target = isFollowKind(kind) && Number.isSafeInteger(id) ? await followTarget(kind, id) : null
  // Without a target (also when the page is shown again after a refused post) the form is not shown.
  if (!target)
    return data({ title: t('notifications:page.title'), target: null, values: null, error: t('notifications:errors.notFound') }, { status: params.has('kind') || params.has('id') ? 404 : 200 })
  const user = await getUser(request)
  return {
    title: t('notifications:page.title'),
    target: { title: target.title, url: target.url },
    values: { targetKind: target.kind, targetId: target.id, back: target.url, email: user?.email ?? '', mode: 'immediate' } as Values,
    error: null,
  }
}

// A refusal's Retry-After reaches the browser (Remix keeps only the headers a route passes on).
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const retry = actionHeaders.get('Retry-After') ?? loaderHeaders.get('Retry-After')
  return retry ? { 'Retry-After': retry } : new Headers()
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }, { name: 'robots', content: 'noindex' }]

export async function action({ request }: ActionFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const form = await readForm(request)
  const f = formFields(form)
  const kind = isFollowKind(f.targetKind) ? f.targetKind : null
  const id = /^\d{1,12}$/.test(f.targetId ?? '') ? Number(f.targetId) : NaN
  const target = kind && Number.isSafeInteger(id) ? await followTarget(kind, id) : null
  const values: Values = {
    targetKind: kind ?? 'report',
    targetId: Number.isSafeInteger(id) ? id : 0,
    back: safeRedirectPath(f.back, target?.url ?? '/'),
    email: (f.email ?? '').slice(0, 254),
    mode: isFollowMode(f.mode) ? f.mode : 'immediate',
  }
  const page = target ? { title: target.title, url: target.url } : null
  const fail = (status: number, errors: Record<string, string>, headers?: HeadersInit) => data({ errors, values, target: page }, { status, headers })
  if (!target) return fail(404, { form: t('notifications:errors.notFound') })
  if (isHoneypotFilled(form)) return fail(400, { form: t('notifications:errors.spam') })
  const user = await getUser(request)
  const result = await follow({ email: f.email ?? '', user, targetKind: target.kind, targetId: target.id, mode: f.mode ?? '', locale, ip: requestMeta(request).ip })
  switch (result.kind) {
    case 'notFound':
      return fail(404, { form: t('notifications:errors.notFound') })
    case 'invalid': {
      const errors: Record<string, string> = {}
      for (const [field, keys] of Object.entries(result.errors)) if (keys?.[0]) errors[field] = t(keys[0])
      return fail(400, errors)
    }
    case 'tooMany':
      return fail(409, { form: t('notifications:errors.tooMany', { max: MAX_FOLLOWS_PER_EMAIL }) })
    case 'rateLimited':
      return fail(429, { form: t('notifications:errors.rateLimited', { minutes: Math.ceil(result.retryAfterSeconds / 60) }) }, { 'Retry-After': String(result.retryAfterSeconds) })
    case 'pending':
    case 'active': {
      const back = new URL(values.back, 'http://plaza.invalid')
      back.searchParams.set('followed', result.kind)
      return redirect(`${back.pathname}${back.search}#follow`)
    }
  }
}

export default function FollowPage() {
  const loaded = useLoaderData<typeof loader>()
  const sent = useActionData<typeof action>()
  const { t } = useTranslation('notifications')
  const values = sent?.values ?? loaded.values
  const target = sent ? sent.target : loaded.target
  const errors = (sent?.errors ?? (loaded.error ? { form: loaded.error } : {})) as Record<string, string>
  return (
    <section className="page narrow">
      <h1>{t('page.title')}</h1>
      {sent && Object.keys(errors).some((k) => k !== 'form') ? (
        <p className="notice notice--error" role="alert">
          {t('page.fix')}
        </p>
      ) : null}
      {target && values ? (
        <>
          <FollowForm targetKind={values.targetKind} targetId={values.targetId} back={values.back} email={values.email} mode={values.mode} errors={errors} showNotice={false} />
          <p>
            <Link to={target.url}>{t('page.back', { title: target.title })}</Link>
          </p>
        </>
      ) : (
        <p className="notice notice--error" role="alert">
          {errors.form}
        </p>
      )}
    </section>
  )
}
