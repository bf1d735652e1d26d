import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

let plaza: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
beforeAll(async () => {
  smtp = await startSmtpSink()
  plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
  await smtp?.stop()
})

const PASSWORD = 'a long enough passphrase'
const level = async (v: Visitor) => /data-testid="verification-level">([^<]*)</.exec(await (await v.get('/account')).text())?.[1]

/** Signs up: "check your e-mail", and no session (the same answer for any address). */
async function signUp(email: string, name = 'Test Person') {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  const res = await v.post('/signup', { email, displayName: name, password: PASSWORD })
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toMatch(/^\/signup\?sent=1/)
  expect(v.loggedIn).toBe(false)
  return v
}

async function logIn(email: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email, password: PASSWORD })).status).toBe(302)
  return v
}

/** Signed up and logged in, the address not yet confirmed. */
async function signedUp(email: string) {
  await signUp(email)
  return logIn(email)
}

async function confirmed(email: string) {
  await signUp(email)
  const mail = await smtp.waitFor(email, { subject: /Confirm your e-mail/ })
  await new Visitor(plaza.url).post(linkIn(mail, '/confirm/'), { intent: 'confirm' })
  return logIn(email)
}

describe('sign-up and confirmation (real SMTP)', () => {
  it('signs up, mails a confirmation link that confirms once, and raises the level to 1', async () => {
    const signing = await signUp('Ana.Garcia@Example.org', 'Ana')
    const sent = await (await signing.get('/signup?sent=1')).text()
    expect(sent).toContain('Check your e-mail')
    const v = await logIn('ana.garcia@example.org')
    expect(await level(v)).toBe('Unverified')
    const mail = await smtp.waitFor('ana.garcia@example.org', { subject: /Confirm your e-mail/ })
    expect(mail.from?.text).toMatch(/Plaza/)
    const link = linkIn(mail, '/confirm/')
    // Opening the link (a mail scanner does) confirms nothing: one button that POSTs (issue 18).
    const opened = await (await new Visitor(plaza.url).get(link)).text()
    expect(opened).toContain('Confirm my address')
    expect(opened).toMatch(/<form method="post"/)
    expect(await level(v)).toBe('Unverified')
    const pressed = await v.post(link, { intent: 'confirm' })
    expect(pressed.status).toBe(200)
    expect(await pressed.text()).toContain('Your e-mail address is confirmed')
    expect(await level(v)).toBe('E-mail confirmed')
    expect((await new Visitor(plaza.url).post(link, { intent: 'confirm' })).status).toBe(410)
    const again = await (await new Visitor(plaza.url).get(link)).text()
    expect(again).toContain('This link was already used')
    expect(again).toContain('Send a new link')
  })

  it('answers an address that has an account exactly like a new one (no enumeration), and mails its owner a way back in', async () => {
    await signUp('dup@example.org')
    const count = smtp.mails.length
    const fresh = await new Visitor(plaza.url).post('/signup', { email: 'brand-new@example.org', displayName: 'Second', password: PASSWORD })
    const known = await new Visitor(plaza.url).post('/signup', { email: 'DUP@example.org', displayName: 'Second', password: PASSWORD })
    expect(known.status).toBe(303)
    expect(known.status).toBe(fresh.status)
    expect(known.headers.get('location')).toBe(fresh.headers.get('location'))
    expect(known.headers.get('set-cookie')).toBeNull()
    expect(fresh.headers.get('set-cookie')).toBeNull()
    expect(await known.text()).toBe(await fresh.text())
    const mail = await smtp.waitFor('dup@example.org', { subject: /Someone tried to create a Plaza account with your address/, after: count })
    expect(mail.text).toContain('already has an account')
    // Still one account, its password unchanged until the owner follows the link.
    expect(await sql.value(`select count(*) from users where email = 'dup@example.org'`)).toBe(1)
    await logIn('dup@example.org')
    const link = linkIn(mail, '/reset-password/')
    const v = new Visitor(plaza.url)
    expect((await v.post(link, { password: 'the owner chose this one' })).status).toBe(302)
    expect(v.loggedIn).toBe(true)
  })

  it.each([
    [{ email: 'not-an-address', displayName: 'X', password: PASSWORD }, 'Enter an e-mail address like name@example.org.'],
    [{ email: 'x@example.org', displayName: '', password: PASSWORD }, 'Enter the name to show with what you write.'],
    [{ email: 'x@example.org', displayName: 'X', password: 'short' }, 'Use at least 10 characters.'],
    [{ email: 'x@example.org', displayName: 'X', password: 'qwertyuiop' }, 'This password is too common'],
    [{ email: 'x@example.org', displayName: 'X', password: PASSWORD, website_url: 'spam' }, 'looked automated'],
  ])('answers 400 with a message next to the field for %o', async (fields, message) => {
    const res = await new Visitor(plaza.url).post('/signup', fields)
    expect(res.status).toBe(400)
    expect(await res.text()).toContain(message)
  })

  it('shows an expired link as expired, with a way to ask for a new one that arrives by mail', async () => {
    await signUp('late@example.org')
    const first = await smtp.waitFor('late@example.org', { subject: /Confirm/ })
    await sql.run(`update email_tokens set expires_at = 0 where purpose = 'confirm_email'`)
    const v = new Visitor(plaza.url)
    expect(await (await v.get(linkIn(first, '/confirm/'))).text()).toContain('This link has expired')
    const count = smtp.mails.length
    const res = await v.post(linkIn(first, '/confirm/'), { email: 'late@example.org' })
    expect(await res.text()).toContain('a new link is on its way')
    const second = await smtp.waitFor('late@example.org', { subject: /Confirm/, after: count })
    expect(linkIn(second, '/confirm/')).not.toBe(linkIn(first, '/confirm/'))
    expect(await (await v.get(linkIn(second, '/confirm/'))).text()).toContain('Confirm my address')
    expect(await (await v.post(linkIn(second, '/confirm/'), { intent: 'confirm' })).text()).toContain('Your e-mail address is confirmed')
  })

  it('shows a clear page for a link that is not ours', async () => {
    expect(await (await new Visitor(plaza.url).get('/confirm/nonsense')).text()).toContain('This link does not work')
    const pressed = await new Visitor(plaza.url).post('/confirm/nonsense', { intent: 'confirm' })
    expect(pressed.status).toBe(404)
    expect(await pressed.text()).toContain('This link does not work')
  })
})

