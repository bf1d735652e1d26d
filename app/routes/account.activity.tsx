import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { translatorFor } from '../lib/i18n.server'
import { pageNumber, PAGE_SIZE } from '../lib/paging'
import { requireUser } from '../modules/accounts/auth.server'
import { lettersWrittenBy } from '../modules/letters/mine.server'
import { petitionsStartedBy, signaturesBy } from '../modules/petitions/mine.server'
import { proposalsWrittenBy, supportsBy } from '../modules/proposals/mine.server'
import { reportStateLabels } from '../modules/reports/reports.server'
import { reportsFiledBy } from '../modules/reports/mine.server'
import { ACTIVITY_KINDS, type ActivityKind } from '../modules/accounts/schema'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

/**
 * /account/activity?show=<kind>&page=<n> — everything the person filed or signed and where each
 * stands (issue 18): their reports, petitions, proposals, letters, signatures and supports, one
 * kind at a time, 20 to a page. Only their own: every query is by the session's user id.
 */
const showSchema = z.enum(ACTIVITY_KINDS).catch('reports')

interface Row {
  title: string
  href: string
  status: string
  detail: string | null
  date: string
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { t, locale } = await translatorFor(request)
  const url = new URL(request.url)
  const show: ActivityKind = showSchema.parse(url.searchParams.get('show'))
  const page = pageNumber(url.searchParams.get('page'))
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
  const when = (at: string) => date.format(new Date(at))
  const integer = new Intl.NumberFormat(locale)
  let total: number
  let rows: Row[]
  if (show === 'reports') {
    const [found, labels] = await Promise.all([reportsFiledBy(user.id, page), reportStateLabels(locale, (code) => t(`reports:states.${code}`))])
    total = found.total
    rows = found.items.map((r) => ({ title: r.title, href: `/reports/${r.id}`, status: labels[r.state] ?? t(`reports:states.${r.state}`), detail: null, date: when(r.createdAt) }))
  } else if (show === 'petitions') {
    const found = await petitionsStartedBy(user.id, page)
    total = found.total
    rows = found.items.map((p) => ({
      title: p.title,
      href: p.state === 'draft' ? `/petitions/${p.id}/edit` : `/petitions/${p.id}`,
      status: t(`petitions:states.${p.state}`),
      detail: t('accounts:activity.signatures', { count: p.signatures, n: integer.format(p.signatures) }),
      date: when(p.createdAt),
    }))
  } else if (show === 'proposals' || show === 'supports') {
    const found = await (show === 'proposals' ? proposalsWrittenBy : supportsBy)(user.id, page)
    total = found.total
    rows = found.items.map((p) => ({
      title: p.title,
      href: `/proposals/${p.id}`,
      status: t(`proposals:states.${p.state}`),
      detail: t('accounts:activity.supports', { count: p.supports, n: integer.format(p.supports) }),
      date: when(p.createdAt),
    }))
  } else if (show === 'letters') {
    const found = await lettersWrittenBy(user.id, page)
    total = found.total
    rows = found.items.map((l) => ({ title: l.subject, href: l.href, status: t(`accounts:activity.letterStatus.${l.status}`), detail: null, date: when(l.createdAt) }))
  } else {
    const found = await signaturesBy(user.id, page)
    total = found.total
    rows = found.items.map((s) => ({
      title: s.title,
      href: `/petitions/${s.petitionId}`,
      status: t(`accounts:activity.signatureStatus.${s.status}`),
      detail: `${s.sponsor ? `${t('accounts:activity.sponsor')} · ` : ''}${t('accounts:activity.petitionIs', { state: t(`petitions:states.${s.petitionState}`) })}`,
      date: when(s.createdAt),
    }))
  }
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))
  return data({ title: t('accounts:activity.title'), show, page, pages, total, rows }, { headers: { 'Cache-Control': 'private, no-store' } })
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function Activity() {
  const { show, page, pages, total, rows } = useLoaderData<typeof loader>()
  const { t } = useTranslation('accounts')
  const to = (kind: ActivityKind, n = 1) => `/account/activity?show=${kind}${n > 1 ? `&page=${n}` : ''}`
  return (
    <section className="page narrow activity">
      <p>
        <Link to="/account">{t('activity.back')}</Link>
      </p>
      <h1>{t('activity.title')}</h1>
      <nav aria-label={t('activity.kinds')}>
        <ul className="activity__kinds">
          {ACTIVITY_KINDS.map((kind) => (
            <li key={kind}>
              <Link to={to(kind)} className="pill" aria-current={kind === show ? 'page' : undefined}>
                {t(`activity.kind.${kind}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h2 data-testid="activity-total">{t(`activity.count.${show}`, { count: total })}</h2>
      {rows.length === 0 ? <p>{t(`activity.empty.${show}`)}</p> : null}
      <ul className="queue" data-testid="activity-list">
        {rows.map((r, i) => (
          <li key={`${r.href}-${i}`} className="queue__item">
            <Link to={r.href}>{r.title}</Link>
            <p className="activity__facts">
              <strong>{r.status}</strong>
              {r.detail ? ` · ${r.detail}` : ''} · {r.date}
            </p>
          </li>
        ))}
      </ul>
      {pages > 1 ? (
        <nav aria-label={t('activity.pages')} className="pagination">
          {page > 1 ? <Link to={to(show, page - 1)}>{t('activity.previous')}</Link> : null}
          <span>{t('activity.pageOf', { page, pages })}</span>
          {page < pages ? <Link to={to(show, page + 1)}>{t('activity.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  )
}
