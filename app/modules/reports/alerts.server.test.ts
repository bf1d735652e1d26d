import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import { ALERT_RADII, MAX_ALERTS_PER_EMAIL, alertByToken, alertsOf, cancelAlert, cancelOwnAlert, confirmAlert, registerReportAlerts, subscribeAlert, type AlertSubscription } from './alerts.server'
import { confirmReport, fileReport, type NewReport } from './reports.server'

// Metres to degrees of latitude as metresBetween measures them (mean Earth radius 6,371,008.8 m).
const M_PER_DEG_LAT = (6_371_008.8 * Math.PI) / 180
const north = (p: { lat: number; lng: number }, metres: number) => ({ lat: p.lat + metres / M_PER_DEG_LAT, lng: p.lng })

let centre: { lat: number; lng: number }
let other: { lat: number; lng: number }
// A neighbourhood of the Sant Roc district, and the district.
let santRoc: number
let santRocName: string
let santRocSlug: string
let santRocDistrict: number
let city: number
let n = 0
const address = (label: string) => `${label}-${++n}@alerts.example.org`

async function reporter() {
  const user = await makeUser(1)
  return { kind: 'user' as const, userId: user.id, name: `Person ${user.id}` }
}

async function file(point: { lat: number; lng: number }, overrides: Partial<NewReport> = {}, who?: Awaited<ReturnType<typeof reporter>>) {
  const result = await fileReport(
    { categoryCode: 'pothole', title: 'Loose kerb stone', description: 'It wobbles.', lat: point.lat, lng: point.lng, anonymous: false, locale: 'en', ...overrides },
    who ?? (await reporter()),
  )
  if (result.kind !== 'filed') throw new Error(`not filed: ${result.kind}`)
  return result.id
}

const mailsTo = (email: string, kind = 'report.alert') => database().db.selectFrom('outbox').selectAll().where('to_address', '=', email).where('kind', '=', kind).orderBy('id').execute()

async function tokenMailedTo(email: string) {
  const mails = await mailsTo(email, 'report.alert-confirm')
  const match = /\/alerts\/confirm\/([a-z2-7]+)/.exec(mails.at(-1)?.text_body ?? '')
  if (!match) throw new Error(`no confirmation link mailed to ${email}`)
  return match[1]!
}

/** Subscribes and follows the confirmation link; returns the token. */
async function activeAlert(input: Omit<AlertSubscription, 'locale'>) {
  const result = await subscribeAlert({ locale: 'en', ...input })
  expect(result.kind).toBe('pending')
  const token = await tokenMailedTo(input.email)
  expect((await confirmAlert(token)).kind).toBe('ok')
  return token
}

beforeAll(async () => {
  await seededDatabase()
  registerReportAlerts()
  const areas = await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level', 'parent_id']).execute()
  santRocDistrict = areas.find((a) => a.slug === 'sant-roc')!.id
  const roc = areas.find((a) => a.level === 'neighbourhood' && a.parent_id === santRocDistrict)!
  santRoc = roc.id
  santRocName = roc.name
  santRocSlug = roc.slug
  centre = (await areaPoint(roc.slug))!
  city = areas.find((a) => a.level === 'city')!.id
  // A neighbourhood in another district, for "does not match".
  const elsewhere = areas.find((a) => a.level === 'neighbourhood' && a.parent_id !== santRocDistrict)!
  other = (await areaPoint(elsewhere.slug))!
})

