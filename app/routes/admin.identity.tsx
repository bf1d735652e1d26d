import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { readLocalizedField } from '../lib/localized'
import { supportedLocales } from '../lib/i18n'
import type { FieldErrors } from '../lib/forms'
import { Field, FormMessage, fieldIds } from '../components/forms'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { saveIdentity, siteIdentity } from '../modules/city/identity.server'
import { prepareAsset, MAX_ASSET_BYTES } from '../modules/city/assets.server'
import { identitySchema, readLanguages } from '../modules/city/schema'
import { DEFAULT_PRIMARY, legalPages, normaliseLanguages, primaryColourProblem } from '../modules/city/policy'
import { cityErrors } from '../modules/city/form.server'
import { LanguageChoice, LocalizedFields } from '../modules/city/components/LocalizedFields'

/**
 * /admin/identity: the site's and city's names, logo, favicon, primary colour (refused below WCAG
 * AA contrast), contact address, languages and the home introduction; links to the legal pages.
 */

function formValues(identity: Awaited<ReturnType<typeof siteIdentity>>): Record<string, string> {
  const out: Record<string, string> = {
    primaryColour: identity.primaryColour ?? '',
    contactEmail: identity.contactEmail ?? '',
    defaultLocale: identity.defaultLocale,
  }
  for (const l of supportedLocales) {
    out[`siteName_${l}`] = identity.siteName[l] ?? ''
    out[`cityName_${l}`] = identity.cityName[l] ?? ''
    out[`homeIntro_${l}`] = identity.homeIntro[l] ?? ''
    if (identity.languages.includes(l)) out[`language_${l}`] = 'on'
  }
  return out
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const identity = await siteIdentity()
  return {
    title: t('city:identity.title'),
    values: formValues(identity),
    logo: identity.logo ? `/site/logo?v=${identity.logo.etag.replace(/"/g, '')}` : null,
    favicon: identity.favicon ? `/site/favicon?v=${identity.favicon.etag.replace(/"/g, '')}` : null,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const form = await readForm(request)
  const fields = formFields(form)
  const parsed = identitySchema.safeParse(fields)
  const errors: FieldErrors = parsed.success ? {} : cityErrors(parsed.error, t)
  const colour = fields.primaryColour?.trim() ?? ''
  if (parsed.success && colour) {
    const problem = primaryColourProblem(colour)
    if (problem?.kind === 'contrast') errors.primaryColour = [t('city:errors.colourContrast', { ratio: problem.ratio.toFixed(2), needed: '4.5' })]
  }
  const languages = normaliseLanguages(readLanguages(fields), fields.defaultLocale ?? '')
  if (!languages) errors.languages = [t('city:errors.languages')]
  const names = {
    siteName: readLocalizedField(fields, 'siteName'),
    cityName: readLocalizedField(fields, 'cityName'),
    homeIntro: readLocalizedField(fields, 'homeIntro'),
  }
  for (const [name, max] of [
    ['siteName', 80],
    ['cityName', 120],
    ['homeIntro', 5000],
  ] as const) {
    for (const [l, text] of Object.entries(names[name])) if (text.length > max) errors[`${name}_${l}`] = [t('city:errors.tooLong', { max })]
  }
  if (languages && !names.cityName[languages.defaultLocale])
    errors[`cityName_${languages.defaultLocale}`] = [t('city:errors.cityNameDefault', { language: t(`common:language.${languages.defaultLocale}`) })]
  const assets: Parameters<typeof saveIdentity>[2] = {}
  for (const kind of ['logo', 'favicon'] as const) {
    const file = form.get(kind)
    if (fields[kind === 'logo' ? 'removeLogo' : 'removeFavicon'] === 'on') assets[kind] = 'remove'
    else if (file instanceof File && file.size > 0) {
      const prepared = file.size > MAX_ASSET_BYTES ? ({ ok: false, problem: 'tooLarge' } as const) : await prepareAsset(kind, Buffer.from(await file.arrayBuffer()))
      if (prepared.ok) assets[kind] = prepared
      else errors[kind] = [t(`city:errors.asset.${prepared.problem}`, { max: '1 MB' })]
    }
  }
  if (!parsed.success || !languages || Object.keys(errors).length) return fail(400, { ...errors, form: [t('city:errors.fixBelow')] }, fields)
  await saveIdentity(
    admin.id,
    {
      ...names,
      primaryColour: colour ? colour.toLowerCase() : null,
      contactEmail: parsed.data.contactEmail || null,
      languages: languages.languages,
      defaultLocale: languages.defaultLocale,
    },
    assets,
  )
  return { done: true as const }
}

export default function AdminIdentity() {
  const { values, logo, favicon } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as (FormFailure & { done?: undefined }) | { done: true; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('city')
  const e = result?.errors ?? {}
  const v = result?.values ?? values
  const enabled = supportedLocales.filter((l) => v[`language_${l}`] === 'on')
  const languages = enabled.length ? enabled : supportedLocales
  const file = (name: 'logo' | 'favicon', current: string | null) => {
    const { id, described } = fieldIds(name, { hint: t(`hints.${name}`), error: e[name]?.[0] })
    const remove = name === 'logo' ? 'removeLogo' : 'removeFavicon'
    return (
      <>
        {current ? (
          <p>
            <img src={current} alt={t(`identity.current.${name}`)} className={`identity-preview identity-preview--${name}`} />
          </p>
        ) : null}
        <Field name={name} label={t(`fields.${name}`)} hint={t(`hints.${name}`)} error={e[name]?.[0]}>
          <input id={id} name={name} type="file" accept="image/svg+xml,image/png,image/jpeg,image/webp,image/gif" aria-describedby={described} aria-invalid={e[name] ? true : undefined} />
        </Field>
        {current ? (
          <label className="choice">
            <input type="checkbox" name={remove} defaultChecked={v[remove] === 'on'} />
            {t(`identity.remove.${name}`)}
          </label>
        ) : null}
      </>
    )
  }
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin">{t('accounts:hub.back')}</Link>
      </p>
      <h1>{t('identity.title')}</h1>
      <p>{t('identity.intro')}</p>
      {result?.done ? <FormMessage tone="success">{t('identity.saved')}</FormMessage> : null}
      {e.form ? <FormMessage tone="error">{e.form[0]}</FormMessage> : null}
      <Form method="post" encType="multipart/form-data" noValidate className="stack" reloadDocument>
        <LocalizedFields name="siteName" label={t('fields.siteName')} hint={t('hints.siteName')} values={v} errors={e} languages={supportedLocales} />
        <LocalizedFields name="cityName" label={t('fields.cityName')} values={v} errors={e} languages={supportedLocales} />
        <Field name="primaryColour" label={t('fields.primaryColour')} hint={t('hints.primaryColour', { example: DEFAULT_PRIMARY })} defaultValue={v.primaryColour} error={e.primaryColour?.[0]} />
        {file('logo', logo)}
        {file('favicon', favicon)}
        <Field name="contactEmail" type="email" label={t('fields.contactEmail')} hint={t('hints.contactEmail')} defaultValue={v.contactEmail} error={e.contactEmail?.[0]} />
        <LanguageChoice enabled={enabled} defaultLocale={v.defaultLocale ?? 'en'} error={e.languages?.[0]} />
        <LocalizedFields name="homeIntro" label={t('fields.homeIntro')} hint={t('hints.homeIntro')} values={v} errors={e} languages={languages} multiline />
        <button type="submit">{t('identity.submit')}</button>
      </Form>
      <h2>{t('pages.heading')}</h2>
      <ul className="link-list">
        {legalPages.map((slug) => (
          <li key={slug}>
            <Link to={`/admin/pages/${slug}`}>{t(`pages.names.${slug}`)}</Link>
          </li>
        ))}
      </ul>
    </section>
  )
}
