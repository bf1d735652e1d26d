import { data, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import embedStyles from '../components/embed/embed.css'
import { Field, FormMessage, RowActionForm } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { useHydrated } from '../lib/hydrated'
import { config } from '../lib/config.server'
import { formFields, readForm } from '../lib/forms.server'
import { translatorFor } from '../lib/i18n.server'
import { areaOptions } from '../modules/geo/areas.server'
import { listPetitions } from '../modules/petitions/petitions.server'
import { listProposals } from '../modules/proposals/proposals.server'
import { addEmbedSite, listEmbedSites, NOTE_MAX, removeEmbedSite } from '../modules/embed/sites.server'
import { ORIGIN_MAX } from '../modules/embed/origins'
import { widgetTitle } from '../modules/embed/widgets.server'
import {
  EMBED_LANGS,
  iframeSnippet,
  isWidgetKind,
  MAP_LAYERS,
  parseWidgetOptions,
  REPORTS_LIMIT_MAX,
  scriptSnippet,
  DEFAULT_HEIGHTS,
  widgetPath,
  WIDGET_KINDS,
  type WidgetSpec,
} from '../modules/embed/widgets'

/**
 * /embed — for administrators: the sites allowed to embed widgets (their origins make the
 * frame-ancestors CSP of widget pages), and the widget builder: choose a widget and its options,
 * see it live, copy the two-line snippet or a plain iframe. The builder is a GET form, so it works
 * without JavaScript; a copy button appears when scripts run.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: embedStyles }]
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'private, no-store' })

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const params = new URL(request.url).searchParams
  const kind = isWidgetKind(params.get('widget')) ? (params.get('widget') as WidgetSpec['kind']) : 'petition'
  const spec = parseWidgetOptions(kind, params)
  const [sites, areas, petitions, proposals] = await Promise.all([listEmbedSites(), areaOptions(locale), listPetitions({ state: 'open', pageSize: 100 }), listProposals({ pageSize: 100 })])
  if (kind === 'petition' && !spec.id && petitions.items[0] && !params.has('widget')) spec.id = petitions.items[0].id
  const missing = (kind === 'petition' || kind === 'proposal') && !spec.id ? 'needItem' : (kind === 'map' || kind === 'report-form') && !spec.area && spec.lat === undefined ? 'needArea' : null
  const title = missing ? null : await widgetTitle(spec, t)
  const origin = new URL(config().PUBLIC_URL).origin
  return {
    title: t('embed:admin.title'),
    locale,
    origin,
    sites,
    areas,
    petitions: petitions.items.map((p) => ({ id: p.id, title: p.title })),
    proposals: proposals.items.map((p) => ({ id: p.id, title: p.title })),
    spec,
    problem: missing ?? (title ? null : 'unavailable'),
    preview: title ? { path: widgetPath(spec), title, height: DEFAULT_HEIGHTS[spec.kind], script: scriptSnippet(spec, origin, title), iframe: iframeSnippet(spec, origin, title) } : null,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

type ActionResult = { done: 'added' | 'removed'; origin: string; errors?: undefined; values?: undefined } | { done?: undefined; errors: Record<string, string>; values: Record<string, string> }

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'remove') {
    const id = Number(fields.siteId)
    if (!Number.isInteger(id) || id < 1) return data<ActionResult>({ errors: { form: t('embed:admin.noSuchSite') }, values: {} }, { status: 400 })
    const result = await removeEmbedSite(admin.id, id)
    if (result.kind === 'notFound') return data<ActionResult>({ errors: { form: t('embed:admin.noSuchSite') }, values: {} }, { status: 404 })
    return data<ActionResult>({ done: 'removed', origin: result.origin })
  }
  if (fields.intent !== 'add') return data<ActionResult>({ errors: { form: t('embed:admin.unknownAction') }, values: {} }, { status: 400 })
  const values = { origin: (fields.origin ?? '').slice(0, 1000), note: (fields.note ?? '').slice(0, 1000) }
  const result = await addEmbedSite(admin.id, { origin: fields.origin ?? '', note: fields.note ?? '' })
  if (result.kind === 'invalid') return data<ActionResult>({ errors: { origin: t(`embed:admin.origin.${result.problem}`, { max: ORIGIN_MAX }) }, values }, { status: 400 })
  if (result.kind === 'noteTooLong') return data<ActionResult>({ errors: { note: t('embed:admin.noteTooLong', { max: NOTE_MAX }) }, values }, { status: 400 })
  if (result.kind === 'duplicate') return data<ActionResult>({ errors: { origin: t('embed:admin.duplicate', { origin: result.origin }) }, values }, { status: 409 })
  return data<ActionResult>({ done: 'added', origin: result.site.origin })
}

function CopyButton({ target, label }: { target: string; label: string }) {
  const { t } = useTranslation('embed')
  const scripted = useHydrated()
  const [copied, setCopied] = useState(false)
  if (!scripted) return null
  return (
    <button
      type="button"
      className="secondary"
      aria-label={label}
      onClick={() => {
        const field = document.getElementById(target) as HTMLTextAreaElement | null
        if (!field) return
        const done = () => {
          setCopied(true)
          setTimeout(() => setCopied(false), 2000)
        }
        if (navigator.clipboard)
          void navigator.clipboard.writeText(field.value).then(done, () => {
            field.select()
            document.execCommand('copy')
            done()
          })
        else {
          field.select()
          document.execCommand('copy')
          done()
        }
      }}
    >
      {copied ? t('admin.copied') : t('admin.copy')}
    </button>
  )
}

export default function EmbedAdmin() {
  const { sites, areas, petitions, proposals, spec, preview, problem, locale, origin } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionResult | undefined
  const { t } = useTranslation('embed')
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
  const errors = result?.errors ?? {}
  const values = result?.values ?? {}
  const areaSelect = (
    <Field name="area" label={t('admin.builder.area')}>
      <select id="field-area" name="area" defaultValue={spec.area ?? ''}>
        <option value="">{spec.kind === 'reports' ? t('admin.builder.wholeCity') : t('admin.builder.chooseArea')}</option>
        {areas.map((a) => (
          <option key={a.slug} value={a.slug}>
            {a.level === 'neighbourhood' ? `— ${a.name}` : a.name}
          </option>
        ))}
      </select>
    </Field>
  )
  return (
    <section className="page embed-admin">
      <p>
        <Link to="/admin">{t('admin.back')}</Link>
      </p>
      <h1>{t('admin.title')}</h1>
      <p>{t('admin.intro')}</p>

      <h2 id="builder-heading">{t('admin.builder.title')}</h2>
      <div className="embed-builder__grid">
        <Form method="get" className="stack" aria-labelledby="builder-heading">
          <fieldset>
            <legend>{t('admin.builder.widget')}</legend>
            {WIDGET_KINDS.map((k) => (
              <label key={k} className="choice">
                <input type="radio" name="widget" value={k} defaultChecked={spec.kind === k} /> {t(`kinds.${k}`)}
              </label>
            ))}
          </fieldset>
          <p className="field__hint">{t('admin.builder.optionsHint')}</p>
          <Field name="petition" label={t('admin.builder.petition')}>
            <select id="field-petition" name="petition" defaultValue={spec.kind === 'petition' && spec.id ? String(spec.id) : ''}>
              <option value="">{t('admin.builder.choose')}</option>
              {petitions.map((p) => (
                <option key={p.id} value={p.id}>
                  {`#${p.id} ${p.title}`}
                </option>
              ))}
            </select>
          </Field>
          <Field name="proposal" label={t('admin.builder.proposal')}>
            <select id="field-proposal" name="proposal" defaultValue={spec.kind === 'proposal' && spec.id ? String(spec.id) : ''}>
              <option value="">{t('admin.builder.choose')}</option>
              {proposals.map((p) => (
                <option key={p.id} value={p.id}>
                  {`#${p.id} ${p.title}`}
                </option>
              ))}
            </select>
          </Field>
          {areaSelect}
          <fieldset>
            <legend>{t('admin.builder.layers')}</legend>
            {MAP_LAYERS.map((l) => (
              <label key={l} className="choice">
                <input type="checkbox" name="layers" value={l} defaultChecked={!spec.layers || spec.layers.includes(l)} /> {t(`layers.${l}`)}
              </label>
            ))}
          </fieldset>
          <Field name="limit" label={t('admin.builder.limit', { max: REPORTS_LIMIT_MAX })}>
            <input id="field-limit" name="limit" type="number" min={1} max={REPORTS_LIMIT_MAX} defaultValue={spec.limit ?? 5} />
          </Field>
          <Field name="lang" label={t('admin.builder.lang')} hint={t('admin.builder.langHint')}>
            <select id="field-lang" name="lang" defaultValue={spec.lang ?? ''} aria-describedby="field-lang-hint">
              <option value="">{t('admin.builder.langAuto')}</option>
              {EMBED_LANGS.map((l) => (
                <option key={l} value={l}>
                  {t(`common:language.${l}`)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('admin.builder.show')}</button>
        </Form>
        <div className="embed-builder__preview">
          <h3>{t('admin.builder.preview')}</h3>
          {preview ? (
            <>
              <iframe key={preview.path} src={preview.path} title={preview.title} height={preview.height} scrolling="no" data-testid="builder-preview" id="builder-preview" />
              <div className="field">
                <label htmlFor="snippet-script">{t('admin.builder.scriptSnippet')}</label>
                <p className="field__hint" id="snippet-script-hint">
                  {t('admin.builder.scriptHint')}
                </p>
                <textarea id="snippet-script" className="embed-builder__snippet" readOnly rows={3} value={preview.script} aria-describedby="snippet-script-hint" />
                <CopyButton target="snippet-script" label={t('admin.builder.copyScript')} />
              </div>
              <div className="field">
                <label htmlFor="snippet-iframe">{t('admin.builder.iframeSnippet')}</label>
                <p className="field__hint" id="snippet-iframe-hint">
                  {t('admin.builder.iframeHint')}
                </p>
                <textarea id="snippet-iframe" className="embed-builder__snippet" readOnly rows={4} value={preview.iframe} aria-describedby="snippet-iframe-hint" />
                <CopyButton target="snippet-iframe" label={t('admin.builder.copyIframe')} />
              </div>
              <p className="field__hint">{t('admin.builder.oembedHint', { origin })}</p>
            </>
          ) : (
            <FormMessage tone="info">{t(`admin.builder.problem.${problem ?? 'unavailable'}`)}</FormMessage>
          )}
        </div>
      </div>

      <h2 id="sites-heading">{t('admin.sites.title')}</h2>
      <p>{t('admin.sites.intro')}</p>
      {result?.done === 'added' ? <FormMessage tone="success">{t('admin.added', { origin: result.origin })}</FormMessage> : null}
      {result?.done === 'removed' ? <FormMessage tone="success">{t('admin.removed', { origin: result.origin })}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}
      {sites.length === 0 ? (
        <p data-testid="no-sites">{t('admin.sites.none')}</p>
      ) : (
        <table className="data-table cards" aria-labelledby="sites-heading">
          <thead>
            <tr>
              <th scope="col">{t('admin.sites.origin')}</th>
              <th scope="col">{t('admin.sites.note')}</th>
              <th scope="col">{t('admin.sites.added')}</th>
              <th scope="col">{t('admin.sites.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {sites.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.origin}</code>
                </td>
                <td data-label={t('admin.sites.note')}>{s.note}</td>
                <td data-label={t('admin.sites.added')}>
                  {s.createdBy ? t('admin.sites.addedBy', { date: when.format(new Date(s.createdAt)), name: s.createdBy }) : when.format(new Date(s.createdAt))}
                </td>
                <td data-label={t('admin.sites.actions')}>
                  <RowActionForm intent="remove" field="siteId" value={s.id} label={t('admin.sites.remove')} accessibleName={t('admin.sites.removeNamed', { origin: s.origin })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('admin.sites.addTitle')}</h3>
      <Form method="post" noValidate className="stack narrow">
        <input type="hidden" name="intent" value="add" />
        <Field name="origin" label={t('admin.sites.originLabel')} hint={t('admin.sites.originHint')} required defaultValue={values.origin} error={errors.origin} inputMode="text" />
        <Field name="note" label={t('admin.sites.noteLabel')} hint={t('admin.sites.noteHint')} defaultValue={values.note} error={errors.note} />
        <button type="submit">{t('admin.sites.add')}</button>
      </Form>
    </section>
  )
}
