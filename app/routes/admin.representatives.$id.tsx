import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import styles from '../components/representatives/representatives.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { handleRepresentativeForm, representativeFormOptions, representativeFormValues } from '../modules/letters/representatives-form.server'
import { getRepresentative, isoDay, representativePhotoUrl } from '../modules/letters/representatives.server'
import { RepresentativeForm } from '../components/representatives/RepresentativeForm'
import { Field, FormMessage } from '../components/forms'

/**
 * /admin/representatives/:id — edit a representative (admin:settings): every field and the photo,
 * end the term (active_until = yesterday), mark or clear a bounce. Every change is audited.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

const DONE = ['created', 'saved', 'deactivated', 'bounceMarked', 'bounceCleared'] as const

async function representativeOr404(idParam: string | undefined) {
  const id = /^\d{1,15}$/.test(idParam ?? '') ? Number(idParam) : NaN
  const rep = Number.isSafeInteger(id) ? await getRepresentative(id) : null
  if (!rep) throw new Response('Not Found', { status: 404 })
  return rep
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const rep = await representativeOr404(params.id)
  const [options, values] = await Promise.all([representativeFormOptions(locale), representativeFormValues(rep)])
  const doneParam = new URL(request.url).searchParams.get('done')
  const done = DONE.find((d) => d === doneParam) ?? null
  return {
    title: t('representatives:admin.editTitle', { name: rep.name }),
    options,
    done,
    former: rep.activeUntil !== null && rep.activeUntil < isoDay(),
    rep: {
      id: rep.id,
      name: rep.name,
      thumbUrl: rep.hasPhoto ? representativePhotoUrl(rep.id, 'thumb', rep.photoUpdatedAt) : null,
      bouncedAt: rep.emailBouncedAt,
      bounceNote: rep.bounceNote,
    },
    values,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const rep = await representativeOr404(params.id)
  const outcome = await handleRepresentativeForm(request, admin.id, t, rep.id)
  if (outcome.kind === 'redirect') return outcome.response
  return data({ values: outcome.values, errors: outcome.errors }, { status: outcome.status })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function EditRepresentative() {
  const { title, options, done, rep, values, former } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const { t, i18n } = useTranslation('representatives')
  const date = (iso: string) => new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' }).format(new Date(iso))
  const errors = result?.errors ?? {}
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/representatives">{t('admin.back')}</Link> · <Link to={`/representatives/${rep.id}`}>{t('admin.publicPage')}</Link>
      </p>
      <h1>{title}</h1>
      {done ? <FormMessage tone="success">{t(`admin.${done}`)}</FormMessage> : null}
      <RepresentativeForm
        options={options}
        values={result?.values?.name !== undefined ? result.values : values}
        errors={errors}
        submitLabel={t('admin.save')}
        photo={{ thumbUrl: rep.thumbUrl, name: rep.name }}
      />

      <section aria-labelledby="bounce-heading">
        <h2 id="bounce-heading">{t('admin.bounceHeading')}</h2>
        {rep.bouncedAt ? (
          <>
            <p data-testid="bounce-state">{t('admin.bounceState', { date: date(rep.bouncedAt) })}</p>
            {rep.bounceNote ? <p>{t('admin.bounceNoteShown', { note: rep.bounceNote })}</p> : null}
            <Form method="post">
              <input type="hidden" name="intent" value="clearBounce" />
              <button type="submit">{t('admin.bounceClear')}</button>
            </Form>
          </>
        ) : (
          <>
            <p data-testid="bounce-state">{t('admin.bounceNone')}</p>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="bounce" />
              <Field name="note" label={t('fields.note')} hint={t('fields.noteHint')} error={errors.note} defaultValue={result?.values?.note} />
              <button type="submit">{t('admin.bounceMark')}</button>
            </Form>
          </>
        )}
      </section>

      {!former ? (
        <section aria-labelledby="deactivate-heading">
          <h2 id="deactivate-heading">{t('admin.deactivateHeading')}</h2>
          <p>{t('admin.deactivateHint')}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="deactivate" />
            <button type="submit">{t('admin.deactivate')}</button>
          </Form>
        </section>
      ) : null}
    </section>
  )
}
