import { beforeAll, describe, expect, it } from 'vitest'

// The environment gives the starting values (as an operator's .env would).
process.env.PETITION_SPONSORS = '7'
process.env.VERIFICATION_LEVELS = 'vote=3'

const { database, migrateOrThrow } = await import('../../lib/db.server')
const { citySettings, citySettingsNow, forgetCitySettings, saveCitySettings } = await import('./settings.server')
const { completeSetup, issueSetupToken, setupTokenState } = await import('./setup.server')
const { acceptInvitation, inviteStaff, invitationByToken, revokeInvitation } = await import('./invitations.server')
const { siteIdentity } = await import('./identity.server')
const { languagePolicy } = await import('../../lib/i18n.server')
const { registerCityLanguages } = await import('./register.server')

let adminId = 0
beforeAll(async () => {
  await migrateOrThrow(database())
})

describe('first run', () => {
  it('opens with a valid token only, creates the administrator and the identity, then closes for good', async () => {
    const token = await issueSetupToken()
    expect(await setupTokenState('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')).toBe('invalid')
    expect(await setupTokenState(token)).toBe('ok')
    // A newer link replaces the older one.
    const newer = await issueSetupToken()
    expect(await setupTokenState(token)).toBe('invalid')
    const result = await completeSetup(newer, {
      email: 'Admin@Town.example',
      displayName: 'Ada',
      password: 'town hall passphrase',
      cityName: 'Townsville',
      languages: ['es', 'fr'],
      defaultLocale: 'fr',
    })
    expect(result.kind).toBe('ok')
    adminId = result.kind === 'ok' ? result.userId : 0
    expect(await setupTokenState(newer)).toBe('closed')
    const identity = await siteIdentity()
    expect(identity.cityName).toEqual({ es: 'Townsville', fr: 'Townsville' })
    expect([identity.languages, identity.defaultLocale]).toEqual([['es', 'fr'], 'fr'])
    // A second run, even from the command line, is refused.
    expect(
      (
        await completeSetup(null, {
          email: 'b@town.example',
          displayName: 'B',
          password: 'another passphrase',
          cityName: 'X',
          languages: ['en'],
          defaultLocale: 'en',
        })
      ).kind,
    ).toBe('closed')
  })

  it('makes language detection offer only the enabled languages', async () => {
    expect((await languagePolicy()).enabled).toEqual(['en', 'es', 'fr'])
    registerCityLanguages()
    expect(await languagePolicy()).toEqual({ enabled: ['es', 'fr'], defaultLocale: 'fr' })
  })
})

describe('council settings', () => {
  it('take the environment’s value until an administrator saves one, which wins and is audited', async () => {
    const before = await citySettings()
    expect(before.PETITION_SPONSORS).toBe(7)
    expect(before.VERIFICATION_LEVELS).toEqual({ comment: 1, propose: 1, report: 0, support: 2, sign: 2, vote: 3 })
    const changed = await saveCitySettings(adminId, { ...before, PETITION_SPONSORS: 0, VERIFICATION_LEVELS: { ...before.VERIFICATION_LEVELS, sign: 1 } })
    expect(changed).toEqual(['PETITION_SPONSORS', 'VERIFICATION_LEVELS'])
    const after = await citySettings()
    expect([after.PETITION_SPONSORS, after.VERIFICATION_LEVELS.sign, after.PROPOSAL_MONTHS]).toEqual([0, 1, 12])
    expect(citySettingsNow().PETITION_SPONSORS).toBe(0)
    // Saving the same values again changes nothing and audits nothing.
    expect(await saveCitySettings(adminId, after)).toEqual([])
    const audit = await database().db.selectFrom('audit_log').select(['action', 'before', 'after']).where('action', '=', 'settings.change').execute()
    expect(audit.map((a) => JSON.parse(a.after!))).toEqual([{ PETITION_SPONSORS: 0 }, { VERIFICATION_LEVELS: { comment: 1, propose: 1, report: 0, support: 2, sign: 1, vote: 3 } }])
  })

  it('are seen by another process within the cache’s few seconds (here: after forgetting)', async () => {
    await database().write((trx) => trx.updateTable('city_settings').set({ value: '3' }).where('key', '=', 'PETITION_SPONSORS').execute())
    expect((await citySettings()).PETITION_SPONSORS).toBe(0) // cached
    forgetCitySettings()
    expect((await citySettings()).PETITION_SPONSORS).toBe(3)
  })
})

describe('staff invitations', () => {
  it('are accepted once, with the invited roles, at level 1; revoked ones are refused', async () => {
    const dept = await database().write((trx) =>
      trx.insertInto('departments').values({ slug: 'parks', name: '{"en":"Parks"}', created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow(),
    )
    const invited = await inviteStaff(adminId, {
      email: 'Pat@Town.example',
      roles: [
        { role: 'staff', departmentId: dept.id },
        { role: 'staff', departmentId: dept.id },
      ],
      locale: 'es',
    })
    expect(invited.kind).toBe('ok')
    const token = invited.kind === 'ok' ? invited.token : ''
    const mail = await database().db.selectFrom('outbox').select(['to_address', 'subject', 'text_body']).where('kind', '=', 'city.invitation').executeTakeFirstOrThrow()
    expect(mail.to_address).toBe('pat@town.example')
    expect(mail.subject).toContain('Le invitan')
    expect(mail.text_body).toContain(`/invitations/${token}`)
    expect((await invitationByToken(token)).roles).toEqual([{ role: 'staff', departmentId: dept.id }])
    const accepted = await acceptInvitation(token, { displayName: 'Pat', password: 'parks and gardens' })
    expect(accepted.kind).toBe('ok')
    expect((await acceptInvitation(token, { displayName: 'Pat', password: 'parks and gardens' })).kind).toBe('used')
    const user = await database().db.selectFrom('users').select(['verification_level', 'email_confirmed_at']).where('email', '=', 'pat@town.example').executeTakeFirstOrThrow()
    expect(user.verification_level).toBe(1)
    expect(user.email_confirmed_at).not.toBeNull()

    const other = await inviteStaff(adminId, { email: 'sam@town.example', roles: [{ role: 'moderator', departmentId: null }], locale: 'en' })
    if (other.kind !== 'ok') throw new Error(other.kind)
    expect(await revokeInvitation(adminId, other.id)).toEqual({ kind: 'ok' })
    expect((await acceptInvitation(other.token, { displayName: 'Sam', password: 'moderating is fun' })).kind).toBe('revoked')
    expect(await inviteStaff(adminId, { email: 'x@town.example', roles: [{ role: 'staff', departmentId: 999 }], locale: 'en' })).toEqual({
      kind: 'noSuchDepartment',
    })
    expect(await inviteStaff(adminId, { email: 'pat@town.example', roles: [{ role: 'moderator', departmentId: null }], locale: 'en' })).toEqual({
      kind: 'accountExists',
    })
  })
})
