import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { config, type Config } from '../config.server'
import { database } from '../db.server'

/**
 * Whether this server shows its outbox at /dev/mail (and the demo banner that leads there).
 *
 * /dev/mail shows every e-mail — password-reset links included — to anyone, so it exists only in
 * development, in tests and on the demo site (the seeded demo city, SEED_DEMO on). A real
 * installation (NODE_ENV=production without the demo) never serves it, whatever DEV_MAIL says:
 * its mail stays in the outbox, unreadable from the web, until MAIL_URL is set.
 * docs/decisions/100-dev-mail-only-on-demo.md. The routes, root.tsx's banner and start-up all ask here.
 */

/** The settings row the demo seed writes (db/seed/index.ts): this database holds the demo city. */
export const DEMO_MARKER = 'demo_city'

export interface DevMailDecision {
  /** /dev/mail and the demo banner exist */
  enabled: boolean
  /** DEV_MAIL=true was set where it is not allowed (and is ignored) */
  ignored: boolean
  /** this is the demo site */
  demo: boolean
}

type DevMailConfig = Pick<Config, 'NODE_ENV' | 'DEV_MAIL' | 'MAIL_URL' | 'SEED_DEMO'>

/** The rule itself (pure): development and tests, or the seeded demo; then DEV_MAIL, else "no MAIL_URL". */
export function decideDevMail(c: DevMailConfig, demoSeeded: boolean): DevMailDecision {
  const demo = c.SEED_DEMO && demoSeeded
  const allowed = c.NODE_ENV !== 'production' || demo
  const wanted = c.DEV_MAIL ?? c.MAIL_URL === undefined
  return { enabled: allowed && wanted, ignored: !allowed && c.DEV_MAIL === true, demo }
}

/** True when the demo seed wrote its marker in this database. */
export async function isDemoDatabase(db: Kysely<Database> = database().db): Promise<boolean> {
  const row = await db.selectFrom('settings').select('key').where('key', '=', DEMO_MARKER).executeTakeFirst()
  return row !== undefined
}

let decided: Promise<DevMailDecision> | undefined

/**
 * This process's decision, read once (the demo is seeded before the server serves). A production
 * server that is no demo does not even read the database to know.
 */
export function devMail(): Promise<DevMailDecision> {
  const c = config()
  if (c.NODE_ENV === 'production' && !c.SEED_DEMO) return Promise.resolve(decideDevMail(c, false))
  decided ??= isDemoDatabase().then(
    (demo) => decideDevMail(c, demo),
    (error: unknown) => {
      decided = undefined
      throw error
    },
  )
  return decided
}

/** Throws the 404 of a page that does not exist unless /dev/mail is on. */
export async function requireDevMail(): Promise<void> {
  if (!(await devMail()).enabled) throw new Response('Not Found', { status: 404 })
}

/** The start-up log lines about mail (each a warning), for scripts/start.ts. */
export async function mailStartupNotices(c: Config, db: Kysely<Database>): Promise<string[]> {
  const decision = decideDevMail(c, await isDemoDatabase(db))
  const notices: string[] = []
  if (c.MAIL_URL === undefined) {
    notices.push(
      decision.enabled
        ? 'MAIL_URL is not set: no e-mail is sent; e-mails stay in the outbox until MAIL_URL is set, and are shown at /dev/mail (development, tests, the demo site).'
        : 'MAIL_URL is not set: no e-mail is sent; e-mails stay in the outbox until MAIL_URL is set (smtp://user:password@host:587). They cannot be read from the web.',
    )
  }
  if (decision.ignored) {
    notices.push('DEV_MAIL=true is ignored: /dev/mail exists only in development, in tests and on the demo site, never on a real installation (NODE_ENV=production without the seeded demo city).')
  }
  if (decision.enabled && c.NODE_ENV === 'production') {
    notices.push('This is the demo site: e-mails, with their confirmation and password-reset links, are shown to anyone at /dev/mail.')
  }
  return notices
}
