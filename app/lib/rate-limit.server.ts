import type SQLite from 'better-sqlite3'
import { RateLimiterRes, RateLimiterSQLite } from 'rate-limiter-flexible'

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
  let key = pathname.toLowerCase().replace(/\.data$/, '').replace(/\/+$/, '')
  if (key === '' || key === '/_root') key = '/'
  return key
}

export function createRateLimiter(sqlite: SQLite.Database, rules: RateRule[]) {
  const limiters = new Map<string, RateLimiterSQLite>()
  for (const rule of rules) {
    limiters.set(
      rule.name,
      new RateLimiterSQLite({
        storeClient: sqlite,
        storeType: 'better-sqlite3',
        tableName: 'rate_limits',
        tableCreated: true,
        keyPrefix: `rl:${rule.name}`,
        points: rule.points,
        duration: rule.seconds,
      }),
    )
  }

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
