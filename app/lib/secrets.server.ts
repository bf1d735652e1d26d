import crypto from 'node:crypto'
import { config } from './config.server'
import { database, type PlazaDatabase } from './db.server'
import { readSetting, writeSettingOnce } from './settings.server'

/**
 * The key for keyed hashes (census document numbers) and signed values: SECRET_KEY, or else one
 * generated on first use and kept in the settings table, so every server process shares it.
 */
const cached = new WeakMap<PlazaDatabase, Buffer>()

export async function secretKey(target: PlazaDatabase = database()): Promise<Buffer> {
  const known = cached.get(target)
  if (known) return known
  const fromEnv = config().SECRET_KEY
  if (fromEnv) {
    cached.set(target, Buffer.from(fromEnv, 'utf8'))
    return cached.get(target)!
  }
  const { db, write } = target
  let value = await readSetting(db, 'secret_key')
  if (value === undefined) {
    await write((trx) => writeSettingOnce(trx, 'secret_key', crypto.randomBytes(32).toString('hex')))
    value = (await readSetting(db, 'secret_key'))!
  }
  const key = Buffer.from(JSON.parse(value) as string, 'utf8')
  cached.set(target, key)
  return key
}

export async function keyedHash(purpose: string, value: string, target?: PlazaDatabase): Promise<string> {
  return crypto
    .createHmac('sha256', await secretKey(target))
    .update(`${purpose}\u0000${value}`)
    .digest('hex')
}
