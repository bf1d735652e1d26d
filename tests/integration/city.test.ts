import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf } from '../support/sql'

/**
 * A city makes Plaza its own, over real HTTP (issue 16 parts 1, 4, 5, 6): the first run with the
 * link from the log, identity and legal pages, the council's settings taking effect, staff
 * invitations by real SMTP — and every admin page refused to everybody else.
 */

let empty: RunningPlaza
let demo: RunningPlaza
let smtp: SmtpSink
beforeAll(async () => {
  smtp = await startSmtpSink()
  ;[empty, demo] = await Promise.all([
    startPlaza({ SEED_DEMO: 'false', RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', MAIL_URL: smtp.url, DEV_MAIL: 'false' }),
    // PETITION_SPONSORS from the environment: the saved setting must win over it.
    startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PETITION_SPONSORS: '5', MAIL_URL: smtp.url, DEV_MAIL: 'false', PAGE_CACHE: 'false' }),
  ])
}, 60_000)
afterAll(async () => {
  await Promise.all([empty?.stop(), demo?.stop()])
  await smtp?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
function errorNextTo(html: string, name: string): string | null {
  const id = `field-${name}`
  const input = new RegExp(`<(?:input|select|textarea)[^>]*id="${id}"[^>]*>`).exec(html)?.[0]
  if (!input || !input.includes(`${id}-error`) || !/aria-invalid="true"/.test(input)) return null
  const p = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)
  return p ? decode(p[1]!) : null
}
async function sql(plaza: RunningPlaza, query: string, ...params: unknown[]) {
  const db = sqlOf(plaza)
  try {
    return await db.all(query, ...params)
  } finally {
    await db.close()
  }
}
const run = async (plaza: RunningPlaza, query: string, ...params: unknown[]) => {
  const db = sqlOf(plaza)
  try {
    await db.run(query, ...params)
  } finally {
    await db.close()
  }
}

async function as(who: string, plaza = demo, language = 'en') {
  const v = new Visitor(plaza.url, { 'accept-language': language })
  if (who !== 'anonymous') expect((await v.post('/login', { email: who.includes('@') ? who : `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

function setupLink(plaza: RunningPlaza): string {
  const line = plaza.logs.find((l) => typeof l.setupUrl === 'string')
  expect(line, 'the log names the setup link').toBeTruthy()
  return new URL(line!.setupUrl as string).pathname + new URL(line!.setupUrl as string).search
}

describe('first run', () => {
  it('prints a one-time setup link in the log of an empty installation, and only its hash is stored', async () => {
    const link = setupLink(empty)
    const token = new URL(link, empty.url).searchParams.get('token')!
    expect(token).toMatch(/^[a-z2-7]{32}$/)
    const rows = await sql(empty, 'select token_hash, expires_at from setup_tokens where used_at is null')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.token_hash).not.toBe(token)
    const hours = (Number(rows[0]!.expires_at) - Date.now()) / 3_600_000
    expect(hours).toBeGreaterThan(23.9)
    expect(hours).toBeLessThanOrEqual(24)
    // The demo installation has administrators: no link.
    expect(demo.logs.some((l) => 'setupUrl' in l)).toBe(false)
  })

  it('refuses /setup without a token, with a wrong one, and with an expired one', async () => {
    const v = new Visitor(empty.url, { 'accept-language': 'en' })
    expect((await v.get('/setup')).status).toBe(403)
    const wrong = await v.get('/setup?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    expect(wrong.status).toBe(403)
    expect(await wrong.text()).toContain('This setup link is not valid')
    const posted = await v.post('/setup', {
      token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      email: 'x@example.org',
      displayName: 'X',
      password: 'a long passphrase here',
      cityName: 'X',
      language_en: 'on',
      defaultLocale: 'en',
    })
    expect(posted.status).toBe(403)
    expect((await sql(empty, 'select count(*) as n from users'))[0]!.n).toBe(0)
    // Expired: the same link a day later.
    await run(empty, 'update setup_tokens set expires_at = ? where used_at is null', Date.now() - 1)
    const expired = await v.get(setupLink(empty))
    expect(expired.status).toBe(410)
    expect(await expired.text()).toContain('has expired')
    await run(empty, 'update setup_tokens set expires_at = ? where used_at is null', Date.now() + 3_600_000)
  })

  it('shows bad input next to its field with everything typed kept, then creates the administrator, the city and its languages', async () => {
    const link = setupLink(empty)
    const token = new URL(link, empty.url).searchParams.get('token')!
    const v = new Visitor(empty.url, { 'accept-language': 'en' })
    const page = await v.get(link)
    expect(page.status).toBe(200)
    const fields = {
      token,
      email: 'clerk@aldemar.example',
      displayName: 'Clara Clerk',
      password: 'short',
      cityName: 'Aldemar',
      language_en: 'on',
      language_es: 'on',
      defaultLocale: 'es',
    }
    const weak = await v.post(link, fields)
    expect(weak.status).toBe(400)
    const weakHtml = await weak.text()
    expect(errorNextTo(weakHtml, 'password')).toContain('at least 10 characters')
    expect(weakHtml).toContain('value="Aldemar"')
    expect(weakHtml).toContain('value="clerk@aldemar.example"')
    const noLanguage = await v.post(link, { ...fields, password: 'aldemar council 2026', language_en: '', language_es: '', defaultLocale: 'fr' })
    expect(noLanguage.status).toBe(400)
    expect(await noLanguage.text()).toContain('Choose at least one language')

    const done = await v.post(link, { ...fields, password: 'aldemar council 2026' })
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/admin?welcome=1')
    expect(v.loggedIn).toBe(true)
    const admin = await v.get('/admin')
    expect(admin.status).toBe(200)
    const user = await sql(empty, "select u.verification_level, r.role from users u join user_roles r on r.user_id = u.id where u.email = 'clerk@aldemar.example'")
    expect(user).toEqual([{ verification_level: 1, role: 'admin' }])
    expect(await sql(empty, "select action from audit_log where action = 'setup.complete'")).toHaveLength(1)
  })

  it('closes /setup for good once an administrator exists (the same link too)', async () => {
    const link = setupLink(empty)
    const again = await new Visitor(empty.url).get(link)
    expect(again.status).toBe(404)
    const posted = await new Visitor(empty.url).post('/setup', {
      token: new URL(link, empty.url).searchParams.get('token')!,
      email: 'second@example.org',
      displayName: 'Second',
      password: 'another long passphrase',
      cityName: 'Other',
      language_en: 'on',
      defaultLocale: 'en',
    })
    expect(posted.status).toBe(404)
    expect((await sql(empty, "select count(*) as n from users where email = 'second@example.org'"))[0]!.n).toBe(0)
  })

  it('offers only the enabled languages: French asked, Spanish (the default) given; the name shows in the header', async () => {
    const french = new Visitor(empty.url, { 'accept-language': 'fr' })
    // Polled until no cached copy of the identity (or of the anonymous page) from before is left.
    const html = await vi.waitFor(
      async () => {
        const html = await (await french.get('/')).text()
        expect(html).toContain('Aldemar')
        return html
      },
      { timeout: 15_000, interval: 100 },
    )
    expect(html).toContain('lang="es"')
    expect(html).not.toMatch(/<option[^>]*value="fr"/)
    const refused = await french.post('/language', { locale: 'fr', redirectTo: '/' })
    expect(refused.status).toBe(400)
  })
})

describe('council settings', () => {
  it('shows each setting explained, with the environment’s value until saved', async () => {
    const admin = await as('admin')
    const html = await (await admin.get('/admin/settings')).text()
    expect(html).toContain('Sponsors a petition needs before moderation')
    expect(html).toMatch(/name="PETITION_SPONSORS"[^>]*value="5"|value="5"[^>]*name="PETITION_SPONSORS"/)
    expect(html).toContain('PETITION_SPONSORS.)')
  })

  it('refuses bad values next to their fields, keeping what was typed, and saves nothing', async () => {
    const admin = await as('admin')
    const form = await formValues(admin, '/admin/settings')
    const res = await admin.post('/admin/settings', {
      ...form,
      PETITION_RESPONSE_THRESHOLD: '5000',
      PETITION_DEBATE_THRESHOLD: '100',
      PROPOSAL_MONTHS: '0',
      PROPOSAL_THRESHOLD: 'lots',
    })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(errorNextTo(html, 'PETITION_RESPONSE_THRESHOLD')).toContain('cannot be more than those that oblige a debate')
    expect(errorNextTo(html, 'PROPOSAL_MONTHS')).toBe('Enter a number from 1 to 120.')
    expect(errorNextTo(html, 'PROPOSAL_THRESHOLD')).toContain('number of supports')
    expect(html).toContain('value="lots"')
    expect((await sql(demo, 'select count(*) as n from city_settings'))[0]!.n).toBe(0)
  })

  it('saved PETITION_SPONSORS = 0 wins over the environment: a new petition goes straight to moderation; the change is audited', async () => {
    const citizen = await as('citizen')
    const petition = (title: string) => ({
      intent: 'gather',
      title,
      action: 'Plant trees along the river walk next spring.',
      background: 'Shade for everybody.',
      target: 'council',
      restriction: '',
      lat: '',
      lng: '',
      area: '',
    })
    const before = await citizen.post('/petitions/new', petition('Trees along the river walk'))
    expect(before.headers.get('location')).toMatch(/done=sponsoring$/)

    const admin = await as('admin')
    const form = await formValues(admin, '/admin/settings')
    const saved = await admin.post('/admin/settings', { ...form, PETITION_SPONSORS: '0' })
    expect(saved.status).toBe(200)
    expect(await saved.text()).toContain('one setting changed')
    const audit = await sql(demo, "select before, after from audit_log where action = 'settings.change'")
    expect(audit).toEqual([{ before: '{"PETITION_SPONSORS":5}', after: '{"PETITION_SPONSORS":0}' }])

    const after = await citizen.post('/petitions/new', petition('Benches along the river walk'))
    expect(after.headers.get('location')).toMatch(/done=pending$/)
  })

  it('is refused to staff, moderators, citizens (403) and anonymous visitors (to log in), on loader and action', async () => {
    for (const path of ['/admin/settings', '/admin/identity', '/admin/pages/terms']) {
      for (const who of ['roads', 'moderator', 'citizen']) {
        const v = await as(who)
        expect((await v.get(path)).status, `${who} GET ${path}`).toBe(403)
        expect((await v.post(path, { PETITION_SPONSORS: '0' })).status, `${who} POST ${path}`).toBe(403)
      }
      const anonymous = new Visitor(demo.url)
      expect((await anonymous.get(path)).headers.get('location')).toMatch(/^\/login/)
      expect((await anonymous.post(path, {})).headers.get('location')).toMatch(/^\/login/)
    }
    expect((await sql(demo, "select count(*) as n from city_settings where key != 'PETITION_SPONSORS'"))[0]!.n).toBe(0)
  })
})

/** The form's current values as a browser would send them (inputs with values, selected options). */
async function formValues(v: Visitor, path: string): Promise<Record<string, string>> {
  const html = await (await v.get(path)).text()
  const out: Record<string, string> = {}
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1]
    const value = /value="([^"]*)"/.exec(m[0])?.[1]
    if (name && value !== undefined && !/type="(checkbox|file|search)"/.test(m[0])) out[name] = decode(value)
    if (name && /type="checkbox"/.test(m[0]) && /checked/.test(m[0])) out[name] = 'on'
  }
  for (const m of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option[^>]*value="([^"]*)"[^>]*selected/.exec(m[2]!)?.[1] ?? /<option[^>]*value="([^"]*)"/.exec(m[2]!)?.[1]
    if (selected !== undefined) out[m[1]!] = decode(selected)
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = decode(m[2]!)
  return out
}

describe('identity and pages', () => {
  it('refuses a primary colour that fails AA contrast with the message next to the field, keeping the input', async () => {
    const admin = await as('admin')
    const form = await formValues(admin, '/admin/identity')
    const body = new FormData()
    for (const [k, v] of Object.entries({ ...form, primaryColour: '#ffcc00', cityName_en: 'Valmera Council' })) body.set(k, v)
    const res = await admin.post('/admin/identity', body)
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(errorNextTo(html, 'primaryColour')).toMatch(/contrast of only 1\.\d+ to 1 with white/)
    expect(html).toContain('value="#ffcc00"')
    expect(html).toContain('value="Valmera Council"')
    expect((await sql(demo, 'select count(*) as n from site_identity'))[0]!.n).toBe(0)
  })

  it('sanitises a malicious SVG logo, shows the name, logo and colour on every page, and audits the change', async () => {
    const admin = await as('admin')
    const form = await formValues(admin, '/admin/identity')
    const body = new FormData()
    for (const [k, v] of Object.entries({
      ...form,
      primaryColour: '#1d5c3a',
      siteName_en: 'Valmera Participa',
      siteName_es: 'Valmera Participa',
      cityName_en: 'City of Valmera',
      cityName_es: 'Ciudad de Valmera',
      homeIntro_es: 'Bienvenida a **Valmera**.',
      contactEmail: 'hello@valmera.example',
    }))
      body.set(k, v)
    const svg = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><foreignObject><div>html</div></foreignObject><a href="javascript:alert(3)"><rect width="10" height="10" fill="#1d5c3a"/></a><image href="https://tracker.example/x.png"/></svg>`
    body.set('logo', new File([svg], 'logo.svg', { type: 'image/svg+xml' }))
    const res = await admin.post('/admin/identity', body)
    expect(res.status).toBe(200)
    const stored = (await sql(demo, "select content_type, body from site_assets where kind = 'logo'"))[0]!
    expect(stored.content_type).toBe('image/svg+xml')
    const storedSvg = Buffer.from(stored.body as Uint8Array).toString('utf8')
    expect(storedSvg).toContain('<rect')
    for (const bad of ['onload', '<script', 'alert', 'foreignObject', 'javascript:', 'tracker.example', '<image', '<a ']) expect(storedSvg).not.toContain(bad)

    const spanish = new Visitor(demo.url, { 'accept-language': 'es' })
    // Polled until no cached copy of the identity from before is left.
    const home = await vi.waitFor(
      async () => {
        const home = await (await spanish.get('/')).text()
        expect(home).toContain('Valmera Participa')
        return home
      },
      { timeout: 15_000, interval: 100 },
    )
    expect(home).toContain('Ciudad de Valmera')
    expect(home).toMatch(/--brand:#1d5c3a/)
    expect(home).toMatch(/<img src="\/site\/logo\?v=[0-9a-f]+"/)
    expect(home).toContain('Bienvenida a <strong>Valmera</strong>.')
    expect(home).toContain('mailto:hello@valmera.example')
    const logo = await spanish.get(/\/site\/logo\?v=[0-9a-f]+/.exec(home)![0])
    expect(logo.headers.get('content-type')).toBe('image/svg+xml')
    expect(logo.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect((await sql(demo, "select count(*) as n from audit_log where action = 'identity.change'"))[0]!.n).toBe(1)
  })

  it('re-encodes a raster favicon as PNG and refuses a file that is not an image', async () => {
    const admin = await as('admin')
    const form = await formValues(admin, '/admin/identity')
    const bad = new FormData()
    for (const [k, v] of Object.entries(form)) bad.set(k, v)
    bad.set('favicon', new File(['not an image at all'], 'icon.png', { type: 'image/png' }))
    const refused = await admin.post('/admin/identity', bad)
    expect(refused.status).toBe(400)
    expect(errorNextTo(await refused.text(), 'favicon')).toContain('not an image Plaza can read')
    const sharp = (await import('sharp')).default
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#1d5c3a' } })
      .jpeg()
      .toBuffer()
    const good = new FormData()
    for (const [k, v] of Object.entries(form)) good.set(k, v)
    good.set('favicon', new File([new Uint8Array(png)], 'icon.jpg', { type: 'image/jpeg' }))
    expect((await admin.post('/admin/identity', good)).status).toBe(200)
    const stored = (await sql(demo, "select content_type, body from site_assets where kind = 'favicon'"))[0]!
    expect(stored.content_type).toBe('image/png')
    const meta = await sharp(stored.body as Buffer).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64])
  })

  it('publishes legal pages per language at public URLs linked from the footer; unwritten pages are 404', async () => {
    expect((await new Visitor(demo.url).get('/pages/privacy')).status).toBe(404)
    expect((await new Visitor(demo.url).get('/pages/not-a-page')).status).toBe(404)
    const admin = await as('admin')
    const saved = await admin.post('/admin/pages/privacy', {
      title_en: 'Privacy notice',
      body_en: 'We keep **little**.<script>alert(1)</script>',
      title_es: 'Aviso de privacidad',
      body_es: 'Guardamos **poco**.',
      title_fr: '',
      body_fr: '',
    })
    expect(saved.status).toBe(200)
    const es = await (await new Visitor(demo.url, { 'accept-language': 'es' }).get('/pages/privacy')).text()
    expect(es).toContain('Aviso de privacidad')
    expect(es).toContain('Guardamos <strong>poco</strong>.')
    const en = await (await new Visitor(demo.url, { 'accept-language': 'en' }).get('/pages/privacy')).text()
    expect(en).toContain('We keep <strong>little</strong>.')
    expect(en).not.toContain('<script>alert')
    // French has no text: the default language's (English) is shown, marked as such.
    const fr = await (await new Visitor(demo.url, { 'accept-language': 'fr' }).get('/pages/privacy')).text()
    expect(fr).toContain('lang="en"')
    const footer = await vi.waitFor(
      async () => {
        const footer = await (await new Visitor(demo.url, { 'accept-language': 'es' }).get('/data')).text()
        expect(footer).toContain('href="/pages/privacy"')
        return footer
      },
      { timeout: 15_000, interval: 100 },
    )
    expect(footer).not.toContain('href="/pages/terms"')
  })
})

describe('staff', () => {
  it('invites by e-mail with roles and a department; the invitee accepts in their language and gets the roles at level 1', async () => {
    const admin = await as('admin')
    const department = (await sql(demo, "select id from departments where slug = 'roads'"))[0]!.id as number
    const noRole = await admin.post('/admin/users', { intent: 'invite', email: 'nuria@valmera.example', locale: 'es' })
    expect(noRole.status).toBe(400)
    expect(await noRole.text()).toContain('Tick at least one role.')
    const taken = await admin.post('/admin/users', { intent: 'invite', email: 'citizen@valmera.example', locale: 'en', role_moderator: 'on' })
    expect(taken.status).toBe(409)
    const res = await admin.post('/admin/users', {
      intent: 'invite',
      email: 'Nuria@Valmera.example',
      locale: 'es',
      role_moderator: 'on',
      [`staff_${department}`]: 'on',
    })
    expect(res.status).toBe(200)
    const mail = await smtp.waitFor('nuria@valmera.example', { subject: /Le invitan/ })
    const link = linkIn(mail, '/invitations/')
    expect((await sql(demo, 'select token_hash from staff_invitations'))[0]!.token_hash).not.toContain(link.split('/').pop())
    const invitee = new Visitor(demo.url, { 'accept-language': 'es' })
    expect((await invitee.get(link)).status).toBe(200)
    const weak = await invitee.post(link, { displayName: 'Núria', password: 'short' })
    expect(weak.status).toBe(400)
    const ok = await invitee.post(link, { displayName: 'Núria', password: 'carreteras de valmera' })
    expect(ok.status).toBe(302)
    expect(invitee.loggedIn).toBe(true)
    const roles = await sql(
      demo,
      "select u.verification_level as level, r.role, r.department_id as dep from users u join user_roles r on r.user_id = u.id where u.email = 'nuria@valmera.example' order by r.role",
    )
    expect(roles).toEqual([
      { level: 1, role: 'moderator', dep: null },
      { level: 1, role: 'staff', dep: department },
    ])
    expect((await invitee.get('/council')).status).toBe(200)
    // Used once.
    expect((await new Visitor(demo.url).get(link)).status).toBe(410)
    expect((await sql(demo, "select count(*) as n from audit_log where action in ('staff.invite', 'staff.accept')"))[0]!.n).toBe(2)
  })

  it('refuses an expired and a revoked invitation', async () => {
    const admin = await as('admin')
    await admin.post('/admin/users', { intent: 'invite', email: 'late@valmera.example', locale: 'en', role_moderator: 'on' })
    const late = linkIn(await smtp.waitFor('late@valmera.example', { subject: /invited/ }), '/invitations/')
    await run(demo, "update staff_invitations set expires_at = ? where email = 'late@valmera.example'", Date.now() - 1)
    const expired = await new Visitor(demo.url).post(late, { displayName: 'Late', password: 'a long enough passphrase' })
    expect(expired.status).toBe(410)
    expect(await expired.text()).toContain('has expired')

    await admin.post('/admin/users', { intent: 'invite', email: 'gone@valmera.example', locale: 'en', role_moderator: 'on' })
    const gone = linkIn(await smtp.waitFor('gone@valmera.example', { subject: /invited/ }), '/invitations/')
    const id = (await sql(demo, "select id from staff_invitations where email = 'gone@valmera.example'"))[0]!.id as number
    expect((await admin.post('/admin/users', { intent: 'revoke', invitationId: String(id) })).status).toBe(200)
    const revoked = await new Visitor(demo.url).post(gone, { displayName: 'Gone', password: 'a long enough passphrase' })
    expect(revoked.status).toBe(410)
    expect(await revoked.text()).toContain('was withdrawn')
    expect((await sql(demo, "select count(*) as n from users where email in ('late@valmera.example', 'gone@valmera.example')"))[0]!.n).toBe(0)
  })

  it('changes and revokes roles and deactivates an account (its sessions end, it cannot log in), all audited', async () => {
    const admin = await as('admin')
    const staff = await as('lighting')
    expect((await staff.get('/council')).status).toBe(200)
    const id = (await sql(demo, "select id from users where email = 'lighting@valmera.example'"))[0]!.id as number
    expect((await admin.post(`/admin/users/${id}`, { intent: 'grant', role: 'moderator', departmentId: '' })).status).toBe(200)
    const roleId = (await sql(demo, "select id from user_roles where user_id = ? and role = 'moderator'", id))[0]!.id as number
    expect((await admin.post(`/admin/users/${id}`, { intent: 'remove', roleId: String(roleId) })).status).toBe(200)
    expect((await admin.post(`/admin/users/${id}`, { intent: 'deactivate', reason: 'Left the council' })).status).toBe(200)
    expect((await staff.get('/council')).status).toBe(302) // the session ended: to log in
    const again = new Visitor(demo.url, { 'accept-language': 'en' })
    expect((await again.post('/login', { email: 'lighting@valmera.example', password: PASSWORD })).status).toBe(401)
    expect((await sql(demo, 'select action from audit_log where target_kind = ? and target_id = ? order by id', 'user', id)).map((r) => r.action)).toEqual([
      'staff.grant-role',
      'staff.revoke-role',
      'account.deactivate',
    ])
    // Reactivated, the person can log in again.
    expect((await admin.post(`/admin/users/${id}`, { intent: 'reactivate' })).status).toBe(200)
    await as('lighting')
  })

  it('is refused to staff, moderators, citizens and anonymous visitors, on loader and action', async () => {
    for (const who of ['roads', 'moderator', 'citizen']) {
      const v = await as(who)
      expect((await v.get('/admin/users')).status).toBe(403)
      expect((await v.post('/admin/users', { intent: 'invite', email: 'x@example.org', locale: 'en', role_admin: 'on' })).status).toBe(403)
      expect((await v.post('/admin/users/1', { intent: 'deactivate' })).status).toBe(403)
    }
    const anonymous = new Visitor(demo.url)
    expect((await anonymous.post('/admin/users', { intent: 'invite', email: 'x@example.org', locale: 'en', role_admin: 'on' })).headers.get('location')).toMatch(/^\/login/)
    expect((await sql(demo, "select count(*) as n from staff_invitations where email = 'x@example.org'"))[0]!.n).toBe(0)
  })
})
