import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { fieldIds, FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { parseSignatureLists } from '../modules/petitions/fraud'
import { saveSignatureLists, storedSignatureLists, type StoredLists } from '../modules/petitions/signatures.server'

// The allow and block lists for signatures (IPs and e-mail domains), for moderators and
// administrators. Entries that do not parse are kept in the text and shown next to their list.

const LISTS = ['blockIps', 'blockDomains', 'allowIps', 'allowDomains'] as const

function invalidByList(lists: StoredLists) {
  const out: Record<string, string[]> = {}
  for (const { list, entry } of parseSignatureLists(lists).invalid) (out[list] ??= []).push(entry)
  return out
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'content:moderate')
  const [{ t }, lists] = await Promise.all([translatorFor(request), storedSignatureLists()])
  return { title: t('signatures:lists.title'), lists, invalid: invalidByList(lists) }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'content:moderate')
  const fields = formFields(await readForm(request))
  const { lists } = await saveSignatureLists(user.id, {
    allowIps: fields.allowIps ?? '',
    blockIps: fields.blockIps ?? '',
    allowDomains: fields.allowDomains ?? '',
    blockDomains: fields.blockDomains ?? '',
  })
  return { saved: true, lists, invalid: invalidByList(lists) }
}

export default function SignatureLists() {
  const page = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t } = useTranslation('signatures')
  const lists = result?.lists ?? page.lists
  const invalid = result?.invalid ?? page.invalid
  return (
    <section className="page narrow">
      <p>
        <Link to="/moderation/petitions">{t('moderation.back')}</Link>
      </p>
      <h1>{t('lists.title')}</h1>
      <p>{t('lists.intro')}</p>
      {result?.saved ? <FormMessage tone="success">{t('lists.saved')}</FormMessage> : null}
      <Form method="post">
        {LISTS.map((name) => {
          const error = invalid[name]?.length ? t('lists.invalid', { entries: invalid[name]!.join(', ') }) : undefined
          const hint = name.endsWith('Ips') ? t('lists.ipHint') : t('lists.domainHint')
          const { id, described } = fieldIds(name, { hint, error })
          return (
            <div className={`field${error ? ' field--error' : ''}`} key={name}>
              <label htmlFor={id}>{t(`lists.${name}`)}</label>
              <p className="field__hint" id={`${id}-hint`}>
                {hint}
              </p>
              {error ? (
                <p className="field-error" id={`${id}-error`}>
                  {error}
                </p>
              ) : null}
              <textarea id={id} name={name} rows={6} defaultValue={lists[name]} aria-describedby={described} aria-invalid={error ? true : undefined} />
            </div>
          )
        })}
        <button type="submit">{t('lists.save')}</button>
      </Form>
    </section>
  )
}
