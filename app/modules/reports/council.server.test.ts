import { beforeAll, describe, expect, it } from 'vitest'
import { csvCell, csvRow } from '../../lib/csv'
import { database } from '../../lib/db.server'
import { seededDatabase } from '../../../tests/support/fixtures'
import { userById, type AccountUser } from '../accounts/accounts.server'
import { areaPoint } from '../geo/areas.server'
import { saveDepartment } from '../services/services.server'
import {
  bulkChange,
  councilCsv,
  councilDashboard,
  councilReports,
  createTemplate,
  deleteTemplate,
  median,
  parseCouncilQuery,
  queryString,
  submitTriage,
  templatesFor,
  triagePage,
  updateTemplate,
  weekStart,
} from './council.server'
import { mulberry32 } from '../../../db/seed/random'
import { actorFromUser, confirmReport, fileReport, hideReport, reporterChange, reportTimeline, restoreReport, triageReport, type NewReport } from './reports.server'

let roads: AccountUser
let lighting: AccountUser
let admin: AccountUser
let citizen: AccountUser
let roadsId: number
let lightingId: number
const DAY = 86_400_000

const userByEmail = async (email: string) => {
  const row = await database().db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
  return (await userById(row.id))!
}
const point = async (slug: string) => (await areaPoint(slug))!

async function file(categoryCode: string, slug: string, extra: Partial<NewReport> & { guest?: boolean } = {}) {
  const p = await point(slug)
  const result = await fileReport(
    { categoryCode, title: extra.title ?? `${categoryCode} in ${slug}`, description: 'Something to fix.', lat: extra.lat ?? p.lat, lng: extra.lng ?? p.lng, anonymous: false, locale: 'en', ...extra },
    extra.guest ? { kind: 'guest', email: 'guest@example.org', name: 'Guest' } : { kind: 'user', userId: citizen.id, name: citizen.displayName },
  )
  if (result.kind !== 'filed') throw new Error(`not filed: ${result.kind}`)
  mine.add(result.id)
  return result.id
}

const query = async (viewer: AccountUser, params: Record<string, string> = {}, now?: number) => parseCouncilQuery(new URLSearchParams(params), viewer, now)
// Only the reports these tests filed (the demo seed may add its own).
const mine = new Set<number>()
const ids = async (viewer: AccountUser, params: Record<string, string> = {}) => (await councilReports((await query(viewer, params)).filter)).items.map((r) => r.id).filter((id) => mine.has(id))
const reportRow = (id: number) => database().db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const updatesOf = (id: number) => database().db.selectFrom('report_updates').selectAll().where('report_id', '=', id).orderBy('id').execute()

async function readAll(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  let text = ''
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
  return text
}