describe('login and logout', () => {
  it('logs in with a fresh session id, and logs out', async () => {
    await confirmed('login@example.org')
    const v = new Visitor(plaza.url)
    v.cookies.set('plaza_session', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') // a fixed id an attacker planted
    const res = await v.post('/login', { email: 'LOGIN@example.org', password: PASSWORD, redirectTo: '/account' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/account')
    expect(v.cookies.get('plaza_session')).not.toContain('aaaaaaaa')
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i)
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Lax/i)
    expect((await v.get('/account')).status).toBe(200)
    await v.post('/logout', {})
    expect(v.loggedIn).toBe(false)
    expect((await v.get('/account')).status).toBe(302)
  })

  it('gives the same answer for an unknown address and a wrong password', async () => {
    const unknown = await new Visitor(plaza.url).post('/login', { email: 'nobody@example.org', password: PASSWORD })
    const wrong = await new Visitor(plaza.url).post('/login', { email: 'login@example.org', password: 'wrong password here' })
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1]
    expect(message(await unknown.text())).toBe(message(await wrong.text()))
  })

  it('throttles an account after 10 failures, whoever tries, with a clear message', async () => {
    await confirmed('target@example.org')
    for (let i = 0; i < 10; i++) {
      expect((await new Visitor(plaza.url).post('/login', { email: 'target@example.org', password: `wrong-${i}-password` })).status).toBe(401)
    }
    const res = await new Visitor(plaza.url).post('/login', { email: 'target@example.org', password: PASSWORD })
    expect(res.status).toBe(429)
    expect(await res.text()).toMatch(/Too many attempts. Try again in \d+ minutes./)
  })

  it('holds the lockout under parallel guessing: at most 10 of 30 simultaneous wrong passwords are checked', async () => {
    await confirmed('parallel@example.org')
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => new Visitor(plaza.url).post('/login', { email: 'parallel@example.org', password: `wrong-guess-${i}-xx` }).then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20)
  })

  it('never redirects to another site after login, even with a tab or newline in the path', async () => {
    await confirmed('tabs@example.org')
    for (const redirectTo of ['/\t/evil.example', '/\n/evil.example', '/\\evil.example']) {
      const res = await new Visitor(plaza.url).post('/login', { email: 'tabs@example.org', password: PASSWORD, redirectTo: redirectTo.replace('\\t', '\t').replace('\\n', '\n') })
      expect(res.headers.get('location')).toBe('/account')
    }
  })

  it('never redirects to another site after login', async () => {
    await confirmed('redirect@example.org')
    const res = await new Visitor(plaza.url).post('/login', { email: 'redirect@example.org', password: PASSWORD, redirectTo: '//evil.example' })
    expect(res.headers.get('location')).toBe('/account')
  })
})

