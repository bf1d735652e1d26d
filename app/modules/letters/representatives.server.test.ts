import sharp from 'sharp'
import exifr from 'exifr'
import { beforeAll, describe, expect, it } from 'vitest'
import { database, nowIso } from '../../lib/db.server'
import { areaId, makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areasContaining } from '../geo/lookup.server'
import { interiorPoint, polygonsOf, type AreaGeometry, type Position } from '../geo/geometry'
import {
  clearRepresentativeBounce,
  deactivateRepresentative,
  deleteLevel,
  getRepresentative,
  listLevels,
  listRepresentatives,
  markRepresentativeBounced,
  preparePortrait,
  representativeDirectory,
  representativePhoto,
  representativeProfile,
  representativesFor,
  responseRates,
  saveLevel,
  saveRepresentative,
  setBounceMark,
} from './representatives.server'

type AreaRow = { id: number; slug: string; level: string; parent_id: number | null; geometry: AreaGeometry }
let areas: AreaRow[]
let admin: number

beforeAll(async () => {
  await seededDatabase()
  admin = (await makeUser(3)).id
  const rows = await database().db.selectFrom('areas').select(['id', 'slug', 'level', 'parent_id', 'geometry']).execute()
  areas = rows.map((r) => ({ ...r, geometry: JSON.parse(r.geometry) as AreaGeometry }))
})

const area = (slug: string) => areas.find((a) => a.slug === slug)!
const point = (slug: string) => {
  const [lng, lat] = interiorPoint(area(slug).geometry)
  return { lat, lng }
}

/** Midpoints of edges shared by two areas of a level: points exactly on their border. */
function borderPoints(level: string): Array<{ lat: number; lng: number; sides: [string, string]; vertex: boolean }> {
  const edges = new Map<string, string>()
  const key = (a: Position, b: Position) =>
    [a, b]
      .map((p) => p.join(','))
      .sort()
      .join('|')
  const out: Array<{ lat: number; lng: number; sides: [string, string]; vertex: boolean }> = []
  for (const a of areas.filter((x) => x.level === level)) {
    for (const polygon of polygonsOf(a.geometry)) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const k = key(ring[i]!, ring[i + 1]!)
          const other = edges.get(k)
          if (other && other !== a.slug) {
            // A vertex is exactly on both areas' rings: no rounding of a computed midpoint.
            out.push({ lng: ring[i]![0], lat: ring[i]![1], sides: [other, a.slug], vertex: true })
            const [p, q] = [ring[i]!, ring[i + 1]!]
            out.push({ lng: (p[0] + q[0]) / 2, lat: (p[1] + q[1]) / 2, sides: [other, a.slug], vertex: false })
          } else edges.set(k, a.slug)
        }
      }
    }
  }
  return out
}

