import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'

/**
 * Configuration comes from environment variables only, validated once at start-up.
 * A bad value stops start-up with one line naming the variable (see README, "Configuration").
 */

const rateRule = z
  .string()
  .trim()
  .regex(/^(off|\d+\/\d+)$/, 'must be "off" or "POINTS/SECONDS", e.g. "30/60"')
  .transform((v) => {
    if (v === 'off') return null
    const [points, seconds] = v.split('/').map(Number) as [number, number]
    return { points, seconds }
  })
  .refine((v) => v === null || (v.points > 0 && v.seconds > 0), 'points and seconds must be positive')

const booleanish = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes')

// Numbers are written in decimal digits only: Number() would also read "0x50" (80), "1e3" or " ".
// One message for every way a value can be wrong, giving the range, so the operator knows what fits.
function wholeNumber(min: number, max: number, unit = '') {
  const message = `must be a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`
  return z
    .string()
    .trim()
    .regex(/^-?\d{1,15}$/, message)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message))
}

function decimalNumber(min: number, max: number) {
  const message = `must be a number from ${min} to ${max}`
  return z
    .string()
    .trim()
    .regex(/^-?\d{1,9}(\.\d{1,9})?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
}

// A host to listen on: an IP address, or a host name with a dot (plaza.example.org) or localhost.
// A bare word ("not-a-host") is refused at once: resolving it can hang start-up for half a minute.
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+\.?$/i
const hostSchema = z
  .string()
  .trim()
  .refine(
    (h) => net.isIP(h) !== 0 || h.toLowerCase() === 'localhost' || (hostName.test(h) && !/^[\d.]+$/.test(h)),
    'must be an IP address (e.g. 127.0.0.1, 0.0.0.0 or ::) or a full host name (e.g. localhost or plaza.example.org)',
  )

const proposalThreshold = z
  .string()
  .trim()
  .regex(/^(\d{1,9}|\d{1,3}(\.\d{1,4})?%)$/, 'must be a number of supports (e.g. "5000") or a share of the census population (e.g. "1%" or "0.5%")')
  .transform((v) => (v.endsWith('%') ? { kind: 'percent' as const, percent: Number(v.slice(0, -1)) } : { kind: 'supports' as const, supports: Number(v) }))
  .refine((v) => (v.kind === 'percent' ? v.percent > 0 && v.percent <= 100 : v.supports >= 1), 'must be at least 1 support, or a share above 0% and at most 100%')

const schema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test'], { message: 'must be production, development or test' }).default('production'),
  HOST: hostSchema.default('127.0.0.1'),
  PORT: wholeNumber(1, 65535).default(3000),
  PUBLIC_URL: z
    .url({ message: 'must be an absolute http(s) URL, e.g. https://plaza.example.org' })
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  // Server processes sharing the port; they are stateless, so any number works (default: one per core).
  WEB_CONCURRENCY: wholeNumber(1, 64, 'server processes').default(Math.max(1, Math.min(os.availableParallelism(), 8))),
  DATABASE_PATH: z.string().trim().min(1, 'must not be empty').default('data/plaza.sqlite'),
  // postgres://user:password@host:5432/plaza selects PostgreSQL (ADR 119); unset: SQLite at DATABASE_PATH.
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// URL, e.g. postgres://plaza:secret@127.0.0.1:5432/plaza')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  // FULL: every acknowledged commit is on disk (an fsync per commit; group commit amortises it).
  DB_SYNCHRONOUS: z.enum(['FULL', 'NORMAL'], { message: 'must be FULL or NORMAL' }).default('FULL'),
  DB_BUSY_TIMEOUT_MS: wholeNumber(0, 60_000, 'milliseconds').default(5000),
  // PostgreSQL: write connections per process (ADR 157: a second signing batch reads while the first commits). SQLite: ignored.
  DB_WRITE_CONNECTIONS: wholeNumber(1, 4, 'connections').default(2),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  // Number of reverse proxies in front of Plaza whose X-Forwarded-For we believe (0 = none).
  TRUST_PROXY: wholeNumber(0, 10, 'proxy hops, 0 for none').default(0),
  RATE_LIMIT_WRITE: rateRule.default(rateRule.parse('30/60')),
  // The largest photo a report accepts, in bytes (read per request by app/modules/reports/photos.server.ts).
  PHOTO_MAX_BYTES: wholeNumber(100_000, 100 * 1024 * 1024, 'bytes, e.g. 10485760 for 10 MiB').default(10 * 1024 * 1024),
  RATE_LIMIT_READ: rateRule.default(null),
  // E-mail: smtp://user:pass@host:587 or smtps://…:465. Unset: mail stays in the outbox (see DEV_MAIL).
  MAIL_URL: z
    .url({ message: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.org:587' })
    .refine((u) => /^smtps?:\/\//.test(u), 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().trim().min(3, 'must be an address, e.g. "Plaza <no-reply@plaza.example.org>"').optional(),
  // Shows the outbox at /dev/mail so people can open their e-mails without a mail server. Only ever
  // in development, tests and on the demo site (the seeded demo city): a real installation never
  // serves it, whatever this says (app/lib/mail/dev-mail.server.ts). Default there: on exactly when
  // MAIL_URL is unset.
  DEV_MAIL: booleanish.optional(),
  // Whether this server also delivers the outbox (turn off where a separate `npm run mail:worker` runs).
  MAIL_WORKER: booleanish.default(true),
  // Whether this server runs the background jobs (report questionnaires, cleaning up abandoned
  // photo uploads). Any number of servers may: each job claims its rows.
  BACKGROUND_JOBS: booleanish.default(true),
  // Key for keyed hashes (census document numbers) and signed values. Unset: one is generated and
  // kept in the database. Losing it means re-importing the census.
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  // Base map (app/modules/geo): raster tiles ("https://tile.example.org/{z}/{x}/{y}.png") with their
  // attribution, or a MapLibre style URL. Neither: Plaza's own style draws the areas and items offline.
  MAP_TILE_URL: z
    .url({ message: 'must be an http(s) URL of raster tiles containing {z}, {x} and {y}' })
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL of raster tiles containing {z}, {x} and {y}')
    .refine((u) => ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'must contain {z}, {x} and {y}')
    .optional(),
  MAP_STYLE_URL: z
    .url({ message: 'must be an http(s) URL of a MapLibre style (style.json)' })
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL of a MapLibre style (style.json)')
    .optional(),
  MAP_ATTRIBUTION: z.string().trim().max(500, 'must be at most 500 characters').optional(),
  // A Nominatim-style search endpoint ("https://nominatim.example.org/search"): enables address search.
  GEOCODER_URL: z
    .url({ message: 'must be an http(s) URL of a Nominatim-style /search endpoint' })
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL of a Nominatim-style /search endpoint')
    .optional(),
  // The verification level each civic action needs, e.g. "comment=1,support=2,sign=2,vote=2".
  // Actions not named keep their defaults (app/modules/accounts/policy.ts).
  VERIFICATION_LEVELS: z
    .string()
    .trim()
    .regex(
      /^((comment|propose|report|support|sign|vote)=[0-3])(,(comment|propose|report|support|sign|vote)=[0-3])*$/,
      'must look like "comment=1,support=2,sign=2,vote=2" (actions: comment, propose, report, support, sign, vote; levels 0–3)',
    )
    .transform((v) => Object.fromEntries(v.split(',').map((pair) => [pair.split('=')[0]!, Number(pair.split('=')[1])])) as Record<string, number>)
    .optional(),
  // Moderation: flags from different people that hide an item pending review (0 = never).
  MODERATION_AUTO_HIDE: wholeNumber(0, 1000, 'flags, 0 for never').default(3),
  // Hold new users' first posts for a moderator's approval.
  PREMODERATION: booleanish.default(false),
  // Minutes during which an author may edit their comment (the edit is marked).
  COMMENT_EDIT_MINUTES: wholeNumber(0, 10080, 'minutes').default(15),
  // Proposals (app/modules/proposals): the supports a proposal needs to go to a vote — a number
  // ("53726") or a share of the census population over the minimum age ("1%", as Decide Madrid) —
  // and how many months a published proposal collects supports before it is archived.
  PROPOSAL_THRESHOLD: proposalThreshold.default(proposalThreshold.parse('1%')),
  PROPOSAL_MONTHS: wholeNumber(1, 120, 'months').default(12),
  // Petitions (app/modules/petitions): sponsor signatures needed before moderation, the counts that
  // oblige a response and a debate, how long a petition stays open, and whether a logged-in signer
  // at the "sign" verification level counts at once (else every signature waits for its e-mail).
  PETITION_SPONSORS: wholeNumber(0, 100, 'sponsors').default(5),
  PETITION_RESPONSE_THRESHOLD: wholeNumber(1, 1_000_000_000, 'signatures').default(1000),
  PETITION_DEBATE_THRESHOLD: wholeNumber(1, 1_000_000_000, 'signatures').default(10000),
  PETITION_MONTHS: wholeNumber(1, 36, 'months').default(6),
  PETITION_COUNT_LOGGED_IN: booleanish.default(true),
  // Signatures per IP address (IPv6: per /64) per petition beyond which they are held for review.
  PETITION_IP_BURST: wholeNumber(1, 1_000_000, 'signatures a minute').default(10),
  PETITION_IP_HOURLY: wholeNumber(1, 1_000_000, 'signatures an hour').default(100),
  // How often the petitions' background job closes expired petitions and sends signers' mailings
  // (first run after the same wait). The tests shorten it to see a petition close without a minute's wait.
  PETITION_UPKEEP_MS: wholeNumber(1_000, 3_600_000, 'milliseconds').default(60_000),
  // Letters (app/modules/letters): days a letter's text is kept after it is written, how similar
  // (0–1, estimated Jaccard of 5-word shingles) a letter must be to others, from how many other
  // senders, to be frozen for review, and letters allowed per sender and per IP address.
  LETTER_RETENTION_DAYS: wholeNumber(1, 3650, 'days').default(28),
  LETTER_SIMILARITY: decimalNumber(0.5, 1).default(0.8),
  LETTER_CAMPAIGN_SENDERS: wholeNumber(1, 1_000_000, 'senders').default(3),
  LETTER_LIMIT_SENDER: rateRule.default(rateRule.parse('5/86400')),
  LETTER_LIMIT_IP: rateRule.default(rateRule.parse('20/86400')),
  // Shared secret for POST /mail/bounces (bounce messages from the mail server); unset: refused.
  BOUNCE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  // The licence of the open data at /data (an SPDX identifier).
  OPEN_DATA_LICENCE: z.enum(['CC-BY-4.0', 'CC0-1.0', 'ODbL-1.0', 'OGL-UK-3.0'], { message: 'must be one of CC-BY-4.0, CC0-1.0, ODbL-1.0, OGL-UK-3.0' }).default('CC-BY-4.0'),
  // Delivery of reports to outside bodies (app/modules/delivery, issue 19): how often due sends are
  // tried and bodies' Open311 back offices polled for updates; the port of the SMTP endpoint that
  // receives bodies' replies (unset: none) and the domain of the per-report reply addresses.
  // Open311 requests and updates one api_key may post a minute (app/modules/open311).
  OPEN311_POSTS_PER_MINUTE: wholeNumber(1, 10_000_000, 'posts a minute').default(600),
  DELIVERY_INTERVAL_MS: wholeNumber(100, 3_600_000, 'milliseconds').default(5000),
  DELIVERY_POLL_MS: wholeNumber(100, 86_400_000, 'milliseconds').default(60_000),
  // The first wait after a failed send; each further one is 4 times longer, at most 6 hours.
  DELIVERY_RETRY_MS: wholeNumber(10, 3_600_000, 'milliseconds').default(30_000),
  // How long a body's server may take to answer one request (long enough for a slow back office: an
  // attempt without an answer is looked for there before it is posted again), and the sends in
  // flight to one body at once (its keep-alive connections).
  DELIVERY_SEND_TIMEOUT_MS: wholeNumber(100, 300_000, 'milliseconds').default(30_000),
  DELIVERY_CONCURRENCY: wholeNumber(1, 256, 'requests').default(16),
  INBOUND_SMTP_PORT: wholeNumber(1, 65535).optional(),
  INBOUND_SMTP_HOST: hostSchema.default('127.0.0.1'),
  INBOUND_MAIL_DOMAIN: z
    .string()
    .trim()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$|^localhost$/i, 'must be a mail domain, e.g. reply.plaza.example.org')
    .optional(),
  // Anonymous visitors' pages may be served from a cache for the few seconds each route allows.
  PAGE_CACHE: booleanish.default(true),
  // Base-map tiles kept in memory per server process, in MiB (ADR 148); 0 reads every tile from the database.
  TILE_CACHE_MB: wholeNumber(0, 4096, 'MiB per server process').default(64),
  DEFAULT_LOCALE: z.enum(['en', 'es', 'fr'], { message: 'must be en, es or fr' }).default('en'),
  SEED_DEMO: booleanish.default(true),
  SEED: wholeNumber(0, 2_147_483_647).default(1),
})

// Values never printed back: an error names the variable and says what is wrong with it.
const SECRET_VARIABLES = new Set(['SECRET_KEY', 'BOUNCE_SECRET'])

/** A value as an error may show it: secrets hidden, the password inside a URL masked. */
export function printableValue(name: string, value: string): string {
  if (SECRET_VARIABLES.has(name)) return '(value hidden)'
  // scheme://user:password@host: everything up to the last @ goes (a password may hold @ or /),
  // also when the URL does not parse (e.g. MAIL_URL=smtp://user:pass@host:99999).
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, '$1***@'))
}

