import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { basemapImports, type ImportCounts } from '../modules/basemap/basemap.server'
import { startUploadedImport } from '../modules/basemap/admin.server'

/** /admin/basemap — import the city's OpenStreetMap extract as Plaza's own street map (admin:settings). */

const MAX_BYTES = 500 * 1024 * 1024
const COUNT_KEYS: Array<keyof ImportCounts> = ['namedStreets', 'roads', 'paths', 'buildings', 'parks', 'water', 'railways', 'places', 'addresses', 'tiles']

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  const imports = await basemapImports(10)
  const current = imports.find((i) => i.status === 'done') ?? null
  const running = imports.find((i) => i.status === 'running') ?? null
  const latest = imports[0] ?? null
  return {
    title: t('basemap:admin.title'),
    current,
    running,
    failed: latest?.status === 'failed' ? { fileName: latest.fileName, reason: t(`basemap:errors.${latest.error ?? 'badPbf'}`) } : null,
    imports,
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ''} · Plaza` },
  // While an import runs, the page reloads itself (no JavaScript needed to follow it).
  ...(data?.running ? [{ httpEquiv: 'refresh' as const, content: '3' }] : []),
]

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:settings')
  const { t } = await translatorFor(request)
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES) return Response.json({ errors: { file: t('basemap:errors.fileTooLarge') } }, { status: 413 })
  const form = await readForm(request)
  const file = form.get('file')
  if (!(file instanceof File) || file.size === 0) return Response.json({ errors: { file: t('basemap:errors.fileRequired') } }, { status: 400 })
  if (file.size > MAX_BYTES) return Response.json({ errors: { file: t('basemap:errors.fileTooLarge') } }, { status: 413 })
  await startUploadedImport(new Uint8Array(await file.arrayBuffer()), (file.name || 'extract').slice(0, 200), admin.id)
  return redirect('/admin/basemap')
}

const size = (bytes: number) => (bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`)

export default function AdminBasemap() {
  const { title, current, running, failed, imports } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as { errors?: { file?: string } } | undefined
  const { t, i18n } = useTranslation('basemap')
  const fileError = result?.errors?.file
  return (
    <div className="page admin-basemap">
      <h1>{title}</h1>
      <p>{t('admin.intro')}</p>
      {running ? (
        <p className="notice" role="status" data-testid="basemap-running">
          {t('admin.running', { file: running.fileName, stage: t(`admin.stage.${running.stage ?? 'reading'}`) })} {t('admin.refresh')}
        </p>
      ) : null}
      {failed ? (
        <p className="field-error" role="alert" data-testid="basemap-failed">
          {t('admin.failed', { file: failed.fileName, reason: failed.reason })}
        </p>
      ) : null}
      <section aria-labelledby="basemap-current">
        <h2 id="basemap-current">{t('admin.current')}</h2>
        {current ? (
          <>
            <p>
              {t('admin.done', {
                file: current.fileName,
                date: new Date(current.finishedAt ?? current.startedAt).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
              })}
            </p>
            <ul data-testid="basemap-counts">
              {COUNT_KEYS.map((k) => (
                <li key={k}>
                  {new Intl.NumberFormat(i18n.language).format(current.counts[k] ?? 0)} {t(`admin.counts.${k}`)}
                </li>
              ))}
            </ul>
            <p>{t('admin.zooms', { min: current.minZoom, max: current.maxZoom, size: size(current.counts.bytes ?? 0) })}</p>
          </>
        ) : (
          <p>{t('admin.none')}</p>
        )}
        <p className="muted">{t('admin.attribution')}</p>
      </section>
      <Form method="post" encType="multipart/form-data" className="stack">
        <div className="field">
          <label htmlFor="basemap-file">{t('admin.file')}</label>
          <input
            id="basemap-file"
            name="file"
            type="file"
            accept=".pbf,.osm,.xml,.geojson,.json,.pmtiles,.mbtiles"
            aria-describedby={`basemap-file-help${fileError ? ' basemap-file-error' : ''}`}
            aria-invalid={fileError ? true : undefined}
          />
          <p id="basemap-file-help" className="hint">
            {t('admin.fileHelp')}
          </p>
          {fileError ? (
            <p id="basemap-file-error" className="field-error">
              {fileError}
            </p>
          ) : null}
        </div>
        <button type="submit">{t('admin.upload')}</button>
      </Form>
      {imports.length ? (
        <section aria-labelledby="basemap-history">
          <h2 id="basemap-history">{t('admin.history')}</h2>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('admin.columns.file')}</th>
                  <th scope="col">{t('admin.columns.status')}</th>
                  <th scope="col">{t('admin.columns.started')}</th>
                  <th scope="col">{t('admin.columns.addresses')}</th>
                </tr>
              </thead>
              <tbody>
                {imports.map((i) => (
                  <tr key={i.id}>
                    <td>{i.fileName}</td>
                    <td>{t(`admin.status.${i.status}`)}</td>
                    <td>{i.startedAt.slice(0, 16).replace('T', ' ')}</td>
                    <td>{i.counts.addresses ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  )
}
