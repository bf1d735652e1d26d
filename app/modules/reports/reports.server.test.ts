import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import {
  actorFromUser,
  confirmReport,
  fileReport,
  listPublicReports,
  metresBetween,
  reportForViewer,
  reporterChange,
  reportTimeline,
  similarReports,
  supportReport,
  triageReport,
  bulkTriage,
  type NewReport,
} from './reports.server'

let centre: { lat: number; lng: number }
let roads: number
let lighting: number
const staff: Record<string, { id: number; roles: Array<{ role: string; departmentId: number | null }> }> = {}

async function staffOf(department: number) {
  const user = await makeUser(1)
  await database().write((trx) => trx.insertInto('user_roles').values({ user_id: user.id, role: 'staff', department_id: department, granted_by: null, granted_at: new Date().toISOString() }).execute())
  return { id: user.id, roles: [{ role: 'staff', departmentId: department }] }
}

const report = (overrides: Partial<NewReport> = {}): NewReport => ({
  categoryCode: 'pothole',
  title: 'Pothole outside the bakery',
  description: 'A deep pothole, dangerous for bicycles.',
  lat: centre.lat,
  lng: centre.lng,
  anonymous: false,
  locale: 'en',
  ...overrides,
})

async function fileAsUser(overrides: Partial<NewReport> = {}) {
  const user = await makeUser(1)
  const result = await fileReport(report(overrides), { kind: 'user', userId: user.id, name: `Person ${user.id}` })
  if (result.kind !== 'filed') throw new Error(result.kind)
  return { id: result.id, user }
}

beforeAll(async () => {
  await seededDatabase()
  centre = (await areaPoint('sant-roc'))!
  const departments = await database().db.selectFrom('departments').select(['id', 'slug']).execute()
  roads = departments.find((d) => d.slug === 'roads')!.id
  lighting = departments.find((d) => d.slug === 'street-lighting')!.id
  staff.roads = await staffOf(roads)
  staff.lighting = await staffOf(lighting)
})

describe('filing a report', () => {
  it('routes it to the department serving the category there, public at once for a logged-in reporter', async () => {
    const { id } = await fileAsUser()
    const row = await database().db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ department_id: roads, state: 'confirmed', state_kind: 'open' })
    expect(row.area_id).not.toBeNull()
    const item = await database().db.selectFrom('map_items').select(['visible', 'status', 'category']).where('kind', '=', 'reports').where('item_id', '=', id).executeTakeFirstOrThrow()
    expect(item).toEqual({ visible: 1, status: 'open', category: 'pothole' })
    expect(row.questionnaire_due_at! > row.created_at).toBe(true)
    expect(Date.parse(row.questionnaire_due_at!) - Date.parse(row.confirmed_at!)).toBe(28 * 86_400_000)
  })

  it('refuses a place outside the city and a category not served there', async () => {
    const user = await makeUser(1)
    const who = { kind: 'user' as const, userId: user.id, name: 'X' }
    expect(await fileReport(report({ lat: 0, lng: 0 }), who)).toEqual({ kind: 'outsideCity' })
    expect(await fileReport(report({ categoryCode: 'river-bank-litter' }), who)).toEqual({ kind: 'notServedHere' })
    expect(await fileReport(report({ categoryCode: 'no-such-thing' }), who)).toEqual({ kind: 'notServedHere' })
  })

  it('keeps a logged-out report private until its e-mail is confirmed, then publishes it once', async () => {
    const result = await fileReport(report({ title: 'Guest pothole' }), { kind: 'guest', email: 'Guest@Example.org', name: 'Gina Guest' })
    expect(result).toMatchObject({ kind: 'filed', confirmed: false })
    if (result.kind !== 'filed') return
    expect(await reportForViewer(result.id, null)).toBeNull()
    const item = await database().db.selectFrom('map_items').select('visible').where('kind', '=', 'reports').where('item_id', '=', result.id).executeTakeFirstOrThrow()
    expect(item.visible).toBe(0)
    const mail = await database().db.selectFrom('outbox').select(['to_address', 'text_body', 'kind']).where('kind', '=', 'report.confirm').orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(mail.to_address).toBe('guest@example.org')
    const token = /\/reports\/confirm\/([a-z0-9]+)/.exec(mail.text_body)![1]!
    expect(await confirmReport('not-a-token')).toEqual({ kind: 'invalid' })
    expect(await confirmReport(token)).toEqual({ kind: 'ok', id: result.id })
    expect(await confirmReport(token)).toEqual({ kind: 'invalid' })
    const shown = await reportForViewer(result.id, null)
    expect(shown).toMatchObject({ stateKind: 'open', reporterName: 'Gina Guest' })
    expect(shown!.reporterContact).toBeNull()
    expect((await reportTimeline(result.id)).map((e) => e.kind)).toEqual(['created', 'confirmed'])
  })

  it('shows an anonymous reporter to nobody but the department', async () => {
    const { id } = await fileAsUser({ anonymous: true })
    expect((await reportForViewer(id, null))!.reporterName).toBeNull()
    const forStaff = await reportForViewer(id, staff.roads!)
    expect(forStaff!.reporterName).toBeNull()
    expect(forStaff!.reporterContact!.accountId).not.toBeNull()
  })
})

