import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import councilStyles from '../components/charts/charts.css'
import { BarChart, LineChart, StackedBarChart } from '../components/charts'
import { FormMessage } from '../components/forms'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { councilDashboard, councilScope } from '../modules/reports/council.server'

/**
 * /council/dashboard — for the viewer's departments (or one of them): reports filed per week by
 * category and by district over the last 12 weeks, and the median time from confirmation to first
 * response and to fixed, overall, per category and per week. Charts are server-drawn SVG with
 * their numbers in a table underneath: nothing here needs JavaScript.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: councilStyles }]

const WEEKS = 12

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'report:triage')
  const { t, locale } = await translatorFor(request)
  const scope = await councilScope(user)
  const wanted = (new URL(request.url).searchParams.get('department') ?? '').slice(0, 100)
  const chosen = wanted ? scope.departments.find((d) => d.slug === wanted) : undefined
  const departmentIds = chosen ? [chosen.id] : scope.all ? null : scope.departments.map((d) => d.id)
  const dashboard = await councilDashboard(departmentIds, { weeks: WEEKS })
  const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' })
  return data(
    {
      title: t('council:dashboard.title'),
      locale,
      departments: scope.departments,
      showDepartments: scope.all || scope.departments.length > 1,
      department: chosen?.slug ?? '',
      departmentError: wanted && !chosen ? t('council:errors.department') : null,
      scopeNames: chosen ? [chosen.name] : scope.departments.map((d) => d.name),
      weeks: dashboard.weeks.map((w) => day.format(new Date(`${w}T00:00:00Z`))),
      dashboard: { ...dashboard, byDistrict: dashboard.byDistrict.map((x) => ({ ...x, name: x.name ?? t('council:dashboard.noDistrict') })) },
    },
    { status: wanted && !chosen ? 400 : 200 },
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function CouncilDashboard() {
  const d = useLoaderData<typeof loader>()
  const { t } = useTranslation('council')
  const number = new Intl.NumberFormat(d.locale, { maximumFractionDigits: 1 })
  // Under two days in hours, then in days: "5.5 h", "3.2 days".
  const duration = (hours: number | null) =>
    hours === null ? t('dashboard.none') : hours < 48 ? t('dashboard.hours', { n: number.format(hours) }) : t('dashboard.days', { n: number.format(hours / 24) })
  const db = d.dashboard
  const tableLabels = { summary: t('dashboard.showNumbers'), total: t('dashboard.total') }
  // The weekly lines in days once any median passes two days, so the axis reads in round days.
  const weekly = [...db.firstResponse.byWeek, ...db.fixed.byWeek].filter((x): x is number => x !== null)
  const inDays = weekly.some((h) => h >= 48)
  const perUnit = (values: Array<number | null>) => values.map((h) => (h === null ? null : inDays ? h / 24 : h))
  const unitFormat = (value: number) => (inDays ? t('dashboard.days', { n: number.format(value) }) : t('dashboard.hours', { n: number.format(value) }))
  const range = { from: d.weeks[0], to: d.weeks[d.weeks.length - 1], weeks: d.weeks.length }

  return (
    <section className="page council">
      <p>
        <Link to="/council/reports">{t('report.back')}</Link>
      </p>
      <h1>{t('dashboard.title')}</h1>
      <p>{t('dashboard.intro', { departments: d.scopeNames.join(', '), ...range })}</p>
      {d.departmentError ? <FormMessage tone="error">{d.departmentError}</FormMessage> : null}
      {d.showDepartments ? (
        <Form method="get" className="search-form">
          <label htmlFor="dashboard-department">{t('list.department')}</label>
          <select id="dashboard-department" name="department" defaultValue={d.department}>
            <option value="">{t('list.allDepartments')}</option>
            {d.departments.map((dep) => (
              <option key={dep.slug} value={dep.slug}>
                {dep.name}
              </option>
            ))}
          </select>
          <button type="submit">{t('list.apply')}</button>
        </Form>
      ) : null}

      <dl className="figures">
        <div>
          <dt>{t('dashboard.filed', { weeks: range.weeks })}</dt>
          <dd>{db.total}</dd>
        </div>
        <div>
          <dt>{t('dashboard.medianResponse')}</dt>
          <dd>{duration(db.firstResponse.overall)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.medianFixed')}</dt>
          <dd>{duration(db.fixed.overall)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.waiting')}</dt>
          <dd>{db.firstResponse.waiting}</dd>
        </div>
      </dl>

      {db.total === 0 ? <p className="chart__empty">{t('dashboard.empty')}</p> : null}

      <h2>{t('dashboard.volume')}</h2>
      <StackedBarChart
        title={t('dashboard.byCategory')}
        description={t('dashboard.byCategoryDesc', { total: db.total, ...range })}
        xLabels={d.weeks}
        series={db.byCategory.map((c) => ({ label: c.name, values: c.counts }))}
        labels={{ ...tableLabels, series: t('list.category') }}
      />
      <StackedBarChart
        title={t('dashboard.byDistrict')}
        description={t('dashboard.byDistrictDesc', { total: db.total, ...range })}
        xLabels={d.weeks}
        series={db.byDistrict.map((x) => ({ label: x.name, values: x.counts }))}
        labels={{ ...tableLabels, series: t('dashboard.district') }}
      />

      <h2>{t('dashboard.speed')}</h2>
      <p>{t('dashboard.speedIntro')}</p>
      <LineChart
        title={t('dashboard.byWeek')}
        description={t('dashboard.byWeekDesc', { response: duration(db.firstResponse.overall), fixed: duration(db.fixed.overall), ...range })}
        xLabels={d.weeks}
        series={[
          { label: t('dashboard.seriesResponse'), values: perUnit(db.firstResponse.byWeek) },
          { label: t('dashboard.seriesFixed'), values: perUnit(db.fixed.byWeek) },
        ]}
        format={unitFormat}
        labels={{ summary: tableLabels.summary, series: t('dashboard.measure'), missing: t('dashboard.none') }}
      />
      <BarChart
        title={t('dashboard.responseByCategory')}
        description={t('dashboard.responseByCategoryDesc', { overall: duration(db.firstResponse.overall) })}
        items={db.firstResponse.byCategory.map((c) => ({ label: c.name, value: c.hours, display: duration(c.hours), note: String(c.n) }))}
        labels={{ summary: tableLabels.summary, item: t('list.category'), value: t('dashboard.median'), note: t('dashboard.reports') }}
      />
      <BarChart
        title={t('dashboard.fixedByCategory')}
        description={t('dashboard.fixedByCategoryDesc', { overall: duration(db.fixed.overall) })}
        items={db.fixed.byCategory.map((c) => ({ label: c.name, value: c.hours, display: duration(c.hours), note: String(c.n) }))}
        labels={{ summary: tableLabels.summary, item: t('list.category'), value: t('dashboard.median'), note: t('dashboard.reports') }}
      />
    </section>
  )
}
