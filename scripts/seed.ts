/**
 * `npm run db:seed [-- --scale N] [-- --seed S]`: create the demo city (idempotent).
 * --scale multiplies generated content for benchmarks; a progress bar shows on a terminal.
 */
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { databaseOptions, migrateOrThrow, openDatabase } from '../app/lib/db.server'
import { seedDemo } from '../db/seed/index'

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, seed: { type: 'string' } } })
const scale = Number(values.scale)
if (!Number.isFinite(scale) || scale <= 0) {
  console.error(`--scale must be a positive number (got "${values.scale}")`)
  process.exit(1)
}

try {
  const config = loadConfig()
  const seed = values.seed === undefined ? config.SEED : Number(values.seed)
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError(`--seed must be a whole number (got "${values.seed}")`)
  const database = openDatabase(databaseOptions(config, { synchronous: 'NORMAL' }))
  await migrateOrThrow(database)
  const bar = process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'Seeding {bar} {percentage}% | {value}/{total} | {step}' }, cliProgress.Presets.shades_classic) : null
  let started = false
  const report = await seedDemo(database, {
    seed,
    scale,
    onProgress(done, total, step) {
      if (!bar) return
      if (!started) {
        bar.start(total, 0, { step })
        started = true
      }
      bar.update(done, { step })
    },
  })
  bar?.stop()
  for (const [step, created] of Object.entries(report)) console.log(`${step}: ${created} created`)
  await database.close()
  // The password-hashing thread and pooled connections must not keep the command alive.
  process.exit(0)
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