/** A tiny CSV reader for the tests (RFC 4180: quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  return rows
}

// The city: roads reports in three places, a street light in Ribera Sud (the roads department's
// there) and elsewhere (street lighting's), a bin (waste), one unconfirmed pothole.
const r = {} as Record<'oldPothole' | 'pothole' | 'pavement' | 'southLight' | 'light' | 'bin' | 'unconfirmed', number>
let northNeighbourhood: string
beforeAll(async () => {
  await seededDatabase()
  ;[roads, lighting, admin, citizen] = (await Promise.all(['roads', 'lighting', 'admin', 'citizen'].map((n) => userByEmail(`${n}@valmera.example`)))) as [
    AccountUser,
    AccountUser,
    AccountUser,
    AccountUser,
  ]
  roadsId = roads.roles.find((x) => x.role === 'staff')!.departmentId!
  lightingId = lighting.roles.find((x) => x.role === 'staff')!.departmentId!
  const north = await database()
    .db.selectFrom('areas as n')
    .innerJoin('areas as d', 'd.id', 'n.parent_id')
    .select('n.slug')
    .where('d.slug', '=', 'ribera-nord')
    .orderBy('n.id')
    .executeTakeFirstOrThrow()
  northNeighbourhood = north.slug
  const southNeighbourhood = await database()
    .db.selectFrom('areas as n')
    .innerJoin('areas as d', 'd.id', 'n.parent_id')
    .select('n.slug')
    .where('d.slug', '=', 'ribera-sud')
    .orderBy('n.id')
    .executeTakeFirstOrThrow()
  const old = new Date(Date.now() - 60 * DAY).toISOString()
  r.oldPothole = await file('pothole', 'sant-roc', { createdAt: old, title: 'Old pothole' })
  r.pothole = await file('pothole', northNeighbourhood, { title: '=HYPERLINK("http://evil.example","click")' })
  r.pavement = await file('damaged-pavement', 'sant-roc', { title: 'Broken, "loose" slabs\nnear the school' })
  r.southLight = await file('street-light', southNeighbourhood.slug)
  r.light = await file('street-light', 'sant-roc')
  r.bin = await file('overflowing-bin', 'sant-roc')
  r.unconfirmed = await file('pothole', 'sant-roc', { guest: true, title: 'Guest pothole' })
})

describe('the council list', () => {
  it('shows staff only their departments’ reports, administrators all', async () => {
    const mine = await ids(roads, { status: 'all' })
    expect(mine.sort()).toEqual([r.oldPothole, r.pothole, r.pavement, r.southLight, r.unconfirmed].sort())
    expect(await ids(lighting, { status: 'all' })).toEqual([r.light])
    const all = await ids(admin, { status: 'all' })
    for (const id of Object.values(r)) expect(all).toContain(id)
    // Administrators narrow to one department; staff may not ask for another's.
    expect((await ids(admin, { status: 'all', department: 'street-lighting' })).sort()).toEqual([r.light])
    const foreign = await query(roads, { department: 'street-lighting' })
    expect(foreign.errors.department).toBe('council:errors.department')
    expect(foreign.filter.departmentIds).toEqual([roadsId])
  })

  it('filters by status (kind or one state, unconfirmed too), category, area, age, priority and assignee', async () => {
    expect(await ids(roads)).not.toContain(r.unconfirmed)
    expect(await ids(roads, { status: 'unconfirmed' })).toEqual([r.unconfirmed])
    expect((await ids(roads, { category: 'pothole' })).sort()).toEqual([r.oldPothole, r.pothole].sort())
    expect(await ids(roads, { area: 'ribera-nord' })).toEqual([r.pothole])
    expect(await ids(roads, { area: northNeighbourhood })).toEqual([r.pothole])
    expect(await ids(roads, { age: 'older30' })).toEqual([r.oldPothole])
    expect(await ids(roads, { age: '7' })).not.toContain(r.oldPothole)
    const actor = actorFromUser(roads)
    expect((await triageReport(actor, r.pavement, { state: 'investigating', priority: 'urgent', assigneeId: roads.id })).kind).toBe('ok')
    expect(await ids(roads, { status: 'state.investigating' })).toEqual([r.pavement])
    expect(await ids(roads, { priority: 'urgent' })).toEqual([r.pavement])
    expect(await ids(roads, { assignee: 'me' })).toEqual([r.pavement])
    expect(await ids(roads, { assignee: 'none' })).not.toContain(r.pavement)
    expect(await ids(lighting, { assignee: 'me' })).toEqual([])
  })

  it('sees a department added or renamed through the services at once, though it keeps the setup per process (ADR 160)', async () => {
    const before = await query(admin, {})
    expect(before.scope.departments.map((d) => d.slug)).not.toContain('council-cache-test')
    const made = await saveDepartment(admin.id, { slug: 'council-cache-test', name_en: 'Cache test' })
    if (!made.ok) throw new Error('could not make the department')
    const after = await query(admin, { department: 'council-cache-test' })
    expect(after.errors.department).toBeUndefined()
    expect(after.scope.departments.find((d) => d.slug === 'council-cache-test')?.name).toBe('Cache test')
    expect(await saveDepartment(admin.id, { slug: 'council-cache-test', name_en: 'Renamed' }, made.id)).toMatchObject({ ok: true })
    expect((await query(admin, {})).scope.departments.find((d) => d.slug === 'council-cache-test')?.name).toBe('Renamed')
    // Staff still see only their own departments: the scope follows each viewer's roles, read per request.
    expect((await query(roads, { department: 'council-cache-test' })).errors.department).toBe('council:errors.department')
    expect((await query(roads, {})).scope.departments.map((d) => d.id)).toEqual([roadsId])
  })

  it('reports a value it cannot understand and uses the default instead', async () => {
    const q = await query(roads, { status: 'nonsense', category: 'no-such', area: 'nowhere', age: '5', priority: 'meh', assignee: 'you', sort: 'random', page: '-2' })
    expect(Object.keys(q.errors).sort()).toEqual(['age', 'area', 'assignee', 'category', 'page', 'priority', 'sort', 'status'])
    expect(q.query).toMatchObject({ status: 'open', category: '', sort: 'newest', page: 1 })
    expect(queryString(q.query)).toBe('')
    expect(queryString({ ...q.query, priority: 'high', page: 2 })).toBe('?priority=high&page=2')
  })

  it('sorts newest, oldest, by priority, supports and last update', async () => {
    const newest = await ids(roads)
    expect(newest[newest.length - 1]).toBe(r.oldPothole)
    expect((await ids(roads, { sort: 'oldest' }))[0]).toBe(r.oldPothole)
    expect((await ids(roads, { sort: 'priority' }))[0]).toBe(r.pavement)
    await database().write((trx) => trx.updateTable('reports').set({ supports: 9 }).where('id', '=', r.southLight).execute())
    expect((await ids(roads, { sort: 'supports' }))[0]).toBe(r.southLight)
    expect((await triageReport(actorFromUser(roads), r.oldPothole, { note: 'Checked on site.' })).kind).toBe('ok')
    expect((await ids(roads, { sort: 'updated' }))[0]).toBe(r.oldPothole)
  })

  it('counts per state for the filter, and the total of the chosen status', async () => {
    const { filter } = await query(roads)
    const page = await councilReports(filter)
    const expected = async (where: { category?: string }) => {
      let q = database()
        .db.selectFrom('reports')
        .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
        .select(['reports.state', database().db.fn.countAll<number>().as('n')])
        .where('reports.department_id', '=', roadsId)
        .groupBy('reports.state')
      if (where.category) q = q.where('c.code', '=', where.category)
      return Object.fromEntries((await q.execute()).map((x) => [x.state, Number(x.n)]))
    }
    const nonZero = (counts: Array<{ state: string; n: number }>) => Object.fromEntries(counts.filter((c) => c.n > 0).map((c) => [c.state, c.n]))
    expect(nonZero(page.counts)).toEqual(await expected({}))
    expect(page.counts.find((c) => c.state === 'unconfirmed')?.n).toBeGreaterThanOrEqual(1)
    expect(page.total).toBe(page.items.length)
    expect(page.total).toBe(page.counts.filter((c) => c.kind === 'open').reduce((s, c) => s + c.n, 0))
    // Counts follow the other filters (here: the category).
    const potholes = await councilReports((await query(roads, { category: 'pothole' })).filter)
    expect(nonZero(potholes.counts)).toEqual(await expected({ category: 'pothole' }))
  })
})

describe('CSV export', () => {
  it('quotes cells as RFC 4180 says and defuses formulas in text', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell('=1+1')).toBe("'=1+1")
    expect(csvCell('+34 600')).toBe("'+34 600")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('\tx')).toBe("'\tx")
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`)
    // Numbers are data: a negative longitude stays a number.
    expect(csvCell(-1.52)).toBe('-1.52')
    expect(csvCell(null)).toBe('')
    expect(csvRow(['a', 1, null])).toBe('a,1,\r\n')
  })

  it('streams every matching row in the list’s order, across chunks', async () => {
    for (const sort of ['newest', 'oldest', 'priority', 'supports', 'updated']) {
      const { filter } = await query(admin, { status: 'all', sort })
      const text = await readAll(councilCsv(filter, 2))
      expect(text.startsWith('\ufeffid,title,category,department,state,kind,priority,area,district,created,confirmed,first_response,fixed,closed,supports,lat,lng,url\r\n')).toBe(true)
      const rows = parseCsv(text.slice(1))
      const listed = (await councilReports(filter)).items.map((x) => String(x.id))
      expect(listed.length).toBeLessThan(50)
      expect(
        rows.slice(1).map((row) => row[0]),
        sort,
      ).toEqual(listed)
    }
    const { filter } = await query(roads, { status: 'all' })
    const rows = parseCsv((await readAll(councilCsv(filter))).slice(1))
    const byId = new Map(rows.slice(1).map((row) => [Number(row[0]), row]))
    expect(byId.get(r.pothole)![1]).toBe('\'=HYPERLINK("http://evil.example","click")')
    expect(byId.get(r.pavement)![1]).toBe('Broken, "loose" slabs\nnear the school')
    expect(byId.get(r.pavement)![4]).toBe('investigating')
    expect(Number(byId.get(r.pavement)![16])).toBeLessThan(0) // longitude, west of Greenwich
    expect(byId.get(r.pavement)![17]).toMatch(new RegExp(`/reports/${r.pavement}$`))
    expect(byId.has(r.light)).toBe(false)
  })
})

describe('triage of one report', () => {
  it('refuses staff of another department and says which handles it', async () => {
    expect(await triagePage(r.light, roads)).toEqual({ kind: 'forbidden', department: 'Street lighting' })
    expect((await triagePage(999_999, roads)).kind).toBe('notFound')
    const page = await triagePage(r.pothole, roads)
    expect(page.kind).toBe('ok')
    if (page.kind === 'ok') {
      expect(page.data.report.reporterContact).toMatchObject({ accountId: citizen.id })
      expect(page.data.states.find((s) => s.code === 'unconfirmed')?.allowed).toBe(false)
      expect(page.data.categories.map((c) => c.code)).toContain('pothole')
    }
  })

  it('checks every field before changing anything', async () => {
    const before = await reportRow(r.pothole)
    const updates = (await updatesOf(r.pothole)).length
    const cases: Array<[Record<string, string>, string]> = [
      [{ state: 'melted' }, 'state'],
      [{ priority: 'whenever' }, 'priority'],
      [{ duplicateOf: String(r.pothole) }, 'duplicateOf'],
      [{ duplicateOf: '99999999' }, 'duplicateOf'],
      [{ lat: '0', lng: '0' }, 'location'],
      [{ assignee: String(lighting.id) }, 'assignee'],
      [{ assignee: 'someone' }, 'assignee'],
      [{ category: 'overflowing-bin', state: 'fixed', lat: '0', lng: '0' }, 'location'],
      [{ update: 'x'.repeat(6000) }, 'update'],
      [{ templateId: '424242' }, 'templateId'],
      [{ state: 'duplicate' }, 'duplicateOf'],
    ]
    for (const [form, field] of cases) {
      // Valid changes beside the bad one must not be written either.
      const outcome = await submitTriage(roads, r.pothole, { state: 'in_progress', note: 'should not be saved', ...form })
      expect(outcome.kind, JSON.stringify(form)).toBe('invalid')
      if (outcome.kind === 'invalid') expect(Object.keys(outcome.errors), JSON.stringify(form)).toContain(field)
    }
    expect(await reportRow(r.pothole)).toEqual(before)
    expect((await updatesOf(r.pothole)).length).toBe(updates)
    expect((await submitTriage(lighting, r.pothole, { state: 'fixed' })).kind).toBe('invalid')
  })

  it('changes several things in one submission, public update and private note apart', async () => {
    const outcome = await submitTriage(roads, r.pothole, { state: 'action_scheduled', priority: 'high', assignee: String(roads.id), update: 'Repair booked for Monday.', note: 'Crew B.' })
    expect(outcome).toEqual({ kind: 'ok', changed: expect.arrayContaining(['state', 'priority', 'assignee', 'note']) })
    const row = await reportRow(r.pothole)
    expect(row).toMatchObject({ state: 'action_scheduled', priority: 'high', assignee_id: roads.id })
    expect(row.first_response_at).not.toBeNull()
    const publicTimeline = await reportTimeline(r.pothole)
    expect(publicTimeline.some((u) => u.text === 'Repair booked for Monday.')).toBe(true)
    expect(publicTimeline.some((u) => u.text === 'Crew B.')).toBe(false)
    expect((await reportTimeline(r.pothole, { includePrivate: true })).some((u) => u.text === 'Crew B.' && !u.public)).toBe(true)
    const audit = await database().db.selectFrom('audit_log').selectAll().where('target_kind', '=', 'report').where('target_id', '=', r.pothole).execute()
    expect(audit.some((a) => a.action === 'report.triage' && a.after?.includes('action_scheduled'))).toBe(true)
    // Sending the same form again changes nothing.
    expect(await submitTriage(roads, r.pothole, { state: 'action_scheduled', priority: 'high', assignee: String(roads.id) })).toEqual({ kind: 'nothing' })
  })

  it('moves the pin within the department’s reach and marks duplicates', async () => {
    const p = await point('ribera-nord')
    expect((await submitTriage(roads, r.oldPothole, { lat: String(p.lat), lng: String(p.lng) })).kind).toBe('ok')
    expect(await reportRow(r.oldPothole)).toMatchObject({ lat: p.lat, lng: p.lng })
    // Without JavaScript: an area's point.
    expect((await submitTriage(roads, r.oldPothole, { lat: String(p.lat), lng: String(p.lng), area: 'sant-roc' })).kind).toBe('ok')
    expect((await reportRow(r.oldPothole)).lat).not.toBe(p.lat)
    const outcome = await submitTriage(roads, r.oldPothole, { duplicateOf: `#${r.pothole}` })
    expect(outcome.kind).toBe('ok')
    expect(await reportRow(r.oldPothole)).toMatchObject({ state: 'duplicate', state_kind: 'closed', duplicate_of: r.pothole })
    // The original cannot then be marked a duplicate of its duplicate.
    const cycle = await submitTriage(roads, r.pothole, { duplicateOf: String(r.oldPothole) })
    expect(cycle.kind).toBe('invalid')
  })

  it('refuses a state change of an unconfirmed report', async () => {
    const outcome = await submitTriage(roads, r.unconfirmed, { state: 'fixed' })
    expect(outcome).toMatchObject({ kind: 'invalid', errors: { state: 'council:errors.unconfirmed' } })
  })
})

describe('bulk changes', () => {
  it('changes what it may and says why it skipped the rest', async () => {
    const outcome = await bulkChange(roads, [r.southLight, r.pavement, r.light, r.unconfirmed, 987654], { state: 'in_progress' })
    expect(outcome.changed).toBe(2)
    expect(outcome.skipped).toEqual({ forbidden: 1, badTransition: 1, notFound: 1 })
    expect((await reportRow(r.southLight)).state).toBe('in_progress')
    const assigned = await bulkChange(admin, [r.southLight, r.light], { assigneeId: roads.id })
    expect(assigned).toEqual({ changed: 1, skipped: { badAssignee: 1 } })
    expect((await reportRow(r.light)).assignee_id).toBeNull()
    // Nothing half-done for the skipped one: no timeline row claims a change.
    expect((await updatesOf(r.light)).filter((u) => u.kind !== 'created')).toEqual([])
  })
})

describe('response templates', () => {
  it('lets staff manage their own department’s, administrators any; every change is audited', async () => {
    const staff = actorFromUser(roads)
    expect(await createTemplate(staff, { title: 'Lights', text: 'x', departmentId: lightingId, autoState: null })).toEqual({ kind: 'forbidden' })
    expect(await createTemplate(staff, { title: 'Everyone', text: 'x', departmentId: null, autoState: null })).toEqual({ kind: 'forbidden' })
    expect(await createTemplate(staff, { title: 'Bad', text: 'x', departmentId: roadsId, autoState: 'melted' })).toEqual({ kind: 'unknownState' })
    expect(await createTemplate(staff, { title: 'Bad', text: 'x', departmentId: roadsId, autoState: 'hidden' })).toEqual({ kind: 'badState' })
    const created = await createTemplate(staff, { title: 'Scheduled', text: 'We have scheduled the repair.', departmentId: roadsId, autoState: 'action_scheduled' })
    expect(created.kind).toBe('ok')
    const id = created.kind === 'ok' ? created.id : 0
    expect(await createTemplate(staff, { title: 'Again', text: 'y', departmentId: roadsId, autoState: 'action_scheduled' })).toEqual({ kind: 'autoTaken', title: 'Scheduled' })
    const global = await createTemplate(actorFromUser(admin), { title: 'Thanks', text: 'Thank you for your report.', departmentId: null, autoState: null })
    expect(global.kind).toBe('ok')
    const titles = async (department: number) => (await templatesFor([department])).map((t) => t.title).filter((t) => ['Thanks', 'Scheduled'].includes(t))
    // Every department's first, then the department's own.
    expect(await titles(roadsId)).toEqual(['Thanks', 'Scheduled'])
    expect(await titles(lightingId)).toEqual(['Thanks'])
    expect((await updateTemplate(actorFromUser(lighting), id, { title: 'Mine now', text: 'z', departmentId: lightingId, autoState: null })).kind).toBe('forbidden')
    expect((await updateTemplate(staff, id, { title: 'Scheduled', text: 'The repair is scheduled.', departmentId: roadsId, autoState: 'action_scheduled' })).kind).toBe('ok')
    expect((await deleteTemplate(staff, global.kind === 'ok' ? global.id : 0)).kind).toBe('forbidden')
    const audit = await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'response_template').where('target_id', '=', id).execute()
    expect(audit.map((a) => a.action)).toEqual(['template.create', 'template.update'])
  })

  it('is posted automatically on its status change when staff write nothing, and on request', async () => {
    const fresh = await file('pothole', 'sant-roc', { title: 'Fresh pothole' })
    expect((await submitTriage(roads, fresh, { state: 'action_scheduled' })).kind).toBe('ok')
    let timeline = await reportTimeline(fresh)
    expect(timeline.at(-1)).toMatchObject({ kind: 'state', toState: 'action_scheduled', text: 'The repair is scheduled.' })
    // Staff's own words win over the automatic template.
    const other = await file('pothole', 'sant-roc', { title: 'Other pothole' })
    expect((await submitTriage(roads, other, { state: 'action_scheduled', update: 'Our own words.' })).kind).toBe('ok')
    expect((await reportTimeline(other)).at(-1)).toMatchObject({ text: 'Our own words.' })
    // A template chosen in the form is posted as the update.
    const thanks = (await templatesFor([roadsId])).find((t) => t.title === 'Thanks')!
    expect((await submitTriage(roads, fresh, { templateId: String(thanks.id) })).kind).toBe('ok')
    timeline = await reportTimeline(fresh)
    expect(timeline.at(-1)).toMatchObject({ kind: 'update', text: 'Thank you for your report.' })
    const roadsTemplate = (await templatesFor([roadsId])).find((t) => t.title === 'Scheduled')!
    expect((await submitTriage(lighting, r.light, { templateId: String(roadsTemplate.id) })).kind).toBe('invalid')
    expect((await deleteTemplate(actorFromUser(roads), roadsTemplate.id)).kind).toBe('ok')
  })
})

describe('counts per department and state (report_state_counts)', () => {
  const counted = async () =>
    Object.fromEntries(
      (await database().db.selectFrom('report_state_counts').select(['department_id', 'state', 'n']).where('n', '!=', 0).orderBy('department_id').orderBy('state').execute()).map((c) => [
        `${c.department_id}:${c.state}`,
        c.n,
      ]),
    )
  const grouped = async () =>
    Object.fromEntries(
      (
        await database()
          .db.selectFrom('reports')
          .select(['department_id', 'state', database().db.fn.countAll<number>().as('n')])
          .groupBy(['department_id', 'state'])
          .orderBy('department_id')
          .orderBy('state')
          .execute()
      ).map((c) => [`${c.department_id}:${c.state}`, Number(c.n)]),
    )

  it('stays equal to a count of the reports through random filings, confirmations, triage, re-routing, reporters’ changes, hiding and restoring', async () => {
    expect(await counted()).toEqual(await grouped())
    const random = mulberry32(2026)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
    const places = ['sant-roc', northNeighbourhood, 'ribera-sud']
    const categories = ['pothole', 'damaged-pavement', 'street-light', 'overflowing-bin', 'fly-tipping', 'fallen-tree']
    const states = ['confirmed', 'investigating', 'action_scheduled', 'in_progress', 'fixed', 'closed', 'not_responsible', 'unable_to_fix', 'internal_referral']
    const made: number[] = []
    const adminActor = actorFromUser(admin)
    const outcomes: Record<string, number> = {}
    const tally = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1)
    for (let step = 0; step < 120; step++) {
      const roll = random()
      const id = made.length ? pick(made) : 0
      if (made.length < 6 || roll < 0.2) {
        made.push(await file(pick(categories), pick(places), { guest: random() < 0.3 }))
        tally('filed')
      } else if (roll < 0.3) {
        // A guest's report becomes public through the link in its e-mail.
        const mail = await database().db.selectFrom('outbox').select('text_body').where('kind', '=', 'report.confirm').orderBy('id', 'desc').limit(10).execute()
        const token = pick(mail.map((m) => /\/reports\/confirm\/([a-z0-9]+)/.exec(m.text_body)?.[1]).filter((t): t is string => Boolean(t)))
        if ((await confirmReport(token)).kind === 'ok') tally('confirmed')
      } else if (roll < 0.55) {
        const result = await triageReport(adminActor, id, { state: pick(states), ...(random() < 0.3 ? { priority: pick(['low', 'high', 'urgent'] as const) } : {}) })
        tally(`triage ${result.kind}`)
      } else if (roll < 0.65) {
        // A new category may move it to another department (and a state change in the same write).
        const result = await triageReport(adminActor, id, { categoryCode: pick(categories), ...(random() < 0.5 ? { state: pick(states) } : {}) })
        tally(`reroute ${result.kind}`)
      } else if (roll < 0.72) {
        const result = await bulkChange(admin, [pick(made), pick(made), pick(made)], { state: pick(states) })
        tally(`bulk ${result.changed}`)
      } else if (roll < 0.8) {
        tally(`reporter ${(await reporterChange(id, { userId: citizen.id }, random() < 0.5 ? 'fixed' : 'open')).kind}`)
      } else if (roll < 0.9) {
        await database().write((trx) => hideReport(trx, id))
        tally('hide')
      } else {
        await database().write((trx) => restoreReport(trx, id))
        tally('restore')
      }
      if (step % 10 === 9) expect(await counted(), `after step ${step}`).toEqual(await grouped())
    }
    expect(await counted()).toEqual(await grouped())
    // The walk did go through each kind of change.
    for (const what of ['filed', 'confirmed', 'triage ok', 'reroute ok', 'reporter ok', 'hide', 'restore']) expect(outcomes[what], what).toBeGreaterThan(0)
  })

  it('gives the unfiltered lists the same counts as counting the reports', async () => {
    for (const viewer of [roads, lighting, admin]) {
      const { filter } = await query(viewer, { status: 'all' })
      const counts = await councilReports(filter)
      let q = database()
        .db.selectFrom('reports')
        .select(['state', database().db.fn.countAll<number>().as('n')])
        .groupBy('state')
      if (filter.departmentIds) q = q.where('department_id', 'in', filter.departmentIds)
      const expected = Object.fromEntries((await q.execute()).map((row) => [row.state, Number(row.n)]))
      expect(Object.fromEntries(counts.counts.filter((c) => c.n > 0).map((c) => [c.state, c.n]))).toEqual(expected)
      expect(counts.total).toBe(Object.values(expected).reduce((a, b) => a + b, 0))
    }
  })

  it('counts the reports themselves under priority, age and assignee filters, and lists them by priority', async () => {
    const since = new Date(Date.now() - 30 * DAY).toISOString()
    for (const viewer of [roads, admin]) {
      for (const params of [{ priority: 'urgent' }, { priority: 'high', age: '30', assignee: 'none' }, { assignee: 'none' }, { age: 'older30' }] as Array<Record<string, string>>) {
        const { filter } = await query(viewer, { status: 'all', sort: 'priority', ...params })
        const page = await councilReports(filter)
        let q = database()
          .db.selectFrom('reports')
          .select(['state', database().db.fn.countAll<number>().as('n')])
          .groupBy('state')
        if (filter.departmentIds) q = q.where('department_id', 'in', filter.departmentIds)
        if (params.priority) q = q.where('priority', '=', params.priority as 'urgent')
        if (params.assignee) q = q.where('assignee_id', 'is', null)
        if (params.age === '30') q = q.where('created_at', '>=', since)
        if (params.age === 'older30') q = q.where('created_at', '<', since)
        const expected = Object.fromEntries((await q.execute()).map((row) => [row.state, Number(row.n)]))
        expect(Object.fromEntries(page.counts.filter((c) => c.n > 0).map((c) => [c.state, c.n])), JSON.stringify(params)).toEqual(expected)
        for (const item of page.items) if (params.priority) expect(item.priority).toBe(params.priority)
      }
    }
    // Most urgent first, then newest.
    const { filter } = await query(admin, { status: 'all', sort: 'priority' })
    const items = (await councilReports(filter)).items
    const rank = { urgent: 3, high: 2, normal: 1, low: 0 }
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!]
      expect(rank[a.priority] > rank[b.priority] || (rank[a.priority] === rank[b.priority] && a.createdAt >= b.createdAt)).toBe(true)
    }
  })
})

describe('dashboard', () => {
  it('takes the median of a worked example', () => {
    expect(median([])).toBeNull()
    expect(median([7])).toBe(7)
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(weekStart(Date.parse('2026-11-22T10:00:00Z'))).toBe(Date.parse('2026-11-16T00:00:00Z')) // a Sunday → its Monday
    expect(weekStart(Date.parse('2026-11-16T00:00:00Z'))).toBe(Date.parse('2026-11-16T00:00:00Z'))
  })

  it('counts per week by category and district, and medians to first response and to fixed', async () => {
    const now = Date.parse('2027-03-10T12:00:00Z') // a Wednesday
    const at = (days: number, hours = 0) => new Date(now - days * DAY + hours * 3_600_000).toISOString()
    // Four waste reports: confirmed at t, answered after 2, 4, 10 hours and never; two fixed after 24 and 72 hours.
    const made: number[] = []
    for (const [days, respond, fixed] of [
      [1, 2, 24],
      [7, 4, 72],
      [8, 10, null],
      [9, null, null],
    ] as Array<[number, number | null, number | null]>) {
      const id = await file('fly-tipping', 'sant-roc', { createdAt: at(days) })
      made.push(id)
      // The state through triage (which keeps the counts per state), the times written over.
      if (fixed !== null) expect((await triageReport(actorFromUser(admin), id, { state: 'fixed' })).kind).toBe('ok')
      await database().write((trx) =>
        trx
          .updateTable('reports')
          .set({
            confirmed_at: at(days),
            first_response_at: respond === null ? null : at(days, respond),
            fixed_at: fixed === null ? null : at(days, fixed),
          })
          .where('id', '=', id)
          .execute(),
      )
    }
    // An old one outside the twelve weeks does not count.
    await file('fly-tipping', 'sant-roc', { createdAt: at(200) })
    const waste = (await database().db.selectFrom('departments').select('id').where('slug', '=', 'waste').executeTakeFirstOrThrow()).id
    const d = await councilDashboard([waste], { now })
    expect(d.weeks).toHaveLength(12)
    expect(d.weeks[11]).toBe('2027-03-08')
    expect(d.total).toBe(4)
    const tipping = d.byCategory.find((c) => c.code === 'fly-tipping')!
    // 1 day ago: this week; 7, 8 and 9 days ago: the week before (Monday 1 March).
    expect(tipping.counts.slice(-2)).toEqual([3, 1])
    expect(d.byDistrict.reduce((s, x) => s + x.counts.reduce((a, b) => a + b, 0), 0)).toBe(4)
    expect(d.firstResponse.overall).toBe(4)
    expect(d.firstResponse.waiting).toBe(1)
    expect(d.firstResponse.byCategory.find((c) => c.code === 'fly-tipping')).toMatchObject({ hours: 4, n: 3 })
    expect(d.fixed.overall).toBe(48)
    expect(d.fixed.byWeek.slice(-2)).toEqual([72, 24])
    // Another department's dashboard does not see them.
    expect((await councilDashboard([roadsId], { now })).byCategory.find((c) => c.code === 'fly-tipping')).toBeUndefined()
  })
})
