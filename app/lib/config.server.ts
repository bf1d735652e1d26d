import os from 'node:os'
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

const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const proposalThreshold = z
  .string()
  .trim()
  .regex(/^(\d{1,9}|\d{1,3}(\.\d{1,4})?%)$/, 'must be a number of supports (e.g. "5000") or a share of the census population (e.g. "1%" or "0.5%")')
  .transform((v) => (v.endsWith('%') ? { kind: 'percent' as const, percent: Number(v.slice(0, -1)) } : { kind: 'supports' as const, supports: Number(v) }))
  .refine((v) => (v.kind === 'percent' ? v.percent > 0 && v.percent <= 100 : v.supports >= 1), 'must be at least 1 support, or a share above 0% and at most 100%')

const schema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test'], { message: 'must be production, development or test' }).default('production'),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  PORT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(3000),
  PUBLIC_URL: z
    .url({ message: 'must be an absolute http(s) URL, e.g. https://plaza.example.org' })
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  // Server processes sharing the port; they are stateless, so any number works (default: one per core).
  WEB_CONCURRENCY: z.coerce
    .number({ message: 'must be a number of processes' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(64, 'must be at most 64')
    .default(Math.max(1, Math.min(os.availableParallelism(), 8))),
  DATABASE_PATH: z.string().trim().min(1, 'must not be empty').default('data/plaza.sqlite'),
  // FULL: every acknowledged commit is on disk (an fsync per commit; group commit amortises it).
  DB_SYNCHRONOUS: z.enum(['FULL', 'NORMAL'], { message: 'must be FULL or NORMAL' }).default('FULL'),
  DB_BUSY_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).max(60_000).default(5000),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  // Number of reverse proxies in front of Plaza whose X-Forwarded-For we believe (0 = none).
  TRUST_PROXY: z.coerce.number({ message: 'must be a number of proxy hops (0 for none)' }).int().min(0).max(10).default(0),
  RATE_LIMIT_WRITE: rateRule.default(rateRule.parse('30/60')),
  // The largest photo a report accepts, in bytes (read per request by app/modules/reports/photos.server.ts).
  PHOTO_MAX_BYTES: z.coerce
    .number({ message: 'must be a number of bytes, e.g. 10485760 for 10 MiB' })
    .int('must be a whole number of bytes')
    .min(100_000, 'must be at least 100000 bytes')
    .max(100 * 1024 * 1024, 'must be at most 104857600 bytes (100 MiB)')
    .default(10 * 1024 * 1024),
  RATE_LIMIT_READ: rateRule.default(null),
  // E-mail: smtp://user:pass@host:587 or smtps://…:465. Unset: mail stays in the outbox (see DEV_MAIL).
  MAIL_URL: z
    .url({ message: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.org:587' })
    .refine((u) => /^smtps?:\/\//.test(u), 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().trim().min(3, 'must be an address, e.g. "Plaza <no-reply@plaza.example.org>"').optional(),
  // Shows the outbox at /dev/mail so people can open their e-mails without a mail server (the demo).
  // Default: on exactly when MAIL_URL is unset. Never turn it on for a public site: reset links show there.
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
    .regex(/^((comment|propose|report|support|sign|vote)=[0-3])(,(comment|propose|report|support|sign|vote)=[0-3])*$/, 'must look like "comment=1,support=2,sign=2,vote=2" (actions: comment, propose, report, support, sign, vote; levels 0–3)')
    .transform((v) => Object.fromEntries(v.split(',').map((pair) => [pair.split('=')[0]!, Number(pair.split('=')[1])])) as Record<string, number>)
    .optional(),
  // Moderation: flags from different people that hide an item pending review (0 = never).
  MODERATION_AUTO_HIDE: z.coerce.number({ message: 'must be a number of flags' }).int().min(0, 'must be 0 or more').max(1000).default(3),
  // Hold new users' first posts for a moderator's approval.
  PREMODERATION: booleanish.default(false),
  // Minutes during which an author may edit their comment (the edit is marked).
  COMMENT_EDIT_MINUTES: z.coerce.number({ message: 'must be a number of minutes' }).int().min(0).max(10080).default(15),
  // Proposals (app/modules/proposals): the supports a proposal needs to go to a vote — a number
  // ("53726") or a share of the census population over the minimum age ("1%", as Decide Madrid) —
  // and how many months a published proposal collects supports before it is archived.
  PROPOSAL_THRESHOLD: proposalThreshold.default(proposalThreshold.parse('1%')),
  PROPOSAL_MONTHS: z.coerce.number({ message: 'must be a number of months' }).int('must be a whole number of months').min(1, 'must be between 1 and 120').max(120, 'must be between 1 and 120').default(12),
  // Petitions (app/modules/petitions): sponsor signatures needed before moderation, the counts that
  // oblige a response and a debate, how long a petition stays open, and whether a logged-in signer
  // at the "sign" verification level counts at once (else every signature waits for its e-mail).
  PETITION_SPONSORS: z.coerce.number({ message: 'must be a number of sponsors' }).int('must be a whole number').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').default(5),
  PETITION_RESPONSE_THRESHOLD: z.coerce.number({ message: 'must be a number of signatures' }).int('must be a whole number').min(1, 'must be at least 1').default(1000),
  PETITION_DEBATE_THRESHOLD: z.coerce.number({ message: 'must be a number of signatures' }).int('must be a whole number').min(1, 'must be at least 1').default(10000),
  PETITION_MONTHS: z.coerce.number({ message: 'must be a number of months' }).int('must be a whole number of months').min(1, 'must be between 1 and 36').max(36, 'must be between 1 and 36').default(6),
  PETITION_COUNT_LOGGED_IN: booleanish.default(true),
  // Signatures per IP address (IPv6: per /64) per petition beyond which they are held for review.
  PETITION_IP_BURST: z.coerce.number({ message: 'must be a number of signatures a minute' }).int().min(1, 'must be at least 1').default(10),
  PETITION_IP_HOURLY: z.coerce.number({ message: 'must be a number of signatures an hour' }).int().min(1, 'must be at least 1').default(100),
  // Letters (app/modules/letters): days a letter's text is kept after it is written, how similar
  // (0–1, estimated Jaccard of 5-word shingles) a letter must be to others, from how many other
  // senders, to be frozen for review, and letters allowed per sender and per IP address.
  LETTER_RETENTION_DAYS: z.coerce.number({ message: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be between 1 and 3650').max(3650, 'must be between 1 and 3650').default(28),
  LETTER_SIMILARITY: z.coerce.number({ message: 'must be a number between 0.5 and 1' }).min(0.5, 'must be between 0.5 and 1').max(1, 'must be between 0.5 and 1').default(0.8),
  LETTER_CAMPAIGN_SENDERS: z.coerce.number({ message: 'must be a number of senders' }).int().min(1, 'must be at least 1').default(3),
  LETTER_LIMIT_SENDER: rateRule.default(rateRule.parse('5/86400')),
  LETTER_LIMIT_IP: rateRule.default(rateRule.parse('20/86400')),
  // Shared secret for POST /mail/bounces (bounce messages from the mail server); unset: refused.
  BOUNCE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  // The licence of the open data at /data (an SPDX identifier).
  OPEN_DATA_LICENCE: z.enum(['CC-BY-4.0', 'CC0-1.0', 'ODbL-1.0', 'OGL-UK-3.0'], { message: 'must be one of CC-BY-4.0, CC0-1.0, ODbL-1.0, OGL-UK-3.0' }).default('CC-BY-4.0'),
  // Anonymous visitors' pages may be served from a cache for the few seconds each route allows.
  PAGE_CACHE: booleanish.default(true),
  DEFAULT_LOCALE: z.enum(['en', 'es', 'fr'], { message: 'must be en, es or fr' }).default('en'),
  SEED_DEMO: booleanish.default(true),
  SEED: z.coerce.number({ message: 'must be a number' }).int().min(0).default(1),
})

export type Config = Omit<z.infer<typeof schema>, 'PUBLIC_URL' | 'DEV_MAIL' | 'MAIL_FROM'> & {
  PUBLIC_URL: string
  DEV_MAIL: boolean
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
  const result = schema.safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const name = String(issue.path[0] ?? 'configuration')
    const got = input[name] === undefined ? '' : ` (got ${JSON.stringify(input[name])})`
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`)
  }
  const data = result.data
  const publicUrl = (data.PUBLIC_URL ?? `http://${data.HOST}:${data.PORT}`).replace(/\/$/, '')
  return {
    ...data,
    PUBLIC_URL: publicUrl,
    DEV_MAIL: data.DEV_MAIL ?? data.MAIL_URL === undefined,
    MAIL_FROM: data.MAIL_FROM ?? `Plaza <no-reply@${mailDomain(new URL(publicUrl).hostname)}>`,
  }
}

// An IP address or a bare host name is no mail domain (many servers refuse no-reply@127.0.0.1).
function mailDomain(hostname: string) {
  return /^[\d.]+$|^\[|:/.test(hostname) || !hostname.includes('.') ? 'localhost.localdomain' : hostname
}

let cached: Config | undefined
/** The process-wide configuration (validated on first use). */
export function config(): Config {
  return (cached ??= loadConfig())
}
