import { generateToken, hashToken } from '../accounts/sessions.server'
import { countAdministrators, createStaffAccount, type NewStaffAccountResult } from '../accounts/accounts.server'
import { database, type PlazaDatabase } from '../../lib/db.server'
import type { Locale } from '../../lib/i18n'
import type { SessionMeta } from '../accounts/sessions.server'
import { recordAudit } from '../moderation/moderation.server'
import { forgetSiteIdentity, writeIdentity } from './identity.server'

/**
 * The first run of an empty installation. `npm start` without the demo and without an
 * administrator prints a one-time link (valid 24 hours; the database keeps only its hash); /setup
 * with that link creates the first administrator, the city's name and its languages. Once an
 * administrator exists, /setup is closed for good. `npm run setup` does the same from a script.
 */

export const SETUP_TOKEN_HOURS = 24
const HOUR = 3_600_000

/** Issues a new setup link's token (older unused ones stop working). `db` is the caller's connection. */
export async function issueSetupToken(db: PlazaDatabase = database()): Promise<string> {
  const token = generateToken()
  const at = new Date().toISOString()
  await db.write(async (trx) => {
    await trx.updateTable('setup_tokens').set({ used_at: at }).where('used_at', 'is', null).execute()
    await trx
      .insertInto('setup_tokens')
      .values({ token_hash: hashToken(token), expires_at: Date.now() + SETUP_TOKEN_HOURS * HOUR, used_at: null, created_at: at })
      .execute()
  })
  return token
}

/** For `npm start`: a setup token when the installation has no administrator yet, else null. */
export async function firstRunToken(db: PlazaDatabase): Promise<string | null> {
  if ((await countAdministrators(db.db)) > 0) return null
  return issueSetupToken(db)
}

export type SetupTokenState = 'ok' | 'invalid' | 'expired' | 'closed'

/** Whether /setup may be used with this token now. */
export async function setupTokenState(token: string | null | undefined): Promise<SetupTokenState> {
  if ((await countAdministrators()) > 0) return 'closed'
  if (!token || !/^[a-z2-7]{32}$/.test(token)) return 'invalid'
  const row = await database().db.selectFrom('setup_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
  if (!row || row.used_at) return 'invalid'
  if (row.expires_at <= Date.now()) return 'expired'
  return 'ok'
}

export interface SetupInput {
  email: string
  displayName: string
  password: string
  cityName: string
  languages: Locale[]
  defaultLocale: Locale
}

export type SetupResult = NewStaffAccountResult | { kind: 'closed' } | { kind: 'invalid' } | { kind: 'expired' }

/**
 * Creates the first administrator and the city's identity in one transaction, using the token.
 * `token` null: the command line (the operator at the server's console), which needs no link.
 */
export async function completeSetup(token: string | null, input: SetupInput, meta: SessionMeta = {}): Promise<SetupResult> {
  if (token !== null) {
    const state = await setupTokenState(token)
    if (state !== 'ok') return { kind: state }
  } else if ((await countAdministrators()) > 0) return { kind: 'closed' }
  const result = await createStaffAccount(
    {
      email: input.email,
      displayName: input.displayName,
      password: input.password,
      locale: input.defaultLocale,
      roles: [{ role: 'admin', departmentId: null }],
      grantedBy: null,
    },
    meta,
    async (trx, userId) => {
      // Two tabs racing: only the first use of the token (and the first administrator) counts.
      if (token !== null) {
        const used = await trx.updateTable('setup_tokens').set({ used_at: new Date().toISOString() }).where('token_hash', '=', hashToken(token)).where('used_at', 'is', null).executeTakeFirst()
        if (Number(used.numUpdatedRows) !== 1) return false
      }
      const admins = await trx
        .selectFrom('user_roles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .executeTakeFirstOrThrow()
      if (Number(admins.n) !== 1) return false
      const cityName = Object.fromEntries(input.languages.map((l) => [l, input.cityName.trim()]))
      await writeIdentity(trx, {
        siteName: {},
        cityName,
        homeIntro: {},
        primaryColour: null,
        contactEmail: null,
        languages: input.languages,
        defaultLocale: input.defaultLocale,
      })
      // Every other outstanding setup link dies with this one.
      await trx.updateTable('setup_tokens').set({ used_at: new Date().toISOString() }).where('used_at', 'is', null).execute()
      await recordAudit(trx, {
        actorId: userId,
        action: 'setup.complete',
        targetKind: 'identity',
        targetId: 1,
        after: { city: input.cityName, languages: input.languages, defaultLocale: input.defaultLocale, via: token ? 'link' : 'command' },
      })
      return true
    },
  )
  forgetSiteIdentity()
  if (result.kind === 'refused') return { kind: 'closed' }
  return result
}

/**
 * `npm run setup` without a password: the city's identity is written and the administrator gets
 * an invitation (the link is printed, and mailed through the outbox when mail is configured).
 */
export async function setupWithInvitation(input: Omit<SetupInput, 'password' | 'displayName'>): Promise<{ kind: 'ok'; url: string } | { kind: 'closed' } | { kind: 'accountExists' }> {
  if ((await countAdministrators()) > 0) return { kind: 'closed' }
  const { inviteStaff } = await import('./invitations.server')
  await database().write((trx) =>
    writeIdentity(trx, {
      siteName: {},
      cityName: Object.fromEntries(input.languages.map((l) => [l, input.cityName.trim()])),
      homeIntro: {},
      primaryColour: null,
      contactEmail: null,
      languages: input.languages,
      defaultLocale: input.defaultLocale,
    }),
  )
  forgetSiteIdentity()
  const invited = await inviteStaff(null, { email: input.email, roles: [{ role: 'admin', departmentId: null }], locale: input.defaultLocale })
  if (invited.kind === 'accountExists') return { kind: 'accountExists' }
  if (invited.kind !== 'ok') throw new Error(`unexpected: ${invited.kind}`)
  const { config } = await import('../../lib/config.server')
  return { kind: 'ok', url: `${config().PUBLIC_URL}/invitations/${invited.token}` }
}
