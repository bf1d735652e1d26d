import type { Logger } from 'pino'
import { config } from '../config.server'
import type { PlazaDatabase } from '../db.server'
import { logger as sharedLogger } from '../logger.server'
import { deliverDueMail, onMailQueued } from './outbox.server'
import { createSmtpTransport, type MailTransport } from './transport.server'

export interface MailWorkerOptions {
  /** Time between two looks at the outbox when nothing wakes the worker. */
  intervalMs: number
  /** Default: SMTP from MAIL_URL. */
  transport?: MailTransport
  /** Mails claimed per round (default 20). */
  limit?: number
  database?: PlazaDatabase
  logger?: Logger
}

export interface MailWorker {
  /** Stops polling and waits for the round in progress (its mails are recorded, none is cut off). */
  stop(): Promise<void>
}

/**
 * Deliver the outbox in the background: a round every `intervalMs`, at once when `queueMail` runs in
 * this process, and again straight away while rounds come back full. Any number of workers, in any
 * number of processes, may run against one database (claims are leased; see outbox.server.ts).
 * A failing round is logged and the next one runs as usual: the worker never takes the process down.
 */
export function startMailWorker(options: MailWorkerOptions): MailWorker {
  const log = options.logger ?? sharedLogger()
  const limit = options.limit ?? 20
  let transport = options.transport
  const ownTransport = !transport
  if (!transport) {
    const url = config().MAIL_URL
    if (!url) throw new Error('startMailWorker needs MAIL_URL (or a transport)')
    transport = createSmtpTransport(url)
  }
  const send = transport
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let wokenWhileRunning = false

  async function round(): Promise<void> {
    for (;;) {
      wokenWhileRunning = false
      let more = false
      try {
        const report = await deliverDueMail({ transport: send, limit, database: options.database, log })
        const handled = report.sent + report.retried + report.failed
        if (handled) log.info({ mail: report }, 'outbox delivered')
        more = handled >= limit
      } catch (error) {
        log.error({ err: error }, 'mail worker round failed')
      }
      if (stopped || !(more || wokenWhileRunning)) return
    }
  }

  function tick() {
    if (stopped) return
    if (running) {
      wokenWhileRunning = true
      return
    }
    clearTimeout(timer)
    running = round().finally(() => {
      running = undefined
      if (!stopped) timer = setTimeout(tick, options.intervalMs)
    })
  }

  const unsubscribe = onMailQueued(tick)
  timer = setTimeout(tick, 0)
  log.info({ intervalMs: options.intervalMs }, 'mail worker started')

  return {
    async stop() {
      if (stopped) return
      stopped = true
      unsubscribe()
      clearTimeout(timer)
      await running
      if (ownTransport) send.close?.()
    },
  }
}
