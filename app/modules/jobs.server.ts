import path from 'node:path'
import { attachmentsDirectory } from '../lib/attachment-files.server'
import { config } from '../lib/config.server'
import type { JobContext } from '../lib/jobs.server'
import { logger } from '../lib/logger.server'
import { startInboundMail } from '../lib/mail/inbound.server'
import { manifests } from './registry.server'

/**
 * Background work that runs beside the web servers (in the primary process; see scripts/start.ts):
 * every job every capability's manifest lists (`jobs`, app/lib/jobs.server.ts), started in the
 * manifests' order and stopped in the same order. Each job claims its rows in the database, so
 * several servers running them never do one twice.
 *
 * Then the one inbound SMTP endpoint (app/lib/mail/inbound.server.ts, ADR 125) when
 * INBOUND_SMTP_PORT is set: the modules' jobs have registered their address prefixes on it
 * (delivery `report-`, foi `request-`). Its spool (messages acknowledged, not yet stored) is the
 * directory `inbound-spool` beside DATABASE_PATH; on SQLite, answers' attachments are files in
 * `attachments` beside it (ADR 150).
 */
export function startBackgroundJobs(ctx: JobContext = { log: logger(), config: config() }) {
  const running = manifests.flatMap((manifest) => manifest.jobs.map((job) => ({ name: job.name, stop: job.start(ctx) })))
  const port = ctx.config.INBOUND_SMTP_PORT
  if (port) {
    const inbound = startInboundMail({
      port,
      host: ctx.config.INBOUND_SMTP_HOST,
      spoolDir: path.join(path.dirname(path.resolve(ctx.config.DATABASE_PATH)), 'inbound-spool'),
      // SQLite: attachments as files beside the database, written by the parse threads (ADR 150); PostgreSQL keeps them in bytea.
      attachmentsDir: ctx.config.DATABASE_URL ? undefined : attachmentsDirectory(ctx.config.DATABASE_PATH),
    }).catch((error) => {
      ctx.log.error({ err: error }, 'the inbound SMTP endpoint could not start')
      return null
    })
    running.push({ name: 'mail: the inbound SMTP endpoint', stop: async () => void (await (await inbound)?.stop()) })
  }
  ctx.log.debug({ jobs: running.map((j) => j.name) }, 'background jobs started')
  return {
    jobs: running.map((j) => j.name),
    async stop() {
      for (const job of running) await job.stop()
    },
  }
}