describe('passwords', () => {
  it('resets a forgotten password by e-mail; the old password and other sessions stop working; the link works once', async () => {
    const other = await confirmed('reset@example.org')
    const res = await new Visitor(plaza.url).post('/forgot-password', { email: 'reset@example.org' })
    expect(await res.text()).toContain('If an account uses this address')
    const mail = await smtp.waitFor('reset@example.org', { subject: /Reset your Plaza password/ })
    const link = linkIn(mail, '/reset-password/')
    const v = new Visitor(plaza.url)
    expect(await (await v.get(link)).text()).toContain('Choose a new password')
    expect((await v.post(link, { password: 'short' })).status).toBe(400)
    expect((await v.post(link, { password: 'a brand new passphrase' })).status).toBe(302)
    expect((await other.get('/account')).status).toBe(302) // the other device was logged out
    expect((await new Visitor(plaza.url).post('/login', { email: 'reset@example.org', password: PASSWORD })).status).toBe(401)
    expect((await new Visitor(plaza.url).post('/login', { email: 'reset@example.org', password: 'a brand new passphrase' })).status).toBe(302)
    expect(await (await new Visitor(plaza.url).get(link)).text()).toContain('This link was already used')
  })

  it('ends unused reset links when the password changes another way', async () => {
    const v = await confirmed('stale-link@example.org')
    await new Visitor(plaza.url).post('/forgot-password', { email: 'stale-link@example.org' })
    const mail = await smtp.waitFor('stale-link@example.org', { subject: /Reset your Plaza password/ })
    expect((await v.post('/account/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' })).status).toBe(302)
    expect(await (await new Visitor(plaza.url).get(linkIn(mail, '/reset-password/'))).text()).toContain('This link was already used')
  })

  it('answers a reset request for an unknown address exactly like a known one, and sends nothing', async () => {
    await confirmed('reset-barrier@example.org')
    const count = smtp.mails.length
    const res = await new Visitor(plaza.url).post('/forgot-password', { email: 'ghost@example.org' })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('If an account uses this address')
    // A known address asked right after: once its mail arrived, the one before it was handled too
    // (requests are handled and mail queued in order), so nothing to the unknown one is still coming.
    await new Visitor(plaza.url).post('/forgot-password', { email: 'reset-barrier@example.org' })
    await smtp.waitFor('reset-barrier@example.org', { subject: /Reset your Plaza password/, after: count })
    expect(smtp.mails.slice(count).some((m) => m.to && JSON.stringify(m.to).includes('ghost@'))).toBe(false)
  })

  it('changes the password, logging out every other session', async () => {
    const v = await confirmed('change@example.org')
    const elsewhere = new Visitor(plaza.url)
    await elsewhere.post('/login', { email: 'change@example.org', password: PASSWORD })
    expect((await v.post('/account/password', { currentPassword: 'wrong one here', newPassword: 'another long passphrase' })).status).toBe(400)
    expect((await v.post('/account/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' })).status).toBe(302)
    expect((await v.get('/account')).status).toBe(200)
    expect((await elsewhere.get('/account')).status).toBe(302)
    await smtp.waitFor('change@example.org', { subject: /password was changed/ })
  })
})

