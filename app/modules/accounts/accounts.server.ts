import { sql, type Transaction } from 'kysely'
import { attemptCounter } from '../../lib/rate-limit.server'
import type { Database, EmailTokenPurpose, Role } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { greatest, isUniqueViolation } from '../../lib/db/dialect'
import { translator } from '../../lib/i18n.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { hashPassword, passwordProblem, spendVerificationTime, verifyPassword, type PasswordProblem } from './passwords.server'
import { createSession, generateToken, hashToken, invalidateUserSessions, type SessionMeta } from './sessions.server'
import type { Principal } from './policy'

/** Accounts: the only code that writes users, sessions, e-mail tokens and roles. */

const HOUR = 60 * 60 * 1000
const TOKEN_LIFETIME: Record<EmailTokenPurpose, number> = {
  confirm_email: 48 * HOUR,
  reset_password: 1 * HOUR,
  change_email: 24 * HOUR,
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase()
const now = () => new Date().toISOString()

export interface AccountUser extends Principal {
  email: string | null
  displayName: string
  emailConfirmed: boolean
  homeAreaId: number | null
  locale: Locale | null
  deleted: boolean
}

export async function userById(id: number): Promise<AccountUser | null> {
  const { db } = database()
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  // A deactivated account is nobody: its sessions no longer name a user.
  if (!row || row.deleted_at || row.deactivated_at) return null
  const roles = await db.selectFrom('user_roles').select(['role', 'department_id']).where('user_id', '=', id).execute()
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    emailConfirmed: row.email_confirmed_at !== null,
    verificationLevel: row.verification_level,
    homeAreaId: row.home_area_id,
    locale: isLocale(row.locale) ? row.locale : null,
    deleted: row.deleted_at !== null,
    roles: roles.map((r) => ({ role: r.role, departmentId: r.department_id })),
  }
}

async function issueToken(trx: Transaction<Database>, userId: number, purpose: EmailTokenPurpose, newEmail: string | null = null) {
  const token = generateToken()
  await trx
    .insertInto('email_tokens')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      purpose,
      new_email: newEmail,
      expires_at: Date.now() + TOKEN_LIFETIME[purpose],
      created_at: now(),
    })
    .execute()
  return token
}

type MailKind = 'confirm' | 'reset' | 'changeEmail' | 'passwordChanged' | 'emailChanged' | 'signupAttempt'