describe('representativesFor', () => {
  it('finds the neighbourhood councillors, the district councillors and the mayor for a point, in the levels’ order', async () => {
    const groups = await representativesFor(point('el-molinar'), { locale: 'es' })
    expect(groups.map((g) => g.level.code)).toEqual(['neighbourhood', 'district', 'mayor'])
    expect(groups.map((g) => g.area.level)).toEqual(['neighbourhood', 'district', 'city'])
    expect(groups[0]!.area.slug).toBe('el-molinar')
    expect(groups[1]!.area.id).toBe(area('el-molinar').parent_id)
    expect(groups[0]!.level.name).toBe('Concejales de barrio')
    expect(groups[1]!.members).toHaveLength(2)
    expect(groups[2]!.members).toHaveLength(1)
    for (const g of groups) for (const m of g.members) expect(Object.keys(m)).not.toContain('email')
  })

  it('gives every point on a district border to exactly one district, the one areasContaining names', async () => {
    const points = borderPoints('district')
    expect(points.length).toBeGreaterThan(10)
    for (const p of points.slice(0, 60)) {
      const groups = await representativesFor(p)
      const districtGroups = groups.filter((g) => g.level.code === 'district')
      const owner = (await areasContaining(p.lat, p.lng)).find((a) => a.level === 'district')
      if (!owner) {
        // A vertex on the city's outer edge belongs to nobody: then nobody's councillors.
        expect(districtGroups).toEqual([])
        continue
      }
      expect(districtGroups.map((g) => g.area.id)).toEqual([owner.id])
      // A vertex may be shared by a third district; a point inside an edge has only two sides.
      if (!p.vertex) expect(p.sides).toContain(owner.slug)
    }
  })

  it('gives every point on a neighbourhood border to exactly one neighbourhood', async () => {
    const points = borderPoints('neighbourhood')
    expect(points.length).toBeGreaterThan(50)
    for (const p of points.slice(0, 120)) {
      const groups = (await representativesFor(p)).filter((g) => g.level.code === 'neighbourhood')
      const owner = (await areasContaining(p.lat, p.lng)).find((a) => a.level === 'neighbourhood')
      expect(groups.map((g) => g.area.id)).toEqual(owner ? [owner.id] : [])
      expect(groups.length).toBeLessThanOrEqual(1)
    }
  })

  it('finds nobody outside the city, for nonsense, or for an unknown area', async () => {
    expect(await representativesFor({ lat: 40, lng: -1.52 })).toEqual([])
    expect(await representativesFor({ lat: Number.NaN, lng: 0 })).toEqual([])
    expect(await representativesFor({ areaId: 999_999 })).toEqual([])
  })

  it('takes an area id: a neighbourhood gives three levels, a district two, the city the mayor', async () => {
    const n = area('el-molinar')
    expect((await representativesFor({ areaId: n.id })).map((g) => g.area.level)).toEqual(['neighbourhood', 'district', 'city'])
    const district = await representativesFor({ areaId: n.parent_id! })
    expect(district.map((g) => g.level.code)).toEqual(['district', 'mayor'])
    const city = areas.find((a) => a.level === 'city')!
    expect((await representativesFor({ areaId: city.id })).map((g) => g.level.code)).toEqual(['mayor'])
  })

  it('leaves out former and future representatives, and shows each on its own dates', async () => {
    const district = areas.find((a) => a.level === 'district')!
    const all = await database().db.selectFrom('representatives').select(['id', 'active_until']).where('area_id', '=', district.id).execute()
    const former = all.find((r) => r.active_until !== null)!
    expect(former).toBeTruthy()
    const groups = await representativesFor({ areaId: district.id })
    expect(groups[0]!.members.map((m) => m.id)).not.toContain(former.id)
    const back = await representativesFor({ areaId: district.id }, { at: new Date('2021-01-01T12:00:00Z') })
    expect(back[0]!.members.map((m) => m.id)).toEqual([former.id])
    expect((await representativeProfile(former.id))!.status).toBe('former')

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const future = await saveRepresentative(admin, {
      name: 'Future Person',
      role: 'District councillor',
      level: 'district',
      area: district.slug,
      email: 'future@council.valmera.example',
      activeFrom: tomorrow,
    })
    expect(future.ok).toBe(true)
    const now = await representativesFor({ areaId: district.id })
    expect(now[0]!.members.map((m) => m.name)).not.toContain('Future Person')
    const later = await representativesFor({ areaId: district.id }, { at: new Date(Date.now() + 2 * 86_400_000) })
    expect(later[0]!.members.map((m) => m.name)).toContain('Future Person')
  })
})

describe('bounce marks', () => {
  it('marks and clears with an audit row each, and the lookup shows the mark', async () => {
    const n = area('sant-roc')
    const rep = (await representativesFor({ areaId: n.id }))[0]!.members[0]!
    await database().write((trx) => markRepresentativeBounced(trx, rep.id, '550 5.1.1 no such user'))
    const marked = await getRepresentative(rep.id)
    expect(marked!.emailBouncedAt).not.toBeNull()
    expect(marked!.bounceNote).toBe('550 5.1.1 no such user')
    expect((await representativesFor({ areaId: n.id }))[0]!.members.find((m) => m.id === rep.id)!.bounced).toBe(true)
    await database().write((trx) => clearRepresentativeBounce(trx, rep.id, admin))
    expect((await getRepresentative(rep.id))!.emailBouncedAt).toBeNull()
    const audit = await database().db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_kind', '=', 'representative').where('target_id', '=', rep.id).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['representative.bounce', 'representative.bounce_clear'])
    expect(audit[1]!.actor_id).toBe(admin)
    expect((await setBounceMark(admin, rep.id, { bounced: true, note: 'x'.repeat(501) })).ok).toBe(false)
    expect(await setBounceMark(admin, rep.id, { bounced: true, note: 'returned by the council server' })).toEqual({ ok: true })
    expect((await listRepresentatives({ bounced: true })).rows.map((r) => r.id)).toContain(rep.id)
  })
})