describe('similar reports ("me too")', () => {
  it('finds open reports of the same category within 250 m, nearest first', async () => {
    const base = { lat: centre.lat + 0.01, lng: centre.lng + 0.01 }
    const near = await fileAsUser({ ...base, lat: base.lat + 0.001, title: 'Near' }) // ~111 m north
    const far = await fileAsUser({ ...base, lat: base.lat + 0.003, title: 'Far' }) // ~333 m
    const other = await fileAsUser({ ...base, categoryCode: 'overflowing-bin', title: 'Other category' })
    const found = await similarReports('pothole', base.lat, base.lng)
    const ids = found.map((r) => r.id)
    expect(ids).toContain(near.id)
    expect(ids).not.toContain(far.id)
    expect(ids).not.toContain(other.id)
    expect(found.find((r) => r.id === near.id)!.distanceM).toBeGreaterThan(100)
    expect(found.find((r) => r.id === near.id)!.distanceM).toBeLessThan(125)
    expect(Math.round(metresBetween(base.lat, base.lng, base.lat + 0.001, base.lng))).toBe(111)
  })

  it('counts a support once, never the reporter’s own, only while open', async () => {
    const { id, user } = await fileAsUser()
    const other = await makeUser(1)
    expect(await supportReport(other.id, id)).toEqual({ kind: 'ok', supports: 1 })
    expect(await supportReport(other.id, id)).toEqual({ kind: 'already' })
    expect(await supportReport(user.id, id)).toEqual({ kind: 'own' })
    expect(await supportReport(other.id, 999_999)).toEqual({ kind: 'notFound' })
    await triageReport(actorFromUser(staff.roads!), id, { state: 'fixed' })
    expect(await supportReport((await makeUser(1)).id, id)).toEqual({ kind: 'notOpen' })
    expect((await reportForViewer(id, { id: other.id, roles: [] }))!.supports).toBe(1)
  })
})

