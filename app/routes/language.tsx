import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { languagePolicy, localeCookie, translatorFor } from '../lib/i18n.server'
import { supportedLocales } from '../lib/i18n'
import { safeRedirectPath, translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

const languageSchema = z.object({
  locale: z.enum(supportedLocales, { message: 'common:language.invalid' }),
  redirectTo: z.string().max(2000, 'common:language.invalid').optional(),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const [{ t, locale }, policy] = await Promise.all([translatorFor(request), languagePolicy()])
  return { title: t('language.title'), locale, languages: [...policy.enabled] }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const form = formFields(await readForm(request))
  const parsed = languageSchema.safeParse(form)
  // Only the languages this site offers (its setup may turn some off).
  if (parsed.success && !(await languagePolicy()).enabled.includes(parsed.data.locale)) {
    const { t } = await translatorFor(request)
    return data(
      {
        errors: { locale: [t('common:language.invalid')] } as FieldErrors,
        submitted: parsed.data.locale,
      },
      { status: 400 },
    )
  }
  if (!parsed.success) {
    const { t } = await translatorFor(request)
    const errors: FieldErrors = translatedErrors(parsed.error, t)
    return data({ errors, submitted: typeof form.locale === 'string' ? form.locale : '' }, { status: 400 })
  }
  return redirect(safeRedirectPath(parsed.data.redirectTo, '/'), {
    headers: { 'Set-Cookie': await localeCookie.serialize(parsed.data.locale) },
  })
}

export default function Language() {
  const { locale, languages } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { t } = useTranslation()
  const error = actionData?.errors.locale?.[0]
  return (
    <section className="page narrow">
      <h1>{t('language.title')}</h1>
      <p>{t('language.intro')}</p>
      <p>{t('language.current', { language: t(`language.${locale}`) })}</p>
      <Form method="post" reloadDocument noValidate className="stack">
        <input type="hidden" name="redirectTo" value="/" />
        <fieldset aria-describedby={error ? 'locale-error' : undefined}>
          <legend>{t('language.label')}</legend>
          {supportedLocales
            .filter((l) => languages.includes(l))
            .map((l) => (
              <label key={l} className="choice" lang={l}>
                <input type="radio" name="locale" value={l} defaultChecked={l === locale} />
                {t(`language.${l}`)}
              </label>
            ))}
          {error ? (
            <p className="field-error" id="locale-error" role="alert">
              {error}
            </p>
          ) : null}
        </fieldset>
        <button type="submit">{t('language.submit')}</button>
      </Form>
    </section>
  )
}