// Checks across variables, each reported on the variable to change.
const checkedSchema = schema.superRefine((c, ctx) => {
  if (c.PETITION_RESPONSE_THRESHOLD > c.PETITION_DEBATE_THRESHOLD) {
    ctx.addIssue({
      code: 'custom',
      path: ['PETITION_RESPONSE_THRESHOLD'],
      message: `must not be above PETITION_DEBATE_THRESHOLD (${c.PETITION_RESPONSE_THRESHOLD} > ${c.PETITION_DEBATE_THRESHOLD}): a petition is answered before it is debated`,
    })
  }
})

export type Config = Omit<z.infer<typeof schema>, 'PUBLIC_URL' | 'MAIL_FROM'> & {
  PUBLIC_URL: string
  MAIL_FROM: string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parse and validate; throws ConfigError whose message is one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {}
  for (const key of Object.keys(schema.shape)) {
    const value = env[key]
    // An empty variable means "unset" (as in `PORT= npm start`).
    if (value !== undefined && value !== '') input[key] = value
  }
  const result = checkedSchema.safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const name = String(issue.path[0] ?? 'configuration')
    const got = input[name] === undefined || issue.code === 'custom' ? '' : ` (got ${printableValue(name, input[name])})`
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`.replace(/\s+/g, ' '))
  }
  const data = result.data
  const publicUrl = (data.PUBLIC_URL ?? `http://${data.HOST.includes(':') ? `[${data.HOST}]` : data.HOST}:${data.PORT}`).replace(/\/$/, '')
  return {
    ...data,
    PUBLIC_URL: publicUrl,
    MAIL_FROM: data.MAIL_FROM ?? `Plaza <no-reply@${mailDomain(new URL(publicUrl).hostname)}>`,
  }
}