async function answers(representativeId: number, list: Array<'yes' | 'no' | 'not_yet' | 'unsatisfactory' | null>) {
  await database().write(async (trx) => {
    for (const answer of list) {
      const letter = await trx
        .insertInto('letters')
        .values({
          token_hash: `t-${Math.random()}`,
          status: 'confirmed',
          sender_name: 'A Resident',
          sender_email: 'a@example.org',
          sender_key: 'a@example.org',
          sender_address: '1 Main St',
          subject: 'Hello',
          body: 'Hello',
          created_at: nowIso(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('letter_deliveries')
        .values({ letter_id: letter.id, representative_id: representativeId, status: 'sent', answer, answered_at: answer ? nowIso() : null })
        .execute()
    }
  })
}

describe('responseRates', () => {
  it('computes the worked example (8 responses of 10 answers) and "too few answers" below 5', async () => {
    const [a, b, c] = (await representativesFor(point('el-molinar'))).flatMap((g) => g.members)
    // a: 6 yes, 2 unsatisfactory, 1 no, 1 not yet, 2 unanswered → 8 of 10.
    await answers(a!.id, ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'unsatisfactory', 'unsatisfactory', 'no', 'not_yet', null, null])
    await answers(b!.id, ['yes', 'no', 'no'])
    const rates = await responseRates([a!.id, b!.id, c!.id])
    const ra = rates.get(a!.id)!
    expect(ra.answers).toBe(10)
    expect(ra.responded).toBe(8)
    expect(ra.rate).toBeCloseTo(0.8, 10)
    expect(ra.interval!.low).toBeCloseTo(0.49, 3)
    expect(ra.interval!.high).toBeCloseTo(0.943, 3)
    expect(ra.byAnswer).toEqual({ yes: 6, no: 1, not_yet: 1, unsatisfactory: 2 })
    expect(ra.tooFewAnswers).toBe(false)
    expect(rates.get(b!.id)!.tooFewAnswers).toBe(true)
    expect(rates.get(c!.id)!.answers).toBe(0)
    const all = await responseRates()
    expect(all.get(a!.id)!.responded).toBe(8)
    const directory = await representativeDirectory()
    expect(directory.flatMap((g) => g.members).find((m) => m.id === a!.id)!.rate.answers).toBe(10)
  })
})

describe('administration', () => {
  const valid = {
    name: 'Queralt Sala',
    role: 'Neighbourhood councillor',
    level: 'neighbourhood',
    area: 'el-molinar',
    party: 'Independent',
    email: 'queralt.sala@council.valmera.example',
    activeFrom: '2023-06-17',
    activeUntil: '',
  }

  it('refuses each bad field with its own message', async () => {
    const bad = await saveRepresentative(admin, { ...valid, name: '  ', role: '', email: 'not-an-email', activeFrom: '2023-02-30', party: 'p'.repeat(81) })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.errors.name).toEqual(['representatives:errors.nameRequired'])
    expect(bad.errors.role).toEqual(['representatives:errors.roleRequired'])
    expect(bad.errors.email).toEqual(['representatives:errors.emailInvalid'])
    expect(bad.errors.activeFrom).toEqual(['representatives:errors.activeFromInvalid'])
    expect(bad.errors.party).toEqual(['representatives:errors.partyTooLong'])
    const order = await saveRepresentative(admin, { ...valid, activeFrom: '2024-01-02', activeUntil: '2024-01-01' })
    expect(!order.ok && order.errors.activeUntil).toEqual(['representatives:errors.periodOrder'])
    const mismatch = await saveRepresentative(admin, { ...valid, area: 'ribera-nord' })
    expect(!mismatch.ok && mismatch.errors.area).toEqual(['representatives:errors.areaLevelMismatch.neighbourhood'])
    const unknown = await saveRepresentative(admin, { ...valid, level: 'senate', area: 'atlantis' })
    expect(!unknown.ok && unknown.errors).toMatchObject({ level: ['representatives:errors.levelUnknown'], area: ['representatives:errors.areaUnknown'] })
  })

  it('creates, updates (by area id too) and deactivates, auditing each change', async () => {
    const created = await saveRepresentative(admin, valid)
    expect(created.ok).toBe(true)
    if (!created.ok) return
    const id = created.id
    const updated = await saveRepresentative(admin, { ...valid, party: '', area: String(await areaId('el-molinar')) }, { id })
    expect(updated).toEqual({ ok: true, id })
    expect((await getRepresentative(id))!.party).toBeNull()
    expect((await representativesFor({ areaId: await areaId('el-molinar') }))[0]!.members.map((m) => m.id)).toContain(id)
    expect(await deactivateRepresentative(admin, id)).toBe(true)
    expect((await representativesFor({ areaId: await areaId('el-molinar') }))[0]!.members.map((m) => m.id)).not.toContain(id)
    expect((await representativeProfile(id))!.status).toBe('former')
    const audit = await database().db.selectFrom('audit_log').select(['action', 'before', 'after']).where('target_kind', '=', 'representative').where('target_id', '=', id).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['representative.create', 'representative.update', 'representative.deactivate'])
    expect(JSON.parse(audit[1]!.before!).party).toBe('Independent')
    expect(audit[1]!.before).not.toContain('photo_thumb')
  })

  it('manages levels: create, rename, refuse a duplicate code or deleting one in use', async () => {
    const fields = { code: 'ombudsman', nameEn: 'Ombudsman', nameEs: 'Defensoría', nameFr: 'Médiateur', areaLevel: 'city', position: '4' }
    expect(await saveLevel(admin, fields)).toEqual({ ok: true, code: 'ombudsman' })
    expect(await saveLevel(admin, fields)).toEqual({ ok: false, errors: { code: ['representatives:errors.codeTaken'] } })
    expect((await saveLevel(admin, { ...fields, nameFr: 'Médiatrice' }, 'ombudsman')).ok).toBe(true)
    expect((await listLevels('fr')).find((l) => l.code === 'ombudsman')!.name).toBe('Médiatrice')
    const bad = await saveLevel(admin, { ...fields, code: 'Bad Code', areaLevel: 'planet', nameEs: '' })
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['areaLevel', 'code', 'nameEs'])
    expect(await deleteLevel(admin, 'mayor')).toEqual({ ok: false, reason: 'inUse' })
    expect(await saveLevel(admin, { ...fields, areaLevel: 'district' }, 'mayor')).toMatchObject({ ok: false, errors: { areaLevel: ['representatives:errors.areaLevelInUse'] } })
    expect(await deleteLevel(admin, 'ombudsman')).toEqual({ ok: true })
  })
})

