import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { readLocalizedField } from '../lib/localized'
import { supportedLocales } from '../lib/i18n'
import type { FieldErrors } from '../lib/forms'
import { FormMessage } from '../components/forms'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { saveSitePage, siteIdentity, sitePages } from '../modules/city/identity.server'
import { isLegalPage } from '../modules/city/policy'
import { LocalizedFields } from '../modules/city/components/LocalizedFields'

/** /admin/pages/:slug — a legal page's title and Markdown text, per language. */

function slugOf(value: string | undefined) {
  if (!isLegalPage(value)) throw new Response('Not Found', { status: 404 })
  return value
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const slug = slugOf(params.slug)
  const { t } = await translatorFor(request)
  const [pages, identity] = await Promise.all([sitePages(), siteIdentity()])
  const page = pages.find((p) => p.slug === slug)!
  const values: Record<string, string> = {}
  for (const l of supportedLocales) {
    values[`title_${l}`] = page.title[l] ?? ''
    values[`body_${l}`] = page.body[l] ?? ''
  }
  return { title: t(`city:pages.names.${slug}`), slug, values, languages: identity.languages }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const slug = slugOf(params.slug)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const title = readLocalizedField(fields, 'title')
  const body = readLocalizedField(fields, 'body')
  const errors: FieldErrors = {}
  for (const [l, text] of Object.entries(title)) if (text.length > 120) errors[`title_${l}`] = [t('city:errors.tooLong', { max: 120 })]
  for (const [l, text] of Object.entries(body)) if (text.length > 50_000) errors[`body_${l}`] = [t('city:errors.tooLong', { max: 50_000 })]
  if (Object.keys(errors).length) return fail(400, { ...errors, form: [t('city:errors.fixBelow')] }, fields)
  await saveSitePage(admin.id, slug, { title, body })
  return { done: true as const }
}

export default function AdminPage() {
  const { slug, values, languages } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { done?: undefined }) | { done: true; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('city')
  const v = result?.values ?? values
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/identity">{t('pages.back')}</Link>
      </p>
      <h1>{t(`pages.names.${slug}`)}</h1>
      <p>
        {t('pages.intro')} <a href={`/pages/${slug}`}>{t('pages.view')}</a>
      </p>
      {result?.done ? <FormMessage tone="success">{t('pages.saved')}</FormMessage> : null}
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form[0]}</FormMessage> : null}
      <Form method="post" noValidate className="stack">
        <LocalizedFields name="title" label={t('fields.pageTitle')} values={v} errors={result?.errors} languages={languages} />
        <LocalizedFields name="body" label={t('fields.pageBody')} hint={t('hints.markdown')} values={v} errors={result?.errors} languages={languages} multiline rows={14} />
        <button type="submit">{t('pages.submit')}</button>
      </Form>
    </section>
  )
}