describe('subscribing', () => {
  it('offers the FixMyStreet-like radii and refuses others, and needs exactly one of a point or an area', async () => {
    expect(ALERT_RADII).toEqual([250, 500, 1000, 2000])
    const bad = await subscribeAlert({ email: address('r'), lat: centre.lat, lng: centre.lng, radiusM: 300, locale: 'en' })
    expect(bad).toEqual({ kind: 'invalid', errors: { choice: ['alerts:errors.radius'] } })
    const both = await subscribeAlert({ email: address('b'), lat: centre.lat, lng: centre.lng, radiusM: 250, areaId: santRoc, locale: 'en' })
    expect(both.kind).toBe('invalid')
    const neither = await subscribeAlert({ email: address('n'), locale: 'en' })
    expect(neither).toEqual({ kind: 'invalid', errors: { choice: ['alerts:errors.choice'] } })
    const email = await subscribeAlert({ email: 'not an address', areaId: santRoc, locale: 'en' })
    expect(email).toEqual({ kind: 'invalid', errors: { email: ['alerts:errors.email'] } })
    const area = await subscribeAlert({ email: address('a'), areaId: 999_999, locale: 'en' })
    expect(area).toEqual({ kind: 'invalid', errors: { choice: ['alerts:errors.area'] } })
  })

  it('mails a confirmation link to a new address, and keeps only the token’s SHA-256', async () => {
    const email = address('confirm')
    const result = await subscribeAlert({ email: email.toUpperCase(), areaId: santRoc, locale: 'es' })
    expect(result.kind).toBe('pending')
    const [mail] = await mailsTo(email, 'report.alert-confirm')
    expect(mail!.subject).toBe('Confirma tu alerta de avisos nuevos')
    const token = await tokenMailedTo(email)
    const row = await database().db.selectFrom('report_alerts').selectAll().where('email', '=', email).executeTakeFirstOrThrow()
    expect(row.confirmed_at).toBeNull()
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(row.token_hash).not.toContain(token)
    expect(JSON.stringify(row)).not.toContain(token)
  })

  it('turns a logged-in person’s alert on at once when it goes to their own confirmed address', async () => {
    const user = await makeUser(1)
    const { email } = await database().db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()
    const result = await subscribeAlert({ email: email!, userId: user.id, areaId: santRoc, locale: 'en' })
    expect(result.kind).toBe('active')
    expect(await mailsTo(email!, 'report.alert-confirm')).toHaveLength(0)
    // Another address still needs its own confirmation.
    const elsewhere = address('other')
    expect((await subscribeAlert({ email: elsewhere, userId: user.id, areaId: santRoc, locale: 'en' })).kind).toBe('pending')
    const mine = await alertsOf({ id: user.id, email, emailConfirmed: true })
    expect(mine.map((a) => a.email)).toEqual([email])
    expect(mine[0]!.scope).toMatchObject({ kind: 'area', areaId: santRoc, slug: santRocSlug })
    expect(await cancelOwnAlert({ id: user.id, email, emailConfirmed: true }, mine[0]!.id)).toEqual({ kind: 'ok' })
    expect(await alertsOf({ id: user.id, email, emailConfirmed: true })).toEqual([])
    // Someone else's alert cannot be stopped from another account.
    const stranger = await makeUser(1)
    const theirs = await database().db.selectFrom('report_alerts').select('id').where('email', '=', elsewhere).executeTakeFirstOrThrow()
    expect(await cancelOwnAlert({ id: stranger.id, email: 'x@example.org', emailConfirmed: true }, theirs.id)).toEqual({ kind: 'notFound' })
  })

  it(`limits an address to ${MAX_ALERTS_PER_EMAIL} alerts`, async () => {
    const user = await makeUser(1)
    const { email } = await database().db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()
    for (let i = 0; i < MAX_ALERTS_PER_EMAIL; i++) {
      const r = await subscribeAlert({ email: email!, userId: user.id, lat: centre.lat + i * 0.0001, lng: centre.lng, radiusM: 500, locale: 'en' })
      expect(r.kind).toBe('active')
    }
    expect(await subscribeAlert({ email: email!, userId: user.id, areaId: santRoc, locale: 'en' })).toEqual({ kind: 'tooMany' })
    // The same alert again is not a new one.
    expect((await subscribeAlert({ email: email!, userId: user.id, lat: centre.lat, lng: centre.lng, radiusM: 500, locale: 'en' })).kind).toBe('active')
  })

  it('sends one address at most 5 confirmation mails an hour, and limits subscriptions per IP', async () => {
    const email = address('flood')
    const kinds: string[] = []
    for (let i = 0; i < 6; i++) kinds.push((await subscribeAlert({ email, lat: centre.lat + i * 0.0001, lng: centre.lng, radiusM: 250, locale: 'en' })).kind)
    expect(kinds.slice(0, 5)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending'])
    expect(kinds[5]).toBe('rateLimited')
    expect(await mailsTo(email, 'report.alert-confirm')).toHaveLength(5)
    const ip = '203.0.113.77'
    const byIp: string[] = []
    for (let i = 0; i < 31; i++) byIp.push((await subscribeAlert({ email: address('ip'), areaId: santRoc, locale: 'en', ip })).kind)
    expect(byIp.filter((k) => k === 'pending')).toHaveLength(30)
    expect(byIp[30]).toBe('rateLimited')
  })
})

describe('confirming and cancelling', () => {
  it('confirms once, cancels once, and refuses unknown tokens', async () => {
    const email = address('tokens')
    await subscribeAlert({ email, areaId: santRoc, locale: 'en' })
    const token = await tokenMailedTo(email)
    expect((await alertByToken(token))?.confirmed).toBe(false)
    expect((await confirmAlert(token)).kind).toBe('ok')
    const again = await confirmAlert(token)
    expect(again.kind).toBe('already')
    if (again.kind === 'already') expect(again.unsubscribePath).toBe(`/alerts/unsubscribe/${token}`)
    expect((await cancelAlert(token)).kind).toBe('ok')
    expect((await cancelAlert(token)).kind).toBe('already')
    expect((await confirmAlert(token)).kind).toBe('cancelled')
    expect(await alertByToken(token)).toMatchObject({ email, cancelled: true, confirmed: true })
    for (const bad of ['', 'short', token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'), `${token}x`, '../../etc']) {
      expect((await confirmAlert(bad)).kind).toBe('invalid')
      expect((await cancelAlert(bad)).kind).toBe('invalid')
      expect(await alertByToken(bad)).toBeNull()
    }
  })
})

describe('delivering alerts when a report is published', () => {
  it('matches a radius alert at 240 m and not at 260 m', async () => {
    const base = north(centre, 1500)
    const email = address('radius')
    await activeAlert({ email, lat: base.lat, lng: base.lng, radiusM: 250 })
    await file(north(base, 260))
    expect(await mailsTo(email)).toHaveLength(0)
    const id = await file(north(base, 240), { title: 'Pothole by the school gate' })
    const mails = await mailsTo(email)
    expect(mails).toHaveLength(1)
    expect(mails[0]!.subject).toBe('New report near you: Pothole by the school gate')
    expect(mails[0]!.text_body).toContain(`/reports/${id}`)
    expect(mails[0]!.text_body).toContain('Pothole')
  })

  it('matches area alerts by neighbourhood, district and the whole city', async () => {
    const [hood, district, whole] = [address('hood'), address('district'), address('city')]
    await activeAlert({ email: hood, areaId: santRoc })
    await activeAlert({ email: district, areaId: santRocDistrict })
    await activeAlert({ email: whole, areaId: city })
    await file(other)
    expect(await mailsTo(hood)).toHaveLength(0)
    expect(await mailsTo(district)).toHaveLength(0)
    expect(await mailsTo(whole)).toHaveLength(1)
    await file(centre, { title: 'Broken drain cover' })
    expect(await mailsTo(hood)).toHaveLength(1)
    expect(await mailsTo(district)).toHaveLength(1)
    expect(await mailsTo(whole)).toHaveLength(2)
    expect((await mailsTo(hood))[0]!.subject).toBe(`New report in ${santRocName}: Broken drain cover`)
  })

  it('puts List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) on every alert mail', async () => {
    const email = address('headers')
    const token = await activeAlert({ email, areaId: santRoc })
    await file(centre)
    const [mail] = await mailsTo(email)
    const headers = JSON.parse(mail!.headers) as Record<string, string>
    expect(headers['List-Unsubscribe']).toMatch(new RegExp(`^<https?://[^>]+/alerts/unsubscribe/${token}>$`))
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    expect(mail!.text_body).toContain(`/alerts/unsubscribe/${token}`)
  })

  it('mails no unconfirmed or cancelled alert, and nobody twice for one report', async () => {
    const [pending, cancelled, twice] = [address('pending'), address('cancelled'), address('twice')]
    expect((await subscribeAlert({ email: pending, areaId: santRoc, locale: 'en' })).kind).toBe('pending')
    const token = await activeAlert({ email: cancelled, areaId: santRoc })
    expect((await cancelAlert(token)).kind).toBe('ok')
    await activeAlert({ email: twice, areaId: santRoc })
    await activeAlert({ email: twice, lat: centre.lat, lng: centre.lng, radiusM: 500 })
    await file(centre)
    expect(await mailsTo(pending)).toHaveLength(0)
    expect(await mailsTo(cancelled)).toHaveLength(0)
    expect(await mailsTo(twice)).toHaveLength(1)
  })

  it('does not mail reporters about their own report', async () => {
    const user = await makeUser(1)
    const { email } = await database().db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()
    expect((await subscribeAlert({ email: email!, userId: user.id, areaId: santRoc, locale: 'en' })).kind).toBe('active')
    await file(centre, {}, { kind: 'user', userId: user.id, name: 'Me' })
    expect(await mailsTo(email!)).toHaveLength(0)
    await file(centre)
    expect(await mailsTo(email!)).toHaveLength(1)
  })

  it('mails when a logged-out report is confirmed, not when it is filed', async () => {
    const email = address('guest-watch')
    await activeAlert({ email, areaId: santRoc })
    const result = await fileReport(
      { categoryCode: 'pothole', title: 'Guest report', description: 'Seen on my way.', lat: centre.lat, lng: centre.lng, anonymous: false, locale: 'en' },
      { kind: 'guest', email: address('guest'), name: 'Guest' },
    )
    if (result.kind !== 'filed') throw new Error(result.kind)
    expect(await mailsTo(email)).toHaveLength(0)
    const confirmMail = await database().db.selectFrom('outbox').select('text_body').where('kind', '=', 'report.confirm').orderBy('id', 'desc').executeTakeFirstOrThrow()
    const reportToken = /\/reports\/confirm\/([a-z0-9]+)/.exec(confirmMail.text_body)![1]!
    expect((await confirmReport(reportToken)).kind).toBe('ok')
    expect(await mailsTo(email)).toHaveLength(1)
  })
})
