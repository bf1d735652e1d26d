import { pino, type Logger } from 'pino'
import { config } from './config.server'

let shared: Logger | undefined

/** Structured JSON logs on stdout, one object per line (pino). */
export function logger(): Logger {
  return (shared ??= pino({
    level: config().LOG_LEVEL,
    base: { service: 'plaza' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.cookie', 'res.headers["set-cookie"]', '*.password'], remove: true },
  }))
}
