import type { Role } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { translator } from '../../lib/i18n.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { localize } from '../../lib/localized'
import { composeMail } from '../../lib/mail/compose.server'
import { queueMail } from '../../lib/mail/outbox.server'
import { accountExists, createStaffAccount, listDepartments, normaliseEmail, type NewStaffAccountResult } from '../accounts/accounts.server'
import { generateToken, hashToken, type SessionMeta } from '../accounts/sessions.server'
import { recordAudit } from '../moderation/moderation.server'
import { siteIdentity } from './identity.server'

/**
 * Staff invited by e-mail: the link is valid 7 days and the database keeps only its hash;
 * accepting it sets a name and password and creates the account (e-mail confirmed, level 1)
 * with the invited roles. The mail goes through the outbox in the invitee's language.
 */

export const INVITATION_DAYS = 7
const DAY = 86_400_000

export interface InvitedRole {
  role: Role
  departmentId: number | null
}

export type InviteResult = { kind: 'ok'; id: number; token: string } | { kind: 'accountExists' } | { kind: 'noSuchDepartment' } | { kind: 'noRoles' }

function parseRoles(stored: string): InvitedRole[] {
  try {
    const v = JSON.parse(stored) as unknown
    return Array.isArray(v) ? (v as InvitedRole[]) : []
  } catch {
    return []
  }
}

async function siteTitle(locale: Locale) {
  const identity = await siteIdentity()
  const site = localize(identity.siteName, locale, identity.defaultLocale) || 'Plaza'
  const city = localize(identity.cityName, locale, identity.defaultLocale)
  return city ? `${site} · ${city}` : site
}

/**
 * Invites a person. `adminId` null: the command line (`npm run setup` without a password).
 * An earlier open invitation to the same address is revoked by the new one.
 */
export async function inviteStaff(adminId: number | null, input: { email: string; roles: InvitedRole[]; locale: Locale }): Promise<InviteResult> {
  const email = normaliseEmail(input.email)
  const roles = dedupeRoles(input.roles)
  if (roles.length === 0) return { kind: 'noRoles' }
  if (await accountExists(email)) return { kind: 'accountExists' }
  const departments = new Set((await listDepartments()).map((d) => d.id))
  if (roles.some((r) => r.role === 'staff' && (r.departmentId === null || !departments.has(r.departmentId)))) return { kind: 'noSuchDepartment' }
  const token = generateToken()
  const t = translator(input.locale)
  const site = await siteTitle(input.locale)
  const url = `${config().PUBLIC_URL}/invitations/${token}`
  const at = new Date().toISOString()
  const id = await database().write(async (trx) => {
    await trx.updateTable('staff_invitations').set({ revoked_at: at }).where('email', '=', email).where('accepted_at', 'is', null).where('revoked_at', 'is', null).execute()
    const row = await trx
      .insertInto('staff_invitations')
      .values({
        email,
        roles: JSON.stringify(roles),
        locale: input.locale,
        token_hash: hashToken(token),
        invited_by: adminId,
        expires_at: Date.now() + INVITATION_DAYS * DAY,
        accepted_at: null,
        user_id: null,
        revoked_at: null,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const mail = composeMail({
      locale: input.locale,
      subject: t('city:invitations.mail.subject', { site }),
      paragraphs: [t('city:invitations.mail.body', { site, roles: roles.map((r) => t(`accounts:roles.${r.role}`)).join(', ') }), t('city:invitations.mail.expiry', { days: INVITATION_DAYS })],
      action: { label: t('city:invitations.mail.action'), url },
    })
    await queueMail(trx, { kind: 'city.invitation', to: email, ...mail })
    if (adminId !== null)
      await recordAudit(trx, {
        actorId: adminId,
        action: 'staff.invite',
        targetKind: 'invitation',
        targetId: row.id,
        after: { email, roles, locale: input.locale },
      })
    return row.id
  })
  return { kind: 'ok', id, token }
}

function dedupeRoles(roles: InvitedRole[]): InvitedRole[] {
  const seen = new Set<string>()
  return roles
    .map((r) => ({ role: r.role, departmentId: r.role === 'staff' ? r.departmentId : null }))
    .filter((r) => {
      const key = `${r.role}:${r.departmentId ?? 0}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

export type InvitationState = 'ok' | 'invalid' | 'expired' | 'revoked' | 'used'

async function findInvitation(token: string) {
  if (!/^[a-z2-7]{32}$/.test(token)) return null
  return database().db.selectFrom('staff_invitations').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
}

function stateOf(row: { accepted_at: string | null; revoked_at: string | null; expires_at: number } | null | undefined): InvitationState {
  if (!row) return 'invalid'
  if (row.accepted_at) return 'used'
  if (row.revoked_at) return 'revoked'
  if (row.expires_at <= Date.now()) return 'expired'
  return 'ok'
}

/** What the acceptance page shows: the invitation's state, its address, language and roles. */
export async function invitationByToken(token: string): Promise<{ state: InvitationState; email?: string; locale?: Locale; roles?: InvitedRole[] }> {
  const row = await findInvitation(token)
  const state = stateOf(row)
  if (state !== 'ok' || !row) return { state }
  return { state, email: row.email, locale: isLocale(row.locale) ? row.locale : undefined, roles: parseRoles(row.roles) }
}

export type AcceptResult = NewStaffAccountResult | { kind: Exclude<InvitationState, 'ok'> }

export async function acceptInvitation(token: string, input: { displayName: string; password: string }, meta: SessionMeta = {}): Promise<AcceptResult> {
  const row = await findInvitation(token)
  const state = stateOf(row)
  if (state !== 'ok' || !row) return { kind: state as Exclude<InvitationState, 'ok'> }
  const result = await createStaffAccount(
    {
      email: row.email,
      displayName: input.displayName,
      password: input.password,
      locale: isLocale(row.locale) ? row.locale : 'en',
      roles: parseRoles(row.roles),
      grantedBy: row.invited_by,
    },
    meta,
    async (trx, userId) => {
      // Accepted once, and never after a revocation that happened a moment ago.
      const used = await trx
        .updateTable('staff_invitations')
        .set({ accepted_at: new Date().toISOString(), user_id: userId })
        .where('id', '=', row.id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', Date.now())
        .executeTakeFirst()
      if (Number(used.numUpdatedRows) !== 1) return false
      await recordAudit(trx, {
        actorId: userId,
        action: 'staff.accept',
        targetKind: 'invitation',
        targetId: row.id,
        after: { userId, roles: parseRoles(row.roles) },
      })
      return true
    },
  )
  if (result.kind === 'refused') return { kind: stateOf(await findInvitation(token)) as Exclude<InvitationState, 'ok'> }
  return result
}

export async function revokeInvitation(adminId: number, id: number): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const done = await database().write(async (trx) => {
    const res = await trx
      .updateTable('staff_invitations')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (Number(res.numUpdatedRows) !== 1) return false
    await recordAudit(trx, { actorId: adminId, action: 'staff.revoke-invitation', targetKind: 'invitation', targetId: id })
    return true
  })
  return done ? { kind: 'ok' } : { kind: 'notFound' }
}

/** Open and recent invitations for the administrators' page (newest first). */
export async function listInvitations(limit = 50) {
  const rows = await database().db.selectFrom('staff_invitations').selectAll().orderBy('id', 'desc').limit(limit).execute()
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    roles: parseRoles(r.roles),
    locale: r.locale,
    createdAt: r.created_at,
    state: stateOf(r),
    expiresAt: new Date(r.expires_at).toISOString(),
  }))
}