describe('e-mail change, deletion and data', () => {
  it('changes the e-mail address after the new address confirms', async () => {
    const v = await confirmed('old@example.org')
    const res = await v.post('/account/email', { newEmail: 'new@example.org', password: PASSWORD })
    expect(await res.text()).toContain('We sent a link to new@example.org')
    const mail = await smtp.waitFor('new@example.org', { subject: /Confirm your new e-mail/ })
    await smtp.waitFor('old@example.org', { subject: /change of e-mail address was requested/ })
    const link = linkIn(mail, '/confirm-email-change/')
    // Opening the link changes nothing (mail scanners open links); its button does.
    expect(await (await new Visitor(plaza.url).get(link)).text()).toContain('Change my address')
    expect((await new Visitor(plaza.url).post('/login', { email: 'old@example.org', password: PASSWORD })).status).toBe(302)
    expect(await (await v.post(link, {})).text()).toContain('Your e-mail address has changed')
    expect((await v.post(link, {})).status).toBe(410)
    expect((await new Visitor(plaza.url).post('/login', { email: 'new@example.org', password: PASSWORD })).status).toBe(302)
    expect((await new Visitor(plaza.url).post('/login', { email: 'old@example.org', password: PASSWORD })).status).toBe(401)
  })

  it('refuses an address already in use, or a wrong password', async () => {
    const v = await confirmed('mover@example.org')
    await confirmed('taken@example.org')
    expect((await v.post('/account/email', { newEmail: 'taken@example.org', password: PASSWORD })).status).toBe(409)
    expect((await v.post('/account/email', { newEmail: 'free@example.org', password: 'not my password' })).status).toBe(400)
  })

  it('downloads the person’s own data as JSON, without the census document', async () => {
    const v = await confirmed('data@example.org')
    const res = await v.get('/account/data.json')
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(res.headers.get('content-disposition')).toMatch(/attachment/)
    const body = (await res.json()) as { account: { email: string; verificationLevel: number }; sessions: unknown[] }
    expect(body.account.email).toBe('data@example.org')
    expect(body.account.verificationLevel).toBe(1)
    expect(body.sessions.length).toBeGreaterThan(0)
    expect((await new Visitor(plaza.url).get('/account/data.json')).status).toBe(302)
  })

  it('deletes the account: it can no longer log in, its address is free, the row stays anonymised', async () => {
    const v = await confirmed('leaving@example.org')
    expect((await v.post('/account/delete', { password: 'wrong password!!' })).status).toBe(400)
    const res = await v.post('/account/delete', { password: PASSWORD })
    expect(res.headers.get('location')).toBe('/account/deleted')
    expect(v.loggedIn).toBe(false)
    expect((await new Visitor(plaza.url).post('/login', { email: 'leaving@example.org', password: PASSWORD })).status).toBe(401)
    const row = await sql.get(`select email, display_name, password_hash, deleted_at from users where deleted_at is not null`)
    expect(row).toMatchObject({ email: null, display_name: '', password_hash: null })
    await signUp('leaving@example.org')
  })
})

