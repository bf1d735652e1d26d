import type { BackgroundJob } from '../../lib/jobs.server'
import { startDeliveryJobs } from './delivery.server'
import { startInboundMail } from './inbound-mail.server'

/** Delivery's background jobs, issue 19 (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const deliveryJobs: BackgroundJob[] = [
  { name: 'delivery: sending queued deliveries and polling bodies for updates', start: () => startDeliveryJobs() },
  {
    // Replies e-mailed by bodies, on Plaza's own SMTP endpoint when INBOUND_SMTP_PORT is set.
    name: 'delivery: the inbound SMTP endpoint for replies',
    start: (ctx) => {
      const port = ctx.config.INBOUND_SMTP_PORT
      if (!port) return () => undefined
      const inbound = startInboundMail({ port, host: ctx.config.INBOUND_SMTP_HOST }).catch((error) => {
        ctx.log.error({ err: error }, 'the inbound SMTP endpoint could not start')
        return null
      })
      return async () => {
        await (await inbound)?.stop()
      }
    },
  },
]
