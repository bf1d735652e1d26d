/**
 * The Plaza server: migrate, seed the demo city when the database is empty, then serve (one process,
 * or a primary that forks WEB_CONCURRENCY workers sharing the port).
 *
 * Two ways in: `npm start` runs it through scripts/start.ts (TypeScript via tsx, building first when the
 * sources changed — the one-command demo); `npm run build` compiles it to build/server.js, which
 * `npm run start:prod` (`node build/server.js`) runs as plain JavaScript — no tsx, no build check
 * (docs/decisions/129-production-build.md). Either way the Remix app is build/index.js.
 */
import cluster from 'node:cluster'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ServerBuild } from '@remix-run/node'
import { checkDatabasePath, ConfigError, loadConfig } from '../app/lib/config.server'

let config: ReturnType<typeof loadConfig>
try {
  config = loadConfig()
  if (!config.DATABASE_URL) checkDatabasePath(config.DATABASE_PATH)
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}
// React and the libraries under it read NODE_ENV from the environment when they are first loaded (below,
// with the build): without it they run their development builds. The configuration's default is production.
process.env.NODE_ENV ??= config.NODE_ENV

// The compiled server (build/server.js) and its source (scripts/server.ts) both sit one folder below the root.
const root = path.resolve(import.meta.dirname, '..')
// The test suite's server bundle (tests/support/server-bundle.ts) bundles the Remix app with it, packages and
// all, as a file of its own beside build/index.js, and names it here at compile time; nothing else defines it.
declare const PLAZA_TEST_REMIX_BUILD: string | undefined
const buildFile = path.join(root, 'build', typeof PLAZA_TEST_REMIX_BUILD === 'string' ? PLAZA_TEST_REMIX_BUILD : 'index.js')
if (!fs.existsSync(buildFile)) {
  console.error(`${path.relative(process.cwd(), buildFile) || buildFile} is missing: run npm run build first`)
  process.exit(1)
}

const { databaseOptions, openDatabase, migrateOrThrow } = await import('../app/lib/db.server')
const { logger: getLogger } = await import('../app/lib/logger.server')
const { createHttpApp, createPageCache, createRateLimiter, rateRules } = await import('../app/lib/http.server')
const { seedDemo, isEmpty } = await import('../db/seed/index')

const log = getLogger()

if (cluster.isPrimary) {
  // The primary prepares the database once, then serves alone or forks workers that share the port.
  const database = openDatabase(databaseOptions(config))
  const applied = await migrateOrThrow(database)
  if (applied.length) log.info({ migrations: applied }, 'database migrated')
  if (config.SEED_DEMO && (await isEmpty(database))) {
    const report = await seedDemo(database, { seed: config.SEED, scale: 1 })
    log.info({ seeded: report }, 'demo city seeded')
  }
  // The fixed report states exist in every installation, with the demo or without (issue 16).
  const addedStates = await (await import('../app/modules/reports/states.server')).ensureReportStates(database)
  if (addedStates) log.info({ reportStates: addedStates }, 'report states added')
  for (const notice of await (await import('../app/lib/mail/dev-mail.server')).mailStartupNotices(config, database.db)) log.warn(notice)
  // First run (issue 16): no administrator yet — print a one-time setup link (24 h; only its hash is kept).
  const { firstRunToken, SETUP_TOKEN_HOURS } = await import('../app/modules/city/setup.server')
  const setupToken = await firstRunToken(database)
  if (setupToken) {
    const setupUrl = `${config.PUBLIC_URL}/setup?token=${setupToken}`
    log.warn(
      { setupUrl, validHours: SETUP_TOKEN_HOURS },
      `Plaza has no administrator yet. Open ${setupUrl} within ${SETUP_TOKEN_HOURS} hours to set it up (or run: npm run setup -- --admin EMAIL --city NAME)`,
    )
  }
  await database.close()
  if (!config.SECRET_KEY && config.NODE_ENV === 'production') {
    log.warn('SECRET_KEY is not set: the key that protects census document hashes is kept in the database, so a copy of the database is enough to attack them. Set SECRET_KEY for a real census.')
  }
}

