import fs from 'node:fs'
import { hashInBackground, verifyInBackground } from './hasher.server'

/**
 * Passwords: argon2id with OWASP's minimum (19 MiB, 2 iterations) — the cost is deliberate.
 * Hashing runs in a low-priority thread (hasher.server.ts), so pages keep being served meanwhile.
 */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export const PASSWORD_MIN = 10
export const PASSWORD_MAX = 200

// Shipped with the project (app/modules/accounts/common-passwords.txt), read once.
let common: Set<string> | undefined
function commonPasswords(): Set<string> {
  if (!common) {
    const file = new URL('../../modules/accounts/common-passwords.txt', import.meta.url)
    const candidates = [file, new URL('../app/modules/accounts/common-passwords.txt', import.meta.url)]
    const path = candidates.find((c) => fs.existsSync(c)) ?? file
    common = new Set(
      fs
        .readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line && !line.startsWith('#')),
    )
  }
  return common
}

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common'

export function passwordProblem(password: string, context: string[] = []): PasswordProblem | null {
  if ([...password].length < PASSWORD_MIN) return 'tooShort'
  if (password.length > PASSWORD_MAX) return 'tooLong'
  const lower = password.toLowerCase()
  if (commonPasswords().has(lower)) return 'common'
  // The e-mail address or name as the password is as weak as a common one.
  if (context.some((c) => c && c.length >= 4 && lower.includes(c.toLowerCase()) && lower.length - c.length < 4)) return 'common'
  return null
}

export const hashPassword = (password: string) => hashInBackground(password, OPTIONS)

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verifyInBackground(passwordHash, password)
  } catch {
    return false
  }
}

// Verifying against this when the account does not exist takes as long as a real check,
// so the answer's timing does not reveal which e-mail addresses have accounts.
let dummy: Promise<string> | undefined
export async function spendVerificationTime(password: string): Promise<void> {
  dummy ??= hashPassword('plaza-timing-equaliser-not-a-password')
  await verifyPassword(await dummy, password)
}