describe('residence verification', () => {
  it('verifies a resident against the census (level 2, home area), once per census record', async () => {
    const v = await confirmed('resident1@example.org')
    const bad = await v.post('/account/verify', { document: 'VAL000002', birthDate: '1975-11-29' })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('These details do not match any record in the census')
    expect(html).not.toMatch(/birth date is wrong|document is wrong/i)
    const ok = await v.post('/account/verify', { document: ' val-000002 ', birthDate: '1975-11-30' })
    expect(await ok.text()).toContain('Your residence is verified. Home area:')
    expect(await level(v)).toBe('Residence verified')
    const other = await confirmed('resident2@example.org')
    const again = await other.post('/account/verify', { document: 'VAL000002', birthDate: '1975-11-30' })
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('already verifies another account')
  })

  it('asks for a confirmed e-mail first', async () => {
    const v = await signedUp('fresh@example.org')
    expect((await v.post('/account/verify', { document: 'VAL000003', birthDate: '1992-06-05' })).status).toBe(403)
  })

  it('is rate-limited: the sixth failure in an hour is refused even with the right details', async () => {
    const v = await confirmed('guesser@example.org')
    for (let i = 1; i <= 5; i++) expect((await v.post('/account/verify', { document: 'VAL000003', birthDate: `1990-01-0${i}` })).status).toBe(400)
    const res = await v.post('/account/verify', { document: 'VAL000003', birthDate: '1992-06-05' })
    expect(res.status).toBe(429)
  })

  it('answers 400 next to the field for a malformed date', async () => {
    const v = await confirmed('typo@example.org')
    const res = await v.post('/account/verify', { document: 'VAL000003', birthDate: '05/06/1992' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Enter a date like 1980-04-12.')
  })
})

describe('administration', () => {
  const admin = async () => {
    const v = new Visitor(plaza.url, { 'accept-language': 'en' })
    expect((await v.post('/login', { email: 'admin@valmera.example', password: 'valmera-demo-2026' })).status).toBe(302)
    return v
  }

  it('imports the census from CSV, counting added, updated and rejected rows with their reasons', async () => {
    const v = await admin()
    const csv = [
      'document_number,birth_date,area',
      'NEW0001,1990-01-01,ribera-nord',
      'NEW0002,1991-02-30,ribera-nord',
      'NEW0003,1992-03-03,atlantis',
      'NEW0001,1993-04-04,ribera-nord',
      ',1994-05-05,ribera-nord',
      'VAL000003,1992-06-05,ribera-sud',
    ].join('\n')
    const form = new FormData()
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'census.csv')
    const html = await (await v.post('/admin/census', form)).text()
    expect(html).toContain('data-testid="census-added">1<')
    expect(html).toContain('data-testid="census-updated">1<')
    expect(html).toContain('data-testid="census-rejected">4<')
    expect(html).toContain('birth date is not a valid YYYY-MM-DD date: “1991-02-30”')
    expect(html).toContain('unknown area “atlantis”')
    expect(html).toContain('same document as row 2')
    expect(html).toContain('no document number')
    expect(await sql.value(`select count(*) from census_records where document_hash like '%NEW0001%'`)).toBe(0) // only keyed hashes are stored
  })

  it('refuses an upload without a file next to the field', async () => {
    const v = await admin()
    const res = await v.post('/admin/census', new FormData())
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Choose a CSV file.')
  })

  it('searches users with % and _ matched literally', async () => {
    const v = await admin()
    const html = await (await v.get('/admin/users?q=%25')).text()
    expect(html).toContain('No account matches.')
  })

  it('grants and removes roles, needs a department for staff, and will not remove its own admin role', async () => {
    const person = await confirmed('future-staff@example.org')
    const v = await admin()
    const list = await (await v.get('/admin/users?q=future-staff')).text()
    const id = /href="\/admin\/users\/(\d+)"/.exec(list)![1]
    expect((await v.post(`/admin/users/${id}`, { intent: 'grant', role: 'staff', departmentId: '' })).status).toBe(400)
    expect((await v.post(`/admin/users/${id}`, { intent: 'grant', role: 'staff', departmentId: '1' })).status).toBe(200)
    expect((await person.get('/council')).status).toBe(200)
    expect((await v.post(`/admin/users/${id}`, { intent: 'grant', role: 'staff', departmentId: '1' })).status).toBe(409)
    const page = await (await v.get(`/admin/users/${id}`)).text()
    const roleId = /name="roleId" value="(\d+)"/.exec(page)![1]!
    expect((await v.post(`/admin/users/${id}`, { intent: 'remove', roleId })).status).toBe(200)
    expect((await person.get('/council')).status).toBe(403)
    const self = await (await v.get('/admin/users?q=admin@valmera')).text()
    const adminId = /href="\/admin\/users\/(\d+)"/.exec(self)![1]
    const adminPage = await (await v.get(`/admin/users/${adminId}`)).text()
    const ownRole = /name="roleId" value="(\d+)"/.exec(adminPage)![1]!
    const refused = await v.post(`/admin/users/${adminId}`, { intent: 'remove', roleId: ownRole })
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('You cannot remove your own administrator role')
  })

  it('lets staff verify a person in person at level 3', async () => {
    const person = await confirmed('walk-in@example.org')
    const staff = new Visitor(plaza.url)
    await staff.post('/login', { email: 'roads@valmera.example', password: 'valmera-demo-2026' })
    expect((await staff.post('/council/verify', { email: 'nobody-here@example.org', document: 'VAL000004', birthDate: '1990-01-01' })).status).toBe(404)
    const res = await staff.post('/council/verify', { email: 'walk-in@example.org', document: 'VAL000001', birthDate: '1980-04-12' })
    expect(await res.text()).toContain('walk-in@example.org is verified in person')
    expect(await level(person)).toBe('Verified in person')
  })
})

describe('permission matrix: each role is refused what it may not do', () => {
  const who = ['anonymous', 'citizen', 'staff', 'moderator', 'admin'] as const
  const login: Record<(typeof who)[number], string | null> = {
    anonymous: null,
    citizen: 'citizen@valmera.example',
    staff: 'lighting@valmera.example',
    moderator: 'moderator@valmera.example',
    admin: 'admin@valmera.example',
  }
  // [method, path, body, who may]
  const matrix: Array<[string, string, Record<string, string>, Array<(typeof who)[number]>]> = [
    ['GET', '/account', {}, ['citizen', 'staff', 'moderator', 'admin']],
    ['GET', '/account/verify', {}, ['citizen', 'staff', 'moderator', 'admin']],
    ['GET', '/council', {}, ['staff', 'admin']],
    ['GET', '/council/verify', {}, ['staff', 'admin']],
    ['POST', '/council/verify', { email: 'citizen@valmera.example', document: 'X', birthDate: '1990-01-01' }, ['staff', 'admin']],
    ['GET', '/admin', {}, ['admin']],
    ['GET', '/admin/users', {}, ['admin']],
    ['GET', '/admin/users/1', {}, ['admin']],
    ['POST', '/admin/users/1', { intent: 'grant', role: 'moderator' }, ['admin']],
    ['GET', '/admin/census', {}, ['admin']],
    ['POST', '/admin/census', {}, ['admin']],
  ]
  const visitors = new Map<string, Visitor>()
  beforeAll(async () => {
    for (const w of who) {
      const v = new Visitor(plaza.url)
      if (login[w]) expect((await v.post('/login', { email: login[w]!, password: 'valmera-demo-2026' })).status).toBe(302)
      visitors.set(w, v)
    }
  })

  for (const [method, path, body, allowed] of matrix) {
    for (const w of who) {
      it(`${w} ${allowed.includes(w) ? 'may' : 'may not'} ${method} ${path}`, async () => {
        const v = visitors.get(w)!
        const res = method === 'GET' ? await v.get(path) : await v.post(path, body)
        if (allowed.includes(w)) expect([200, 400, 404, 409]).toContain(res.status)
        else if (w === 'anonymous') {
          expect(res.status).toBe(302)
          expect(res.headers.get('location')).toMatch(/^\/login\?redirectTo=/)
        } else expect(res.status).toBe(403)
      })
    }
  }
})
