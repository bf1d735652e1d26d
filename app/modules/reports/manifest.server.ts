import { defineManifest } from '../manifest'
import { reportJobs } from './jobs.server'
import { relocateReportAreas } from './relocate-areas.server'
import { registerReportKinds } from './kinds.server'
import { registerReportAlerts } from './alerts.server'

/** Street-issue reports: filing, photos, triage, alerts, feeds, the CSV export. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'reports',
  routes: ['/reports', '/council', '/council/reports', '/council/dashboard', '/council/templates', '/alerts', '/feeds/reports'],
  permissions: ['council:access', 'report:triage'],
  jobs: reportJobs,
  datasets: [],
  feeds: ['/feeds/reports.rss', '/feeds/reports/area/<slug>.rss', '/feeds/reports/category/<code>.rss', '/feeds/reports/near.rss'],
  mapLayers: ['reports'],
  relocateAreas: async (r) => {
    const moved = await relocateReportAreas(r)
    return { reports: moved.reports, reportAlerts: moved.alerts }
  },
  followableKinds: ['report'],
  register() {
    registerReportKinds()
    registerReportAlerts()
  },
})
