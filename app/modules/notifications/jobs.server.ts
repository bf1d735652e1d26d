import type { BackgroundJob } from '../../lib/jobs.server'
import { startDigestJob } from './digest.server'

/** Following's background job (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const notificationJobs: BackgroundJob[] = [
  // Each address with daily subscriptions gets one digest a day (claimed per address).
  { name: 'notifications: daily digests', start: () => startDigestJob() },
]
