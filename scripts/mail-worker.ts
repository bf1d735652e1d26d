/**
 * `npm run mail:worker`: deliver the outbox and nothing else, for installations that send mail from a
 * separate process (set MAIL_WORKER=false on the web servers then). Any number may run at once: each
 * mail is claimed by one of them (docs/decisions/030-mail-outbox.md).
 */
import { ConfigError, loadConfig } from '../app/lib/config.server'

let config: ReturnType<typeof loadConfig>
try {
  config = loadConfig()
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
if (!config.MAIL_URL) {
  console.error('MAIL_URL is not set: there is nowhere to send mail (e.g. MAIL_URL=smtp://user:password@mail.example.org:587)')
  process.exit(1)
}

const { database, migrateOrThrow } = await import('../app/lib/db.server')
const { logger } = await import('../app/lib/logger.server')
const { startMailWorker } = await import('../app/lib/mail/worker.server')
// Capabilities that hear a mail's final outcome (letters mark deliveries sent or failed) must be
// registered here too, or deliveries this process finishes wait for the reconcile job.
const { registerLetterMail } = await import('../app/modules/letters/letters.server')
registerLetterMail()

// The outbox table must exist; migrating is idempotent and safe next to running servers.
await migrateOrThrow(database())
const worker = startMailWorker({ intervalMs: 5000 })

async function shutdown(signal: string) {
  logger().info({ signal }, 'mail worker stopping')
  setTimeout(() => process.exit(0), 10_000).unref()
  await worker.stop()
  await database().close()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
