import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm, formFields } from '../lib/forms.server'
import { Field, FormMessage } from '../components/forms'
import { commitImport, geographySummary, guessProperties, loadExistingAreas, previewImport, stageImport, stagedImport } from '../modules/geo/import/import.server'
import { describeProblem, describeReadProblem, levelLabel } from '../modules/geo/import/messages'
import { previewSvg } from '../modules/geo/import/preview-svg'
import type { ImportOptions } from '../modules/geo/import/validate'
import type { Position } from '../modules/geo/geometry'

/** /admin/areas — import the city's geography: upload, choose properties and level, preview with every problem, import (admin:settings). */

const MAX_BYTES = 100 * 1024 * 1024

const optionsSchema = z.object({
  import: z.string().regex(/^[0-9a-f]{32}$/),
  depth: z.coerce.number().int().min(0).max(9),
  nameProp: z.string().trim().min(1).max(100),
  codeProp: z.string().trim().min(1).max(100),
  parentProp: z.string().trim().max(100).optional().default(''),
  nameEs: z.string().trim().max(100).optional().default(''),
  nameFr: z.string().trim().max(100).optional().default(''),
  nameEn: z.string().trim().max(100).optional().default(''),
  tolerance: z.coerce.number().min(0).max(1_000_000),
  union: z.string().optional(),
  levelName: z.string().trim().max(60).optional().default(''),
})
type OptionFields = z.infer<typeof optionsSchema>

function toOptions(o: OptionFields): ImportOptions {
  return {
    depth: o.depth,
    nameProp: o.nameProp,
    codeProp: o.codeProp,
    parentProp: o.depth >= 2 ? o.parentProp || undefined : undefined,
    namePropsByLocale: { en: o.nameEn || undefined, es: o.nameEs || undefined, fr: o.nameFr || undefined },
    toleranceM2: o.tolerance,
    boundaryFromUnion: o.depth === 1 && o.union === 'on',
    levelName: o.levelName || undefined,
  }
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const summary = (await geographySummary()).map((l) => ({ ...l, label: levelLabel(t, l.depth) }))
  const url = new URL(request.url)
  const token = url.searchParams.get('import')
  const base = { title: t('areasAdmin:title'), summary }
  if (!token) return { ...base, staged: null }
  const staged = await stagedImport(token)
  if (!staged || staged.committedAt) return { ...base, staged: null, unknownImport: true }
  const guess = guessProperties(staged.properties)
  const raw = Object.fromEntries(url.searchParams)
  const fields = {
    import: token,
    depth: raw.depth ?? '1',
    nameProp: raw.nameProp ?? guess.name ?? '',
    codeProp: raw.codeProp ?? guess.code ?? '',
    parentProp: raw.parentProp ?? guess.parent ?? '',
    nameEs: raw.nameEs ?? '',
    nameFr: raw.nameFr ?? '',
    nameEn: raw.nameEn ?? '',
    tolerance: raw.tolerance ?? '100',
    union: raw.depth === undefined ? 'on' : raw.union,
    levelName: raw.levelName ?? '',
  }
  const file = { name: staged.fileName, format: staged.format, crs: staged.crs, count: staged.features.length, properties: staged.properties }
  const parsed = optionsSchema.safeParse(fields)
  if (!parsed.success) {
    const errors: Record<string, string> = {}
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] = t(issue.path[0] === 'tolerance' ? 'areasAdmin:errors.tolerance' : issue.path[0] === 'depth' ? 'areasAdmin:errors.depth' : 'areasAdmin:errors.property')
    return { ...base, staged: { file, fields, errors, preview: null } }
  }
  const options = toOptions(parsed.data)
  const preview = await previewImport(staged.features, staged.properties, options)
  const existing = await loadExistingAreas()
  const context = existing.filter((a) => a.depth === Math.max(0, options.depth - 1) && options.depth > 0).map((a) => a.geometry)
  const marks = preview.problems.filter((p): p is typeof p & { at: Position } => 'at' in p).map((p) => p.at)
  const svg = previewSvg(context, preview.areas.slice(0, 2000), marks.slice(0, 500))
  return {
    ...base,
    staged: {
      file,
      fields,
      errors: {} as Record<string, string>,
      preview: {
        problems: preview.problems.slice(0, 1000).map((p) => describeProblem(t, p, locale)),
        problemCount: preview.problems.length,
        changes: preview.changes
          .filter((c) => c.kind !== 'unchanged')
          .slice(0, 500)
          .map((c) => t(`areasAdmin:changes.${c.kind === 'removed' && !c.successor ? 'removedNone' : c.kind}`, { name: c.name, code: c.code, oldName: c.oldName ?? '', successor: c.successor ?? '' })),
        unchanged: preview.changes.filter((c) => c.kind === 'unchanged').length,
        svg,
      },
    },
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES) return Response.json({ errors: { file: t('areasAdmin:errors.fileTooLarge') } }, { status: 413 })
  const form = await readForm(request)
  const intent = form.get('intent')
  if (intent === 'upload') {
    const file = form.get('file')
    if (!(file instanceof File) || file.size === 0) return Response.json({ errors: { file: t('areasAdmin:errors.fileRequired') } }, { status: 400 })
    if (file.size > MAX_BYTES) return Response.json({ errors: { file: t('areasAdmin:errors.fileTooLarge') } }, { status: 413 })
    const staged = await stageImport(new Uint8Array(await file.arrayBuffer()), file.name || 'upload', admin.id)
    if (staged.kind === 'unreadable') return Response.json({ errors: { file: describeReadProblem(t, staged.problem) } }, { status: 422 })
    const depth = String(form.get('depth') ?? '1')
    return redirect(`/admin/areas?import=${staged.token}&depth=${encodeURIComponent(/^[0-9]$/.test(depth) ? depth : '1')}${depth === '1' ? '&union=on' : ''}`)
  }
  // intent === 'commit'
  const parsed = optionsSchema.safeParse(formFields(form))
  if (!parsed.success) return Response.json({ errors: { form: t('areasAdmin:errors.property') } }, { status: 400 })
  const staged = await stagedImport(parsed.data.import)
  if (!staged || staged.committedAt) return Response.json({ errors: { form: t('areasAdmin:unknownImport') } }, { status: 404 })
  const result = await commitImport({ features: staged.features, properties: staged.properties, options: toOptions(parsed.data), actorId: admin.id, fileName: staged.fileName, stagedId: staged.id })
  if (result.kind === 'invalid') {
    return Response.json({ errors: { form: t('areasAdmin:refused') }, problems: result.problems.slice(0, 1000).map((p) => describeProblem(t, p, locale)) }, { status: 422 })
  }
  return {
    imported: t('areasAdmin:imported', { created: result.created, updated: result.updated, renamed: result.renamed, removed: result.removed }),
    moved: Object.entries(result.moved)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => ({ label: t(`areasAdmin:moved.${kind}`), n })),
  }
}