async function queueAccountMail(trx: Transaction<Database>, kind: MailKind, to: string, locale: Locale, values: { name: string; url?: string }) {
  const t = translator(locale)
  const mail = composeMail({
    locale,
    subject: t(`accounts:mail.${kind}.subject`),
    greeting: t('accounts:mail.greeting', { name: values.name }),
    paragraphs: [t(`accounts:mail.${kind}.body`)],
    action: values.url ? { label: t(`accounts:mail.${kind}.action`), url: values.url } : undefined,
  })
  // Outbox kinds are lower-case: account.change-email, account.password-changed, …
  await queueMail(trx, { kind: `account.${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, to, ...mail })
}

const link = (path: string) => `${config().PUBLIC_URL}${path}`

// ---------------------------------------------------------------- sign-up and confirmation

/**
 * Sign-up answers alike whether or not the address has an account (no enumeration): "check your
 * e-mail", and no session — the person logs in once the mailed link has confirmed the address. A
 * new address gets its confirmation link; an address that has an account gets, instead, a mail
 * saying someone tried to sign up with it, with a link to set a new password. Both spend the same
 * slow password hash and one write, so the time taken does not tell either.
 */
export type SignUpResult = { kind: 'sent' } | { kind: 'weakPassword'; problem: PasswordProblem }

export async function signUp(input: { email: string; displayName: string; password: string; locale: Locale }): Promise<SignUpResult> {
  const email = normaliseEmail(input.email)
  const problem = passwordProblem(input.password, [email.split('@')[0]!, input.displayName])
  if (problem) return { kind: 'weakPassword', problem }
  const passwordHash = await hashPassword(input.password) // slow: before the write, never inside it
  const existing = await database().db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
  if (existing) {
    await tellOwnerOfSignUpAttempt(existing.id)
    return { kind: 'sent' }
  }
  try {
    await database().write(async (trx) => {
      const user = await trx
        .insertInto('users')
        .values({
          email,
          display_name: input.displayName.trim(),
          password_hash: passwordHash,
          locale: input.locale,
          created_at: now(),
          updated_at: now(),
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow()
      const token = await issueToken(trx, user.id, 'confirm_email')
      await queueAccountMail(trx, 'confirm', email, input.locale, { name: input.displayName, url: link(`/confirm/${token}`) })
    })
  } catch (error) {
    // Two sign-ups with one address at the same moment: the database's unique index decides, and
    // the loser's owner hears of it like any other attempt.
    if (isUniqueViolation(error, 'users', 'email')) {
      const winner = await database().db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
      if (winner) await tellOwnerOfSignUpAttempt(winner.id)
      return { kind: 'sent' }
    }
    throw error
  }
  return { kind: 'sent' }
}

/** The mail to an account's owner when someone signs up with their address, with a reset link. */
async function tellOwnerOfSignUpAttempt(userId: number) {
  await database().write(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'email', 'display_name', 'locale', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
    if (!user?.email || user.deleted_at) return
    const token = await issueToken(trx, user.id, 'reset_password')
    await queueAccountMail(trx, 'signupAttempt', user.email, isLocale(user.locale) ? user.locale : 'en', { name: user.display_name, url: link(`/reset-password/${token}`) })
  })
}

export type TokenResult<T = object> = ({ kind: 'ok' } & T) | { kind: 'invalid' } | { kind: 'expired' } | { kind: 'used' }

async function findToken(token: string, purpose: EmailTokenPurpose) {
  if (!/^[a-z2-7]{32}$/.test(token)) return null
  return database().db.selectFrom('email_tokens').selectAll().where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose).executeTakeFirst()
}

function tokenState(row: { used_at: string | null; expires_at: number } | undefined | null) {
  if (!row) return 'invalid' as const
  if (row.used_at) return 'used' as const
  if (row.expires_at <= Date.now()) return 'expired' as const
  return 'ok' as const
}

/**
 * What an e-mailed confirmation link would do, changing nothing: its page shows this with a
 * button, and only the button's POST uses the token (a mail scanner that opens the link confirms
 * nothing, issue 18).
 */
export async function emailTokenState(token: string, purpose: 'confirm_email' | 'change_email'): Promise<'ok' | 'invalid' | 'expired' | 'used'> {
  return tokenState(await findToken(token, purpose))
}

export async function confirmEmail(token: string): Promise<TokenResult<{ userId: number }>> {
  const row = await findToken(token, 'confirm_email')
  const state = tokenState(row)
  if (state !== 'ok') return { kind: state }
  await database().write(async (trx) => {
    // Used once: the update only counts if nobody used it in between.
    const used = await trx.updateTable('email_tokens').set({ used_at: now() }).where('id', '=', row!.id).where('used_at', 'is', null).executeTakeFirst()
    if (Number(used.numUpdatedRows) !== 1) return
    await trx
      .updateTable('users')
      .set((eb) => ({
        email_confirmed_at: now(),
        updated_at: now(),
        verification_level: greatest(trx, eb.ref('verification_level'), eb.lit(1)),
      }))
      .where('id', '=', row!.user_id)
      .execute()
  })
  return { kind: 'ok', userId: row!.user_id }
}

/** Sends a new confirmation link (to a logged-in user, or to an address typed on the expired-link page). */
export async function resendConfirmation(target: { userId: number } | { email: string }): Promise<void> {
  const { db } = database()
  const user = await (
    'userId' in target ? db.selectFrom('users').selectAll().where('id', '=', target.userId) : db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(target.email))
  ).executeTakeFirst()
  // Same outcome whether or not the address has an account (no enumeration).
  if (!user || !user.email || user.email_confirmed_at || user.deleted_at) return
  await database().write(async (trx) => {
    const token = await issueToken(trx, user.id, 'confirm_email')
    await queueAccountMail(trx, 'confirm', user.email!, (user.locale as Locale) ?? 'en', { name: user.display_name, url: link(`/confirm/${token}`) })
  })
}

// ---------------------------------------------------------------- login

// Failures: 10 per account and 50 per IP address in 15 minutes.
const accountFailures = attemptCounter('login:account', 10, 15 * 60)
const ipFailures = attemptCounter('login:ip', 50, 15 * 60)

export type LogInResult = { kind: 'ok'; userId: number; sessionToken: string } | { kind: 'invalid' } | { kind: 'throttled'; retryAfterSeconds: number }

export async function logIn(input: { email: string; password: string }, meta: SessionMeta & { ip: string }, replacingSession?: string): Promise<LogInResult> {
  const email = normaliseEmail(input.email)
  // Counted as a failure BEFORE the slow check, so parallel guesses cannot all slip under the
  // limit (each sees its own place in the count); a success gives the point back.
  const [account, byIp] = await Promise.all([accountFailures.count(email), ipFailures.count(meta.ip)])
  if (account.over || byIp.over) return { kind: 'throttled', retryAfterSeconds: Math.max(account.retryAfterSeconds, byIp.retryAfterSeconds) }
  const user = await database().db.selectFrom('users').select(['id', 'password_hash', 'deleted_at', 'deactivated_at']).where('email', '=', email).executeTakeFirst()
  let ok = false
  if (user?.password_hash && !user.deleted_at && !user.deactivated_at) ok = await verifyPassword(user.password_hash, input.password)
  else await spendVerificationTime(input.password)
  if (!ok || !user) return { kind: 'invalid' }
  await Promise.all([accountFailures.reset(email), ipFailures.giveBack(meta.ip)])
  // A fresh session id at every login (no session fixation); the old one, if any, ends.
  const sessionToken = await database().write(async (trx) => {
    if (replacingSession) await trx.deleteFrom('sessions').where('id', '=', replacingSession).execute()
    return createSession(trx, user.id, meta)
  })
  return { kind: 'ok', userId: user.id, sessionToken }
}

export async function logOut(sessionId: string) {
  await database().write((trx) => trx.deleteFrom('sessions').where('id', '=', sessionId).execute())
}

// ---------------------------------------------------------------- passwords

/** Always "sent" from the visitor's point of view; mails only existing, active accounts. */
export async function requestPasswordReset(emailInput: string, locale: Locale): Promise<void> {
  const email = normaliseEmail(emailInput)
  const user = await database().db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
  if (!user || user.deleted_at) return
  await database().write(async (trx) => {
    const token = await issueToken(trx, user.id, 'reset_password')
    await queueAccountMail(trx, 'reset', email, (user.locale as Locale) ?? locale, { name: user.display_name, url: link(`/reset-password/${token}`) })
  })
}

export async function checkResetToken(token: string): Promise<TokenResult> {
  const state = tokenState(await findToken(token, 'reset_password'))
  return state === 'ok' ? { kind: 'ok' } : { kind: state }
}

export async function resetPassword(
  token: string,
  password: string,
  meta: SessionMeta,
): Promise<TokenResult<{ userId: number; sessionToken: string }> | { kind: 'weakPassword'; problem: PasswordProblem }> {
  const row = await findToken(token, 'reset_password')
  const state = tokenState(row)
  if (state !== 'ok') return { kind: state }
  const user = await database().db.selectFrom('users').selectAll().where('id', '=', row!.user_id).executeTakeFirstOrThrow()
  const problem = passwordProblem(password, [user.email?.split('@')[0] ?? '', user.display_name])
  if (problem) return { kind: 'weakPassword', problem }
  const passwordHash = await hashPassword(password)
  const sessionToken = await database().write(async (trx) => {
    const used = await trx.updateTable('email_tokens').set({ used_at: now() }).where('id', '=', row!.id).where('used_at', 'is', null).executeTakeFirst()
    if (Number(used.numUpdatedRows) !== 1) return null
    // The link came by e-mail, so following it also proves the address.
    await trx
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        updated_at: now(),
        email_confirmed_at: eb.fn.coalesce('email_confirmed_at', eb.val(now())),
        verification_level: greatest(trx, eb.ref('verification_level'), eb.lit(1)),
      }))
      .where('id', '=', user.id)
      .execute()
    await invalidateUserSessions(trx, user.id)
    await trx.updateTable('email_tokens').set({ used_at: now() }).where('user_id', '=', user.id).where('used_at', 'is', null).execute()
    return createSession(trx, user.id, meta)
  })
  if (!sessionToken) return { kind: 'used' }
  return { kind: 'ok', userId: user.id, sessionToken }
}

export async function changePassword(
  userId: number,
  input: { currentPassword: string; newPassword: string },
  meta: SessionMeta,
): Promise<{ kind: 'ok'; sessionToken: string } | { kind: 'wrongPassword' } | { kind: 'weakPassword'; problem: PasswordProblem }> {
  const user = await database().db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  if (!user.password_hash || !(await verifyPassword(user.password_hash, input.currentPassword))) return { kind: 'wrongPassword' }
  const problem = passwordProblem(input.newPassword, [user.email?.split('@')[0] ?? '', user.display_name])
  if (problem) return { kind: 'weakPassword', problem }
  const passwordHash = await hashPassword(input.newPassword)
  const sessionToken = await database().write(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now() }).where('id', '=', userId).execute()
    // Every session ends (a thief's too); this device gets a new one; unused links die with them.
    await invalidateUserSessions(trx, userId)
    await trx.updateTable('email_tokens').set({ used_at: now() }).where('user_id', '=', userId).where('used_at', 'is', null).execute()
    if (user.email) await queueAccountMail(trx, 'passwordChanged', user.email, (user.locale as Locale) ?? 'en', { name: user.display_name })
    return createSession(trx, userId, meta)
  })
  return { kind: 'ok', sessionToken }
}

// ---------------------------------------------------------------- e-mail change

export async function requestEmailChange(
  userId: number,
  input: { newEmail: string; password: string },
): Promise<{ kind: 'ok' } | { kind: 'wrongPassword' } | { kind: 'emailTaken' } | { kind: 'same' }> {
  const user = await database().db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  if (!user.password_hash || !(await verifyPassword(user.password_hash, input.password))) return { kind: 'wrongPassword' }
  const newEmail = normaliseEmail(input.newEmail)
  if (newEmail === user.email) return { kind: 'same' }
  const taken = await database().db.selectFrom('users').select('id').where('email', '=', newEmail).executeTakeFirst()
  if (taken) return { kind: 'emailTaken' }
  await database().write(async (trx) => {
    const token = await issueToken(trx, userId, 'change_email', newEmail)
    const locale = (user.locale as Locale) ?? 'en'
    await queueAccountMail(trx, 'changeEmail', newEmail, locale, { name: user.display_name, url: link(`/confirm-email-change/${token}`) })
    if (user.email) await queueAccountMail(trx, 'emailChanged', user.email, locale, { name: user.display_name })
  })
  return { kind: 'ok' }
}

export async function confirmEmailChange(token: string): Promise<TokenResult | { kind: 'emailTaken' }> {
  const row = await findToken(token, 'change_email')
  const state = tokenState(row)
  if (state !== 'ok') return { kind: state }
  try {
    const done = await database().write(async (trx) => {
      const used = await trx.updateTable('email_tokens').set({ used_at: now() }).where('id', '=', row!.id).where('used_at', 'is', null).executeTakeFirst()
      if (Number(used.numUpdatedRows) !== 1) return false
      await trx
        .updateTable('users')
        .set((eb) => ({
          email: row!.new_email,
          email_confirmed_at: now(),
          updated_at: now(),
          verification_level: greatest(trx, eb.ref('verification_level'), eb.lit(1)),
        }))
        .where('id', '=', row!.user_id)
        .execute()
      return true
    })
    return done ? { kind: 'ok' } : { kind: 'used' }
  } catch (error) {
    if (isUniqueViolation(error, 'users', 'email')) return { kind: 'emailTaken' }
    throw error
  }
}

// ---------------------------------------------------------------- profile, deletion, export

export async function updateProfile(userId: number, input: { displayName: string; locale: Locale | null }) {
  await database().write((trx) => trx.updateTable('users').set({ display_name: input.displayName.trim(), locale: input.locale, updated_at: now() }).where('id', '=', userId).execute())
}

/**
 * Deletes the account: personal data goes, content stays (shown as "deleted user").
 * The census record is freed so the person can verify a new account.
 */
export async function deleteAccount(userId: number, password: string): Promise<{ kind: 'ok' } | { kind: 'wrongPassword' }> {
  const user = await database().db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  if (!user.password_hash || !(await verifyPassword(user.password_hash, password))) return { kind: 'wrongPassword' }
  await database().write(async (trx) => {
    await trx
      .updateTable('users')
      .set({
        email: null,
        display_name: '',
        password_hash: null,
        census_record_id: null,
        home_area_id: null,
        locale: null,
        deleted_at: now(),
        updated_at: now(),
      })
      .where('id', '=', userId)
      .execute()
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
    await trx.deleteFrom('email_tokens').where('user_id', '=', userId).execute()
    await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute()
  })
  return { kind: 'ok' }
}

/** Other capabilities add what they hold about a person (their reports, signatures, …). */
type DataExporter = (userId: number) => Promise<unknown>
const exporters = new Map<string, DataExporter>()
export function registerDataExporter(name: string, exporter: DataExporter) {
  exporters.set(name, exporter)
}

export async function exportUserData(userId: number) {
  const { db } = database()
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  const area = user.home_area_id ? await db.selectFrom('areas').select(['slug', 'name']).where('id', '=', user.home_area_id).executeTakeFirst() : undefined
  const roles = await db
    .selectFrom('user_roles')
    .leftJoin('departments', 'departments.id', 'user_roles.department_id')
    .select(['user_roles.role', 'departments.name as department', 'user_roles.granted_at'])
    .where('user_id', '=', userId)
    .execute()
  const sessions = await db.selectFrom('sessions').select(['created_at', 'expires_at', 'ip', 'user_agent']).where('user_id', '=', userId).execute()
  const extra: Record<string, unknown> = {}
  for (const [name, exporter] of exporters) extra[name] = await exporter(userId)
  return {
    exportedAt: now(),
    account: {
      id: user.id,
      email: user.email,
      emailConfirmedAt: user.email_confirmed_at,
      displayName: user.display_name,
      locale: user.locale,
      createdAt: user.created_at,
      verificationLevel: user.verification_level,
      verifiedAt: user.verified_at,
      homeArea: area ?? null,
      // The census match itself is not personal data we hold in readable form: only its keyed hash.
      residenceVerified: user.census_record_id !== null,
    },
    roles,
    sessions: sessions.map((s) => ({ ...s, expires_at: new Date(s.expires_at).toISOString() })),
    ...extra,
  }
}

// ---------------------------------------------------------------- administration

export async function findUsers(query: string, limit = 50) {
  const q = `%${query
    .trim()
    .toLowerCase()
    .replace(/[%_]/g, (c) => `\\${c}`)}%`
  const { db } = database()
  let select = db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'verification_level', 'created_at', 'deleted_at', 'deactivated_at'])
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .limit(limit)
  if (query.trim()) {
    // LIKE with the escaped pattern ("%" and "_" typed by an admin are matched literally).
    select = select.where(sql<boolean>`(email like ${q} escape '\\' or lower(display_name) like ${q} escape '\\')`)
  }
  const users = await select.execute()
  const roles = users.length
    ? await db
        .selectFrom('user_roles')
        .leftJoin('departments', 'departments.id', 'user_roles.department_id')
        .select(['user_roles.user_id', 'user_roles.role', 'departments.name as department'])
        .where(
          'user_id',
          'in',
          users.map((u) => u.id),
        )
        .execute()
    : []
  return users.map((u) => ({ ...u, roles: roles.filter((r) => r.user_id === u.id) }))
}

export async function listDepartments() {
  return database().db.selectFrom('departments').select(['id', 'slug', 'name']).orderBy('name').execute()
}

export async function userRoles(userId: number) {
  return database()
    .db.selectFrom('user_roles')
    .leftJoin('departments', 'departments.id', 'user_roles.department_id')
    .select(['user_roles.id', 'user_roles.role', 'user_roles.department_id', 'departments.name as department', 'user_roles.granted_at'])
    .where('user_id', '=', userId)
    .orderBy('user_roles.id')
    .execute()
}

/** Lets the caller add its own rows (an audit entry) to the same transaction as the change. */
export type WithinWrite = (trx: Transaction<Database>) => Promise<void>

export async function grantRole(
  adminId: number,
  userId: number,
  role: Role,
  departmentId: number | null,
  within?: WithinWrite,
): Promise<{ kind: 'ok' } | { kind: 'noSuchUser' } | { kind: 'noSuchDepartment' } | { kind: 'alreadyHas' }> {
  const { db } = database()
  const user = await db.selectFrom('users').select(['id', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  if (!user || user.deleted_at) return { kind: 'noSuchUser' }
  if (role === 'staff') {
    if (departmentId === null || !(await db.selectFrom('departments').select('id').where('id', '=', departmentId).executeTakeFirst())) {
      return { kind: 'noSuchDepartment' }
    }
  }
  try {
    await database().write(async (trx) => {
      await trx
        .insertInto('user_roles')
        .values({ user_id: userId, role, department_id: role === 'staff' ? departmentId : null, granted_by: adminId, granted_at: now() })
        .execute()
      await within?.(trx)
    })
  } catch (error) {
    if (isUniqueViolation(error, 'user_roles') || (error instanceof Error && /UNIQUE constraint failed/.test(error.message))) return { kind: 'alreadyHas' }
    throw error
  }
  return { kind: 'ok' }
}

export async function removeRole(
  adminId: number,
  roleId: number,
  within?: (trx: Transaction<Database>, removed: { userId: number; role: Role; departmentId: number | null }) => Promise<void>,
): Promise<{ kind: 'ok' } | { kind: 'notFound' } | { kind: 'ownAdmin' }> {
  const row = await database().db.selectFrom('user_roles').select(['id', 'user_id', 'role', 'department_id']).where('id', '=', roleId).executeTakeFirst()
  if (!row) return { kind: 'notFound' }
  // An administrator cannot lock themselves out; another administrator can.
  if (row.user_id === adminId && row.role === 'admin') return { kind: 'ownAdmin' }
  await database().write(async (trx) => {
    await trx.deleteFrom('user_roles').where('id', '=', roleId).execute()
    await within?.(trx, { userId: row.user_id, role: row.role, departmentId: row.department_id })
  })
  return { kind: 'ok' }
}

/** Active administrators (the first run is open while there are none). */
export async function countAdministrators(db = database().db): Promise<number> {
  const row = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_roles.role', '=', 'admin')
    .where('users.deleted_at', 'is', null)
    .where('users.deactivated_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export type NewStaffAccountResult = { kind: 'ok'; userId: number; sessionToken: string } | { kind: 'emailTaken' } | { kind: 'weakPassword'; problem: PasswordProblem } | { kind: 'refused' }

class Refused extends Error {}

/**
 * An account made by the first run or an invitation: the address came by e-mail (or from the
 * operator), so it starts confirmed (level 1), with its roles and a session. `within` runs in the
 * same transaction (marking the invitation used, the audit entry); returning false undoes it all.
 */
export async function createStaffAccount(
  input: { email: string; displayName: string; password: string; locale: Locale; roles: Array<{ role: Role; departmentId: number | null }>; grantedBy: number | null },
  meta: SessionMeta,
  within?: (trx: Transaction<Database>, userId: number) => Promise<boolean>,
): Promise<NewStaffAccountResult> {
  const email = normaliseEmail(input.email)
  const problem = passwordProblem(input.password, [email.split('@')[0]!, input.displayName])
  if (problem) return { kind: 'weakPassword', problem }
  const existing = await database().db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
  if (existing) return { kind: 'emailTaken' }
  const passwordHash = await hashPassword(input.password)
  try {
    return await database().write(async (trx) => {
      const at = now()
      const user = await trx
        .insertInto('users')
        .values({
          email,
          email_confirmed_at: at,
          display_name: input.displayName.trim(),
          password_hash: passwordHash,
          verification_level: 1,
          locale: input.locale,
          created_at: at,
          updated_at: at,
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow()
      for (const r of input.roles) {
        await trx
          .insertInto('user_roles')
          .values({ user_id: user.id, role: r.role, department_id: r.role === 'staff' ? r.departmentId : null, granted_by: input.grantedBy, granted_at: at })
          .onConflict((oc) => oc.doNothing())
          .execute()
      }
      if (within && !(await within(trx, user.id))) throw new Refused()
      const sessionToken = await createSession(trx, user.id, meta)
      return { kind: 'ok' as const, userId: user.id, sessionToken }
    })
  } catch (error) {
    if (error instanceof Refused) return { kind: 'refused' }
    if (isUniqueViolation(error, 'users', 'email')) return { kind: 'emailTaken' }
    throw error
  }
}

/** Whether an address already has an account (an invitation to it would be pointless). */
export async function accountExists(emailInput: string): Promise<boolean> {
  const row = await database().db.selectFrom('users').select('id').where('email', '=', normaliseEmail(emailInput)).executeTakeFirst()
  return Boolean(row)
}

/**
 * Deactivates an account: it can no longer log in, its sessions end and its unused links die.
 * Its content stays. An administrator cannot deactivate themselves.
 */
export async function deactivateAccount(adminId: number, userId: number, within?: WithinWrite): Promise<{ kind: 'ok' } | { kind: 'notFound' } | { kind: 'self' } | { kind: 'already' }> {
  if (adminId === userId) return { kind: 'self' }
  const user = await database().db.selectFrom('users').select(['id', 'deleted_at', 'deactivated_at']).where('id', '=', userId).executeTakeFirst()
  if (!user || user.deleted_at) return { kind: 'notFound' }
  if (user.deactivated_at) return { kind: 'already' }
  await database().write(async (trx) => {
    await trx.updateTable('users').set({ deactivated_at: now(), updated_at: now() }).where('id', '=', userId).execute()
    await invalidateUserSessions(trx, userId)
    await trx.updateTable('email_tokens').set({ used_at: now() }).where('user_id', '=', userId).where('used_at', 'is', null).execute()
    await within?.(trx)
  })
  return { kind: 'ok' }
}

export async function reactivateAccount(userId: number, within?: WithinWrite): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const user = await database().db.selectFrom('users').select(['id', 'deleted_at', 'deactivated_at']).where('id', '=', userId).executeTakeFirst()
  if (!user || user.deleted_at || !user.deactivated_at) return { kind: 'notFound' }
  await database().write(async (trx) => {
    await trx.updateTable('users').set({ deactivated_at: null, updated_at: now() }).where('id', '=', userId).execute()
    await within?.(trx)
  })
  return { kind: 'ok' }
}

/** An account for the administrators' page, deactivated ones included (userById hides them). */
export async function accountForAdmin(userId: number) {
  const row = await database().db.selectFrom('users').select(['id', 'email', 'display_name', 'verification_level', 'deactivated_at', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  return row && !row.deleted_at ? row : null
}
