import { type IRateLimiterStoreOptions, RateLimiterPostgres, RateLimiterRes, RateLimiterSQLite } from 'rate-limiter-flexible'
import { countersDatabase, type PlazaDatabase } from './db.server'

/**
 * Rate limits per client IP and per route, counted in the database (table `rate_limits`) so that
 * several app servers share them. A rule names the requests it covers; the first matching rule
 * applies. On PostgreSQL, RateLimiterPostgres takes the same table.
 */

export interface RateRule {
  name: string
  /** 'write' = POST/PUT/PATCH/DELETE, 'read' = GET/HEAD. */
  methods: 'write' | 'read'
  /** Which paths it covers. */
  path: RegExp
  points: number
  seconds: number
  /** How the counter is keyed: the path itself, or the rule (all paths of the rule together). */
  per: 'path' | 'rule'
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; rule: string }

const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())

/**
 * The route a path reaches: Remix matches regardless of case, a trailing slash or the ".data"
 * suffix of client navigations, so none of these may start a fresh budget.
 */
export function routeKey(pathname: string): string {
  let key = pathname
    .toLowerCase()
    .replace(/\.data$/, '')
    .replace(/\/+$/, '')
  if (key === '' || key === '/_root') key = '/'
  return key
}

/** A counter in table `rate_limits` of either engine (the table has the layout both limiters expect). */
function storeLimiter(database: PlazaDatabase, options: Omit<IRateLimiterStoreOptions, 'storeClient' | 'storeType' | 'tableName' | 'tableCreated'>) {
  if (database.engine === 'postgres')
    return new RateLimiterPostgres({ ...options, storeClient: database.postgresPool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false })
  return new RateLimiterSQLite({ ...options, storeClient: database.sqlite, storeType: 'better-sqlite3', tableName: 'rate_limits', tableCreated: true })
}

export function createRateLimiter(database: PlazaDatabase, rules: RateRule[]) {
  const limiters = new Map<string, RateLimiterSQLite | RateLimiterPostgres>()
  for (const rule of rules) limiters.set(rule.name, storeLimiter(database, { keyPrefix: `rl:${rule.name}`, points: rule.points, duration: rule.seconds }))

  return {
    rules,
    async consume(method: string, pathname: string, ip: string): Promise<RateDecision> {
      const kind = isWrite(method) ? 'write' : 'read'
      const rule = rules.find((r) => r.methods === kind && r.path.test(pathname))
      if (!rule) return { allowed: true }
      const key = rule.per === 'path' ? `${ip}|${routeKey(pathname)}` : ip
      try {
        await limiters.get(rule.name)!.consume(key, 1)
        return { allowed: true }
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, rule: rule.name, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) }
        }
        throw rejection
      }
    },
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>

/**
 * Attempts counted per key inside a capability (logins, residence checks, comments), in the same
 * table, on the counters connection (synchronous=NORMAL, never inside a `write` batch).
 */
export function attemptCounter(keyPrefix: string, points: number, seconds: number) {
  let limiter: RateLimiterSQLite | RateLimiterPostgres | undefined
  const store = () => (limiter ??= storeLimiter(countersDatabase(), { keyPrefix, points, duration: seconds }))
  const wait = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000))
  return {
    points,
    /** Seconds to wait when the key has used all its points in the window, else null. */
    async blockedFor(key: string): Promise<number | null> {
      const state = await store().get(key)
      return state && state.consumedPoints >= points ? wait(state) : null
    },
    /** Counts one attempt; `over` when it is beyond the allowance (the count itself decides, so parallel attempts cannot all slip under). */
    async count(key: string): Promise<{ over: boolean; retryAfterSeconds: number }> {
      const res = await store().penalty(key, 1)
      return { over: res.consumedPoints > points, retryAfterSeconds: wait(res) }
    },
    giveBack: (key: string) => store().reward(key, 1),
    reset: (key: string) => store().delete(key),
  }
}
