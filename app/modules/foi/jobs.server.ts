import { sweepAttachmentFiles } from '../../lib/attachment-files.server'
import { repeating, type BackgroundJob } from '../../lib/jobs.server'
import { logger } from '../../lib/logger.server'
import { attachmentNamesInUse } from './foi.server'
import { registerFoiInbound } from './inbound.server'

/** FOI's background jobs, issue 22 (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const foiJobs: BackgroundJob[] = [
  // Answers e-mailed by bodies to request-<token>@…, on the shared inbound SMTP endpoint (app/lib/mail/inbound.server.ts).
  { name: 'foi: answers on the shared inbound SMTP endpoint', start: () => registerFoiInbound() },
  {
    // SQLite keeps attachments as files beside the database (ADR 150): each hour, those no row names
    // (mail held for an administrator, a crash between file and row) are removed. Every server sweeps
    // its own folder; PostgreSQL keeps attachments in rows, so there is nothing to sweep.
    name: 'foi: stored attachment files no answer names',
    start: (ctx) =>
      ctx.config.DATABASE_URL
        ? () => undefined
        : repeating(
            ctx,
            async () => {
              const outcome = await sweepAttachmentFiles(attachmentNamesInUse)
              if (outcome.removed || outcome.leftovers) logger().info(outcome, 'foi: attachment files no answer names removed')
            },
            { firstMs: 60_000, everyMs: 60 * 60_000, failure: 'foi: the sweep of attachment files failed' },
          ),
  },
]
