import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { createCookie } from '@remix-run/node'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { secureCookies } from '../../lib/config.server'
import { databaseFault, database } from '../../lib/db.server'

/**
 * Sessions after Lucia's design (docs/decisions/003): a random token in an HttpOnly, SameSite=Lax
 * cookie; the database keeps only its SHA-256. 30 days, extended when less than 15 remain.
 */

const DAY = 24 * 60 * 60 * 1000
export const SESSION_DAYS = 30
export const SESSION_COOKIE = 'plaza_session'

export function generateToken(): string {
  const bytes = new Uint8Array(20)
  crypto.getRandomValues(bytes)
  return encodeBase32LowerCaseNoPadding(bytes)
}

export const hashToken = (token: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(token)))

// Secure whenever Plaza is served over HTTPS (a Secure cookie cannot travel over plain HTTP).
const sessionCookie = () =>
  createCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(),
    maxAge: SESSION_DAYS * 24 * 60 * 60,
  })

export async function readSessionToken(request: Request): Promise<string | null> {
  const value = (await sessionCookie().parse(request.headers.get('cookie'))) as unknown
  return typeof value === 'string' && /^[a-z2-7]{32}$/.test(value) ? value : null
}

export const sessionSetCookie = (token: string) => sessionCookie().serialize(token)
export const sessionClearCookie = () => sessionCookie().serialize('', { maxAge: 0 })

export interface SessionMeta {
  ip?: string | null
  userAgent?: string | null
}

/** Creates a session inside the caller's write; returns the token for the cookie. */
export async function createSession(trx: Transaction<Database>, userId: number, meta: SessionMeta = {}): Promise<string> {
  const token = generateToken()
  await trx
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      expires_at: Date.now() + SESSION_DAYS * DAY,
      created_at: new Date().toISOString(),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    })
    .execute()
  return token
}

/** The session's user id, extending the session when half of it has passed; null if invalid. */
export async function validateSessionToken(token: string): Promise<{ sessionId: string; userId: number } | null> {
  const id = hashToken(token)
  const { db, write } = database()
  const row = await db.selectFrom('sessions').select(['user_id', 'expires_at']).where('id', '=', id).executeTakeFirst()
  if (!row) return null
  const now = Date.now()
  // Deleting an expired session and extending a live one are housekeeping: when the database cannot
  // take a write (a full disk, a lock held too long) the page is still served — reading needs neither.
  const housekeeping = (fn: Parameters<typeof write>[0]) =>
    write(fn).catch((error: unknown) => {
      if (!databaseFault(error)) throw error
    })
  if (now >= row.expires_at) {
    await housekeeping((trx) => trx.deleteFrom('sessions').where('id', '=', id).execute())
    return null
  }
  if (row.expires_at - now < (SESSION_DAYS / 2) * DAY) {
    await housekeeping((trx) =>
      trx
        .updateTable('sessions')
        .set({ expires_at: now + SESSION_DAYS * DAY })
        .where('id', '=', id)
        .execute(),
    )
  }
  return { sessionId: id, userId: row.user_id }
}

export async function invalidateSession(trx: Transaction<Database>, sessionId: string) {
  await trx.deleteFrom('sessions').where('id', '=', sessionId).execute()
}

export async function invalidateUserSessions(trx: Transaction<Database>, userId: number, except?: string) {
  let query = trx.deleteFrom('sessions').where('user_id', '=', userId)
  if (except) query = query.where('id', '!=', except)
  await query.execute()
}
