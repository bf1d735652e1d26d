import type { BackgroundJob } from '../../lib/jobs.server'
import { registerFoiInbound } from './inbound.server'

/** FOI's background job, issue 22 (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const foiJobs: BackgroundJob[] = [
  // Answers e-mailed by bodies to request-<token>@…, on the shared inbound SMTP endpoint (app/lib/mail/inbound.server.ts).
  { name: 'foi: answers on the shared inbound SMTP endpoint', start: () => registerFoiInbound() },
]
