import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import styles from '../components/representatives/representatives.css'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { ADMIN_PAGE_SIZE, isoDay, listLevels, listRepresentatives, type AdminFilters } from '../modules/letters/representatives.server'
import { representativeFormOptions } from '../modules/letters/representatives-form.server'
import { areaIdBySlug } from '../modules/geo/names.server'
import { AreaOptions } from '../components/AreaSelect'

/** /admin/representatives — every representative, filtered by level, area, bounce and term (admin:settings). */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:settings')
  const { t, locale } = await translatorFor(request)
  const params = new URL(request.url).searchParams
  const sent = {
    level: (params.get('level') ?? '').slice(0, 40),
    area: (params.get('area') ?? '').slice(0, 100),
    bounced: params.get('bounced') === 'yes' || params.get('bounced') === 'no' ? params.get('bounced')! : '',
    status: params.get('status') === 'active' || params.get('status') === 'former' ? params.get('status')! : '',
    q: (params.get('q') ?? '').trim().slice(0, 100),
  }
  const page = Math.min(10_000, Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1))
  const filters: AdminFilters = {}
  if (sent.level) filters.level = sent.level
  if (sent.area) {
    filters.areaId = (await areaIdBySlug(sent.area)) ?? -1
  }
  if (sent.bounced) filters.bounced = sent.bounced === 'yes'
  if (sent.status) filters.status = sent.status as 'active' | 'former'
  if (sent.q) filters.q = sent.q
  const [{ rows, total }, levels, options] = await Promise.all([listRepresentatives(filters, { locale, page }), listLevels(locale), representativeFormOptions(locale)])
  const today = isoDay()
  return {
    title: t('representatives:admin.title'),
    sent,
    page,
    pages: Math.max(1, Math.ceil(total / ADMIN_PAGE_SIZE)),
    total,
    levels: levels.map((l) => ({ code: l.code, name: l.name })),
    areas: options.areas,
    rows: rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      levelName: r.levelName,
      areaName: r.areaName,
      email: r.email,
      activeFrom: r.activeFrom,
      activeUntil: r.activeUntil,
      former: r.activeUntil !== null && r.activeUntil < today,
      bounced: r.emailBouncedAt !== null,
    })),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function AdminRepresentatives() {
  const { title, sent, rows, total, levels, areas, page, pages } = useLoaderData<typeof loader>()
  const { t } = useTranslation('representatives')
  const pageLink = (p: number) => `?${new URLSearchParams({ ...Object.fromEntries(Object.entries(sent).filter((e) => e[1])), page: String(p) })}`
  return (
    <section className="page">
      <h1>{title}</h1>
      <p>{t('admin.intro')}</p>
      <ul className="link-list">
        <li>
          <Link to="/admin/representatives/new">{t('admin.new')}</Link>
        </li>
        <li>
          <Link to="/admin/representatives/import">{t('admin.import')}</Link>
        </li>
        <li>
          <Link to="/admin/representatives/levels">{t('admin.levels')}</Link>
        </li>
      </ul>
      <Form method="get" className="filters" aria-label={t('admin.filters')}>
        <div className="field">
          <label htmlFor="filter-level">{t('admin.filterLevel')}</label>
          <select id="filter-level" name="level" defaultValue={sent.level}>
            <option value="">{t('admin.any')}</option>
            {levels.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-area">{t('admin.filterArea')}</label>
          <select id="filter-area" name="area" defaultValue={sent.area}>
            <option value="">{t('admin.anyArea')}</option>
            {areas
              .filter((a) => a.level === 'city')
              .map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.name}
                </option>
              ))}
            <AreaOptions areas={areas} wholeDistrict={(name) => t('admin.wholeDistrict', { name })} />
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-bounced">{t('admin.filterBounced')}</label>
          <select id="filter-bounced" name="bounced" defaultValue={sent.bounced}>
            <option value="">{t('admin.any')}</option>
            <option value="yes">{t('admin.bouncedOnly')}</option>
            <option value="no">{t('admin.notBounced')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">{t('admin.filterStatus')}</label>
          <select id="filter-status" name="status" defaultValue={sent.status}>
            <option value="">{t('admin.any')}</option>
            <option value="active">{t('admin.statusActive')}</option>
            <option value="former">{t('admin.statusFormer')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-q">{t('admin.search')}</label>
          <input id="filter-q" name="q" type="search" defaultValue={sent.q} />
        </div>
        <button type="submit">{t('admin.apply')}</button>
      </Form>
      <p data-testid="count">{t('admin.count', { count: total })}</p>
      {rows.length === 0 ? (
        <p>{t('admin.none')}</p>
      ) : (
        <table className="data-table cards">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.level')}</th>
              <th scope="col">{t('admin.area')}</th>
              <th scope="col">{t('admin.email')}</th>
              <th scope="col">{t('admin.term')}</th>
              <th scope="col">{t('admin.state')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`row-${r.id}`}>
                <td>
                  <Link to={`/admin/representatives/${r.id}`}>{r.name}</Link>
                  <br />
                  {r.role}
                </td>
                <td data-label={t('admin.level')}>{r.levelName}</td>
                <td data-label={t('admin.area')}>{r.areaName}</td>
                <td data-label={t('admin.email')}>{r.email}</td>
                <td data-label={t('admin.term')}>
                  {r.activeFrom ?? '…'} – {r.activeUntil ?? '…'}
                </td>
                <td data-label={t('admin.state')}>{[r.former ? t('admin.former') : null, r.bounced ? t('admin.bounced') : null].filter(Boolean).join(', ') || t('admin.ok')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 ? (
        <nav aria-label={t('admin.page', { page, pages })}>
          {page > 1 ? <Link to={pageLink(page - 1)}>{t('admin.previous')}</Link> : null} {t('admin.page', { page, pages })}{' '}
          {page < pages ? <Link to={pageLink(page + 1)}>{t('admin.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  )
}