type ActionData = { errors?: { file?: string; form?: string }; problems?: string[]; imported?: string; moved?: Array<{ label: string; n: number }> }

export default function AdminAreas() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as ActionData | undefined
  const { t } = useTranslation('areasAdmin')
  const staged = data.staged
  const f = staged?.fields
  const propertyOptions = (includeNone: boolean) => (
    <>
      {includeNone ? <option value="">{t('fields.none')}</option> : null}
      {staged?.file.properties.map((p) => (
        <option key={p} value={p}>
          {p}
        </option>
      ))}
    </>
  )
  const select = (name: keyof NonNullable<typeof f>, label: string, includeNone: boolean, hint?: string) => (
    <Field name={name} label={label} hint={hint} error={staged?.errors[name]}>
      <select id={`field-${name}`} name={name} defaultValue={String(f?.[name] ?? '')} aria-describedby={hint ? `field-${name}-hint` : undefined} aria-invalid={staged?.errors[name] ? true : undefined}>
        {propertyOptions(includeNone)}
      </select>
    </Field>
  )
  return (
    <section className="page">
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <section aria-labelledby="areas-current">
        <h2 id="areas-current">{t('current')}</h2>
        {data.summary.length ? (
          <ul data-testid="areas-summary">
            {data.summary.map((l) => (
              <li key={`${l.depth}-${l.levelName ?? ''}`}>{t('levelCount', { level: l.levelName ?? l.label, count: l.count })}</li>
            ))}
          </ul>
        ) : (
          <p>{t('currentEmpty')}</p>
        )}
      </section>

      {result?.imported ? (
        <section aria-labelledby="areas-imported">
          <FormMessage tone="success">
            <span id="areas-imported" data-testid="areas-imported">
              {result.imported}
            </span>
          </FormMessage>
          {result.moved?.length ? (
            <>
              <h2>{t('movedTitle')}</h2>
              <dl className="facts" data-testid="areas-moved">
                {result.moved.map((m) => (
                  <div key={m.label}>
                    <dt>{m.label}</dt>
                    <dd>{m.n}</dd>
                  </div>
                ))}
              </dl>
            </>
          ) : null}
        </section>
      ) : null}
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form}</FormMessage> : null}
      {result?.problems?.length ? (
        <ul data-testid="areas-problems">
          {result.problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
      {'unknownImport' in data && data.unknownImport ? <FormMessage tone="error">{t('unknownImport')}</FormMessage> : null}

      {!staged || result?.imported ? (
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="upload" />
          <Field name="file" label={t('fields.file')} hint={t('fields.fileHint')} error={result?.errors?.file}>
            <input
              id="field-file"
              name="file"
              type="file"
              accept=".geojson,.json,.topojson,.zip"
              aria-describedby={`field-file-hint${result?.errors?.file ? ' field-file-error' : ''}`}
              aria-invalid={result?.errors?.file ? true : undefined}
            />
          </Field>
          <Field name="depth" label={t('fields.depth')}>
            <select id="field-depth" name="depth" defaultValue="1">
              {[0, 1, 2, 3].map((d) => (
                <option key={d} value={d}>
                  {t(`depthOption.${d}`)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{t('upload')}</button>
        </Form>
      ) : (
        <>
          <p data-testid="areas-file">{t('file', { file: staged.file.name, count: staged.file.count, format: staged.file.format, crs: staged.file.crs })}</p>
          <Form method="get" className="stack">
            <input type="hidden" name="import" value={f!.import} />
            <Field name="depth" label={t('fields.depth')} error={staged.errors.depth}>
              <select id="field-depth" name="depth" defaultValue={f!.depth}>
                {[0, 1, 2, 3, 4].map((d) => (
                  <option key={d} value={d}>
                    {t(`depthOption.${Math.min(d, 3)}`)}
                    {d > 3 ? ` (${d})` : ''}
                  </option>
                ))}
              </select>
            </Field>
            {select('nameProp', t('fields.nameProp'), false)}
            {select('codeProp', t('fields.codeProp'), false, t('fields.codeHint'))}
            {select('parentProp', t('fields.parentProp'), true, t('fields.parentHint'))}
            {select('nameEs', t('fields.nameEs'), true)}
            {select('nameFr', t('fields.nameFr'), true)}
            {select('nameEn', t('fields.nameEn'), true)}
            <Field name="tolerance" label={t('fields.tolerance')} type="number" defaultValue={f!.tolerance} error={staged.errors.tolerance} inputMode="numeric" />
            <div className="field">
              <label>
                <input type="checkbox" name="union" defaultChecked={f!.union === 'on'} /> {t('fields.boundaryFromUnion')}
              </label>
            </div>
            <Field name="levelName" label={t('fields.levelName')} defaultValue={f!.levelName} />
            <button type="submit">{t('check')}</button>
          </Form>
          {staged.preview ? (
            <section aria-labelledby="areas-preview">
              <h2 id="areas-preview">{t('previewTitle')}</h2>
              {staged.preview.svg ? <div className="area-map" role="img" aria-label={t('mapAlt')} dangerouslySetInnerHTML={{ __html: staged.preview.svg }} /> : null}
              {staged.preview.problemCount ? (
                <>
                  <h3>{t('problemsTitle', { count: staged.preview.problemCount })}</h3>
                  <ul data-testid="areas-problems">
                    {staged.preview.problems.map((p, i) => (
                      <li key={i}>{p}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <p data-testid="areas-no-problems">{t('noProblems')}</p>
              )}
              <h3>{t('changesTitle')}</h3>
              <ul data-testid="areas-changes">
                {staged.preview.changes.map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
                {staged.preview.unchanged ? <li>{t('changes.unchanged', { count: staged.preview.unchanged })}</li> : null}
              </ul>
              {staged.preview.problemCount === 0 ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="commit" />
                  {Object.entries(f!).map(([k, v]) => (v === undefined ? null : <input key={k} type="hidden" name={k} value={String(v)} />))}
                  <button type="submit">{t('commit')}</button>
                </Form>
              ) : null}
            </section>
          ) : null}
          <p>
            <Link to="/admin/areas">{t('cancel')}</Link>
          </p>
        </>
      )}
    </section>
  )
}