// An IP address or a bare host name is no mail domain (many servers refuse no-reply@127.0.0.1).
function mailDomain(hostname: string) {
  return /^[\d.]+$|^\[|:/.test(hostname) || !hostname.includes('.') ? 'localhost.localdomain' : hostname
}

/** Cookies get `Secure` whenever Plaza is served over HTTPS (a Secure cookie cannot travel over plain HTTP). */
export function secureCookies(c: Pick<Config, 'PUBLIC_URL'> = config()): boolean {
  return c.PUBLIC_URL.startsWith('https://')
}

const SQLITE_HEADER = 'SQLite format 3\u0000'

/**
 * Start-up check of DATABASE_PATH before SQLite opens it: a directory, a place Plaza cannot write
 * (SQLite in WAL mode also writes `-wal` and `-shm` files beside it) or a file that is not a SQLite
 * database stop start-up with one line naming the variable, instead of a stack trace.
 */
export function checkDatabasePath(databasePath: string): void {
  const fail = (why: string) => {
    throw new ConfigError(`Invalid configuration: DATABASE_PATH ${why} (got ${JSON.stringify(databasePath)})`)
  }
  if (databasePath === ':memory:') return
  const file = path.resolve(databasePath)
  const stat = statOrNull(file)
  if (stat?.isDirectory()) fail('is a directory: give the path of a database file, e.g. data/plaza.sqlite')
  if (stat && !stat.isFile()) fail('is not a regular file')
  const dir = path.dirname(file)
  try {
    fs.mkdirSync(dir, { recursive: true })
  } catch (error) {
    fail(`is in a directory that cannot be created (${errorCode(error)})`)
  }
  // Really write beside it: access() says yes to root on a read-only mount.
  const probe = path.join(dir, `.plaza-write-check-${process.pid}-${Date.now()}`)
  try {
    fs.closeSync(fs.openSync(probe, 'wx'))
    fs.unlinkSync(probe)
  } catch (error) {
    fail(`is in a directory Plaza cannot write to (${errorCode(error)}): SQLite writes its journal beside the database`)
  }
  if (!stat) return
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK)
  } catch (error) {
    fail(`cannot be read and written (${errorCode(error)})`)
  }
  if (stat.size === 0) return
  const header = Buffer.alloc(16)
  let read = 0
  try {
    const fd = fs.openSync(file, 'r')
    try {
      read = fs.readSync(fd, header, 0, 16, 0)
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    fail(`cannot be read (${errorCode(error)})`)
  }
  if (read < 16 || header.toString('latin1') !== SQLITE_HEADER) fail('is not a SQLite database: move the file away or give another path')
}

function statOrNull(file: string) {
  try {
    return fs.statSync(file)
  } catch {
    return null
  }
}

const errorCode = (error: unknown) => (typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'error')

let cached: Config | undefined
/** The process-wide configuration (validated on first use). */
export function config(): Config {
  return (cached ??= loadConfig())
}
