import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { FormMessage } from '../components/forms'
import { listBlocks, unblockUser } from '../modules/moderation/moderation.server'

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'moderation:access')
  const { t, locale } = await translatorFor(request)
  return { title: t('moderation:blocksTitle'), locale, blocks: await listBlocks() }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

const unblockSchema = z.object({ userId: z.coerce.number().int().positive(), reason: z.string().trim().min(3).max(500) })

export async function action({ request }: ActionFunctionArgs) {
  const moderator = await requirePermission(request, 'user:block')
  const { t } = await translatorFor(request)
  const parsed = unblockSchema.safeParse(formFields(await readForm(request)))
  if (!parsed.success) return data({ error: t('moderation:errors.reason') }, { status: 400 })
  await unblockUser(moderator.id, parsed.data.userId, parsed.data.reason)
  return { done: t('moderation:decided') }
}

export default function Blocks() {
  const { blocks, locale } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as { error?: string; done?: string } | undefined
  const { t } = useTranslation('moderation')
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
  return (
    <section className="page">
      <p>
        <Link to="/moderation">{t('queueTitle')}</Link>
      </p>
      <h1>{t('blocksTitle')}</h1>
      {result?.error ? <FormMessage tone="error">{result.error}</FormMessage> : null}
      {result?.done ? <FormMessage tone="success">{result.done}</FormMessage> : null}
      {blocks.length === 0 ? <p>{t('noBlocks')}</p> : null}
      <ul className="role-list">
        {blocks.map((b) => (
          <li key={b.user_id}>
            <span>
              <strong>{b.display_name}</strong> ({b.email}) · {t('since')} {date.format(new Date(b.created_at))} · {b.reason}
            </span>
            <Form method="post" className="inline-form">
              <input type="hidden" name="userId" value={b.user_id} />
              <label htmlFor={`unblock-${b.user_id}`}>{t('unblockReason')}</label>
              <input id={`unblock-${b.user_id}`} name="reason" required minLength={3} />
              <button type="submit" className="secondary">
                {t('unblock')}
              </button>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  )
}