describe('triage', () => {
  it('lets only staff of the report’s department (or admins) change it', async () => {
    const { id, user } = await fileAsUser()
    expect(await triageReport(actorFromUser(staff.lighting!), id, { state: 'investigating' })).toEqual({ kind: 'forbidden' })
    expect(await triageReport(actorFromUser({ id: user.id, roles: [] }), id, { state: 'investigating' })).toEqual({ kind: 'forbidden' })
    expect(await triageReport(actorFromUser({ id: user.id, roles: [{ role: 'moderator', departmentId: null }] }), id, { state: 'investigating' })).toEqual({ kind: 'forbidden' })
    const result = await triageReport(actorFromUser(staff.roads!), id, { state: 'investigating', update: 'An inspector is on the way.' })
    expect(result).toMatchObject({ kind: 'ok', changed: ['state'] })
    const admin = await makeUser(1)
    expect(await triageReport(actorFromUser({ id: admin.id, roles: [{ role: 'admin', departmentId: null }] }), id, { state: 'in_progress' })).toMatchObject({ kind: 'ok' })
  })

  it('writes the public timeline, keeps notes private, logs everything in the audit log', async () => {
    const { id } = await fileAsUser()
    const actor = actorFromUser(staff.roads!)
    expect(await triageReport(actor, id, { state: 'action_scheduled', update: 'Repair booked for Tuesday.', priority: 'high', note: 'Needs the big roller.' })).toMatchObject({
      kind: 'ok',
      changed: ['state', 'priority', 'note'],
    })
    const publicTimeline = await reportTimeline(id)
    expect(publicTimeline.map((e) => e.kind)).toEqual(['created', 'state'])
    expect(publicTimeline[1]).toMatchObject({ text: 'Repair booked for Tuesday.', toState: 'action_scheduled' })
    const all = await reportTimeline(id, { includePrivate: true })
    expect(all.map((e) => e.kind)).toEqual(['created', 'state', 'priority', 'note'])
    const audit = await database().db.selectFrom('audit_log').selectAll().where('target_kind', '=', 'report').where('target_id', '=', id).execute()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ state: 'action_scheduled', priority: 'high' })
    expect(audit[0]!.actor_id).toBe(staff.roads!.id)
    const row = await database().db.selectFrom('reports').select(['first_response_at', 'priority']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.first_response_at).not.toBeNull()
    expect(row.priority).toBe('high')
  })

  it('re-routes on a category change: the new department owns it, the old one no longer may', async () => {
    const { id } = await fileAsUser()
    expect(await triageReport(actorFromUser(staff.roads!), id, { categoryCode: 'street-light' })).toMatchObject({ kind: 'ok', changed: ['category'] })
    const row = await database().db.selectFrom('reports').select('department_id').where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.department_id).toBe(lighting)
    expect(await triageReport(actorFromUser(staff.roads!), id, { state: 'fixed' })).toEqual({ kind: 'forbidden' })
    expect(await triageReport(actorFromUser(staff.lighting!), id, { state: 'fixed' })).toMatchObject({ kind: 'ok' })
    expect(await triageReport(actorFromUser(staff.lighting!), id, { categoryCode: 'river-bank-litter' })).toEqual({ kind: 'notServedHere' })
  })

  it('corrects the location only where the department serves, and refuses bad input without changing anything', async () => {
    const { id } = await fileAsUser()
    const actor = actorFromUser(staff.roads!)
    const moved = { lat: centre.lat + 0.0005, lng: centre.lng }
    expect(await triageReport(actor, id, { location: moved })).toMatchObject({ kind: 'ok', changed: ['location'] })
    const item = await database().db.selectFrom('map_items').select(['lat', 'lng']).where('kind', '=', 'reports').where('item_id', '=', id).executeTakeFirstOrThrow()
    expect(item).toEqual(moved)
    expect(await triageReport(actor, id, { location: { lat: 0, lng: 0 } })).toEqual({ kind: 'outsideArea' })
    expect(await triageReport(actor, id, { state: 'no-such-state' })).toEqual({ kind: 'unknownState' })
    expect(await triageReport(actor, id, { state: 'unconfirmed' })).toEqual({ kind: 'badTransition' })
    expect(await triageReport(actor, id, { duplicateOf: id })).toEqual({ kind: 'badDuplicate' })
    expect(await triageReport(actor, id, { duplicateOf: 999_999 })).toEqual({ kind: 'badDuplicate' })
    expect(await triageReport(actor, id, { assigneeId: staff.lighting!.id })).toEqual({ kind: 'badAssignee' })
    expect(await triageReport(actor, id, {})).toEqual({ kind: 'nothingToDo' })
    const row = await database().db.selectFrom('reports').select(['state', 'duplicate_of', 'assignee_id']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ state: 'confirmed', duplicate_of: null, assignee_id: null })
  })

  it('writes nothing when a change is refused halfway (state then a bad assignee)', async () => {
    const { id } = await fileAsUser()
    const before = await reportTimeline(id, { includePrivate: true })
    expect(await triageReport(actorFromUser(staff.roads!), id, { state: 'fixed', note: 'n', assigneeId: staff.lighting!.id })).toEqual({ kind: 'badAssignee' })
    expect(await reportTimeline(id, { includePrivate: true })).toEqual(before)
    const item = await database().db.selectFrom('map_items').select('status').where('kind', '=', 'reports').where('item_id', '=', id).executeTakeFirstOrThrow()
    expect(item.status).toBe('open')
    expect((await reportForViewer(id, null))!.state).toBe('confirmed')
  })

  it('marks a duplicate: closed, linked to the original, shown on the timeline', async () => {
    const original = await fileAsUser()
    const copy = await fileAsUser()
    expect(await triageReport(actorFromUser(staff.roads!), copy.id, { duplicateOf: original.id })).toMatchObject({ kind: 'ok', changed: ['duplicate', 'state'] })
    const shown = await reportForViewer(copy.id, null)
    expect(shown).toMatchObject({ state: 'duplicate', stateKind: 'closed', duplicateOf: original.id })
    expect((await reportTimeline(copy.id)).map((e) => e.kind)).toEqual(['created', 'duplicate', 'state'])
  })

  it('applies a response template automatically on a status change when staff write nothing', async () => {
    await database().write((trx) =>
      trx
        .insertInto('response_templates')
        .values({ department_id: roads, title: 'Scheduled', text: 'We will repair it within two weeks.', auto_state: 'action_scheduled', created_at: new Date().toISOString() })
        .execute(),
    )
    const { id } = await fileAsUser()
    await triageReport(actorFromUser(staff.roads!), id, { state: 'action_scheduled' })
    const timeline = await reportTimeline(id)
    expect(timeline.at(-1)!.text).toBe('We will repair it within two weeks.')
    const other = await fileAsUser()
    await triageReport(actorFromUser(staff.roads!), other.id, { state: 'action_scheduled', update: 'Our own words.' })
    expect((await reportTimeline(other.id)).at(-1)!.text).toBe('Our own words.')
  })

  it('changes many reports at once, skipping those the actor may not touch', async () => {
    const a = await fileAsUser()
    const b = await fileAsUser()
    const c = await fileAsUser({ categoryCode: 'street-light' })
    const result = await bulkTriage(actorFromUser(staff.roads!), [a.id, b.id, c.id], { state: 'investigating' })
    expect(result).toEqual({ changed: 2, results: { ok: 2, forbidden: 1 } })
  })
})