// The primary delivers the outbox (with forked workers it serves no HTTP). docs/decisions/030-mail-outbox.md
const mailWorker = cluster.isPrimary && config.MAIL_URL && config.MAIL_WORKER ? (await import('../app/lib/mail/worker.server')).startMailWorker({ intervalMs: 5000 }) : undefined
if (mailWorker) for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void mailWorker.stop())

// Background jobs run in the primary too: report questionnaires four weeks on, and deleting photos
// uploaded to a report form that was never sent.
const jobs = cluster.isPrimary && config.BACKGROUND_JOBS ? (await import('../app/modules/jobs.server')).startBackgroundJobs() : undefined
if (jobs) for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void jobs.stop())

if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
  // Each worker accepts its own connections from the shared socket (docs/decisions/101-worker-supervision.md).
  // With the default round-robin the primary accepts and hands each connection over; a worker
  // killed while one was on its way left that connection open in the primary and its client waited
  // minutes. Here a dead worker's connections are closed by the kernel at once, and connections not
  // yet accepted wait in the socket's backlog for the others. Single accept keeps the load balanced.
  cluster.schedulingPolicy = cluster.SCHED_NONE
  let stopping = false
  const ready = new Set<number>()
  const fork = () => {
    const worker = cluster.fork({ UV_TCP_SINGLE_ACCEPT: '1' })
    worker.once('listening', () => {
      ready.add(worker.id)
      if (ready.size === config.WEB_CONCURRENCY) log.info({ workers: ready.size }, 'all workers ready')
    })
    return worker
  }
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id)
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    // A worker that could not listen (port in use) would fail again: stop rather than loop.
    if (code === 3) {
      log.fatal('a worker could not start; stopping')
      process.exit(1)
    }
    // The others go on serving; the replacement counts once it listens.
    log.error({ pid: worker.process.pid, code, signal, ready: ready.size }, 'worker died; starting another')
    fork()
  })
  const stop = (signal: string) => {
    stopping = true
    log.info({ signal }, 'shutting down')
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    setTimeout(() => process.exit(0), 3000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
} else {
  await serve()
}

async function serve() {
  // Rate-limit counters need no fsync: a separate connection with synchronous=NORMAL.
  const counters = openDatabase(databaseOptions(config, { synchronous: 'NORMAL', poolSize: 2 }))
  // The build's entry module is app/entry.server.tsx: typed by that module, so createHttpApp's
  // PlazaServerBuild (the early routes, the health check) is checked against its real exports (ADR 117).
  const build: ServerBuild & { entry: { module: typeof import('../app/entry.server') } } = await import(pathToFileURL(buildFile).href)
  // The HTTP layer's request listener: Express with its middleware, behind the routes that answer ahead of it (ADR 148).
  const app = createHttpApp({
    config,
    build,
    logger: log,
    rateLimiter: createRateLimiter(counters, rateRules(config)),
    pageCache: config.PAGE_CACHE ? createPageCache() : undefined,
  })

  const server = http.createServer(app).listen(config.PORT, config.HOST, () => {
    if (cluster.isPrimary || cluster.worker?.id === 1) {
      log.info({ url: config.PUBLIC_URL, workers: config.WEB_CONCURRENCY }, `Plaza is listening on http://${config.HOST}:${config.PORT}`)
    }
  })
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(error.code === 'EADDRINUSE' ? `Port ${config.PORT} is already in use (set PORT to another port)` : error.message)
    process.exit(cluster.isWorker ? 3 : 1)
  })
  server.keepAliveTimeout = 65_000

  function shutdown(signal: string) {
    log.info({ signal }, 'shutting down')
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    // Do not wait on slow keep-alive clients for more than two seconds.
    setTimeout(() => process.exit(0), 2000).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}
