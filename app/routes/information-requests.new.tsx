import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { Field, FormMessage } from '../components/forms'
import { requireUser } from '../modules/accounts/auth.server'
import { translatedErrors, type FieldErrors } from '../lib/forms'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { listBodies } from '../modules/foi/bodies.server'
import { deadlinesFor, draftRequestLetter, sendRequest } from '../modules/foi/foi.server'
import { LAWS } from '../modules/foi/laws'
import { REQUEST_MAX, TITLE_MAX, requestSchema } from '../modules/foi/schema'

/**
 * /information-requests/new — a logged-in person chooses a body, writes what they want to know,
 * previews the letter the body's law calls for (with its statutory deadline) and sends it. Plaza
 * mails the body from the request's own address; the request is public from then on (issue 22).
 */

async function bodiesToAsk(locale: string) {
  return (await listBodies(locale)).filter((b) => b.email).map((b) => ({ id: b.id, name: b.name, law: b.law }))
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const body = new URL(request.url).searchParams.get('body') ?? ''
  return { title: t('foi:ask.title'), bodies: await bodiesToAsk(locale), body }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type Result = { errors?: FieldErrors; values: Record<string, string>; preview?: { letter: string; dueOn: string; law: string; bodyName: string } }

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  const values = { bodyId: fields.bodyId ?? '', title: fields.title ?? '', text: fields.text ?? '' }
  const parsed = requestSchema.safeParse(values)
  if (!parsed.success) return data<Result>({ errors: translatedErrors(parsed.error, t), values }, { status: 400 })
  const body = (await bodiesToAsk(locale)).find((b) => b.id === parsed.data.bodyId)
  if (!body) return data<Result>({ errors: { bodyId: [t('foi:errors.bodyRequired')] }, values }, { status: 400 })
  if (fields.intent === 'send') {
    const result = await sendRequest({ id: user.id, displayName: user.displayName }, parsed.data)
    if (result.kind === 'limit') return data<Result>({ errors: { form: [t('foi:errors.limit', { limit: result.limit })] }, values }, { status: 429 })
    if (result.kind !== 'ok') return data<Result>({ errors: { bodyId: [t('foi:errors.bodyRequired')] }, values }, { status: 400 })
    return redirect(`/information-requests/${result.id}?sent=1`)
  }
  const letter = draftRequestLetter(body.law, { body: body.name, title: parsed.data.title, request: parsed.data.text, requester: user.displayName })
  const { dueOn } = await deadlinesFor(body.law)
  return data<Result>({ values, preview: { letter, dueOn, law: body.law, bodyName: body.name } })
}

export default function AskForInformation() {
  const { bodies, body } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as Result | undefined
  const { t } = useTranslation('foi')
  const errors = result?.errors ?? {}
  const values = result?.values ?? { bodyId: body, title: '', text: '' }
  const preview = result?.preview
  return (
    <section className="page">
      <p>
        <Link to="/information-requests">{t('ask.back')}</Link>
      </p>
      <h1>{t('ask.title')}</h1>
      <p>{t('ask.intro')}</p>
      {errors.form ? <FormMessage tone="error">{errors.form[0]}</FormMessage> : null}
      {preview ? (
        <section aria-labelledby="foi-preview" className="card" data-testid="foi-preview">
          <h2 id="foi-preview">{t('ask.previewHeading', { body: preview.bodyName })}</h2>
          <p>
            {t(`laws.${preview.law}.name`)}: {t(`laws.${preview.law}.deadline`)} {t('ask.dueOn', { date: preview.dueOn })}
          </p>
          <pre className="foi-letter">{preview.letter}</pre>
          <p>{t('ask.publicNote')}</p>
          <Form method="post">
            <input type="hidden" name="bodyId" value={values.bodyId} />
            <input type="hidden" name="title" value={values.title} />
            <input type="hidden" name="text" value={values.text} />
            <button type="submit" name="intent" value="send">
              {t('ask.send')}
            </button>
          </Form>
        </section>
      ) : null}
      <Form method="post" className="stack">
        <Field name="bodyId" label={t('ask.body')} error={errors.bodyId?.[0]}>
          <select id="field-bodyId" name="bodyId" defaultValue={values.bodyId} aria-invalid={errors.bodyId ? true : undefined} aria-describedby={errors.bodyId ? 'field-bodyId-error' : undefined}>
            <option value="">{t('ask.chooseBody')}</option>
            {bodies.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name} ({t(`laws.${b.law}.short`)})
              </option>
            ))}
          </select>
        </Field>
        <Field name="title" label={t('ask.titleLabel')} hint={t('ask.titleHint', { max: TITLE_MAX })} error={errors.title?.[0]} defaultValue={values.title} />
        <Field name="text" label={t('ask.text')} hint={t('ask.textHint')} error={errors.text?.[0]}>
          <textarea
            id="field-text"
            name="text"
            rows={10}
            maxLength={REQUEST_MAX}
            defaultValue={values.text}
            aria-invalid={errors.text ? true : undefined}
            aria-describedby={errors.text ? 'field-text-hint field-text-error' : 'field-text-hint'}
          />
        </Field>
        <details>
          <summary>{t('ask.lawsHeading')}</summary>
          <ul>
            {Object.keys(LAWS).map((law) => (
              <li key={law}>
                <strong>{t(`laws.${law}.name`)}</strong>: {t(`laws.${law}.deadline`)} {t(`laws.${law}.hint`)}
              </li>
            ))}
          </ul>
        </details>
        <div>
          <button type="submit" name="intent" value="preview">
            {t('ask.preview')}
          </button>
        </div>
      </Form>
    </section>
  )
}