describe('portraits', () => {
  it('re-encodes an upload to a 400 px photo and a 96 px thumbnail with no metadata', async () => {
    const upload = await sharp({ create: { width: 1200, height: 1600, channels: 3, background: { r: 30, g: 90, b: 160 } } })
      .jpeg()
      .withExif({ IFD0: { Make: 'PlazaPhone', Copyright: 'Someone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 23/1 1890/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 10/1 4800/100' } })
      .toBuffer()
    expect((await exifr.parse(upload))?.Make).toBe('PlazaPhone')
    const portrait = await preparePortrait(upload)
    expect(portrait.kind).toBe('ok')
    if (portrait.kind !== 'ok') return
    for (const [buffer, max] of [
      [portrait.photo, 400],
      [portrait.thumb, 96],
    ] as const) {
      const meta = await sharp(buffer).metadata()
      expect(meta.format).toBe('jpeg')
      expect(Math.max(meta.width!, meta.height!)).toBe(max)
      expect(meta.exif).toBeUndefined()
      expect(meta.icc).toBeUndefined()
      expect(await exifr.parse(buffer)).toBeUndefined()
    }
    expect((await preparePortrait(Buffer.from('not an image'))).kind).toBe('notAnImage')

    const created = await saveRepresentative(
      admin,
      { name: 'Photo Person', role: 'Mayor', level: 'mayor', area: 'valmera', email: 'photo@council.valmera.example', activeUntil: '2020-01-01' },
      { portrait },
    )
    expect(created.ok).toBe(true)
    if (!created.ok) return
    const stored = await representativePhoto(created.id, 'thumb')
    expect(stored!.data.equals(portrait.thumb)).toBe(true)
    expect((await representativeProfile(created.id))!.thumbUrl).toMatch(new RegExp(`^/representatives/photos/${created.id}/thumb\\.jpg\\?v=`))
    await saveRepresentative(
      admin,
      { name: 'Photo Person', role: 'Mayor', level: 'mayor', area: 'valmera', email: 'photo@council.valmera.example', activeUntil: '2020-01-01' },
      { id: created.id, removePhoto: true },
    )
    expect(await representativePhoto(created.id, 'photo')).toBeNull()
  })
})