describe('the reporter’s own changes', () => {
  it('lets the reporter mark their report fixed and reopen it, nobody else', async () => {
    const { id, user } = await fileAsUser()
    const other = await makeUser(1)
    expect(await reporterChange(id, { userId: other.id }, 'fixed')).toEqual({ kind: 'forbidden' })
    expect(await reporterChange(id, { userId: user.id }, 'open')).toEqual({ kind: 'badTransition' })
    expect(await reporterChange(id, { userId: user.id }, 'fixed', 'Fixed this morning.')).toEqual({ kind: 'ok' })
    expect((await reportForViewer(id, null))!.state).toBe('fixed')
    expect(await reporterChange(id, { userId: user.id }, 'open', 'It broke again.')).toEqual({ kind: 'ok' })
    const timeline = await reportTimeline(id)
    expect(timeline.slice(-2).map((e) => [e.toState, e.byReporter, e.text])).toEqual([
      ['fixed', true, 'Fixed this morning.'],
      ['confirmed', true, 'It broke again.'],
    ])
  })
})

describe('public lists', () => {
  it('never list unconfirmed or hidden reports, and filter by area, category, status and age', async () => {
    const guest = await fileReport(report({ title: 'Unconfirmed one' }), { kind: 'guest', email: 'g2@example.org', name: 'G' })
    const shown = await fileAsUser({ categoryCode: 'fallen-tree', title: 'A tree in Sant Roc' })
    const all = await listPublicReports({ pageSize: 100 })
    expect(all.items.map((r) => r.id)).not.toContain(guest.kind === 'filed' ? guest.id : -1)
    const area = await database().db.selectFrom('areas').select(['id', 'parent_id']).where('slug', '=', 'sant-roc').executeTakeFirstOrThrow()
    const inArea = await listPublicReports({ areaId: area.id, categoryCode: 'fallen-tree', kind: 'open', maxAgeDays: 7 })
    expect(inArea.items.map((r) => r.id)).toEqual([shown.id])
    expect(inArea.total).toBe(1)
    // A district's list includes its neighbourhoods' reports.
    const district = await database().db.selectFrom('areas').select(['id', 'level', 'parent_id']).where('id', '=', area.id).executeTakeFirstOrThrow()
    const parentId = district.level === 'district' ? district.id : district.parent_id!
    expect((await listPublicReports({ areaId: parentId, categoryCode: 'fallen-tree' })).items.map((r) => r.id)).toContain(shown.id)
    expect((await listPublicReports({ categoryCode: 'fallen-tree', kind: 'fixed' })).items.map((r) => r.id)).not.toContain(shown.id)
  })
})
