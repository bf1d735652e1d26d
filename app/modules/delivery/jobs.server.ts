import type { BackgroundJob } from '../../lib/jobs.server'
import { startDeliveryJobs } from './delivery.server'
import { registerDeliveryInbound } from './inbound-mail.server'

/** Delivery's background jobs, issue 19 (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const deliveryJobs: BackgroundJob[] = [
  { name: 'delivery: sending queued deliveries and polling bodies for updates', start: () => startDeliveryJobs() },
  // Replies e-mailed by bodies to report-<token>@…, on the shared inbound SMTP endpoint (app/lib/mail/inbound.server.ts).
  { name: 'delivery: replies to reports on the shared inbound SMTP endpoint', start: () => registerDeliveryInbound() },
]
